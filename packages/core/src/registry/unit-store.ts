/**
 * Units: submit, read, desired state, destroy. Multi-key changes are single transactions that compare the
 * revisions they read (unit and schedule), so a unit's record, schedule and assignment never disagree.
 */
import { isActiveDeployment, isDeploymentRecord } from '../deployment/record.js';
import { CorruptRecordError, DeploymentInProgressError, LeadershipLostError, SystemdNameTakenError, UnitExistsError, UnitNotFoundError } from '../errors.js';
import type { Assignment, DesiredState, ServiceRecord, UnitRecord, UnitSpec } from '../model.js';
import { declaredReplicas } from '../unit/replicas.js';
import { fenceHolds } from './scheduling-store.js';
import type { Fence } from './types.js';
import { assertValidUnitName, sameSystemdUnitSibling, unitNameInfo } from '../unit/name.js';
import { newUnitRecord, rejectTemplateActivation } from '../unit/record.js';
import { encodeValue } from './codec.js';
import type { RegistryContext, Stored } from './context.js';
import { isKeyProblem } from './keyspace.js';
import type { Compare, RequestOp } from './etcd-port.js';
import { is, op } from './kv-ops.js';
import { checkRecord } from './record-check.js';
import { isAssignment, isMachineId, isUnitRecord } from './record-guards.js';

export interface SubmitOptions {
  desiredState?: DesiredState;
  replace?: boolean;
}

/** A unit with its schedule, as read together for a compare-and-swap. */
export interface UnitView {
  name: string;
  /** modRevision of `units/<name>` (compared by every write). */
  unitModRevision: string;
  /** undefined when the stored value is corrupt: destroy and replace still work on it. */
  unit: Stored<UnitRecord> | undefined;
  machineId: string | undefined;
  /** modRevision of `schedule/<unit>`, or '0' when unscheduled (compares Create == 0 then). */
  scheduleModRevision: string;
  /** Machines holding an assignment of a global (or corrupt) unit without a schedule entry: they change with it. */
  globalMachines: string[];
}

export async function submitUnit(ctx: RegistryContext, spec: UnitSpec, opts: SubmitOptions = {}): Promise<UnitRecord> {
  const record = newUnitRecord(spec, opts.desiredState);
  return ctx.run(`submit ${spec.name}`, async () => {
    const key = ctx.keys.unit(spec.name);
    const sibling = sameSystemdUnitSibling(spec.name);
    const siblingKey = sibling === undefined ? undefined : ctx.keys.unit(sibling);
    const result = await ctx.txn(
      siblingKey === undefined ? [is.absent(key)] : [is.absent(key), is.absent(siblingKey)],
      [op.put(key, encodeValue(record)), ...declaredServiceOps(ctx, record)],
      siblingKey === undefined ? [op.get(key)] : [op.get(key), op.get(siblingKey)],
    );
    if (result.succeeded) return record;
    const kv = result.responses[0]?.response_range?.kvs[0];
    // One systemd unit, one registry unit (name.ts sameSystemdUnitSibling); a stored unit of this name is judged below.
    if (!kv && sibling !== undefined && (result.responses[1]?.response_range?.kvs.length ?? 0) > 0) throw new SystemdNameTakenError(spec.name, sibling);
    // A corrupt stored record can only be overwritten with --replace; otherwise its error is the answer.
    // A corrupt stored unit can only be overwritten with replace; without it, its error is the answer.
    const existing = kv && (opts.replace ? ctx.tryCheck(() => checkRecord(ctx.keys, kv, isUnitRecord)) : checkRecord(ctx.keys, kv, isUnitRecord));
    if (existing && existing.value.hash === record.hash) return existing.value;
    if (existing && !opts.replace) throw new UnitExistsError(spec.name, existing.value.hash, record.hash);
    return replaceUnit(ctx, record);
  });
}

/** Units per submitUnits transaction: two compares (the key, its systemd sibling) each, under etcd's
 * default --max-txn-ops of 128 (etcd/server/etcdserver/api/v3rpc/key.go checkTxnReqs). */
export const UNITS_PER_SUBMIT_TXN = 64;

/**
 * Many submitUnits without replace, in transactions of up to 64 units: a start of 300 units costs 5 writes, not
 * 300. Every spec is validated before anything is written. Per transaction, all or nothing: units already stored
 * with the same hash are kept (as submitUnit), a different hash throws UnitExistsError and a taken systemd name
 * SystemdNameTakenError, with none of that transaction's units written (earlier transactions stay written).
 */
