/**
 * A unit file as it enters Flotilla (CLI file argument, API body from a file): the name checked, the text
 * parsed, the options validated — and a rejection of the options names the line and key that caused it, in
 * front of fleet's own text (`web.service:7:1: MachineID cannot be used with Global (key Global)`).
 */
import { isStrategyProblem, updateStrategyOf } from './update-keys.js';
import { InvalidUnitOptionsError } from '../errors.js';
import type { UnitOption, UnitSpec } from '../model.js';
import { FLEET_SECTION } from './fleet-requirements.js';
import { assertNewUnitName } from './name.js';
import { parseUnitFileWithPositions } from './parse.js';
import { replicasOptionIndex } from './replicas.js';
import { unitOptionsProblem } from './validate-options.js';

/** [X-Fleet] keys (current and deprecated) behind each feature named in fleet's messages. */
const FEATURE_KEYS: Record<string, readonly string[]> = {
  MachineID: ['MachineID', 'X-ConditionMachineID', 'X-ConditionMachineBootID'],
  Peers: ['MachineOf', 'X-ConditionMachineOf'],
  Conflicts: ['Conflicts', 'X-Conflicts'],
  Global: ['Global'],
  Replaces: ['Replaces'],
};

/** Checks name, syntax and options; throws InvalidUnitNameError, UnitFileSyntaxError or InvalidUnitOptionsError. */
export function loadUnitFile(name: string, text: string, fileName = name): UnitSpec {
  assertNewUnitName(name);
  const { options, positions } = parseUnitFileWithPositions(text, fileName);
  const reason = unitOptionsProblem(name, options);
  if (reason === undefined) return { name, options };
  const index = blamedOption(options, reason);
  const at = index === undefined ? undefined : positions[index];
  if (index === undefined || at === undefined) throw new InvalidUnitOptionsError(name, reason);
  const key = (options[index] as UnitOption).name;
  throw new InvalidUnitOptionsError(name, reason, { file: fileName, line: at.line, column: at.column, key });
}

/** The option a ValidateOptions message is about: the later feature of a forbidden pair (its last
 * occurrence for Global, whose last value wins), the MachineOf line of an unresolvable peer. */
export function blamedOption(options: readonly UnitOption[], reason: string): number | undefined {
  const fleetKeyIndex = (keys: readonly string[], last = false): number | undefined => {
    const indexes = options.flatMap((o, i) => (o.section === FLEET_SECTION && keys.includes(o.name) ? [i] : []));
    return last ? indexes[indexes.length - 1] : indexes[0];
  };
  if (/^Replicas/.test(reason)) return replicasOptionIndex(options);
  const strategy = updateStrategyOf(options);
  if (isStrategyProblem(strategy) && strategy.problem === reason) return strategy.index;
  const pair = /^(\w+) cannot be used with (\w+)$/.exec(reason);
  if (pair) return fleetKeyIndex(FEATURE_KEYS[pair[2] as string] ?? [], pair[2] === 'Global');
  const peer = /^unresolvable requirements: peer "(.*)" matches/.exec(reason);
  if (peer) {
    const index = options.findIndex((o) => o.section === FLEET_SECTION && FEATURE_KEYS.Peers?.includes(o.name) && o.value.includes(peer[1] as string));
    return index === -1 ? fleetKeyIndex(FEATURE_KEYS.Peers ?? []) : index;
  }
  return undefined;
}
