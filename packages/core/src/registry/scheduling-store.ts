/**
 * The scheduler's side: one consistent snapshot, and assign/unassign as single transactions that compare
 * what the scheduler saw plus, when given, its leadership fence (the campaign key's create revision).
 */
import { ConflictError, LeadershipLostError } from '../errors.js';
import { assignmentInStep } from './assignment-lag.js';
import type { Assignment, UnitRecord } from '../model.js';
import { encodeValue } from './codec.js';
import type { RegistryContext, Stored } from './context.js';
import { Keyspace } from './keyspace.js';
import { prefixEnd, type Compare, type RangeRequest, type RequestOp } from './etcd-port.js';
import { is, op } from './kv-ops.js';
import { mergeMetadata, readDynamicMetadata } from './machine-metadata-store.js';
import { internAssignment, internUnitRecord } from './interned-strings.js';
import { checkRecord } from './record-check.js';
import { isAssignment, isMachineId, isMachineRecord, isUnitRecord, type RecordGuard } from './record-guards.js';
import { ADAPTER_COMPARES, isTxnOps, MAX_TXN_OPS, opsOf, packBatches, phasesOf, TXN_OPS_RULE, type TxnBatch, type TxnCompare, type TxnWrite } from './schedule-batch.js';
import { layoutIs, readLayout, type RegistryLayout } from './layout.js';
import type { ApplyScheduleResult, ClusterSnapshot, Fence, ScheduleChange, Subscription } from './types.js';
import { watchForChanges } from './watch.js';

/**
 * One consistent view: every range is read at the units' revision, in pages (a 100,000-unit range is ~30 MB,
 * over gRPC's 4 MB message limit), each page under the request deadline.
 */
export async function snapshot(ctx: RegistryContext): Promise<ClusterSnapshot> {
  // Units and schedule entries are kept as each page is read: a read record (its key, parsed key and revisions)
  // is garbage once its page is done, not held until the end (~200 bytes a record, 1,000,000 units: docs/benchmarks.md,
  // "Leader memory, fourth pass").
  const units: UnitRecord[] = [];
  const unitRevisions = new Map<string, string>();
  const revision = await eachPaged(ctx, ctx.keys.unitsPrefix, isUnitRecord, (r) => {
    const unit = internUnitRecord(r.value);
    units.push(unit);
    unitRevisions.set(unit.name, r.modRevision);
  });
  const machines = await readPaged(ctx, ctx.keys.machinesPrefix, isMachineRecord, revision);
  const scheduled = new Map<string, string>();
  await eachPaged(ctx, ctx.keys.schedulePrefix, isMachineId, (r) => void scheduled.set(Keyspace.relative(ctx.keys.schedulePrefix, r.key), r.value), revision);
  const dynamic = await ctx.run('snapshot: dynamic metadata', () => readDynamicMetadata(ctx, revision));
  const layout = await ctx.run('snapshot: registry layout', () => readLayout(ctx, revision));
  const { globalAssignments, laggingAssignments } = await readAssignments(ctx, units, scheduled, revision);
  return {
    units,
    machines: machines.records.map((r) => mergeMetadata(r.value, dynamic)),
    schedule: scheduled,
    unitRevisions,
    globalAssignments,
    laggingAssignments,
    revision,
    layout,
  };
}

/** Keys per page of a snapshot read (records are ≤ a few KB, so a page stays far below 4 MB). */
export const SNAPSHOT_PAGE_KEYS = 2000;

/** Keys per keys-only read that finds the pages' bounds (keys of ≤ ~400 bytes: ≤ 3.2 MB, under gRPC's 4 MB). */
export const SNAPSHOT_BOUND_KEYS = 8000;

/**
 * Like ctx.readPrefix, page by page at one revision (the first read's unless given). etcd (3.4, 3.5) answers a
 * range with a limit only after counting every key left in the range, so pages of [next key, prefix end) cost
 * O(keys left) each and O(keys²) in all: a page of the 1,000,000-unit prefix took 170–700 ms, the snapshot ~80 s
 * (etcd-io/etcd#11057, #16510). So the pages' bounds are read first, keys only and SNAPSHOT_BOUND_KEYS at a time,
 * and each page is read as the exact range between two bounds, with no limit: etcd counts only what it returns.
 */
