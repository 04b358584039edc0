/** `completion bash|zsh`: prints a completion script for the program, built from its own commands. */
import { Command } from 'commander';
import { FlotillaError } from '@flotilla/core';
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

export function completionCommand(program: Command, write: (text: string) => void): Command {
  return new Command('completion')
    .description('Print a shell completion script (bash or zsh)')
    .argument('<shell>', 'bash or zsh')
    .addHelpText('after', '\nExamples:\n  source <(flotilla completion bash)\n  flotilla completion zsh > "${fpath[1]}/_flotilla"\n')
    .action((shell: string) => {
      const spec = completionSpec(program);
      if (shell === 'bash') return write(bashCompletion(spec));
      if (shell === 'zsh') return write(zshCompletion(spec));
      throw new FlotillaError('CLI_USAGE', `unsupported shell ${JSON.stringify(shell)}: expected bash or zsh`);
    });
}
