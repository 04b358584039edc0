/** Small fixture builders for placement and plan tests: one field changed per case, no big literals. */
import type { ClusterSnapshot, DesiredState, MachineCapacity, MachineRecord, UnitRecord } from '@flotilla/core';

export class UnitBuilder {
  private record: UnitRecord;

  constructor(name: string) {
    this.record = { name, options: [], hash: `hash-${name}`, desiredState: 'launched', global: false };
  }

  private option(section: string, name: string, value: string): this {
    this.record.options.push({ section, name, value });
    return this;
  }

  xFleet(name: string, value: string): this {
    return this.option('X-Fleet', name, value);
  }

  machineId(id: string): this {
    return this.xFleet('MachineID', id);
  }

  metadata(value: string): this {
    return this.xFleet('MachineMetadata', value);
  }

  conflicts(glob: string): this {
    return this.xFleet('Conflicts', glob);
  }

  /** A `[Service]` directive (MemoryMax=, CPUQuota=…). */
  service(name: string, value: string): this {
    return this.option('Service', name, value);
  }

  machineOf(peer: string): this {
    return this.xFleet('MachineOf', peer);
  }

  state(desiredState: DesiredState): this {
    this.record.desiredState = desiredState;
    return this;
  }

  global(): this {
    this.record.global = true;
    return this.xFleet('Global', 'true');
  }

  build(): UnitRecord {
    return { ...this.record, options: [...this.record.options] };
  }
}

export function unit(name: string): UnitBuilder {
  return new UnitBuilder(name);
}

export function machine(id: string, metadata: Record<string, string> = {}, capacity?: MachineCapacity): MachineRecord {
  return { id, hostname: `host-${id}`, ip: '10.0.0.1', metadata, version: '0.1.0', startedAt: 0, ...(capacity ? { capacity } : {}) };
}

/** Capacity in CPUs and MiB, for readable fixtures. */
export function capacity(cpus: number, memoryMiB: number): MachineCapacity {
  return { cpuMillis: cpus * 1000, memoryBytes: memoryMiB * 1024 * 1024 };
}

/** `machines('a', 'b')` → two machines without metadata. */
export function machines(...ids: string[]): MachineRecord[] {
  return ids.map((id) => machine(id));
}

export interface SnapshotParts {
  units?: (UnitRecord | UnitBuilder)[];
  machines?: MachineRecord[];
  /** unit name → machine id. */
  schedule?: Record<string, string>;
  /** global unit → machine ids with an in-step assignment. */
  globals?: Record<string, string[]>;
  /** global units whose stored assignments lag the unit (old hash). */
  stale?: string[];
  /** scheduled unit → the desired state its assignment on its machine still says (lags the record). */
  lagging?: Record<string, UnitRecord['desiredState']>;
}

export function snapshot(parts: SnapshotParts): ClusterSnapshot {
  const units = (parts.units ?? []).map((u) => (u instanceof UnitBuilder ? u.build() : u));
  return {
    units,
    machines: parts.machines ?? [],
    schedule: new Map(Object.entries(parts.schedule ?? {})),
    unitRevisions: new Map(units.map((u, i) => [u.name, String(i + 1)])),
    globalAssignments: new Map(
      Object.entries(parts.globals ?? {}).map(([name, ids]) => {
        const u = units.find((x) => x.name === name);
        const at = (machineId: string) => ({ unit: name, machineId, hash: u && !parts.stale?.includes(name) ? u.hash : 'old', desiredState: u?.desiredState ?? 'launched' });
        return [name, new Map(ids.map((id) => [id, at(id)]))];
      }),
    ),
    laggingAssignments: new Map(
      Object.entries(parts.lagging ?? {}).map(([name, desiredState]) => {
        const u = units.find((x) => x.name === name);
        return [name, { unit: name, machineId: parts.schedule?.[name] ?? '', hash: u?.hash ?? 'old', desiredState }];
      }),
    ),
    revision: '100',
  };
}
