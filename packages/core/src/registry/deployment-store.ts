/**
 * Deployments in etcd (docs/deployments.md): `deployments/<template>` (the latest one) and
 * `service-history/<template>`. Starting one is one transaction that compares everything it read (template,
 * service, deployment, history), so two concurrent `deploy`s cannot both start; each leader step is one
 * transaction fenced by leadership that also compares the deployment's revision and each replaced instance.
 */
import { randomBytes } from 'node:crypto';
import { isDeploymentRecord, isServiceHistory, type DeploymentRecord, type ServiceHistory } from '../deployment/record.js';
import { nextGlobalRecord, planPromote, planStart, withResult } from '../deployment/start.js';
import { LeadershipLostError, UnitNotFoundError } from '../errors.js';
import type { UnitRecord, UnitSpec } from '../model.js';
import { assertValidUnitName } from '../unit/name.js';
import { makeUnitRecord } from '../unit/record.js';
import { declaredReplicas } from '../unit/replicas.js';
import { encodeValue } from './codec.js';
import type { RegistryContext, Stored } from './context.js';
import type { Compare, KeyValue, RequestOp } from './etcd-port.js';
import { is, op } from './kv-ops.js';
import { isAssignment, isServiceRecord, isUnitRecord } from './record-guards.js';
import { fenceHolds } from './scheduling-store.js';
import type { DeploymentWrite, Fence, StoredDeployment } from './types.js';
import { compareView, mirrorOps, readUnitView } from './unit-store.js';

/** `app-3f9a1c2e`: the service's (or global unit's) name and 8 random hex digits. */
export function newDeploymentId(template: string): string {
  return `${template.replace(/@.*$/, '').replace(/\.[a-z]+$/, '')}-${randomBytes(4).toString('hex')}`;
}

const present = (key: string, s: Stored<unknown> | KeyValue | undefined): Compare =>
  s === undefined ? is.absent(key) : is.modifiedAt(key, 'modRevision' in s ? s.modRevision : s.mod_revision);

export async function startDeployment(ctx: RegistryContext, spec: UnitSpec, opts: { rollback?: boolean } = {}): Promise<DeploymentRecord> {
  assertValidUnitName(spec.name);
  const name = spec.name;
  return ctx.run(`deploy ${name}`, () =>
    ctx.retryOnRace(`deploy ${name}`, async () => {
      const keys = { unit: ctx.keys.unit(name), service: ctx.keys.service(name), deployment: ctx.keys.deployment(name), history: ctx.keys.history(name) };
      const [template, service, current, history] = await Promise.all([
        ctx.readOne(keys.unit, isUnitRecord),
        ctx.readOne(keys.service, isServiceRecord),
        ctx.readOne(keys.deployment, isDeploymentRecord),
        ctx.readOne(keys.history, isServiceHistory),
      ]);
      const writes = planStart(
        { spec, id: newDeploymentId(name), now: Date.now(), rollback: opts.rollback },
        { template: template?.value, service: service?.value, current: current?.value, history: history?.value },
      );
      const ops: RequestOp[] = [
        op.put(keys.unit, encodeValue(writes.template)),
        op.put(keys.deployment, encodeValue(writes.deployment)),
        op.put(keys.history, encodeValue(writes.history)),
      ];
      const declared = declaredReplicas(name, writes.template.options);
      if (declared !== undefined && 'count' in declared) ops.push(op.put(keys.service, encodeValue({ template: name, count: declared.count })));
      const compares = [present(keys.unit, template), present(keys.service, service), present(keys.deployment, current), present(keys.history, history)];
      const result = await ctx.txn(compares, ops);
      return result.succeeded ? writes.deployment : undefined;
    }),
  );
}

export async function promoteDeployment(ctx: RegistryContext, template: string): Promise<DeploymentRecord> {
  return ctx.run(`promote ${template}`, () =>
    ctx.retryOnRace(`promote ${template}`, async () => {
      const key = ctx.keys.deployment(template);
      const current = await ctx.readOne(key, isDeploymentRecord);
      const next = planPromote(template, current?.value, Date.now());
      const result = await ctx.txn([present(key, current)], [op.put(key, encodeValue(next))]);
      return result.succeeded ? next : undefined;
    }),
  );
}

export async function getDeployment(ctx: RegistryContext, template: string): Promise<DeploymentRecord | undefined> {
  return ctx.run(`get deployment ${template}`, async () => (await ctx.readOne(ctx.keys.deployment(template), isDeploymentRecord))?.value);
}

export async function listDeployments(ctx: RegistryContext): Promise<DeploymentRecord[]> {
  return (await readDeployments(ctx)).map((d) => d.deployment);
}

