/** fleetctl's findUnits: the registry units named by the arguments (mangled), in name order, each once. */
import { mangleUnitName, type UnitCatalog, type UnitRecord } from '@flotilla/core';
import { compareNames } from './current-state.js';

export async function findUnits(registry: Pick<UnitCatalog, 'listUnits'>, args: readonly string[]): Promise<UnitRecord[]> {
  const wanted = new Set(args.map(mangleUnitName));
  const units = await registry.listUnits();
  return units.filter((u) => wanted.has(u.name)).sort((a, b) => compareNames(a.name, b.name));
}
