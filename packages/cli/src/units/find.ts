/** fleetctl's findUnits: the registry units named by the arguments (mangled), in name order, each once. */
import { mangleUnitName, type UnitCatalog, type UnitRecord } from '@flotilla/core';
import type { CommandContext } from '../commands/verb.js';
import { compareNames } from './current-state.js';

export async function findUnits(registry: Pick<UnitCatalog, 'listUnits'>, args: readonly string[]): Promise<UnitRecord[]> {
  const wanted = new Set(args.map(mangleUnitName));
  const units = await registry.listUnits();
  return units.filter((u) => wanted.has(u.name)).sort((a, b) => compareNames(a.name, b.name));
}

/**
 * The registry units a verb's arguments name (stop, unload, restart, destroy); undefined once fleetctl's
 * `No units given` or `Unit(s) not found` has been emitted instead.
 */
export async function unitsNamed(ctx: CommandContext, args: readonly string[]): Promise<UnitRecord[] | undefined> {
  if (args.length === 0) return void ctx.emit({ kind: 'no-units' });
  const units = await findUnits(await ctx.registry(), args);
  if (units.length === 0) return void ctx.emit({ kind: 'units-not-found' });
  return units;
}
