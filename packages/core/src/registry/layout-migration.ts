/**
 * Moves a registry from layout 1 to layout 2 (layout.ts; docs/registry.md, "One write per placement"), fenced by
 * the leader's campaign key, without stopping a unit:
 * 1. the marker `layout` = 2 (compared absent): from then on the leader writes placements as assignments alone;
 * 2. every `schedule/<unit>` key, in batches: each batch compares the keys and their assignments as read, deletes the
 *    keys and rewrites each assignment with `placed` (same hash and desired state: its agent has nothing to do,
 *    agent/src/assignments/apply-event.ts). The delete comes before the put in the transaction, so a watcher applying
 *    its events in order sees the unit scheduled again on the same machine within the same revision.
 * A leader that finds the marker and `schedule/` keys left (its predecessor died half way) runs step 2 again.
 */
import type { Assignment } from '../model.js';
import { encodeValue } from './codec.js';
import type { RegistryContext, Stored } from './context.js';
import type { Compare, RequestOp } from './etcd-port.js';
import { is, op } from './kv-ops.js';
import { layoutIs, layoutMarker, readLayout, type RegistryLayout } from './layout.js';
import { checkRecord } from './record-check.js';
import { isAssignment, isMachineId } from './record-guards.js';
import { assertFenceHolds, eachPaged } from './scheduling-store.js';
import type { Fence } from './types.js';

/** Units per transaction: 2 compares and up to 2 writes each, plus the fence and the marker, under etcd's default
 * --max-txn-ops of 128. */
export const MIGRATION_BATCH = 60;

/** How often a batch whose keys changed under it is read again before it is left to the next leader's term. */
const BATCH_ATTEMPTS = 3;

export async function migrateLayout(ctx: RegistryContext, fence: Fence): Promise<{ layout: RegistryLayout; migrated: number }> {
  if ((await ctx.run('read the registry layout', () => readLayout(ctx))) === 1) {
    const marked = await ctx.run('mark registry layout 2', () =>
      ctx.txn([is.createdAt(fence.key, fence.createRevision), is.absent(ctx.keys.layout)], [op.put(ctx.keys.layout, layoutMarker(2))]),
    );
    if (!marked.succeeded) await assertFenceHolds(ctx, fence);
  }
  const entries: Stored<string>[] = [];
  await eachPaged(ctx, ctx.keys.schedulePrefix, isMachineId, (r) => void entries.push(r));
  let migrated = 0;
  for (let i = 0; i < entries.length; i += MIGRATION_BATCH) migrated += await migrateBatch(ctx, fence, entries.slice(i, i + MIGRATION_BATCH));
  return { layout: 2, migrated };
}

/** One batch, read again after a race; the number of `schedule/` keys it removed. */
async function migrateBatch(ctx: RegistryContext, fence: Fence, read: readonly Stored<string>[]): Promise<number> {
  let entries = read;
  for (let attempt = 1; ; attempt++) {
    const assignments = await ctx.run('read assignments to migrate', () => readAssignmentsOf(ctx, entries));
    const compares: Compare[] = [is.createdAt(fence.key, fence.createRevision), layoutIs(ctx.keys, 2)];
    const deletes: RequestOp[] = [];
    const puts: RequestOp[] = [];
    for (const [i, entry] of entries.entries()) {
      const key = ctx.keys.assignment(entry.value, unitOf(entry));
      const stored = assignments[i];
      compares.push(is.modifiedAt(entry.key, entry.modRevision));
      deletes.push(op.delete(entry.key));
      // A schedule key without its assignment placed nothing (agents run assignments only): it goes, and the unit
      // is placed again.
      if (!stored) {
        compares.push(is.absent(key));
        continue;
      }
      compares.push(is.modifiedAt(key, stored.modRevision));
      // Put even when it says placed already: a watcher that derives the schedule from events (the leader's cache)
      // sees the key's delete and then this put, and keeps the unit where it is.
      puts.push(op.put(key, encodeValue({ ...stored.value, placed: true } satisfies Assignment)));
    }
    const result = await ctx.run(`migrate ${entries.length} schedule keys`, () => ctx.txn(compares, [...deletes, ...puts]));
    if (result.succeeded) return entries.length;
    await assertFenceHolds(ctx, fence);
    if (attempt >= BATCH_ATTEMPTS) return 0;
    entries = await ctx.run('read schedule keys again', () => rereadEntries(ctx, entries));
  }
}

/** The assignment each schedule entry names, in one transaction of reads. */
async function readAssignmentsOf(ctx: RegistryContext, entries: readonly Stored<string>[]): Promise<(Stored<Assignment> | undefined)[]> {
  const keys = entries.map((e) => ctx.keys.assignment(e.value, unitOf(e)));
  const result = await ctx.txn([], keys.map((k) => op.get(k)));
  return result.responses.map((response) => {
    const kv = response.response_range?.kvs[0];
    return kv ? ctx.tryCheck(() => checkRecord(ctx.keys, kv, isAssignment)) : undefined;
  });
}

async function rereadEntries(ctx: RegistryContext, entries: readonly Stored<string>[]): Promise<Stored<string>[]> {
  const result = await ctx.txn([], entries.map((e) => op.get(e.key)));
  return result.responses.flatMap((response) => {
    const kv = response.response_range?.kvs[0];
    return (kv && ctx.tryCheck(() => checkRecord(ctx.keys, kv, isMachineId))) || [];
  });
}

function unitOf(entry: Stored<string>): string {
  if (entry.parsed.kind !== 'schedule') throw new Error(`${entry.key} is not a schedule key`);
  return entry.parsed.unit;
}
