/**
 * The commander program: global options, one subcommand per verb module, then the local commands (the agent and
 * lb daemons, node-config and PKI tools, completion), as command-set.ts lists and loads them (a command line gets
 * only the command it runs). Each verb action resolves the global options, connects
 * lazily, runs the handler under a last-resort deadline, writes the rendered output and reports any error through
 * report-error.ts; a local command's action does the same without the registry and the deadline.
 */
import fs from 'node:fs';
import { Command, Option, type OptionValues } from 'commander';
import { withDeadline } from '@flotilla/core';
import { withAgentEtcdSettings } from './agent-etcd-settings.js';
import { commandDeadline, unreadableTlsFile } from './cli-errors.js';
import type { AnyVerb, CommandContext, Output } from './commands/verb.js';
import type { CliConnection } from './cli-registry.js';
import type { AnyLocalCommand, CommandGroup, LocalContext } from './commands/local-command.js';
import { completion, completionSpec } from './completion/command.js';
import { COMMAND_NAMES, loadCommands } from './command-set.js';
import { commandWord, expandCommandPrefix } from './command-prefix.js';
import type { VerbGroup } from './compose/command.js';
import { useFleetctlHelp } from './help-format.js';
import { resolveGlobalOptions, type GlobalOptions, type RawGlobalOptions } from './global-options.js';
import { LineBuffer } from './render/line-buffer.js';
import { LiveStatus } from './render/live-status.js';
import { renderProgress } from './render/progress.js';
import { reportError } from './report-error.js';

export interface Runtime {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  version: string;
  /** Set by a verb action; the process exits with it. */
  exitCode: number;
}

function addGlobalOptions(program: Command): void {
  program
    .option('--driver <driver>', 'api (HTTP API) or etcd (registry directly); default api for unix:// endpoints, else etcd (env FLOTILLA_DRIVER, FLEETCTL_DRIVER)')
    .option('--endpoint <urls>', 'etcd endpoints, comma-separated, or the API URL (unix:///var/run/flotilla.sock, http(s)://host:port) (env FLOTILLA_ENDPOINT, FLEETCTL_ENDPOINT; with --driver=api FLOTILLA_API_ENDPOINT first; default http://127.0.0.1:2379)')
    .option('--api-token <token>', 'bearer token for the API on TCP (env FLOTILLA_API_TOKEN)')
    .option('--etcd-key-prefix <prefix>', 'keyspace of the cluster in etcd (env FLOTILLA_ETCD_KEY_PREFIX; default /flotilla/)')
    .option('--request-timeout <seconds>', 'deadline for each etcd request (env FLOTILLA_REQUEST_TIMEOUT; default 3)')
    .option('--ca-file <path>', 'CA certificate for TLS (etcd or API)')
    .option('--cert-file <path>', 'client certificate for TLS (etcd or API)')
    .option('--key-file <path>', 'client key for TLS (etcd or API)')
    .option('--etcd-username <user>', 'etcd user (env FLOTILLA_ETCD_USERNAME)')
    .option('--etcd-password <password>', 'etcd password (env FLOTILLA_ETCD_PASSWORD)')
    .option('--tunnel <host[:port]>', 'ssh bastion: etcd, the API and `ssh` are reached through it (env FLEETCTL_TUNNEL)')
    .option('--ssh-username <user>', 'ssh user for `ssh` (default core)')
    .option('--ssh-timeout <seconds>', 'ssh connect timeout (default 10)')
    .option('--known-hosts-file <path>', 'ssh known hosts file (default ~/.fleetctl/known_hosts)')
    .option('--strict-host-key-checking <bool>', 'verify ssh host keys (default true)');
}

function write(rt: Runtime, output: Output): void {
  if (output.stdout) rt.stdout.write(output.stdout);
  if (output.stderr) rt.stderr.write(output.stderr);
  if (output.exitCode !== undefined) rt.exitCode = output.exitCode;
}

/** Covers loops of bounded registry calls; only a bug or a wedged client can reach it. */
function lastResortMs(g: GlobalOptions): number {
  return Math.max(30_000, 10 * g.requestTimeoutMs);
}

function resolveGlobals(rt: Runtime, rawGlobals: RawGlobalOptions): GlobalOptions {
  return resolveGlobalOptions(rawGlobals, withAgentEtcdSettings(rt.env, readPasswordFile));
}

