/**
 * Commands that run on this machine rather than against the cluster: the daemons (`agent`, `lb haproxy`) and the
 * tools (`cloud-config`, `cloud-init`, `butane`, `pki init|issue`, `completion`). They have a verb's shape
 * (verb.ts: name, arguments, options, help with examples, a handler that returns data, a renderer) and their
 * errors go through report-error.ts as a verb's do. What they get differs: no registry and no last-resort
 * deadline (a daemon runs until a signal, `pki init` waits for openssl), and the global options only when asked
 * for, so a bad FLOTILLA_ENDPOINT never stops `cloud-init` at first boot.
 */
import type { Command, OptionValues } from 'commander';
import type { GlobalOptions } from '../global-options.js';
import type { Output } from './verb.js';

export interface LocalContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The global options, resolved on the first call as a verb's are (only `lb haproxy` reaches etcd). */
  globals(): GlobalOptions;
  /** Streams text to stdout as it happens (cloud-init's steps); most commands return their output instead. */
  write(text: string): void;
  /** Streams text to stderr as it happens: warnings and notes that must come before the output. */
  warn(text: string): void;
}

/** What the program needs to declare a local command: its name, arguments, help and options. */
export interface LocalCommandDeclaration {
  name: string;
  /** commander argument syntax, e.g. `<file>`; the handler gets them in order. */
  args: string;
  summary: string;
  /** Help sections printed before the examples, e.g. the daemon's environment variables. */
  helpBefore?: string;
  examples: string[];
  /** Help printed after the examples. */
  helpAfter?: string;
  /** Adds the command's own options. */
  configure?(cmd: Command): void;
}

export interface LocalCommand<Opts, Result> extends LocalCommandDeclaration {
  parseOptions(raw: OptionValues): Opts;
  handler(ctx: LocalContext, args: string[], opts: Opts): Promise<Result>;
  render(result: Result, opts: Opts): Output;
}

/** A local command with its types closed over, so the program can hold a list of them. */
export interface AnyLocalCommand extends LocalCommandDeclaration {
  run(ctx: LocalContext, args: string[], raw: OptionValues): Promise<Output>;
}

/** `lb haproxy`, `pki init|issue`: a name that only groups its subcommands. */
export interface CommandGroup {
  name: string;
  summary: string;
  commands: readonly AnyLocalCommand[];
}

export function defineLocalCommand<Opts, Result>(command: LocalCommand<Opts, Result>): AnyLocalCommand {
  return {
    name: command.name,
    args: command.args,
    summary: command.summary,
    ...(command.helpBefore ? { helpBefore: command.helpBefore } : {}),
    examples: command.examples,
    ...(command.helpAfter ? { helpAfter: command.helpAfter } : {}),
    configure: command.configure?.bind(command),
    async run(ctx, args, raw) {
      const opts = command.parseOptions(raw);
      return command.render(await command.handler(ctx, args, opts), opts);
    },
  };
}

/** What a command that prints nothing (a daemon, or one that streamed its output) renders. */
export const NO_OUTPUT: Output = {};
