/**
 * fleet's ValidateOptions (`api/units.go`): options must survive a serialize/parse round trip, peers may not match a
 * Conflicts or Replaces glob, then the first forbidden combination is reported with fleet's exact text.
 */
import { InvalidUnitOptionsError, UnitFileSyntaxError } from '../errors.js';
import type { UnitOption } from '../model.js';
import { canonicalText } from './canonical.js';
import { type FleetRequirements, parseFleetRequirements } from './fleet-requirements.js';
import { matchUnitGlob } from './glob.js';
import { goTrimSpace } from './go-space.js';
import { parseUnitFile } from './parse.js';
import { discoveryNameProblem } from './discovery-name.js';
import { declaredReplicas } from './replicas.js';
import { isStrategyProblem, updateStrategyOf } from './update-keys.js';

type Feature = 'MachineID' | 'Peers' | 'Conflicts' | 'Global' | 'Replaces';

/** fleet's table, in fleet's order: [feature, cannot be used with feature]. */
const FORBIDDEN_COMBINATIONS: readonly [Feature, Feature][] = [
  ['MachineID', 'Peers'],
  ['MachineID', 'Conflicts'],
  ['MachineID', 'Global'],
  ['MachineID', 'Replaces'],
  ['Global', 'Peers'],
  ['Global', 'Replaces'],
  ['Conflicts', 'Replaces'],
];

export function validateUnitOptions(unitName: string, options: readonly UnitOption[]): void {
  const reason = unitOptionsProblem(unitName, options);
  if (reason !== undefined) throw new InvalidUnitOptionsError(unitName, reason);
}

export function unitOptionsProblem(unitName: string, options: readonly UnitOption[]): string | undefined {
  const roundTrip = roundTripProblem(options);
  if (roundTrip !== undefined) return roundTrip;
  const replicas = declaredReplicas(unitName, options);
  if (replicas !== undefined && 'problem' in replicas) return replicas.problem;
  const discovery = discoveryNameProblem(options);
  if (discovery !== undefined) return discovery;
  const strategy = updateStrategyOf(options);
  if (isStrategyProblem(strategy)) return strategy.problem;
  const requirements = parseFleetRequirements(unitName, options);
  for (const peer of requirements.machineOf) {
    const conflict = requirements.conflicts.find((glob) => matchUnitGlob(glob, peer));
    if (conflict !== undefined) return `unresolvable requirements: peer "${peer}" matches conflict "${conflict}"`;
    const replace = requirements.replaces.find((glob) => matchUnitGlob(glob, peer));
    if (replace !== undefined) return `unresolvable requirements: peer "${peer}" matches replace "${replace}"`;
  }
  const used = usedFeatures(requirements);
  const clash = FORBIDDEN_COMBINATIONS.find(([a, b]) => used.has(a) && used.has(b));
  return clash ? `${clash[0]} cannot be used with ${clash[1]}` : undefined;
}

function usedFeatures(requirements: FleetRequirements): Set<Feature> {
  const used = new Set<Feature>();
  if (requirements.machineId !== undefined) used.add('MachineID');
  if (requirements.machineOf.length > 0) used.add('Peers');
  if (requirements.conflicts.length > 0) used.add('Conflicts');
  if (requirements.global) used.add('Global');
  if (requirements.replaces.length > 0) used.add('Replaces');
  return used;
}

/** The options must serialize to unit text that parses back to the same options — grouped by section, as
 * the canonical text groups them (a file may repeat a section; fleet accepted that). */
function roundTripProblem(options: readonly UnitOption[]): string | undefined {
  const malformed = options.find((o) => !isWellFormed(o));
  if (malformed) return `invalid unit option ${JSON.stringify(`[${malformed.section}] ${malformed.name}=${malformed.value}`)}`;
  try {
    const reparsed = parseUnitFile(canonicalText(options), 'options');
    const expected = groupedBySection(options);
    const same = reparsed.length === expected.length && reparsed.every((o, i) => sameOption(o, expected[i]));
    return same ? undefined : 'unit options do not survive serialization';
  } catch (err) {
    if (err instanceof UnitFileSyntaxError) return `unit options do not serialize: ${err.message}`;
    throw err;
  }
}

function groupedBySection(options: readonly UnitOption[]): UnitOption[] {
  const sections = [...new Set(options.map((o) => o.section))];
  return sections.flatMap((section) => options.filter((o) => o.section === section));
}

function isWellFormed(option: UnitOption): boolean {
  const noBreaks = (s: string) => !/[\r\n]/.test(s);
  return (
    option.section.trim() !== '' && !/[[\]]/.test(option.section) && noBreaks(option.section) &&
    option.name.trim() !== '' && !option.name.includes('=') && noBreaks(option.name) && noBreaks(option.value)
  );
}

function sameOption(a: UnitOption, b: UnitOption | undefined): boolean {
  // Values are trimmed by the parser; surrounding whitespace is not a meaningful difference.
  return b !== undefined && a.section === b.section && a.name === b.name && a.value === goTrimSpace(b.value);
}