export async function readDeployments(ctx: RegistryContext): Promise<StoredDeployment[]> {
  return ctx.run('list deployments', async () =>
    (await ctx.readPrefix(ctx.keys.deploymentsPrefix, isDeploymentRecord)).records.map((r) => ({ deployment: r.value, revision: r.modRevision })),
  );
}

export async function getHistory(ctx: RegistryContext, template: string): Promise<ServiceHistory | undefined> {
  return ctx.run(`get history ${template}`, async () => (await ctx.readOne(ctx.keys.history(template), isServiceHistory))?.value);
}

/** One leader step in one transaction; false when something it read changed meanwhile. */
export async function applyDeploymentStep(ctx: RegistryContext, write: DeploymentWrite, fence: Fence): Promise<boolean> {
  const d = write.deployment;
  if (d.global === true) return applyGlobalStep(ctx, write, fence);
  return ctx.run(`deployment step ${d.id}`, async () => {
    const target = d.state === 'reverting' ? d.fromOptions : d.toOptions;
    const compares: Compare[] = [is.createdAt(fence.key, fence.createRevision), is.modifiedAt(ctx.keys.deployment(d.template), write.read.revision)];
    const ops: RequestOp[] = [op.put(ctx.keys.deployment(d.template), encodeValue(d))];
    for (const name of write.replace) {
      const view = await readUnitView(ctx, name);
      if (!view?.unit) return false; // destroyed (the service keeper re-creates it from the template) or corrupt
      const next: UnitRecord = makeUnitRecord({ name, options: target }, view.unit.value.desiredState);
      compares.push(...compareView(ctx, view));
      ops.push(op.put(ctx.keys.unit(name), encodeValue(next)), ...mirrorOps(ctx, next, view));
    }
    if (write.revertTemplate) {
      const template = await ctx.readOne(ctx.keys.unit(d.template), isUnitRecord);
      if (!template) throw new UnitNotFoundError(d.template);
      compares.push(present(ctx.keys.unit(d.template), template));
      ops.push(op.put(ctx.keys.unit(d.template), encodeValue(makeUnitRecord({ name: d.template, options: d.fromOptions }, 'inactive'))));
    }
    if (write.results.length > 0) {
      const history = await ctx.readOne(ctx.keys.history(d.template), isServiceHistory);
      if (history) {
        const updated = write.results.reduce((h, r) => withResult(h, d.id, r.hash, r.result), history.value);
        compares.push(present(ctx.keys.history(d.template), history));
        ops.push(op.put(ctx.keys.history(d.template), encodeValue(updated)));
      }
    }
    const result = await ctx.txn(compares, ops);
    if (result.succeeded) return true;
    if (!(await fenceHolds(ctx, fence))) throw new LeadershipLostError(fence.key);
    return false;
  });
}

/** A global unit's step (docs/deployments.md "Global units"): `replace` names machines whose assignment (the
 * version pin) moves to the target hash; a revert puts the old options back in the unit record, pinning the new
 * ones; the end drops the pins. Each assignment and the unit record are compared as read. */
async function applyGlobalStep(ctx: RegistryContext, write: DeploymentWrite, fence: Fence): Promise<boolean> {
  const d = write.deployment;
  return ctx.run(`deployment step ${d.id}`, async () => {
    const targetHash = d.state === 'reverting' ? d.fromHash : d.toHash;
    const compares: Compare[] = [is.createdAt(fence.key, fence.createRevision), is.modifiedAt(ctx.keys.deployment(d.template), write.read.revision)];
    const ops: RequestOp[] = [op.put(ctx.keys.deployment(d.template), encodeValue(d))];
    for (const machineId of write.replace) {
      const key = ctx.keys.assignment(machineId, d.template);
      const stored = await ctx.readOne(key, isAssignment);
      if (!stored) return false; // the machine left or stopped matching meanwhile
      compares.push(present(key, stored));
      ops.push(op.put(key, encodeValue({ ...stored.value, hash: targetHash })));
    }
    const unit = await ctx.readOne(ctx.keys.unit(d.template), isUnitRecord);
    const next = unit && nextGlobalRecord(unit.value, write);
    if (unit && next) {
      compares.push(present(ctx.keys.unit(d.template), unit));
      ops.push(op.put(ctx.keys.unit(d.template), encodeValue(next)));
    }
    if (write.results.length > 0) {
      const history = await ctx.readOne(ctx.keys.history(d.template), isServiceHistory);
      if (history) {
        const updated = write.results.reduce((h, r) => withResult(h, d.id, r.hash, r.result), history.value);
        compares.push(present(ctx.keys.history(d.template), history));
        ops.push(op.put(ctx.keys.history(d.template), encodeValue(updated)));
      }
    }
    const result = await ctx.txn(compares, ops);
    if (result.succeeded) return true;
    if (!(await fenceHolds(ctx, fence))) throw new LeadershipLostError(fence.key);
    return false;
  });
}
