/**
 * Scheduler leadership on leases and keys, in etcd3's election format so old and new daemons elect together:
 * each candidate puts `<prefix>election/scheduler/<leaseId>` = its id under its own lease, create-only; the key
 * with the lowest create revision leads, and each candidate watches its predecessor (the key created just
 * before its own) until that is gone. The fence is the campaign key and its create revision; fenced writes
 * compare it. Leadership is lost when the lease is lost or the key is deleted; either fires `onLost` once.
 * Everything but the watches runs on the lease port, apart from bulk writes.
 */
import { LeadershipLostError } from '../errors.js';
import type { RegistryContext } from './context.js';
import { is, op, prefixRange } from './kv-ops.js';
import { KeptLease, type HeldLease } from './lease.js';
import { leaseThreadAvailable, ThreadedLease } from './lease-thread.js';
import { openResumableWatch } from './resumable-watch.js';
import type { Fence, Leadership, Subscription } from './types.js';

export function currentLeader(ctx: RegistryContext): Promise<string | undefined> {
  return ctx.run('read scheduler leader', async () => {
    const first = await ctx.leasePort.range({ ...prefixRange(ctx.keys.electionPrefix()), sort_target: 'CREATE', sort_order: 'ASCEND', limit: 1 });
    return first.kvs[0]?.value.toString();
  });
}

export async function campaign(ctx: RegistryContext, candidateId: string, ttlSec: number, signal: AbortSignal): Promise<Leadership> {
  if (signal.aborted) throw abortError(signal);
  let abandoned = false;
  const kept = await ctx.run('grant the campaign lease', async () => {
    const granted = await KeptLease.grant(ctx.leasePort, ttlSec);
    // A grant that answers after the deadline must not keep a lease alive for nobody.
    if (abandoned) granted.revoke().catch(() => undefined);
    return granted;
  }, () => (abandoned = true));
  let lease: HeldLease = kept;
  ctx.leases.add(lease);
  const lost = new LossNotifier();
  lease.onLost((err) => lost.fire(err));
  try {
    const fence = await ctx.run('enter the scheduler election', () => enter(ctx, lease.id, candidateId));
    lost.fenceKey = fence.key;
    await waitUntilElected(ctx, fence, lost, signal);
    lease = await keepFromThread(ctx, kept, ttlSec);
    if (lease !== kept) {
      ctx.leases.delete(kept);
      ctx.leases.add(lease);
      lease.onLost((err) => lost.fire(err));
    }
    const keyWatch = await watchFenceKey(ctx, fence, lost);
    lost.add(() => ctx.leases.delete(lease));
    // The leader's bulk work may go over another transport (bulkTransport): open it now, before the first snapshot.
    await ctx.run('open the bulk etcd port', () => ctx.openBulkPort()).catch(() => undefined);
    return {
      fence,
      onLost: (listener) => lost.add(listener),
      resign: async () => {
        await keyWatch.close();
        ctx.leases.delete(lease);
        await ctx.run('resign leadership', () => lease.revoke());
        lost.fire(new LeadershipLostError(fence.key));
      },
    };
  } catch (err) {
    ctx.leases.delete(lease);
    lease.revoke().catch(() => undefined);
    throw err;
  }
}

/** Once elected, the lease is kept from a thread of its own where the build has one (lease-thread.ts): a leader
 * busy planning must not lose leadership for it. A candidate keeps it on the main thread: it has little to do, and
 * a thread in every waiting daemon would cost each some MiB. */
async function keepFromThread(ctx: RegistryContext, kept: KeptLease, ttlSec: number): Promise<HeldLease> {
  if (!ctx.leaseConnection || !leaseThreadAvailable()) return kept;
  try {
    return await ThreadedLease.takeOver(ctx.leasePort, kept, ttlSec, ctx.leaseConnection);
  } catch (err) {
    process.emitWarning(`cannot start the election lease's keepalive thread (${(err as Error).message}); keeping it from the main thread`, { code: 'FLOTILLA_LEASE_THREAD' });
    return kept;
  }
}

