/**
 * Stored services (docs/services.md): `services/<template>` = {template, count}. Recording a count stores the
 * template too when it is not stored yet, in one transaction; the leader's reconcile writes (create, launch,
 * destroy numbered instances) are fenced by its leadership like placement.
 */
import { InvalidServiceError, LeadershipLostError, UnitNotFoundError } from '../errors.js';
import type { ServiceRecord, UnitRecord, UnitSpec } from '../model.js';
import { makeUnitRecord } from '../unit/record.js';
import { assertServiceRequest } from '../unit/replicas.js';
import { validateUnitOptions } from '../unit/validate-options.js';
import { encodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import { is, op } from './kv-ops.js';
import { fenceHolds } from './scheduling-store.js';
import type { Fence, ServiceChange, ApplyServicesResult } from './types.js';
import { destroyUnit, setDesiredState } from './unit-store.js';
import { isServiceRecord } from './record-guards.js';

export async function scaleService(ctx: RegistryContext, template: string, count: number, templateSpec?: UnitSpec): Promise<ServiceRecord> {
  assertServiceRequest(template, count);
  if (templateSpec !== undefined) {
    if (templateSpec.name !== template) throw new InvalidServiceError(`template spec ${templateSpec.name} is not ${template}`);
    validateUnitOptions(template, templateSpec.options);
  }
  const service: ServiceRecord = { template, count };
  return ctx.run(`scale ${template}`, () =>
    ctx.retryOnRace(`scale ${template}`, async () => {
      const unitKey = ctx.keys.unit(template);
      const kv = await ctx.get(unitKey);
      if (!kv && templateSpec === undefined) throw new UnitNotFoundError(template);
      const writes = [op.put(ctx.keys.service(template), encodeValue(service))];
      if (!kv) writes.push(op.put(unitKey, encodeValue(makeUnitRecord(templateSpec as UnitSpec, 'inactive'))));
      const result = await ctx.txn([kv ? is.modifiedAt(unitKey, kv.mod_revision) : is.absent(unitKey)], writes);
      return result.succeeded ? service : undefined;
    }),
  );
}

export async function getService(ctx: RegistryContext, template: string): Promise<ServiceRecord | undefined> {
  return ctx.run(`get service ${template}`, async () => (await ctx.readOne(ctx.keys.service(template), isServiceRecord))?.value);
}

export async function listServices(ctx: RegistryContext): Promise<ServiceRecord[]> {
  return ctx.run('list services', async () => (await ctx.readPrefix(ctx.keys.servicesPrefix, isServiceRecord)).records.map((r) => r.value));
}

/** Applies the leader's reconcile, one fenced transaction per change. A change whose compares fail (the cluster
 * moved on) is returned as a conflict; a failed fence throws LeadershipLostError and applies nothing more. */
export async function applyServiceChanges(ctx: RegistryContext, changes: readonly ServiceChange[], fence: Fence): Promise<ApplyServicesResult> {
  const result: ApplyServicesResult = { applied: 0, conflicts: [] };
  for (const change of changes) {
    const done = await applyOne(ctx, change, fence);
    if (done) result.applied++;
    else result.conflicts.push(change);
  }
  return result;
}

async function applyOne(ctx: RegistryContext, change: ServiceChange, fence: Fence): Promise<boolean> {
  try {
    switch (change.kind) {
      case 'create':
        return await createInstance(ctx, change.unit, fence);
      case 'launch':
        await setDesiredState(ctx, change.unit, 'launched', fence);
        return true;
      case 'destroy':
        return await destroyUnit(ctx, change.unit, fence);
    }
  } catch (err) {
    if (err instanceof LeadershipLostError) throw err;
    if (err instanceof UnitNotFoundError || (err instanceof Error && 'code' in err && err.code === 'REGISTRY_CONFLICT')) return false;
    throw err;
  }
}

async function createInstance(ctx: RegistryContext, unit: UnitRecord, fence: Fence): Promise<boolean> {
  return ctx.run(`create ${unit.name}`, async () => {
    const result = await ctx.txn([is.absent(ctx.keys.unit(unit.name)), is.createdAt(fence.key, fence.createRevision)], [op.put(ctx.keys.unit(unit.name), encodeValue(unit))]);
    if (result.succeeded) return true;
    if (!(await fenceHolds(ctx, fence))) throw new LeadershipLostError(fence.key);
    return false;
  });
}
