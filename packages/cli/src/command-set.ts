/**
 * The CLI's commands in help order, each with the module that defines it, imported on demand: a command's module
 * (and what it imports: child_process for ssh, openssl's wrappers, cloud-config, compose, the daemon's config...)
 * loads only when that command runs, which in the bundled CLI keeps it out of every other command's start
 * (docs/benchmarks.md, "CLI cold start, second pass"). Help, completion, `--version`, an unknown word or no word at
 * all load every command (`loadCommands()` without a name). Pure data plus dynamic imports; program.ts builds the
 * commander program from what is loaded.
 */
import type { AnyLocalCommand, CommandGroup } from './commands/local-command.js';
import type { AnyVerb } from './commands/verb.js';
import type { VerbGroup } from './compose/command.js';

export type LoadedCommand =
  | { kind: 'verb'; verb: AnyVerb }
  | { kind: 'verb-group'; group: VerbGroup }
  | { kind: 'local'; local: AnyLocalCommand | CommandGroup }
  /** Built by program.ts: it prints, and prints completion for, the whole program. */
  | { kind: 'version' }
  | { kind: 'completion' };

interface Entry {
  name: string;
  load(): Promise<LoadedCommand>;
}

const verb = (name: string, load: () => Promise<AnyVerb>): Entry => ({ name, load: async () => ({ kind: 'verb', verb: await load() }) });
const local = (name: string, load: () => Promise<AnyLocalCommand | CommandGroup>): Entry => ({ name, load: async () => ({ kind: 'local', local: await load() }) });

/** A local command from cloud-config/command.ts, which defines three. */
const cloudConfig = (name: string) =>
  local(name, async () => (await import('./cloud-config/command.js')).cloudConfigCommands.find((c) => c.name === name) as AnyLocalCommand);

const ENTRIES: readonly Entry[] = [
  verb('submit', async () => (await import('./commands/submit.js')).submit),
  verb('load', async () => (await import('./commands/load.js')).load),
  verb('start', async () => (await import('./commands/start.js')).start),
  verb('stop', async () => (await import('./commands/stop.js')).stop),
  verb('unload', async () => (await import('./commands/unload.js')).unload),
  verb('restart', async () => (await import('./commands/restart.js')).restart),
  verb('destroy', async () => (await import('./commands/destroy.js')).destroy),
  verb('list-units', async () => (await import('./commands/list-units.js')).listUnits),
  verb('list-unit-files', async () => (await import('./commands/list-unit-files.js')).listUnitFiles),
  verb('list-machines', async () => (await import('./commands/list-machines.js')).listMachines),
  verb('cat', async () => (await import('./commands/cat.js')).cat),
  verb('status', async () => (await import('./commands/status.js')).status),
  verb('journal', async () => (await import('./commands/journal.js')).journal),
  verb('ssh', async () => (await import('./commands/ssh.js')).ssh),
  verb('fd-forward', async () => (await import('./commands/fd-forward.js')).fdForward),
  verb('verify', async () => (await import('./commands/verify.js')).verify),
  verb('health', async () => (await import('./commands/health.js')).health),
  verb('plan', async () => (await import('./commands/plan.js')).plan),
  verb('scale', async () => (await import('./commands/scale.js')).scale),
  verb('cordon', async () => (await import('./commands/cordon.js')).cordon),
  verb('uncordon', async () => (await import('./commands/uncordon.js')).uncordon),
  verb('drain', async () => (await import('./commands/drain.js')).drain),
  verb('deploy', async () => (await import('./commands/deploy.js')).deploy),
  verb('deployments', async () => (await import('./commands/deployments.js')).deployments),
  verb('history', async () => (await import('./commands/history.js')).history),
  verb('rollback', async () => (await import('./commands/rollback.js')).rollback),
  { name: 'compose', load: async () => ({ kind: 'verb-group', group: (await import('./compose/command.js')).composeCommands }) },
  { name: 'version', load: async () => ({ kind: 'version' }) },
  local('agent', async () => (await import('./daemon/command.js')).agent),
  local('lb', async () => (await import('./lb/command.js')).lbCommands),
  { name: 'completion', load: async () => ({ kind: 'completion' }) },
  cloudConfig('cloud-config'),
  cloudConfig('cloud-init'),
  cloudConfig('butane'),
  local('pki', async () => (await import('./pki/command.js')).pkiCommands),
  local('image', async () => (await import('./image/command.js')).imageCommands),
];

/** Every command's name, in help order. */
export const COMMAND_NAMES: readonly string[] = ENTRIES.map((e) => e.name);

/** Commands that need every other one loaded: completion prints them all. */
const NEEDS_ALL = new Set(['completion']);

/** The command `name` alone when it is one that can run by itself, else all of them, in help order. */
export function loadCommands(name?: string): Promise<LoadedCommand[]> {
  const one = name !== undefined && !NEEDS_ALL.has(name) ? ENTRIES.find((e) => e.name === name) : undefined;
  return Promise.all((one ? [one] : ENTRIES).map((e) => e.load()));
}
