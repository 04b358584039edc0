/**
 * The one place that builds and parses registry keys (see docs/registry.md). Every key lives under
 * `<prefix>v<KEYSPACE_VERSION>/`, so a future layout can sit beside this one during an upgrade. Every prefix
 * used for a range or a watch ends in "/", so machine `m1` never sees `m10`'s keys.
 *
 * The sub-roots are named so that everything the scheduler follows (assignments, election, machine metadata,
 * machines, schedule, units) is one contiguous key range (`clusterRange`) that one watch covers, while the
 * chatty published unit states (`agent-states/`) sort before it and stay out of it.
 */
import { machineIdProblem } from '../machine-id.js';
import { unitNameProblem } from '../unit/name.js';

export const DEFAULT_PREFIX = '/flotilla/';
export const SCHEDULER_ELECTION = 'scheduler';
/** Bumped only for an incompatible key layout. */
export const KEYSPACE_VERSION = 1;

/** What a key under the root is, with the names it carries. */
export type ParsedKey =
  | { kind: 'unit'; unit: string }
  | { kind: 'machine'; machineId: string }
  | { kind: 'schedule'; unit: string }
  | { kind: 'assignment'; machineId: string; unit: string }
  | { kind: 'state'; unit: string; machineId: string }
  /** A key of a sub-root this module does not interpret (election, machine metadata, later additions). */
  | { kind: 'other'; key: string };

/** Why a key could not be parsed: it names an invalid unit or machine, or has the wrong number of parts. */
export interface KeyProblem {
  key: string;
  reason: string;
}

export class Keyspace {
  readonly prefix: string;
  /** `<prefix>v1/`: the parent of every key Flotilla writes. */
  readonly root: string;

  constructor(prefix: string = DEFAULT_PREFIX) {
    this.prefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.root = `${this.prefix}v${KEYSPACE_VERSION}/`;
  }

  get unitsPrefix(): string {
    return `${this.root}units/`;
  }
  unit(name: string): string {
    return this.unitsPrefix + name;
  }

  /** Stored services (`services/<template>`): inside `clusterRange`, but read and watched on their own. */
  get servicesPrefix(): string {
    return `${this.root}services/`;
  }
  service(template: string): string {
    return this.servicesPrefix + template;
  }

  /** Each service's latest deployment and its version history (docs/deployments.md). */
  get deploymentsPrefix(): string {
    return `${this.root}deployments/`;
  }
  deployment(template: string): string {
    return this.deploymentsPrefix + template;
  }
  get historyPrefix(): string {
    return `${this.root}service-history/`;
  }
  history(template: string): string {
    return this.historyPrefix + template;
  }

  get machinesPrefix(): string {
    return `${this.root}machines/`;
  }
  machine(id: string): string {
    return this.machinesPrefix + id;
  }

  /** The registry layout marker (layout.ts): absent = layout 1. Inside `clusterRange`, parsed as `other`. */
  get layout(): string {
    return `${this.root}layout`;
  }

  get schedulePrefix(): string {
    return `${this.root}schedule/`;
  }
  schedule(unitName: string): string {
    return this.schedulePrefix + unitName;
  }

  get assignmentsRoot(): string {
    return `${this.root}assignments/`;
  }
  assignmentsOf(machineId: string): string {
    return `${this.assignmentsRoot}${machineId}/`;
  }
  assignment(machineId: string, unitName: string): string {
    return this.assignmentsOf(machineId) + unitName;
  }

  get statesRoot(): string {
    return `${this.root}agent-states/`;
  }
  statesOf(unitName: string): string {
    return `${this.statesRoot}${unitName}/`;
  }
  state(unitName: string, machineId: string): string {
    return this.statesOf(unitName) + machineId;
  }

  /** Published endpoints; like `agent-states/`, outside `clusterRange`. */
  get endpointsRoot(): string {
    return `${this.root}agent-endpoints/`;
  }
  endpoint(unitName: string, machineId: string): string {
    return `${this.endpointsRoot}${unitName}/${machineId}`;
  }

  /** Parent of the election namespace etcd3 creates: `<root>election/<name>/<leaseId>`. */
  get electionParent(): string {
    return this.root;
  }
  electionPrefix(name: string = SCHEDULER_ELECTION): string {
    return `${this.root}election/${name}/`;
  }

  /** [start, end) of the keys watchCluster follows: `assignments/` up to and including `units/`. */
  get clusterRange(): { start: string; end: string } {
    return { start: this.assignmentsRoot, end: `${this.root}units0` };
  }

  /** Classifies `key`; a key naming an invalid unit or machine is a KeyProblem (callers skip and report it). */
  parse(key: string): ParsedKey | KeyProblem {
    if (!key.startsWith(this.root)) return { key, reason: `not under ${this.root}` };
    const [root, ...rest] = key.slice(this.root.length).split('/');
    switch (root) {
      case 'units':
        return named(key, rest, ['unit'], (unit) => ({ kind: 'unit', unit }));
      case 'schedule':
        return named(key, rest, ['unit'], (unit) => ({ kind: 'schedule', unit }));
      case 'machines':
        return named(key, rest, ['machine'], (machineId) => ({ kind: 'machine', machineId }));
      case 'assignments':
        return named(key, rest, ['machine', 'unit'], (machineId, unit) => ({ kind: 'assignment', machineId, unit }));
      case 'agent-states':
        return named(key, rest, ['unit', 'machine'], (unit, machineId) => ({ kind: 'state', unit, machineId }));
      default:
        return { kind: 'other', key };
    }
  }

  /** The part of `key` after `prefix` (a unit name, a machine id); throws if `key` is not under it. */
  static relative(prefix: string, key: string): string {
    if (!key.startsWith(prefix)) throw new RangeError(`key ${key} is not under ${prefix}`);
    return key.slice(prefix.length);
  }
}

export function isKeyProblem(parsed: ParsedKey | KeyProblem): parsed is KeyProblem {
  return 'reason' in parsed;
}

type Part = 'unit' | 'machine';

function named(key: string, parts: string[], want: Part[], build: (...names: string[]) => ParsedKey): ParsedKey | KeyProblem {
  if (parts.length !== want.length) return { key, reason: `expected ${want.join('/')} after the key's root` };
  for (const [i, part] of want.entries()) {
    const name = parts[i] as string;
    const problem = part === 'unit' ? unitNameProblem(name) : machineIdProblem(name);
    if (problem !== undefined) return { key, reason: `${part === 'unit' ? 'unit name' : 'machine id'} ${JSON.stringify(name)}: ${problem}` };
  }
  return build(...parts);
}
