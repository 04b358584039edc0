/**
 * Desired state: this machine's assignments (from the in-memory mirror) with each unit's text, keyed by the
 * systemd name it runs under. Unit texts are cached by `name@registryHash`, so a pass reads etcd only for a
 * unit it has not seen in this version; at steady state, none. Any registry failure fails the whole read:
 * acting on a partial picture would unload units that are still scheduled here (fleet's `agent/reconcile.go`
 * also did nothing when its read failed).
 */
import type { Assignment, UnitLookup, UnitRecord } from '@flotilla/core';
import type { Logger } from 'pino';
import type { ManagedUnit } from '../managed-units.js';
import { renderUnit, type UnitRenderer } from '../naming/unit-renderer.js';
import { unitTextHash } from '../unit-files.js';
import { wantsStopOnLeaseLoss } from './lease-fence.js';
import type { DesiredUnit } from './plan.js';

interface CachedText {
  systemdName: string;
  text: string;
  hash: string;
  /** `[X-Fleet] StopOnLeaseLoss=true` (lease-fence.ts). */
  stopOnLeaseLoss: boolean;
  /** `[X-Fleet] Global=true`. */
  global: boolean;
}

/** Rendered units by `name@registryHash`; `null` marks a unit the agent cannot run (warned about once). */
export class UnitTextCache {
  private readonly texts = new Map<string, CachedText | null>();

  get(name: string, registryHash: string): CachedText | null | undefined {
    return this.texts.get(`${name}@${registryHash}`);
  }

  set(name: string, registryHash: string, entry: CachedText | null): void {
    this.texts.set(`${name}@${registryHash}`, entry);
  }

  /** Drops entries of units no longer assigned here (bounded by what is assigned now). */
  retain(keep: ReadonlyMap<string, Assignment>): void {
    for (const key of this.texts.keys()) {
      const at = key.lastIndexOf('@');
      if (keep.get(key.slice(0, at))?.hash !== key.slice(at + 1)) this.texts.delete(key);
    }
  }
}

export interface DesiredPicture {
  /** systemd name → what must be there. */
  desired: Map<string, DesiredUnit>;
  /** systemd name → the registry unit behind it. */
  identities: Map<string, ManagedUnit>;
  /** systemd names of units with `[X-Fleet] StopOnLeaseLoss=true`. */
  optedIn: Set<string>;
  /** systemd names of global units. */
  global: Set<string>;
}

export interface DesiredDeps {
  registry: UnitLookup;
  cache: UnitTextCache;
  renderers: readonly UnitRenderer[];
  logger: Logger;
}

export async function buildDesired(assignments: ReadonlyMap<string, Assignment>, deps: DesiredDeps): Promise<DesiredPicture> {
  const wanted = [...assignments.values()].filter((a) => a.desiredState !== 'inactive').sort((x, y) => (x.unit < y.unit ? -1 : 1));
  // The texts not cached yet in one batched read (a burst of 100 new units: one etcd transaction, not 100 gets).
  const uncached = wanted.filter((a) => deps.cache.get(a.unit, a.hash) === undefined).map((a) => a.unit);
  const read = uncached.length === 0 ? [] : await deps.registry.getUnits(uncached);
  const fetched = new Map(uncached.map((name, i) => [name, read[i]]));
  const texts = wanted.map((a) => textOf(a, deps, fetched));
  const picture: DesiredPicture = { desired: new Map(), identities: new Map(), optedIn: new Set(), global: new Set() };
  wanted.forEach((a, i) => {
    const t = texts[i];
    if (t === undefined || t === null) return;
    const taken = picture.identities.get(t.systemdName);
    if (taken !== undefined) {
      deps.logger.warn({ unit: a.unit, systemdName: t.systemdName, by: taken.unit }, 'two units map to one systemd unit; skipping');
      return;
    }
    picture.desired.set(t.systemdName, { hash: t.hash, desiredState: a.desiredState, text: t.text });
    picture.identities.set(t.systemdName, { unit: a.unit, systemdName: t.systemdName, hash: a.hash });
    if (t.stopOnLeaseLoss) picture.optedIn.add(t.systemdName);
    if (t.global) picture.global.add(t.systemdName);
  });
  deps.cache.retain(assignments);
  return picture;
}

/** undefined: destroyed meanwhile (not wanted); null: the agent cannot run this unit type. */
function textOf(a: Assignment, { cache, renderers, logger }: DesiredDeps, fetched: ReadonlyMap<string, UnitRecord | undefined>): CachedText | null | undefined {
  const cached = cache.get(a.unit, a.hash);
  if (cached !== undefined) return cached;
  const unit = fetched.get(a.unit);
  // Destroyed since it was assigned (the assignment goes in the same transaction): not wanted any more.
  if (unit === undefined) return undefined;
  // A global unit being deployed: this machine's assignment pins another version than the record's (docs/deployments.md).
  const pinned = unit.hash !== a.hash ? unit.pinned?.[a.hash] : undefined;
  const rendered = renderUnit(renderers, a.unit, pinned ?? unit.options);
  const entry = rendered === undefined ? null : { ...rendered, hash: unitTextHash(rendered.text), stopOnLeaseLoss: wantsStopOnLeaseLoss(unit.options), global: unit.global };
  if (entry === null) logger.warn({ unit: a.unit }, 'no systemd unit type or renderer for this unit; not running it');
  if (unit.hash !== a.hash && pinned === undefined) {
    // The unit was replaced and its assignment not (yet) updated: run what the unit says now, uncached.
    logger.debug({ unit: a.unit, assigned: a.hash, current: unit.hash }, 'unit changed since assignment');
    return entry;
  }
  cache.set(a.unit, a.hash, entry);
  return entry;
}
