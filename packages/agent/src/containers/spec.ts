/**
 * A `.container` unit's `[Container]` section (podman Quadlet's syntax, the subset in docs/containers.md) read
 * into a plain ContainerSpec. Pure: options in, spec out, a ContainerUnitError naming the key otherwise.
 */
import { ContainerUnitError, unitNameInfo, type UnitOption } from '@flotilla/core';
import { splitWords } from './systemd-words.js';

export type ContainerEngineName = 'docker' | 'podman';
export const CONTAINER_ENGINES: readonly ContainerEngineName[] = ['docker', 'podman'];

/** Flotilla's own keys live in `[X-Flotilla]`, which Quadlet and systemd both ignore. */
export const FLOTILLA_SECTION = 'X-Flotilla';

export interface HealthSpec {
  cmd: string;
  interval?: string;
  retries?: number;
  timeout?: string;
  startPeriod?: string;
}

export interface ContainerSpec {
  engine: ContainerEngineName;
  image: string;
  name: string;
  /** `Exec=` as written: systemd splits it (and expands specifiers) when it runs the ExecStart line. */
  exec?: string;
  env: string[];
  publish: string[];
  volumes: string[];
  networks: string[];
  labels: string[];
  user?: string;
  /** `Entrypoint=`: the program run instead of the image's entrypoint (`--entrypoint`, Quadlet's key). */
  entrypoint?: string;
  /** `Memory=` (`--memory`, Quadlet's key) and `Cpus=` (`--cpus`): limits the engine applies to the container. */
  memory?: string;
  cpus?: string;
  health?: HealthSpec;
  runInit: boolean;
  stopTimeoutSec: number;
}

export const DEFAULT_STOP_TIMEOUT_SEC = 10;

const LIST_KEYS = {
  Environment: 'env',
  PublishPort: 'publish',
  Volume: 'volumes',
  Network: 'networks',
  Label: 'labels',
} as const;
const SINGLE_KEYS = ['Image', 'Exec', 'ContainerName', 'User', 'HealthCmd', 'HealthInterval', 'HealthRetries',
  'HealthTimeout', 'HealthStartPeriod', 'RunInit', 'StopTimeout', 'Entrypoint', 'Memory', 'Cpus'] as const;
export const SUPPORTED_CONTAINER_KEYS: readonly string[] = [...Object.keys(LIST_KEYS), ...SINGLE_KEYS].sort();

/** A container name engines accept, following Quadlet: `systemd-<name>`, `systemd-<prefix>_<instance>`. */
export function defaultContainerName(unitName: string): string {
  const info = unitNameInfo(unitName);
  return info.isInstance ? `systemd-${info.prefix}_${info.instance}` : `systemd-${info.stem}`;
}

export function containerSpecFromOptions(
  unitName: string,
  options: readonly UnitOption[],
  defaultEngine: ContainerEngineName,
): ContainerSpec {
  const fail = (reason: string): never => {
    throw new ContainerUnitError(unitName, reason);
  };
  const single = new Map<string, string>();
  const lists = { env: [] as string[], publish: [] as string[], volumes: [] as string[], networks: [] as string[], labels: [] as string[] };
  for (const { name, value } of options.filter((o) => o.section === 'Container')) {
    // Own keys only: the key is the user's, and `constructor` or `__proto__` is no list key (core user-keys.ts).
    if (Object.hasOwn(LIST_KEYS, name)) {
      const words = name === 'Environment' || name === 'Label' ? splitOrFail(value, name, fail) : [value.trim()];
      lists[LIST_KEYS[name as keyof typeof LIST_KEYS]].push(...words.filter((w) => w !== ''));
    } else if ((SINGLE_KEYS as readonly string[]).includes(name)) {
      single.set(name, value.trim()); // systemd semantics: the last assignment wins
    } else {
      fail(`unsupported key [Container] ${name}= (supported: ${SUPPORTED_CONTAINER_KEYS.join(', ')})`);
    }
  }
  const image = single.get('Image') ?? fail('[Container] Image= is required');
  if (image === '') fail('[Container] Image= is empty');
  for (const kv of [...lists.env, ...lists.labels]) if (!/^[^=\s]+=/.test(kv)) fail(`expected KEY=VALUE, got ${JSON.stringify(kv)}`);
  const name = single.get('ContainerName') || defaultContainerName(unitName);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.%-]*$/.test(name)) fail(`invalid ContainerName ${JSON.stringify(name)}`);
  return {
    engine: engineOf(options, defaultEngine, fail),
    image,
    name,
    ...(single.get('Exec') ? { exec: single.get('Exec')! } : {}),
    ...lists,
    ...(single.get('User') ? { user: single.get('User')! } : {}),
    ...limitsOf(single, fail),
    ...healthOf(single, fail),
    runInit: boolOf(single.get('RunInit') ?? 'false', 'RunInit', fail),
    stopTimeoutSec: intOf(single.get('StopTimeout') ?? String(DEFAULT_STOP_TIMEOUT_SEC), 'StopTimeout', fail),
  };
}

