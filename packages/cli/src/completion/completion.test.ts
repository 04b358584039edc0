import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { bashCompletion, zshCompletion, type CompletionSpec } from './scripts.js';

const spec: CompletionSpec = {
  program: 'flotilla',
  globalOptions: ['--endpoint', '--driver'],
  commands: [
    { name: 'start', options: ['--no-block', '--replace'], argument: 'units' },
    { name: 'stop', options: ['--no-block'], argument: 'units' },
    { name: 'list-units', options: ['--fields', '--full'], argument: 'none' },
  ],
};

/** Runs the bash script for real: a shim `flotilla` on PATH answers the unit listing. */
function complete(words: string[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-completion-'));
  try {
    fs.writeFileSync(path.join(dir, 'flotilla'), '#!/bin/sh\nprintf "hello.service\\nweb@1.service\\n"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'script.bash'), bashCompletion(spec));
    const line = words.map((w) => `'${w}'`).join(' ');
    const script = `source ${dir}/script.bash; cd ${dir}; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _flotilla; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync('bash', ['-c', script], { env: { PATH: `${dir}:${process.env.PATH}` }, timeout: 10_000 }).toString();
    return out.split('\n').filter(Boolean).filter((w) => !w.startsWith('script.bash') && w !== 'flotilla');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('bash completion (run in bash)', () => {
  test.each([
    ['commands', ['flotilla', 'st'], ['start', 'stop']],
    ['global options', ['flotilla', '--d'], ['--driver']],
    ['command options plus globals', ['flotilla', 'start', '--'], ['--no-block', '--replace', '--endpoint', '--driver']],
    ['units from the cluster', ['flotilla', 'start', 'he'], ['hello.service']],
    ['after global flags', ['flotilla', '--driver', 'start', 'web'], ['web@1.service']],
    ['no unit completion for list verbs', ['flotilla', 'list-units', 'h'], []],
  ])('%s', (_name, words, expected) => {
    expect(complete(words)).toEqual(expected);
  });
});

/** Runs the zsh script in a real `zsh -f`: compinit for real, the script sourced, then `_flotilla` called with
 * compsys's own options (extendedglob...) and `compadd`/`_files` replaced by functions that print what would be
 * offered (compadd's prefix filtering kept). A shim `flotilla` on PATH answers the unit listing. */
const ZSH_DRIVER = `autoload -Uz compinit && compinit -D -u
source "$1"; shift
compadd() { local a; for a in "$@"; do [[ $a == -- || -z $a ]] && continue; [[ $a == \${PREFIX}* ]] && print -r -- $a; done; return 0; }
_files() { print -r -- '<files>'; }
words=("$@"); CURRENT=$#; PREFIX=\${words[CURRENT]}
setopt \${_comp_options[@]}
_flotilla
`;

function completeZsh(words: string[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-zsh-completion-'));
  try {
    fs.writeFileSync(path.join(dir, 'flotilla'), '#!/bin/sh\nprintf "hello.service\\nweb@1.service\\n"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'script.zsh'), zshCompletion(spec));
    fs.writeFileSync(path.join(dir, 'driver.zsh'), ZSH_DRIVER);
    const run = spawnSync('zsh', ['-f', path.join(dir, 'driver.zsh'), path.join(dir, 'script.zsh'), ...words], {
      env: { PATH: `${dir}:${process.env.PATH}`, HOME: dir },
      timeout: 10_000,
      encoding: 'utf8',
    });
    // A zsh error in the script (syntax, bad expansion) shows as stderr or a non-zero status.
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    return run.stdout.split('\n').filter(Boolean);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('zsh completion (run in zsh)', () => {
  test.each([
    ['commands', ['flotilla', 'st'], ['start', 'stop']],
    ['commands and global options on an empty word', ['flotilla', ''], ['start', 'stop', 'list-units', '--endpoint', '--driver']],
    ['global options', ['flotilla', '--d'], ['--driver']],
    ['command options', ['flotilla', 'start', '--'], ['--no-block', '--replace']],
    ['units from the cluster, then files', ['flotilla', 'start', 'he'], ['hello.service', '<files>']],
    ['after global flags', ['flotilla', '--driver', 'stop', 'web'], ['web@1.service', '<files>']],
    ['no unit completion for list verbs', ['flotilla', 'list-units', 'h'], []],
  ])('%s', (_name, words, expected) => {
    expect(completeZsh(words)).toEqual(expected);
  });
});

describe('zsh completion script', () => {
  test('defines the function, every command and its options', () => {
    const script = zshCompletion(spec);
    expect(script.split('\n')[0]).toBe('#compdef flotilla');
    expect(script).toContain("compadd -- 'start' 'stop' 'list-units' '--endpoint' '--driver'");
    expect(script).toContain("    start) if [[ $PREFIX == -* ]]; then compadd -- '--no-block' '--replace'; else compadd -- ${(f)\"$(flotilla list-unit-files --no-legend --fields unit 2>/dev/null)\"}; _files; fi ;;");
    expect(script.trimEnd().split('\n').at(-1)).toBe('compdef _flotilla flotilla');
  });
});
