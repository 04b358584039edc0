/** `completion bash|zsh`: prints a completion script for the program, built from its own commands. */
import type { Command } from 'commander';
import { unsupportedShell } from '../cli-errors.js';
import { defineLocalCommand, type AnyLocalCommand } from '../commands/local-command.js';
import { bashCompletion, zshCompletion, type CompletionSpec } from './scripts.js';

const UNIT_VERBS = new Set(['submit', 'load', 'start', 'stop', 'unload', 'restart', 'destroy', 'cat', 'status', 'journal', 'plan', 'verify']);
const MACHINE_VERBS = new Set(['ssh', 'cordon', 'uncordon', 'drain']);

function longFlags(cmd: Command): string[] {
  return cmd.options.filter((o) => !o.hidden && o.long).map((o) => o.long as string);
}

export function completionSpec(program: Command): CompletionSpec {
  return {
    program: program.name(),
    globalOptions: longFlags(program),
    commands: program.commands.map((c) => ({
      name: c.name(),
      options: longFlags(c),
      argument: UNIT_VERBS.has(c.name()) ? 'units' : MACHINE_VERBS.has(c.name()) ? 'machines' : c.name() === 'fd-forward' ? 'files' : 'none',
    })),
  };
}

/** `spec` is read when the command runs: by then the program holds every command. */
export function completion(spec: () => CompletionSpec): AnyLocalCommand {
  return defineLocalCommand({
    name: 'completion',
    args: '<shell>',
    summary: 'Print a shell completion script (bash or zsh)',
    examples: ['source <(flotilla completion bash)', 'flotilla completion zsh > "${fpath[1]}/_flotilla"'],
    parseOptions: () => ({}),
    async handler(_ctx, [shell = '']) {
      if (shell === 'bash') return bashCompletion(spec());
      if (shell === 'zsh') return zshCompletion(spec());
      throw unsupportedShell(shell);
    },
    render: (script) => ({ stdout: script }),
  });
}