export async function readPaged<T>(ctx: RegistryContext, prefix: string, guard: RecordGuard<T>, revision?: string): Promise<{ records: Stored<T>[]; revision: string }> {
  const records: Stored<T>[] = [];
  const at = await eachPaged(ctx, prefix, guard, (record) => void records.push(record), revision);
  return { records, revision: at };
}

/** readPaged handing each record to `each` as its page is read; returns the revision read at. */
export async function eachPaged<T>(ctx: RegistryContext, prefix: string, guard: RecordGuard<T>, each: (record: Stored<T>) => void, revision?: string): Promise<string> {
  const end = prefixEnd(prefix);
  const read = async (request: RangeRequest) => ctx.run(`snapshot: read ${prefix}`, async () => (await ctx.bulkPort()).range(request));
  let start: Buffer = Buffer.from(prefix);
  let at = revision;
  for (;;) {
    const bounds = await read({ key: start, range_end: end, limit: SNAPSHOT_BOUND_KEYS, keys_only: true, ...(at !== undefined ? { revision: at } : {}) });
    at ??= bounds.header.revision;
    const keys = bounds.kvs.map((kv) => kv.key);
    const last = keys[keys.length - 1];
    if (!last) return at;
    const afterLast = keyAfter(last);
    for (let i = 0; i < keys.length; i += SNAPSHOT_PAGE_KEYS) {
      const pageEnd = keys[i + SNAPSHOT_PAGE_KEYS] ?? afterLast;
      const page = await read({ key: keys[i] as Buffer, range_end: pageEnd, revision: at });
      for (const kv of page.kvs) {
        const record = ctx.tryCheck(() => checkRecord(ctx.keys, kv, guard));
        if (record) each(record);
      }
    }
    if (!bounds.more) return at;
    start = afterLast;
  }
}

/** The first key after `key` in etcd's byte order. */
function keyAfter(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}

/**
 * The assignments a snapshot keeps, at its revision, and the schedule entries layout 2 keeps in them: a placed
 * assignment of a unit without a `schedule/` key is where that unit is scheduled (layout.ts; of several, the first
 * in key order, the lowest machine id). Kept: those no schedule entry backs (global units' — they have no schedule
 * entry — and strays left by a unit that stopped being global or was destroyed, or placed twice; the scheduler
 * removes the strays), and the backed ones that lag their record (assignment-lag.ts; the scheduler rewrites them).
 * A backed assignment in step is dropped as read: the schedule entry and the record say all it says. The records by
 * name are garbage once the read is done (~28 MiB at 1,000,000 units).
 */
async function readAssignments(
  ctx: RegistryContext,
  units: readonly UnitRecord[],
  schedule: Map<string, string>,
  revision: string,
): Promise<Pick<ClusterSnapshot, 'globalAssignments' | 'laggingAssignments'>> {
  const globalAssignments: ClusterSnapshot['globalAssignments'] = new Map();
  const laggingAssignments: ClusterSnapshot['laggingAssignments'] = new Map();
  const records = new Map(units.map((u) => [u.name, u]));
  await eachPaged(ctx, ctx.keys.assignmentsRoot, isAssignment, ({ value }) => {
    if (value.placed === true && !schedule.has(value.unit)) schedule.set(value.unit, value.machineId);
    if (schedule.get(value.unit) === value.machineId) {
      const unit = records.get(value.unit);
      if (unit && !assignmentInStep(value, unit)) laggingAssignments.set(unit.name, internAssignment(value));
      return;
    }
    let byMachine = globalAssignments.get(value.unit);
    if (!byMachine) globalAssignments.set(value.unit, (byMachine = new Map()));
    byMachine.set(value.machineId, internAssignment(value));
  }, revision);
  return { globalAssignments, laggingAssignments };
}

