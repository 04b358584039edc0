/**
 * A template's stored replica count (docs/services.md): `[X-Flotilla] Replicas=N` in a template, or
 * `flotilla scale TEMPLATE@ N`. The count is a whole number from 0 to MAX_SCALE; only templates have one.
 */
import { InvalidServiceError } from '../errors.js';
import type { UnitOption } from '../model.js';
import { unitNameInfo } from './name.js';
import { MAX_SCALE } from './scale-plan.js';

export const REPLICAS_SECTION = 'X-Flotilla';
export const REPLICAS_KEY = 'Replicas';

/** Why `count` cannot be a replica count, else undefined. */
export function replicaCountProblem(count: unknown): string | undefined {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_SCALE) {
    return `replica count must be a whole number from 0 to ${MAX_SCALE}, not ${JSON.stringify(count)}`;
  }
  return undefined;
}

/** Index of the (last, as systemd: the last value wins) `[X-Flotilla] Replicas=` option, else -1. */
export function replicasOptionIndex(options: readonly UnitOption[]): number {
  for (let i = options.length - 1; i >= 0; i--) {
    const o = options[i] as UnitOption;
    if (o.section === REPLICAS_SECTION && o.name === REPLICAS_KEY) return i;
  }
  return -1;
}

/** The declared count, undefined when the unit declares none; a bad value or a non-template is `{ problem }`. */
export function declaredReplicas(unitName: string, options: readonly UnitOption[]): { count: number } | { problem: string } | undefined {
  const index = replicasOptionIndex(options);
  if (index === -1) return undefined;
  const value = (options[index] as UnitOption).value.trim();
  if (!unitNameInfo(unitName).isTemplate) return { problem: `Replicas= is only valid in a template unit (NAME@.service), not ${unitName}` };
  const count = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  const problem = replicaCountProblem(Number.isNaN(count) ? value : count);
  return problem === undefined ? { count } : { problem: `Replicas=${value}: ${problem}` };
}

/** Throws InvalidServiceError unless `template` names a template and `count` is a replica count. */
export function assertServiceRequest(template: string, count: number): void {
  if (!unitNameInfo(template).isTemplate) throw new InvalidServiceError(`${JSON.stringify(template)} is not a template unit (NAME@.service)`);
  const problem = replicaCountProblem(count);
  if (problem !== undefined) throw new InvalidServiceError(problem);
}