async function runVerb(rt: Runtime, verb: AnyVerb, command: Command, rawGlobals: RawGlobalOptions, inherited: OptionValues = {}): Promise<void> {
  let globals: GlobalOptions | undefined;
  let connection: Promise<CliConnection> | undefined;
  const status = new LiveStatus(rt.stderr, Boolean((rt.stderr as { isTTY?: boolean }).isTTY));
  const lines = new LineBuffer();
  try {
    const g = (globals = resolveGlobals(rt, rawGlobals));
    const prepared = verb.prepare({ ...inherited, ...definedOnly(command.opts()) });
    const ctx: CommandContext = {
      globals: g,
      cwd: rt.cwd,
      connection: () => (connection ??= connect(g)),
      registry: async () => (await (connection ??= connect(g))).registry,
      emit: (event) => {
        const line = renderProgress(event);
        if (line.stream === 'status') {
          lines.flush();
          return status.show(line.text);
        }
        status.clear();
        lines.write(line.stream === 'stdout' ? rt.stdout : rt.stderr, `${line.text}\n`);
      },
      write: (text) => {
        lines.flush();
        status.clear();
        rt.stdout.write(text);
      },
    };
    const budget = prepared.waitBudgetMs + lastResortMs(g);
    const args = (command.processedArgs[0] as string[] | undefined) ?? [];
    const output = await withDeadline(prepared.run(ctx, args), budget, () => commandDeadline(budget / 1000, g.endpoints));
    lines.flush();
    write(rt, output);
  } catch (err) {
    lines.flush();
    status.clear();
    rt.exitCode = reportError(err, globals?.endpoints ?? [], rt.stderr, Boolean(rawGlobals.debug));
  } finally {
    // Closing must not hang either; the process exits right after.
    const open = connection?.catch(() => undefined);
    if (open) await withDeadline(open.then((c) => c?.registry.close()), 1000, () => new Error('close')).catch(() => undefined);
  }
}

/** The drivers (node:http, node:https, TLS, the registry) load when a command first connects, not for help or a
 * local command. */
async function connect(g: GlobalOptions): Promise<CliConnection> {
  const { openRegistry } = await import('./connect.js');
  return openRegistry(g);
}

function definedOnly(opts: OptionValues): OptionValues {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
}

/** FLOTILLA_ETCD_PASSWORD_FILE from an agent's environment (agent-etcd-settings.ts). */
function readPasswordFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw unreadableTlsFile('FLOTILLA_ETCD_PASSWORD_FILE', file, err);
  }
}

/** A local command: no registry, no deadline (local-command.ts); errors are reported as a verb's are. */
async function runLocal(rt: Runtime, local: AnyLocalCommand, command: Command, rawGlobals: RawGlobalOptions): Promise<void> {
  let globals: GlobalOptions | undefined;
  const ctx: LocalContext = {
    env: rt.env,
    cwd: rt.cwd,
    globals: () => (globals ??= resolveGlobals(rt, rawGlobals)),
    write: (text) => rt.stdout.write(text),
    warn: (text) => rt.stderr.write(text),
  };
  try {
    const args = (command.processedArgs as unknown[]).filter((a): a is string => typeof a === 'string');
    write(rt, await local.run(ctx, args, command.opts()));
  } catch (err) {
    rt.exitCode = reportError(err, globals?.endpoints ?? [], rt.stderr, Boolean(rawGlobals.debug));
  }
}

interface HelpSpec {
  helpBefore?: string;
  examples: readonly string[];
  helpAfter?: string;
}

/** The text under a command's options: its own sections, then its examples, then notes. */
function helpText(spec: HelpSpec): string {
  let text = spec.helpBefore ? `\n${spec.helpBefore}\n` : '';
  if (spec.examples.length > 0) text += `\nExamples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}\n`;
  if (spec.helpAfter) text += `\n${spec.helpAfter}\n`;
  return text;
}

/** The commander command of a verb or local command: name, summary, arguments, options and help. */
function commandShell(spec: HelpSpec & { name: string; summary: string; args: string; configure?(cmd: Command): void }): Command {
  const cmd = new Command(spec.name).description(spec.summary);
  if (spec.args) cmd.argument(spec.args);
  spec.configure?.(cmd);
  cmd.addHelpText('after', helpText(spec));
  return cmd.exitOverride();
}

