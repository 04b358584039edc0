/**
 * The shape every verb module has: a name, its arguments and options, help with examples, a handler that
 * returns data, and a renderer that turns the data into text. Only `program.ts` knows about commander's
 * parsing; only `render/` knows about text.
 */
import type { Command, OptionValues } from 'commander';
import type { CliConnection, CliRegistry } from '../cli-registry.js';
import type { GlobalOptions } from '../global-options.js';
import type { ProgressEvent } from '../render/progress.js';

export interface CommandContext {
  globals: GlobalOptions;
  /** Where relative unit-file paths are resolved. */
  cwd: string;
  /** Connects on first use, so `No units given` and usage errors never touch the network. */
  registry(): Promise<CliRegistry>;
  /** The same connection with what only some drivers offer (the ops views' reads: etcd only). */
  connection(): Promise<CliConnection>;
  /** Reports progress as it happens (rendered by render/progress.ts). */
  emit(event: ProgressEvent): void;
  /** Streams raw stdout as it arrives (journal -f); most verbs return their output instead. */
  write(text: string): void;
}

export interface Output {
  stdout?: string;
  stderr?: string;
  /** Exit status other than 0 without an error (ssh passes the remote status through). */
  exitCode?: number;
}

export interface Verb<Opts, Result> {
  name: string;
  /** commander argument syntax, e.g. `[units...]`. */
  args: string;
  summary: string;
  examples: string[];
  /** Adds the verb's own options. */
  configure?(cmd: Command): void;
  parseOptions(raw: OptionValues): Opts;
  /** Longest time the verb may legitimately wait for the cluster (start/stop blocking), beyond registry calls. */
  waitBudgetMs?(opts: Opts): number;
  handler(ctx: CommandContext, args: string[], opts: Opts): Promise<Result>;
  render(result: Result, opts: Opts): Output;
}

/** A verb with its types closed over, so the program can hold a list of them. */
export interface AnyVerb {
  name: string;
  args: string;
  summary: string;
  examples: string[];
  configure?(cmd: Command): void;
  prepare(raw: OptionValues): PreparedVerb;
}

export interface PreparedVerb {
  waitBudgetMs: number;
  run(ctx: CommandContext, args: string[]): Promise<Output>;
}

export function defineVerb<Opts, Result>(verb: Verb<Opts, Result>): AnyVerb {
  return {
    name: verb.name,
    args: verb.args,
    summary: verb.summary,
    examples: verb.examples,
    configure: verb.configure?.bind(verb),
    prepare(raw) {
      const opts = verb.parseOptions(raw);
      return {
        waitBudgetMs: verb.waitBudgetMs?.(opts) ?? 0,
        run: async (ctx, args) => verb.render(await verb.handler(ctx, args, opts), opts),
      };
    },
  };
}
