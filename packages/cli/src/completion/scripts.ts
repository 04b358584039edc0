/**
 * Shell completion scripts for bash and zsh, generated from the program's commands and options (pure).
 * Unit arguments complete from the cluster (`list-unit-files --no-legend --fields unit`), machine arguments
 * of `ssh`, `cordon`, `uncordon` and `drain` from `list-machines --no-legend --full --fields machine`.
 */
export interface CompletionSpec {
  program: string;
  globalOptions: string[];
  commands: { name: string; options: string[]; argument: 'units' | 'machines' | 'files' | 'none' }[];
}

const UNITS_CMD = 'list-unit-files --no-legend --fields unit 2>/dev/null';
const MACHINES_CMD = 'list-machines --no-legend --full --fields machine 2>/dev/null';

function fnName(program: string): string {
  return `_${program.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

export function bashCompletion(spec: CompletionSpec): string {
  const cases = spec.commands
    .map((c) => {
      const words = c.options.join(' ');
      const dynamic =
        c.argument === 'units' ? `$(${spec.program} ${UNITS_CMD})` : c.argument === 'machines' ? `$(${spec.program} ${MACHINES_CMD})` : '';
      const files = c.argument === 'files' || c.argument === 'units' ? ' -f' : '';
      return `    ${c.name}) opts="${words}"; dyn="${dynamic}"; files="${files}" ;;`;
    })
    .join('\n');
  return `# bash completion for ${spec.program}; load with: source <(${spec.program} completion bash)
${fnName(spec.program)}() {
  local cur cmd i opts dyn files
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${spec.commands.map((c) => c.name).join(' ')} ${spec.globalOptions.join(' ')}" -- "$cur"))
    return
  fi
  opts=""; dyn=""; files=""
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts ${spec.globalOptions.join(' ')}" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$dyn" -- "$cur"))
    [[ -n "$files" ]] && COMPREPLY+=($(compgen -f -- "$cur"))
  fi
}
complete -F ${fnName(spec.program)} ${spec.program}
`;
}

export function zshCompletion(spec: CompletionSpec): string {
  const fn = fnName(spec.program);
  const commands = spec.commands.map((c) => `'${c.name}'`).join(' ');
  const cases = spec.commands
    .map((c) => {
      const opts = c.options.map((o) => `'${o}'`).join(' ');
      const arg =
        c.argument === 'units'
          ? `compadd -- \${(f)"$(${spec.program} ${UNITS_CMD})"}; _files`
          : c.argument === 'machines'
            ? `compadd -- \${(f)"$(${spec.program} ${MACHINES_CMD})"}`
            : c.argument === 'files'
              ? '_files'
              : ':';
      return `    ${c.name}) if [[ $PREFIX == -* ]]; then compadd -- ${opts || "''"}; else ${arg}; fi ;;`;
    })
    .join('\n');
  return `#compdef ${spec.program}
# zsh completion for ${spec.program}; load with: source <(${spec.program} completion zsh)
${fn}() {
  local cmd=\${words[(r)[^-]*~${spec.program}]}
  if (( CURRENT == 2 )) || [[ -z $cmd || $cmd == \${words[CURRENT]} ]]; then
    compadd -- ${commands} ${spec.globalOptions.map((o) => `'${o}'`).join(' ')}
    return
  fi
  case $cmd in
${cases}
  esac
}
compdef ${fn} ${spec.program}
`;
}
