/** Shape checks for decoded registry values: enough to catch foreign or truncated data, not a full schema. */
import {
  type Assignment,
  type ContainerStateSummary,
  DESIRED_STATES,
  type DesiredState,
  type MachineRecord,
  type ServiceRecord,
  type UnitOption,
  type UnitRecord,
  type UnitHealth,
  type UnitStateRecord,
} from '../model.js';
import { machineIdProblem } from '../machine-id.js';

export type RecordGuard<T> = (value: unknown) => value is T;

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function strings(value: Fields, ...names: string[]): boolean {
  return names.every((name) => typeof value[name] === 'string');
}

function isDesiredState(value: unknown): value is DesiredState {
  return DESIRED_STATES.includes(value as DesiredState);
}

/** An option read back must still be one line of unit text: the agent writes it into a unit file, so a line
 * break smuggled into a stored value would become an extra directive. */
export function isUnitOption(value: unknown): value is UnitOption {
  if (!isObject(value) || !strings(value, 'section', 'name', 'value')) return false;
  const { section, name, value: text } = value as { section: string; name: string; value: string };
  return (
    section !== '' && !/[[\]\r\n]/.test(section) && name !== '' && !/[=\r\n]/.test(name) && !/^[#;[]/.test(name) && !/[\r\n]/.test(text)
  );
}

const SHA1_HEX = /^[0-9a-f]{40}$/;

export const isUnitRecord: RecordGuard<UnitRecord> = (value): value is UnitRecord =>
  isObject(value) &&
  strings(value, 'name', 'hash') &&
  SHA1_HEX.test(value.hash as string) &&
  isDesiredState(value.desiredState) &&
  typeof value.global === 'boolean' &&
  Array.isArray(value.options) &&
  value.options.every(isUnitOption) &&
  (value.pinned === undefined || (isObject(value.pinned) && Object.values(value.pinned).every((o) => Array.isArray(o) && o.every(isUnitOption))));

export const isServiceRecord: RecordGuard<ServiceRecord> = (value): value is ServiceRecord =>
  isObject(value) && strings(value, 'template') && typeof value.count === 'number' && Number.isInteger(value.count) && value.count >= 0;

export const isMachineRecord: RecordGuard<MachineRecord> = (value): value is MachineRecord =>
  isObject(value) &&
  strings(value, 'id', 'hostname', 'ip', 'version') &&
  typeof value.startedAt === 'number' &&
  isObject(value.metadata) &&
  Object.values(value.metadata).every((v) => typeof v === 'string') &&
  optional(value.layout, (v) => Number.isInteger(v));

export const isAssignment: RecordGuard<Assignment> = (value): value is Assignment =>
  isObject(value) && strings(value, 'unit', 'machineId', 'hash') && isDesiredState(value.desiredState) && optional(value.placed, (v) => v === true);

export const isUnitStateRecord: RecordGuard<UnitStateRecord> = (value): value is UnitStateRecord =>
  isObject(value) &&
  strings(value, 'unit', 'machineId', 'hash', 'loadState', 'activeState', 'subState') &&
  typeof value.updatedAt === 'number' &&
  optional(value.restarts, isCount) &&
  optional(value.since, isTime) &&
  optional(value.container, isContainerSummary) &&
  optional(value.health, isUnitHealth);

function optional(value: unknown, guard: (v: unknown) => boolean): boolean {
  return value === undefined || guard(value);
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isTime(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

const optionalString = (v: unknown): boolean => typeof v === 'string';
const HEALTH_STATUSES: readonly string[] = ['starting', 'healthy', 'unhealthy'];

function isContainerSummary(value: unknown): value is ContainerStateSummary {
  return (
    isObject(value) &&
    strings(value, 'state') &&
    optional(value.exitCode, (v) => typeof v === 'number' && Number.isInteger(v)) &&
    optional(value.health, optionalString) &&
    optional(value.error, optionalString)
  );
}

function isUnitHealth(value: unknown): value is UnitHealth {
  return (
    isObject(value) &&
    HEALTH_STATUSES.includes(value.status as string) &&
    isTime(value.checkedAt) &&
    isCount(value.failures) &&
    optional(value.message, optionalString)
  );
}

export const isMachineId: RecordGuard<string> = (value): value is string => typeof value === 'string' && machineIdProblem(value) === undefined;