/** One placement, fenced if `fence` is given, in the layout the registry is at (read first; the write compares it). */
export function assign(ctx: RegistryContext, unit: UnitRecord, unitModRevision: string, machineId: string, fence?: Fence): Promise<void> {
  return ctx.run(`assign ${unit.name} to ${machineId}`, async () => {
    const layout = await readLayout(ctx);
    const ops = opsOf(ctx.keys, { kind: 'assign', unit, unitModRevision, machineId }, layout);
    const result = await ctx.txn([layoutIs(ctx.keys, layout), ...fenced(fence), ...ops.compares.map(toCompare)], ops.writes.map(toRequestOp));
    if (!result.succeeded) await throwCompareFailure(ctx, fence, `unit ${unit.name} changed or is already scheduled`);
  });
}

/**
 * Takes `unitName` off `machineId` if it is scheduled there, in either layout: by its `schedule/` key (deleted with
 * the assignment) or, without one, by its placed assignment. Either is compared as read.
 */
export function unassign(ctx: RegistryContext, unitName: string, machineId: string, fence?: Fence): Promise<void> {
  return ctx.run(`unassign ${unitName} from ${machineId}`, async () => {
    const scheduleKey = ctx.keys.schedule(unitName);
    const assignmentKey = ctx.keys.assignment(machineId, unitName);
    const notThere = `unit ${unitName} is no longer scheduled on ${machineId}`;
    const schedule = await ctx.readOne(scheduleKey, isMachineId);
    let compares: Compare[];
    let writes = [op.delete(assignmentKey)];
    if (schedule) {
      if (schedule.value !== machineId) throw new ConflictError(notThere);
      compares = [is.modifiedAt(scheduleKey, schedule.modRevision)];
      writes = [op.delete(scheduleKey), ...writes];
    } else {
      const placed = await ctx.readOne(assignmentKey, isAssignment);
      if (placed?.value.placed !== true) throw new ConflictError(notThere);
      compares = [is.absent(scheduleKey), is.modifiedAt(assignmentKey, placed.modRevision)];
    }
    const result = await ctx.txn([...compares, ...fenced(fence)], writes);
    if (!result.succeeded) await throwCompareFailure(ctx, fence, notThere);
  });
}

/** Batches in flight at once within a phase (measured: 8 × 100-put transactions ≈ 19,000 puts/s). */
export const APPLY_IN_FLIGHT = 8;

/**
 * Applies changes in fenced batches (schedule-batch.ts), removals before additions, up to APPLY_IN_FLIGHT
 * batches at a time. A batch whose compares fail is retried change by change; changes that still fail are
 * returned as conflicts. A failed fence throws LeadershipLostError and starts no further batch.
 */
export async function applySchedule(ctx: RegistryContext, changes: readonly ScheduleChange[], fence: Fence, layout: RegistryLayout = 1): Promise<ApplyScheduleResult> {
  const result: ApplyScheduleResult = { applied: 0, conflicts: [] };
  for (const phase of phasesOf(changes)) {
    const queue = packBatches(ctx.keys, phase, ctx.placementTxnOps, layout);
    let lost: unknown;
    const worker = async () => {
      for (let batch = queue.shift(); batch && lost === undefined; batch = queue.shift()) {
        try {
          await applyBatch(ctx, batch, fence, result);
        } catch (err) {
          lost ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(APPLY_IN_FLIGHT, queue.length) }, worker));
    if (lost !== undefined) throw lost;
  }
  return result;
}