function verbCommand(rt: Runtime, verb: AnyVerb, program: Command): Command {
  return commandShell(verb).action(async (...params: unknown[]) => {
    await runVerb(rt, verb, params[params.length - 1] as Command, program.opts<RawGlobalOptions>());
  });
}

function localCommand(rt: Runtime, local: AnyLocalCommand, program: Command): Command {
  return commandShell(local).action(async (...params: unknown[]) => {
    await runLocal(rt, local, params[params.length - 1] as Command, program.opts<RawGlobalOptions>());
  });
}

/** A group of verbs (`compose up`): the group's own options apply to each verb, under the verb's own. */
function verbGroupCommand(rt: Runtime, group: VerbGroup, program: Command): Command {
  const cmd = new Command(group.name).description(group.summary);
  group.configure?.(cmd);
  for (const verb of group.verbs) {
    cmd.addCommand(commandShell(verb).action(async (...params: unknown[]) => {
      await runVerb(rt, verb, params[params.length - 1] as Command, program.opts<RawGlobalOptions>(), definedOnly(cmd.opts()));
    }));
  }
  return cmd.exitOverride();
}

function groupCommand(rt: Runtime, group: CommandGroup, program: Command): Command {
  const cmd = new Command(group.name).description(group.summary);
  for (const local of group.commands) cmd.addCommand(localCommand(rt, local, program));
  return cmd.exitOverride();
}

/**
 * The program with the commands `only` names (command-set.ts: the one a command line runs), else all of them.
 * Global options, `--version` and `--debug` are always there.
 */
export async function buildProgram(rt: Runtime, only?: string): Promise<Command> {
  // Installed as `fleetctl` too: name and version line follow the name it was invoked by (bin/fleetctl sets it).
  const name = rt.env.FLOTILLA_PROG_NAME === 'fleetctl' ? 'fleetctl' : 'flotilla';
  const program = new Command(name)
    .description('Manage a Flotilla cluster (a fleetctl-compatible CLI)')
    .version(`${name} version ${rt.version}`, '-v, --version', 'print the version and exit')
    .exitOverride()
    .configureOutput({ writeOut: (s) => rt.stdout.write(s), writeErr: (s) => rt.stderr.write(s) });
  addGlobalOptions(program);
  for (const loaded of await loadCommands(only)) {
    if (loaded.kind === 'verb') program.addCommand(verbCommand(rt, loaded.verb, program));
    else if (loaded.kind === 'verb-group') program.addCommand(verbGroupCommand(rt, loaded.group, program));
    else if (loaded.kind === 'version') {
      program.addCommand(new Command('version').description('Print the version and exit').action(() => {
        rt.stdout.write(`${name} version ${rt.version}\n`);
      }));
    } else {
      const local = loaded.kind === 'completion' ? completion(() => completionSpec(program)) : loaded.local;
      program.addCommand('commands' in local ? groupCommand(rt, local, program) : localCommand(rt, local, program));
    }
  }
  program.addOption(new Option('--debug', 'show stack traces of unexpected errors').hideHelp());
  useFleetctlHelp(program, rt.version);
  return program;
}

/**
 * The program for a command line and the command line with a command prefix expanded (`list-m` → list-machines,
 * as fleetctl's cobra): only the command it runs is loaded, unless that is help, completion or not a command.
 */
export async function programFor(rt: Runtime, argv: readonly string[]): Promise<{ program: Command; argv: string[] }> {
  const spec = { commands: COMMAND_NAMES, optionsWithValue: globalOptionsWithValue() };
  const expanded = expandCommandPrefix(argv, spec);
  const word = commandWord(expanded, spec);
  return { program: await buildProgram(rt, word !== undefined && COMMAND_NAMES.includes(word) ? word : undefined), argv: expanded };
}

/** The global options that take a value (`--endpoint URL`): the command word is never one's value. */
function globalOptionsWithValue(): string[] {
  const probe = new Command();
  addGlobalOptions(probe);
  return probe.options.filter((o) => o.required || o.optional).map((o) => o.long ?? '');
}