function engineOf(options: readonly UnitOption[], fallback: ContainerEngineName, fail: (r: string) => never): ContainerEngineName {
  const set = options.filter((o) => o.section === FLOTILLA_SECTION && o.name === 'Engine').pop()?.value.trim();
  if (set === undefined || set === '') return fallback;
  if (!(CONTAINER_ENGINES as readonly string[]).includes(set)) fail(`[${FLOTILLA_SECTION}] Engine= must be docker or podman, got ${JSON.stringify(set)}`);
  return set as ContainerEngineName;
}

function healthOf(single: Map<string, string>, fail: (r: string) => never): { health?: HealthSpec } {
  const cmd = single.get('HealthCmd');
  const others = ['HealthInterval', 'HealthRetries', 'HealthTimeout', 'HealthStartPeriod'].filter((k) => single.has(k));
  if (cmd === undefined || cmd === '' || cmd === 'none') {
    if (others.length > 0) fail(`${others.join(', ')} without HealthCmd=`);
    return {};
  }
  const health: HealthSpec = { cmd };
  if (single.has('HealthInterval')) health.interval = single.get('HealthInterval')!;
  if (single.has('HealthRetries')) health.retries = intOf(single.get('HealthRetries')!, 'HealthRetries', fail);
  if (single.has('HealthTimeout')) health.timeout = single.get('HealthTimeout')!;
  if (single.has('HealthStartPeriod')) health.startPeriod = single.get('HealthStartPeriod')!;
  return { health };
}

/** The container's own limits: set on the container, since the engine runs it outside the service's cgroup. */
function limitsOf(single: Map<string, string>, fail: (r: string) => never): Pick<ContainerSpec, 'entrypoint' | 'memory' | 'cpus'> {
  const out: Pick<ContainerSpec, 'entrypoint' | 'memory' | 'cpus'> = {};
  if (single.get('Entrypoint')) out.entrypoint = single.get('Entrypoint')!;
  const memory = single.get('Memory');
  if (memory) out.memory = /^\d+(\.\d+)?[bkmg]?$/i.test(memory) ? memory : fail(`[Container] Memory= must be bytes with an optional b, k, m or g, got ${JSON.stringify(memory)}`);
  const cpus = single.get('Cpus');
  if (cpus) out.cpus = /^\d+(\.\d+)?$/.test(cpus) && Number(cpus) > 0 ? cpus : fail(`[Container] Cpus= must be a positive number, got ${JSON.stringify(cpus)}`);
  return out;
}

function splitOrFail(value: string, key: string, fail: (r: string) => never): string[] {
  try {
    return splitWords(value);
  } catch (err) {
    return fail(`[Container] ${key}=: ${(err as Error).message}`);
  }
}

function boolOf(value: string, key: string, fail: (r: string) => never): boolean {
  if (/^(1|yes|true|on)$/i.test(value)) return true;
  if (/^(0|no|false|off)$/i.test(value)) return false;
  return fail(`[Container] ${key}= must be a boolean, got ${JSON.stringify(value)}`);
}

function intOf(value: string, key: string, fail: (r: string) => never): number {
  if (!/^\d+$/.test(value)) fail(`[Container] ${key}= must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}
