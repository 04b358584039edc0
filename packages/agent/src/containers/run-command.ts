/**
 * The engine command lines a container service runs: `run` in the foreground (so the engine client is the
 * service's main process and systemd sees the container's exit), `stop` with the unit's timeout, and a forced
 * `rm` that makes sure nothing is left. Docker and podman take the same flags for everything used here.
 */
import type { ContainerSpec } from './spec.js';

/** Labels every container the agent starts carries: how orphans are found (engine-client.ts). */
export const LABEL_UNIT = 'io.flotilla.unit';
export const LABEL_MACHINE = 'io.flotilla.machine';

export interface RunContext {
  /** The engine's client binary on the machine, e.g. /usr/bin/docker. */
  binary: string;
  unitName: string;
  machineId: string;
  /** The machine's discovery DNS and the unit's search domains (docs/discovery.md); absent: the engine's default. */
  dns?: { server: string; search: readonly string[] };
}

export function runArgv(spec: ContainerSpec, ctx: RunContext): string[] {
  const argv = [ctx.binary, 'run', '--rm', '--name', spec.name, '--pull=never'];
  // podman: a leftover of the same name (agent crash, engine restart) is replaced instead of failing the start.
  if (spec.engine === 'podman') argv.push('--replace');
  argv.push('--label', `${LABEL_UNIT}=${ctx.unitName}`, '--label', `${LABEL_MACHINE}=${ctx.machineId}`);
  for (const label of spec.labels) argv.push('--label', label);
  for (const env of spec.env) argv.push('--env', env);
  for (const port of spec.publish) argv.push('--publish', port);
  for (const volume of spec.volumes) argv.push('--volume', volume);
  for (const network of spec.networks) argv.push('--network', network);
  argv.push(...dnsArgs(spec, ctx));
  if (spec.user !== undefined) argv.push('--user', spec.user);
  if (spec.entrypoint !== undefined) argv.push('--entrypoint', spec.entrypoint);
  if (spec.memory !== undefined) argv.push(`--memory=${spec.memory}`);
  if (spec.cpus !== undefined) argv.push(`--cpus=${spec.cpus}`);
  if (spec.runInit) argv.push('--init');
  argv.push(...healthArgs(spec), `--stop-timeout=${spec.stopTimeoutSec}`, spec.image);
  return argv;
}

/** Both engines refuse `--dns` with `--network none` or `container:ID` (the container has no resolver of its own). */
function dnsArgs(spec: ContainerSpec, ctx: RunContext): string[] {
  if (ctx.dns === undefined || spec.networks.some((n) => n === 'none' || n.startsWith('container:'))) return [];
  return ['--dns', ctx.dns.server, ...ctx.dns.search.flatMap((domain) => ['--dns-search', domain])];
}

function healthArgs(spec: ContainerSpec): string[] {
  const health = spec.health;
  if (health === undefined) return [];
  const args = ['--health-cmd', health.cmd];
  if (health.interval !== undefined) args.push(`--health-interval=${health.interval}`);
  if (health.retries !== undefined) args.push(`--health-retries=${health.retries}`);
  if (health.timeout !== undefined) args.push(`--health-timeout=${health.timeout}`);
  if (health.startPeriod !== undefined) args.push(`--health-start-period=${health.startPeriod}`);
  return args;
}

export function stopArgv(spec: ContainerSpec, binary: string): string[] {
  return [binary, 'stop', `--time=${spec.stopTimeoutSec}`, spec.name];
}

export function removeArgv(spec: ContainerSpec, binary: string): string[] {
  return [binary, 'rm', '--force', spec.name];
}
