/**
 * Filter rules by name. A new X-Fleet rule is one file in this folder plus one line here; the order of
 * DEFAULT_FILTERS is the order they run in (an operator's cordon first, then fleet's AbleToRun order: MachineID, metadata, MachineOf,
 * conflicts; then resources, which fleet did not have).
 */
import type { FilterRule } from '../types.js';
import { conflictsFilter } from './conflicts.js';
import { cordonFilter } from './cordon.js';
import { machineIdFilter } from './machine-id.js';
import { machineOfFilter } from './machine-of.js';
import { metadataFilter } from './metadata.js';
import { resourcesFilter } from './resources.js';

const ALL = [cordonFilter, machineIdFilter, metadataFilter, machineOfFilter, conflictsFilter, resourcesFilter];

export const FILTER_RULES: ReadonlyMap<string, FilterRule> = new Map(ALL.map((rule) => [rule.name, rule]));

export const DEFAULT_FILTERS: readonly string[] = ALL.map((rule) => rule.name);

/** Resolves names to rules; an unknown name is a programming error. */
export function filterRules(names: readonly string[] = DEFAULT_FILTERS): FilterRule[] {
  return names.map((name) => {
    const rule = FILTER_RULES.get(name);
    if (!rule) throw new Error(`unknown placement filter "${name}" (known: ${[...FILTER_RULES.keys()].join(', ')})`);
    return rule;
  });
}