export async function submitUnits(ctx: RegistryContext, specs: readonly UnitSpec[], opts: { desiredState?: DesiredState } = {}): Promise<UnitRecord[]> {
  const records = specs.map((spec) => newUnitRecord(spec, opts.desiredState));
  const stored = new Map<string, UnitRecord>();
  for (const chunk of submitChunks(records)) {
    for (const record of await ctx.run(`submit ${chunk.length} units`, () => submitChunk(ctx, chunk))) stored.set(record.name, record);
  }
  return records.map((r) => stored.get(r.name) ?? r);
}

/** Splits into transactions of at most UNITS_PER_SUBMIT_TXN; a name (or its sibling) seen in the current one
 * starts the next, so a repeat is judged against what the earlier transaction wrote. */
function submitChunks(records: readonly UnitRecord[]): UnitRecord[][] {
  const chunks: UnitRecord[][] = [];
  let current: UnitRecord[] = [];
  let names = new Set<string>();
  for (const record of records) {
    const sibling = sameSystemdUnitSibling(record.name);
    if (current.length >= UNITS_PER_SUBMIT_TXN || names.has(record.name) || (sibling !== undefined && names.has(sibling))) {
      chunks.push(current);
      current = [];
      names = new Set();
    }
    current.push(record);
    names.add(record.name);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** One transaction: every key and sibling absent → all written. Otherwise the failure branch's reads say why:
 * same-hash units are kept (not rewritten) and the rest retried; anything else throws, nothing of the chunk
 * written. A failed compare with nothing found (a key deleted in between) is a race, retried like submitUnit's. */
function submitChunk(ctx: RegistryContext, chunk: readonly UnitRecord[]): Promise<UnitRecord[]> {
  let pending = [...chunk];
  const kept: UnitRecord[] = [];
  return ctx.retryOnRace(`submit ${chunk.length} units`, async () => {
    const keys = pending.flatMap((r) => {
      const sibling = sameSystemdUnitSibling(r.name);
      return sibling === undefined ? [ctx.keys.unit(r.name)] : [ctx.keys.unit(r.name), ctx.keys.unit(sibling)];
    });
    const result = await ctx.txn(keys.map((k) => is.absent(k)), pending.map((r) => op.put(ctx.keys.unit(r.name), encodeValue(r))), keys.map((k) => op.get(k)));
    if (result.succeeded) return [...kept, ...pending];
    const found = new Map<string, UnitRecord>();
    for (const response of result.responses) {
      const kv = response.response_range?.kvs[0];
      // A corrupt stored unit is the answer, as for submitUnit without replace.
      const stored = kv && checkRecord(ctx.keys, kv, isUnitRecord).value;
      if (stored) found.set(stored.name, stored);
    }
    const next: UnitRecord[] = [];
    for (const record of pending) {
      const existing = found.get(record.name);
      const sibling = sameSystemdUnitSibling(record.name);
      if (!existing && sibling !== undefined && found.has(sibling)) throw new SystemdNameTakenError(record.name, sibling);
      if (existing && existing.hash !== record.hash) throw new UnitExistsError(record.name, existing.hash, record.hash);
      if (existing) kept.push(existing);
      else next.push(record);
    }
    pending = next;
    return pending.length === 0 ? kept : undefined;
  });
}

/** fleet's replace: overwrite the record and drop schedule + assignment, so the unit is placed afresh. */
function replaceUnit(ctx: RegistryContext, record: UnitRecord): Promise<UnitRecord> {
  return ctx.retryOnRace(`replace ${record.name}`, async () => {
    const view = await readUnitView(ctx, record.name);
    const compares = view ? compareView(ctx, view) : [is.absent(ctx.keys.unit(record.name))];
    if (view?.unit?.value.global === true) {
      // A global unit being deployed: its machines' versions are the deploy driver's (docs/deployments.md).
      const key = ctx.keys.deployment(record.name);
      const current = await ctx.readOne(key, isDeploymentRecord);
      if (current && isActiveDeployment(current.value)) throw new DeploymentInProgressError(record.name, current.value.id, current.value.state);
      compares.push(current ? is.modifiedAt(key, current.modRevision) : is.absent(key));
    }
    const result = await ctx.txn(compares, [op.put(ctx.keys.unit(record.name), encodeValue(record)), ...unscheduleOps(ctx, view), ...declaredServiceOps(ctx, record)]);
    return result.succeeded ? record : undefined;
  });
}

export async function getUnit(ctx: RegistryContext, name: string): Promise<UnitRecord | undefined> {
  assertValidUnitName(name);
  return ctx.run(`get ${name}`, async () => (await ctx.readOne(ctx.keys.unit(name), isUnitRecord))?.value);
}

/** Reads per getUnits transaction: etcd's default --max-txn-ops (etcd/server/etcdserver/api/v3rpc/key.go). */
export const UNITS_PER_READ_TXN = 128;

/** Many getUnit in one transaction of reads per 128 names (a start of 300 units: 3 round trips, not 300). */
export async function getUnits(ctx: RegistryContext, names: readonly string[]): Promise<(UnitRecord | undefined)[]> {
  for (const name of names) assertValidUnitName(name);
  const chunks: string[][] = [];
  for (let i = 0; i < names.length; i += UNITS_PER_READ_TXN) chunks.push(names.slice(i, i + UNITS_PER_READ_TXN));
  const read = await Promise.all(chunks.map((chunk) => ctx.run(`get ${chunk.length} units`, async () => {
    const result = await ctx.txn([], chunk.map((name) => op.get(ctx.keys.unit(name))));
    return result.responses.map((response) => {
      const kv = response.response_range?.kvs[0];
      return kv ? checkRecord(ctx.keys, kv, isUnitRecord).value : undefined;
    });
  })));
  return read.flat();
}

export async function listUnits(ctx: RegistryContext): Promise<UnitRecord[]> {
  return ctx.run('list units', async () => (await ctx.readPrefix(ctx.keys.unitsPrefix, isUnitRecord)).records.map((r) => r.value));
}

/** With `fence` (the leader keeping a service's count), the write also holds only while leadership does. */
export async function setDesiredState(ctx: RegistryContext, name: string, state: DesiredState, fence?: Fence): Promise<UnitRecord> {
  assertValidUnitName(name);
  rejectTemplateActivation(name, state);
  return ctx.run(`set desired state of ${name}`, () =>
    ctx.retryOnRace(`set desired state of ${name}`, async () => {
      const view = await readUnitView(ctx, name);
      if (!view) throw new UnitNotFoundError(name);
      if (!view.unit) return void (await ctx.readOne(ctx.keys.unit(name), isUnitRecord)); // rethrows the CorruptRecordError
      if (view.unit.value.desiredState === state) return view.unit.value;
      const updated: UnitRecord = { ...view.unit.value, desiredState: state };
      const pinned = updated.pinned !== undefined && state !== 'inactive' ? await pinnedMirror(ctx, updated, view) : undefined;
      const mirror = pinned?.ops ?? mirrorOps(ctx, updated, view);
      const result = await ctx.txn([...compareView(ctx, view), ...fenced(fence), ...(pinned?.compares ?? [])], [op.put(ctx.keys.unit(name), encodeValue(updated)), ...mirror]);
      return result.succeeded ? updated : await unlessFenceLost(ctx, fence);
    }),
  );
}

/** Destroying a template also drops its stored service (docs/services.md): its instances are left as they are. */
export async function destroyUnit(ctx: RegistryContext, name: string, fence?: Fence): Promise<boolean> {
  assertValidUnitName(name);
  return ctx.run(`destroy ${name}`, () =>
    ctx.retryOnRace(`destroy ${name}`, async () => {
      const view = await readUnitView(ctx, name);
      if (!view) return false;
      const service = unitNameInfo(name).isTemplate ? [op.delete(ctx.keys.service(name))] : [];
      const result = await ctx.txn([...compareView(ctx, view), ...fenced(fence)], [op.delete(ctx.keys.unit(name)), ...unscheduleOps(ctx, view), ...service]);
      return result.succeeded ? true : await unlessFenceLost(ctx, fence);
    }),
  );
}

function fenced(fence: Fence | undefined): Compare[] {
  return fence ? [is.createdAt(fence.key, fence.createRevision)] : [];
}

/** After a failed fenced transaction: lost leadership throws, anything else is a race to retry (undefined). */
async function unlessFenceLost(ctx: RegistryContext, fence: Fence | undefined): Promise<undefined> {
  if (fence && !(await fenceHolds(ctx, fence))) throw new LeadershipLostError(fence.key);
  return undefined;
}

/** `[X-Flotilla] Replicas=N` in a template: its service record, written with the template. */
function declaredServiceOps(ctx: RegistryContext, record: UnitRecord): RequestOp[] {
  const declared = declaredReplicas(record.name, record.options);
  if (declared === undefined || 'problem' in declared) return [];
  const service: ServiceRecord = { template: record.name, count: declared.count };
  return [op.put(ctx.keys.service(record.name), encodeValue(service))];
}


/** The unit's key and schedule as one read-set. A corrupt unit value is reported, not thrown. */
export async function readUnitView(ctx: RegistryContext, name: string): Promise<UnitView | undefined> {
  const kv = await ctx.get(ctx.keys.unit(name));
  if (!kv) return undefined;
  const unit = ctx.tryCheck(() => checkRecord(ctx.keys, kv, isUnitRecord));
  const schedule = await ctx.readOne(ctx.keys.schedule(name), isMachineId).catch((err: unknown) => {
    if (!(err instanceof CorruptRecordError)) throw err;
    ctx.report(err);
    return undefined;
  });
  const globalMachines = !unit || unit.value.global ? await readGlobalMachines(ctx, name, schedule?.value) : [];
  return { name, unitModRevision: kv.mod_revision, unit, machineId: schedule?.value, scheduleModRevision: schedule?.modRevision ?? '0', globalMachines };
}

/** Machines with an assignment of `name` other than `scheduledOn`: a keys-only scan of assignments/, done
 * only for global units (their assignments have no schedule entry to find them by). A global assignment
 * written concurrently by the scheduler can still slip past; the scheduler removes such strays. */
async function readGlobalMachines(ctx: RegistryContext, name: string, scheduledOn: string | undefined): Promise<string[]> {
  const keys = await ctx.keysUnder(ctx.keys.assignmentsRoot);
  const machines: string[] = [];
  for (const key of keys) {
    const parsed = ctx.keys.parse(key);
    if (!isKeyProblem(parsed) && parsed.kind === 'assignment' && parsed.unit === name && parsed.machineId !== scheduledOn) machines.push(parsed.machineId);
  }
  return machines;
}

/** Compares exactly what `view` saw: the unit's revision and the schedule's revision (or absence). */
export function compareView(ctx: RegistryContext, view: UnitView): Compare[] {
  const name = view.name;
  const schedule = view.machineId === undefined ? is.absent(ctx.keys.schedule(name)) : is.modifiedAt(ctx.keys.schedule(name), view.scheduleModRevision);
  return [is.modifiedAt(ctx.keys.unit(name), view.unitModRevision), schedule];
}

/** Keeps assignments in step with the unit: rewritten when placed, removed (with the schedule) on inactive. */
export function mirrorOps(ctx: RegistryContext, unit: UnitRecord, view: UnitView): RequestOp[] {
  if (unit.desiredState === 'inactive') return unscheduleOps(ctx, view);
  const machines = view.machineId === undefined ? view.globalMachines : [view.machineId, ...view.globalMachines];
  return machines.map((machineId) => {
    const assignment: Assignment = { unit: unit.name, machineId, hash: unit.hash, desiredState: unit.desiredState };
    // The schedule entry's assignment stays a placement (layout.ts).
    return op.put(ctx.keys.assignment(machineId, unit.name), encodeValue(machineId === view.machineId ? { ...assignment, placed: true } : assignment));
  });
}

/** A global unit being deployed (docs/deployments.md "Global units"): its desired state is mirrored into every
 * assignment, but an assignment the record pins keeps its hash (its version pin is the deploy driver's to move).
 * Each assignment is compared as read. */
async function pinnedMirror(ctx: RegistryContext, unit: UnitRecord, view: UnitView): Promise<{ compares: Compare[]; ops: RequestOp[] }> {
  const compares: Compare[] = [];
  const ops: RequestOp[] = [];
  for (const machineId of view.globalMachines) {
    const key = ctx.keys.assignment(machineId, unit.name);
    const stored = await ctx.readOne(key, isAssignment);
    const hash = stored !== undefined && unit.pinned?.[stored.value.hash] !== undefined ? stored.value.hash : unit.hash;
    compares.push(stored === undefined ? is.absent(key) : is.modifiedAt(key, stored.modRevision));
    ops.push(op.put(key, encodeValue({ unit: unit.name, machineId, hash, desiredState: unit.desiredState } satisfies Assignment)));
  }
  return { compares, ops };
}

/** Deletes the schedule entry and every assignment the view found. */
function unscheduleOps(ctx: RegistryContext, view: UnitView | undefined): RequestOp[] {
  if (!view) return [];
  const deletes = view.globalMachines.map((machineId) => op.delete(ctx.keys.assignment(machineId, view.name)));
  if (view.machineId === undefined) return deletes;
  return [op.delete(ctx.keys.schedule(view.name)), op.delete(ctx.keys.assignment(view.machineId, view.name)), ...deletes];
}