/** Puts the campaign key (create-only, under the lease); its create revision is the fence. */
async function enter(ctx: RegistryContext, leaseId: string, candidateId: string): Promise<Fence> {
  const key = ctx.keys.electionPrefix() + leaseId;
  const result = await ctx.leasePort.txn({ compare: [is.absent(key)], success: [op.put(key, candidateId, leaseId)], failure: [op.get(key)] });
  const createRevision = result.succeeded ? result.header.revision : result.responses[0]?.response_range?.kvs[0]?.create_revision;
  if (createRevision === undefined) throw new LeadershipLostError(key);
  return { key, createRevision };
}

/** Resolves once no campaign key older than ours is left; rejects on abort or on losing the lease/key. */
async function waitUntilElected(ctx: RegistryContext, fence: Fence, lost: LossNotifier, signal: AbortSignal): Promise<void> {
  for (;;) {
    if (signal.aborted) throw abortError(signal);
    if (lost.error) throw lost.error;
    const predecessor = await ctx.run('read the election predecessor', () =>
      ctx.leasePort.range({
        ...prefixRange(ctx.keys.electionPrefix()),
        max_create_revision: (BigInt(fence.createRevision) - 1n).toString(),
        sort_target: 'CREATE',
        sort_order: 'DESCEND',
        limit: 1,
      }),
    );
    const kv = predecessor.kvs[0];
    if (!kv) return;
    await waitForDelete(ctx, kv.key.toString(), predecessor.header.revision, lost, signal);
  }
}

/** Waits until `key` is deleted after `revision` (or a compaction makes us look again). */
async function waitForDelete(ctx: RegistryContext, key: string, revision: string, lost: LossNotifier, signal: AbortSignal): Promise<void> {
  let subscription: Subscription | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      lost.add(reject);
      const done = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      openResumableWatch(ctx, {
        range: { start: key, end: `${key}\0` },
        fromRevision: revision,
        onReset: done,
        onEvents: (events) => events.some((e) => e.type === 'delete') && done(),
      }).then((s) => {
        subscription = s;
      }, reject);
    });
  } finally {
    await subscription?.close();
  }
}

/** Someone deleting (or recreating) our campaign key ends our leadership as surely as a lost lease. */
async function watchFenceKey(ctx: RegistryContext, fence: Fence, lost: LossNotifier): Promise<Subscription> {
  const kv = await ctx.run('read election fence', () => ctx.get(fence.key));
  if (!kv || kv.create_revision !== fence.createRevision) throw new LeadershipLostError(fence.key);
  return openResumableWatch(ctx, {
    range: { start: fence.key, end: `${fence.key}\0` },
    fromRevision: kv.mod_revision,
    onReset: () => void stillOurs(ctx, fence).then((ours) => !ours && lost.fire(new LeadershipLostError(fence.key)), () => undefined),
    onEvents: (events) => {
      if (events.some((e) => e.type === 'delete' || e.kv.create_revision !== fence.createRevision)) lost.fire(new LeadershipLostError(fence.key));
    },
  });
}

async function stillOurs(ctx: RegistryContext, fence: Fence): Promise<boolean> {
  const kv = await ctx.get(fence.key);
  return kv !== undefined && kv.create_revision === fence.createRevision;
}

function abortError(signal: AbortSignal): Error {
  const err = new DOMException('campaign aborted', 'AbortError');
  Object.defineProperty(err, 'cause', { value: signal.reason });
  return err;
}

/** Calls each listener once with the first loss; listeners added after the loss are called at once. */
class LossNotifier {
  /** The campaign key, once known (for the error message). */
  fenceKey = '(campaign)';
  error: Error | undefined;
  private readonly listeners: ((err: Error) => void)[] = [];

  add(listener: (err: Error) => void): void {
    if (this.error) listener(this.error);
    else this.listeners.push(listener);
  }

  fire(cause: Error): void {
    if (this.error) return;
    this.error = cause instanceof LeadershipLostError ? cause : new LeadershipLostError(this.fenceKey, { cause });
    for (const listener of this.listeners.splice(0)) listener(this.error);
  }
}
