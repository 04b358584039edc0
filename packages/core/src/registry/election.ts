/**
 * Scheduler leadership through etcd3's election (`<prefix>election/scheduler/<leaseId>`). The fence is the
 * campaign key and its create revision; fenced writes compare it. Leadership is lost when the campaign's
 * lease is lost or the key is deleted; either fires `onLost` once.
 */
import type { Campaign, Election } from 'etcd3';
import { LeadershipLostError } from '../errors.js';
import type { RegistryContext } from './context.js';
import { SCHEDULER_ELECTION } from './keyspace.js';
import type { Fence, Leadership, Subscription } from './types.js';
import { openWatcher } from './watch.js';

function schedulerElection(ctx: RegistryContext, ttlSec: number): Election {
  // On the lease client: the election's keepalives must not queue behind the leader's own bulk writes.
  return ctx.leaseClient.namespace(ctx.keys.electionParent).election(SCHEDULER_ELECTION, ttlSec);
}

export function currentLeader(ctx: RegistryContext): Promise<string | undefined> {
  return ctx.run('read scheduler leader', () => schedulerElection(ctx, 1).leader());
}

export async function campaign(ctx: RegistryContext, candidateId: string, ttlSec: number, signal: AbortSignal): Promise<Leadership> {
  if (signal.aborted) throw abortError(signal);
  const candidacy = schedulerElection(ctx, ttlSec).campaign(candidateId);
  const lost = new LossNotifier();
  // Stays attached for the campaign's life: etcd3 emits 'error' when the lease is lost.
  candidacy.on('error', (err) => lost.fire(err));
  try {
    await waitUntilElected(candidacy, signal);
    const fence = await ctx.run('read election fence', () => readFence(ctx, candidacy));
    lost.fenceKey = fence.key;
    const keyWatch = await watchFenceKey(ctx, fence, lost);
    return {
      fence,
      onLost: (listener) => lost.add(listener),
      resign: async () => {
        await keyWatch.close();
        await ctx.run('resign leadership', () => candidacy.resign());
        lost.fire(new LeadershipLostError(fence.key));
      },
    };
  } catch (err) {
    candidacy.resign().catch(() => undefined);
    throw err;
  }
}

function waitUntilElected(candidacy: Campaign, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = () => signal.removeEventListener('abort', onAbort);
    candidacy.once('elected', () => {
      settle();
      resolve();
    });
    candidacy.once('error', (err) => {
      settle();
      reject(err);
    });
  });
}

async function readFence(ctx: RegistryContext, candidacy: Campaign): Promise<Fence> {
  const key = await candidacy.getCampaignKey();
  const kv = (await ctx.client.get(key).exec()).kvs[0];
  if (!kv) throw new LeadershipLostError(key);
  return { key, createRevision: kv.create_revision };
}

/** Someone deleting (or recreating) our campaign key ends our leadership as surely as a lost lease. */
async function watchFenceKey(ctx: RegistryContext, fence: Fence, lost: LossNotifier): Promise<Subscription> {
  const watcher = await openWatcher(ctx, fence.key);
  watcher.on('delete', (kv) => {
    if (kv.key.toString() === fence.key) lost.fire(new LeadershipLostError(fence.key));
  });
  return { close: () => watcher.cancel().catch(() => undefined) };
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
  private error: Error | undefined;
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
