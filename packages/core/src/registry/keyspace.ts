/**
 * The one place that builds and parses registry keys (see docs/registry.md). Every prefix used for a range or
 * a watch ends in "/", so machine `m1` never sees `m10`'s keys.
 */

export const DEFAULT_PREFIX = '/flotilla/';
export const SCHEDULER_ELECTION = 'scheduler';

export class Keyspace {
  readonly prefix: string;

  constructor(prefix: string = DEFAULT_PREFIX) {
    this.prefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  get unitsPrefix(): string {
    return `${this.prefix}units/`;
  }
  unit(name: string): string {
    return this.unitsPrefix + name;
  }

  get machinesPrefix(): string {
    return `${this.prefix}machines/`;
  }
  machine(id: string): string {
    return this.machinesPrefix + id;
  }

  get schedulePrefix(): string {
    return `${this.prefix}schedule/`;
  }
  schedule(unitName: string): string {
    return this.schedulePrefix + unitName;
  }

  get assignmentsRoot(): string {
    return `${this.prefix}assignments/`;
  }
  assignmentsOf(machineId: string): string {
    return `${this.assignmentsRoot}${machineId}/`;
  }
  assignment(machineId: string, unitName: string): string {
    return this.assignmentsOf(machineId) + unitName;
  }

  get statesRoot(): string {
    return `${this.prefix}states/`;
  }
  statesOf(unitName: string): string {
    return `${this.statesRoot}${unitName}/`;
  }
  state(unitName: string, machineId: string): string {
    return this.statesOf(unitName) + machineId;
  }

  /** Parent of the election namespace etcd3 creates: `<prefix>election/<name>/<leaseId>`. */
  get electionParent(): string {
    return this.prefix;
  }
  electionPrefix(name: string = SCHEDULER_ELECTION): string {
    return `${this.prefix}election/${name}/`;
  }

  /** The part of `key` after `prefix` (a unit name, a machine id); throws if `key` is not under it. */
  static relative(prefix: string, key: string): string {
    if (!key.startsWith(prefix)) throw new RangeError(`key ${key} is not under ${prefix}`);
    return key.slice(prefix.length);
  }
}