async function applyBatch(ctx: RegistryContext, batch: TxnBatch, fence: Fence, result: ApplyScheduleResult): Promise<void> {
  const what = `apply ${batch.changes.length} schedule changes`;
  let written: string | undefined;
  try {
    written = await ctx.run(what, () => commitBatch(ctx, batch, fence));
  } catch (err) {
    if (!refusedAsTooLarge(err) || (batch.compares.length + ADAPTER_COMPARES <= MAX_TXN_OPS && batch.writes.length <= MAX_TXN_OPS)) throw err;
    // etcd runs with a lower --max-txn-ops than this registry was told: refused before anything was written.
    if (ctx.placementTxnOps > MAX_TXN_OPS) {
      ctx.placementTxnOps = MAX_TXN_OPS;
      process.emitWarning(`etcd refused a transaction of ${batch.writes.length} writes as too large; placement transactions now use ${MAX_TXN_OPS} operations (set etcd's --max-txn-ops and FLOTILLA_ETCD_MAX_TXN_OPS alike)`, { code: 'FLOTILLA_TXN_OPS_LOWERED' });
    }
    for (const smaller of packBatches(ctx.keys, batch.changes, MAX_TXN_OPS, batch.layout)) await applyBatch(ctx, smaller, fence, result);
    return;
  }
  if (written !== undefined) {
    result.applied += batch.changes.length;
    if (result.revision === undefined || BigInt(written) > BigInt(result.revision)) result.revision = written;
    return;
  }
  await assertFenceHolds(ctx, fence);
  if (batch.changes.length === 1) {
    result.conflicts.push(...batch.changes);
    return;
  }
  // Someone changed a unit or a schedule since the snapshot: find which change, one at a time.
  for (const change of batch.changes) await applyBatch(ctx, packBatches(ctx.keys, [change], MAX_TXN_OPS, batch.layout)[0] as TxnBatch, fence, result);
}

/** etcd's answer to a transaction over its --max-txn-ops (etcd/server/etcdserver/api/v3rpc/rpctypes ErrGRPCTooManyOps),
 * however deep the registry's error wrapping put it. */
function refusedAsTooLarge(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (/too many operations in txn request/.test(e.message)) return true;
  return false;
}

/** `RegistryOptions.maxTxnOps`, checked (schedule-batch.ts, TXN_OPS_RULE). */
export function checkedTxnOps(value: number): number {
  if (!isTxnOps(value)) throw new RangeError(`maxTxnOps must be ${TXN_OPS_RULE}, got ${value}`);
  return value;
}

/** The revision the transaction wrote, or undefined if its compares failed. */
async function commitBatch(ctx: RegistryContext, batch: TxnBatch, fence: Fence): Promise<string | undefined> {
  const compares: Compare[] = [is.createdAt(fence.key, fence.createRevision), layoutIs(ctx.keys, batch.layout), ...batch.compares.map(toCompare)];
  const response = await (await ctx.bulkPort()).txn({ compare: compares, success: batch.writes.map(toRequestOp) });
  return response.succeeded ? response.header.revision : undefined;
}

function toCompare(c: TxnCompare): Compare {
  if (c.kind === 'mod') return is.modifiedAt(c.key, c.revision);
  if (c.kind === 'absent') return is.absent(c.key);
  if (c.kind === 'present') return is.present(c.key);
  return is.holding(c.key, encodeValue(c.value));
}

function toRequestOp(w: TxnWrite): RequestOp {
  return w.kind === 'put' ? op.put(w.key, encodeValue(w.value)) : op.delete(w.key);
}

export function watchScheduling(ctx: RegistryContext, onEvent: () => void): Promise<Subscription> {
  // Placements are assignments (layout 2) or schedule keys (layout 1): both.
  return watchForChanges(ctx, [ctx.keys.unitsPrefix, ctx.keys.machinesPrefix, ctx.keys.schedulePrefix, ctx.keys.assignmentsRoot], onEvent);
}

/** A failed fenced transaction is lost leadership when the fence no longer holds, else a plain conflict. */
async function throwCompareFailure(ctx: RegistryContext, fence: Fence | undefined, what: string): Promise<never> {
  if (fence && !(await fenceHolds(ctx, fence))) throw new LeadershipLostError(fence.key);
  throw new ConflictError(what);
}

/** The fence compare of a fenced write, none without a fence. */
function fenced(fence: Fence | undefined): Compare[] {
  return fence ? [is.createdAt(fence.key, fence.createRevision)] : [];
}

/** After a fenced transaction's compares failed: LeadershipLostError unless the fence still holds. */
export async function assertFenceHolds(ctx: RegistryContext, fence: Fence): Promise<void> {
  if (!(await ctx.run('check the scheduler fence', () => fenceHolds(ctx, fence)))) throw new LeadershipLostError(fence.key);
}

export async function fenceHolds(ctx: RegistryContext, fence: Fence): Promise<boolean> {
  const kv = await ctx.get(fence.key);
  return kv !== undefined && kv.create_revision === fence.createRevision;
}
