/**
 * The units this agent answers for, by registry name and by systemd name: those assigned here whose file is
 * in the agent's directory (loaded by the agent), plus those refused because someone else's unit of the same
 * systemd name exists. The publisher publishes exactly these; status/journal serve only loaded ones.
 */

export interface ManagedUnit {
  /** Registry name, e.g. web@1.container; states are published under it. */
  unit: string;
  /** What systemd runs, e.g. web@1.service (same as `unit` for plain units). */
  systemdName: string;
  /** The registry hash of the unit, published with its state. */
  hash: string;
  /** Set when the agent refuses to run the unit; the reason is published as its state. */
  refused?: 'foreign-unit';
}

export class ManagedUnits {
  private readonly byUnit = new Map<string, ManagedUnit>();
  private readonly bySystemd = new Map<string, ManagedUnit>();

  get size(): number {
    return this.byUnit.size;
  }

  units(): IterableIterator<ManagedUnit> {
    return this.byUnit.values();
  }

  get(unit: string): ManagedUnit | undefined {
    return this.byUnit.get(unit);
  }

  has(unit: string): boolean {
    return this.byUnit.has(unit);
  }

  ofSystemdName(systemdName: string): ManagedUnit | undefined {
    return this.bySystemd.get(systemdName);
  }

  set(m: ManagedUnit): void {
    this.deleteSystemdName(m.systemdName);
    this.byUnit.set(m.unit, m);
    this.bySystemd.set(m.systemdName, m);
  }

  deleteSystemdName(systemdName: string): void {
    const m = this.bySystemd.get(systemdName);
    if (m === undefined) return;
    this.bySystemd.delete(systemdName);
    this.byUnit.delete(m.unit);
  }

  replaceAll(units: Iterable<ManagedUnit>): void {
    this.byUnit.clear();
    this.bySystemd.clear();
    for (const m of units) this.set(m);
  }
}
