/**
 * Desired state from the registry: this machine's assignments, each with its unit's canonical text. Any
 * registry failure fails the whole read: acting on a partial picture would unload units that are still
 * scheduled here (fleet §5.6: when etcd is away, do nothing).
 */
import { canonicalText, type Assignment, type ClusterRegistry } from '@flotilla/core';
import type { Logger } from 'pino';
import { unitTextHash } from '../unit-files.js';
import type { DesiredUnit } from './plan.js';

/** Unit texts by `name@registryHash`, so a steady-state pass costs one etcd read, not one per unit. */
export class UnitTextCache {
  private readonly texts = new Map<string, { text: string; hash: string }>();

  get(name: string, registryHash: string) {
    return this.texts.get(`${name}@${registryHash}`);
  }

  set(name: string, registryHash: string, text: string): { text: string; hash: string } {
    const entry = { text, hash: unitTextHash(text) };
    this.texts.set(`${name}@${registryHash}`, entry);
    return entry;
  }

  /** Drops entries of units no longer assigned here (bounded by what is assigned now). */
  retain(keep: ReadonlyMap<string, string>): void {
    for (const key of this.texts.keys()) {
      const at = key.lastIndexOf('@');
      if (keep.get(key.slice(0, at)) !== key.slice(at + 1)) this.texts.delete(key);
    }
  }
}

export async function readDesiredState(
  registry: ClusterRegistry,
  machineId: string,
  cache: UnitTextCache,
  logger: Logger,
): Promise<Map<string, DesiredUnit>> {
  const assignments = (await registry.listAssignments(machineId)).filter((a) => a.desiredState !== 'inactive');
  const entries = await Promise.all(assignments.map((a) => desiredUnit(registry, a, cache, logger)));
  const desired = new Map<string, DesiredUnit>();
  for (const entry of entries) if (entry) desired.set(entry[0], entry[1]);
  cache.retain(new Map(assignments.map((a) => [a.unit, a.hash])));
  return desired;
}

async function desiredUnit(
  registry: ClusterRegistry,
  a: Assignment,
  cache: UnitTextCache,
  logger: Logger,
): Promise<[string, DesiredUnit] | undefined> {
  let entry = cache.get(a.unit, a.hash);
  if (entry === undefined) {
    const unit = await registry.getUnit(a.unit);
    // Destroyed since it was assigned (the assignment goes in the same transaction): not wanted any more.
    if (unit === undefined) return undefined;
    const text = canonicalText(unit.options);
    if (unit.hash !== a.hash) {
      // The unit was replaced and its assignment not (yet) updated: run what the unit says now, uncached.
      logger.debug({ unit: a.unit, assigned: a.hash, current: unit.hash }, 'unit changed since assignment');
      return [a.unit, { hash: unitTextHash(text), desiredState: a.desiredState, text }];
    }
    entry = cache.set(a.unit, a.hash, text);
  }
  return [a.unit, { hash: entry.hash, desiredState: a.desiredState, text: entry.text }];
}
