/** Small fixture builders for placement and plan tests: one field changed per case, no big literals. */
import type { ClusterSnapshot, DesiredState, MachineRecord, UnitRecord } from '@flotilla/core';

export class UnitBuilder {
  private record: UnitRecord;

  constructor(name: string) {
    this.record = { name, options: [], hash: `hash-${name}`, desiredState: 'launched', global: false };
  }

  xFleet(name: string, value: string): this {
    this.record.options.push({ section: 'X-Fleet', name, value });
    return this;
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

export function machine(id: string, metadata: Record<string, string> = {}): MachineRecord {
  return { id, hostname: `host-${id}`, ip: '10.0.0.1', metadata, version: '0.1.0', startedAt: 0 };
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
}

export function snapshot(parts: SnapshotParts): ClusterSnapshot {
  const units = (parts.units ?? []).map((u) => (u instanceof UnitBuilder ? u.build() : u));
  return {
    units,
    machines: parts.machines ?? [],
    schedule: new Map(Object.entries(parts.schedule ?? {})),
    unitRevisions: new Map(units.map((u, i) => [u.name, String(i + 1)])),
    revision: '100',
  };
}
