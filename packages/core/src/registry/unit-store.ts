/**
 * Units: submit, read, desired state, destroy. Multi-key changes are single transactions that compare the
 * revisions they read (unit and schedule), so a unit's record, schedule and assignment never disagree.
 */
import { TemplateActivationError, UnitExistsError, UnitNotFoundError } from '../errors.js';
import type { Assignment, DesiredState, UnitRecord, UnitSpec } from '../model.js';
import { validateUnitName, unitNameInfo } from '../unit/name.js';
import { makeUnitRecord } from '../unit/record.js';
import { validateUnitOptions } from '../unit/validate-options.js';
import { encodeValue } from './codec.js';
import { type RegistryContext, type Stored, decodeStored } from './context.js';
import { isMachineId, isUnitRecord } from './record-guards.js';

export interface SubmitOptions {
  desiredState?: DesiredState;
  replace?: boolean;
}

/** A unit with its schedule, as read together for a compare-and-swap. */
interface UnitView {
  unit: Stored<UnitRecord>;
  machineId: string | undefined;
  /** modRevision of `schedule/<unit>`, or '0' when unscheduled (compares Create == 0 then). */
  scheduleModRevision: string;
}

export async function submitUnit(ctx: RegistryContext, spec: UnitSpec, opts: SubmitOptions = {}): Promise<UnitRecord> {
  validateUnitName(spec.name);
  validateUnitOptions(spec.name, spec.options);
  const record = makeUnitRecord(spec, opts.desiredState ?? 'inactive');
  rejectTemplateActivation(record.name, record.desiredState);
  return ctx.run(`submit ${spec.name}`, async () => {
    const key = ctx.keys.unit(spec.name);
    const result = await ctx.client
      .if(key, 'Create', '==', 0)
      .then(ctx.client.put(key).value(encodeValue(record)))
      .else(ctx.client.get(key))
      .commit();
    if (result.succeeded) return record;
    const kv = result.responses[0]?.response_range?.kvs[0];
    const existing = kv ? decodeStored(kv, isUnitRecord).value : undefined;
    if (existing && existing.hash === record.hash) return existing;
    if (existing && !opts.replace) throw new UnitExistsError(spec.name, existing.hash, record.hash);
    return replaceUnit(ctx, record);
  });
}

/** fleet's replace: overwrite the record and drop schedule + assignment, so the unit is placed afresh. */
function replaceUnit(ctx: RegistryContext, record: UnitRecord): Promise<UnitRecord> {
  return ctx.retryOnRace(`replace ${record.name}`, async () => {
    const view = await readUnitView(ctx, record.name);
    const txn = view ? compareView(ctx, view) : ctx.client.if(ctx.keys.unit(record.name), 'Create', '==', 0);
    txn.then(ctx.client.put(ctx.keys.unit(record.name)).value(encodeValue(record)), ...unscheduleOps(ctx, record.name, view?.machineId));
    return (await txn.commit()).succeeded ? record : undefined;
  });
}

export async function getUnit(ctx: RegistryContext, name: string): Promise<UnitRecord | undefined> {
  return ctx.run(`get ${name}`, async () => (await ctx.readOne(ctx.keys.unit(name), isUnitRecord))?.value);
}

export async function listUnits(ctx: RegistryContext): Promise<UnitRecord[]> {
  return ctx.run('list units', async () => (await ctx.readPrefix(ctx.keys.unitsPrefix, isUnitRecord)).records.map((r) => r.value));
}

export async function setDesiredState(ctx: RegistryContext, name: string, state: DesiredState): Promise<UnitRecord> {
  rejectTemplateActivation(name, state);
  return ctx.run(`set desired state of ${name}`, () =>
    ctx.retryOnRace(`set desired state of ${name}`, async () => {
      const view = await readUnitView(ctx, name);
      if (!view) throw new UnitNotFoundError(name);
      if (view.unit.value.desiredState === state) return view.unit.value;
      const updated: UnitRecord = { ...view.unit.value, desiredState: state };
      const txn = compareView(ctx, view).then(
        ctx.client.put(ctx.keys.unit(name)).value(encodeValue(updated)),
        ...mirrorOps(ctx, updated, view.machineId),
      );
      return (await txn.commit()).succeeded ? updated : undefined;
    }),
  );
}

export function destroyUnit(ctx: RegistryContext, name: string): Promise<boolean> {
  return ctx.run(`destroy ${name}`, () =>
    ctx.retryOnRace(`destroy ${name}`, async () => {
      const view = await readUnitView(ctx, name);
      if (!view) return false;
      const txn = compareView(ctx, view).then(ctx.client.delete().key(ctx.keys.unit(name)), ...unscheduleOps(ctx, name, view.machineId));
      return (await txn.commit()).succeeded ? true : undefined;
    }),
  );
}

function rejectTemplateActivation(name: string, state: DesiredState): void {
  if (state !== 'inactive' && unitNameInfo(name).isTemplate) throw new TemplateActivationError(name);
}

async function readUnitView(ctx: RegistryContext, name: string): Promise<UnitView | undefined> {
  const unit = await ctx.readOne(ctx.keys.unit(name), isUnitRecord);
  if (!unit) return undefined;
  const schedule = await ctx.readOne(ctx.keys.schedule(name), isMachineId);
  return { unit, machineId: schedule?.value, scheduleModRevision: schedule?.modRevision ?? '0' };
}

/** Compares exactly what `view` saw: the unit's revision and the schedule's revision (or absence). */
function compareView(ctx: RegistryContext, view: UnitView) {
  const name = view.unit.value.name;
  const txn = ctx.client.if(ctx.keys.unit(name), 'Mod', '==', view.unit.modRevision);
  return view.machineId === undefined
    ? txn.and(ctx.keys.schedule(name), 'Create', '==', 0)
    : txn.and(ctx.keys.schedule(name), 'Mod', '==', view.scheduleModRevision);
}

/** Keeps the assignment in step with the unit: rewritten when scheduled, removed with the schedule on inactive. */
function mirrorOps(ctx: RegistryContext, unit: UnitRecord, machineId: string | undefined) {
  if (machineId === undefined) return [];
  if (unit.desiredState === 'inactive') return unscheduleOps(ctx, unit.name, machineId);
  const assignment: Assignment = { unit: unit.name, machineId, hash: unit.hash, desiredState: unit.desiredState };
  return [ctx.client.put(ctx.keys.assignment(machineId, unit.name)).value(encodeValue(assignment))];
}

function unscheduleOps(ctx: RegistryContext, name: string, machineId: string | undefined) {
  if (machineId === undefined) return [];
  return [ctx.client.delete().key(ctx.keys.schedule(name)), ctx.client.delete().key(ctx.keys.assignment(machineId, name))];
}
