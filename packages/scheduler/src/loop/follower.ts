/**
 * Keeps the leader's ClusterCache current: one snapshot, then `watchCluster` from that snapshot's revision.
 * It re-reads the whole cluster only when it must: at the start of a term, when etcd compacted past the
 * watch (onReset), when the watch cannot be opened, and every `resyncIntervalMs` as a safety net (it also
 * picks up what the watch does not carry, such as dynamic machine metadata) — but never more often than every
 * RESYNC_COST_FACTOR times what the last re-read took: at 1,000,000 units a re-read takes ~50 s, and every 60 s
 * the leader did little else (docs/benchmarks.md, "1,000,000 units, second pass").
 */
import { withDeadline, type ClusterEvent, type ClusterSnapshot, type ClusterView, type MachineRecord, type RegistryLayout, type Subscription, type UnitRecord } from '@flotilla/core';
import type { Prior } from '../dirty.js';
import type { Logger } from 'pino';
import { ClusterCache } from './cluster-cache.js';
import type { PlanBase } from '../plan-base.js';

/** The safety-net re-read takes at most 1/RESYNC_COST_FACTOR of the leader's time. */
export const RESYNC_COST_FACTOR = 20;

/** Held-back events applied per event-loop turn on release (the leader's echo of a big plan is 100,000s). */
const RELEASE_CHUNK = 2000;

export interface FollowerOptions {
  registry: ClusterView;
  logger: Logger;
  /** Deadline for opening/closing the watch. */
  timeoutMs: number;
  resyncIntervalMs: number;
  /** Called after every applied event (the loop's trigger coalesces them). */
  onChange: () => void;
  /** Each event as applied, with what the cache held for its unit before (incremental planning). */
  onEvent?: (event: ClusterEvent, prior: Prior) => void;
  /** The cluster was re-read: whatever the events said is superseded (plan everything). */
  onResync?: () => void;
  now?: () => number;
}

export class ClusterFollower {
  private cache: ClusterCache | undefined;
  private subscription: Subscription | undefined;
  private syncedAt = Number.NEGATIVE_INFINITY;
  /** How long the last re-read took (snapshot, cache, live state), ms. */
  private resyncMs = 0;
  private waiter: { revision: bigint; resolve: () => void } | undefined;
  private readonly now: () => number;
  /** A pass holds the cache's live view: events wait in `backlog` until it is released. */
  private held = false;
  private backlog: ClusterEvent[] = [];
  private releasing: Promise<void> | undefined;

  constructor(private readonly opts: FollowerOptions) {
    this.now = opts.now ?? (() => performance.now());
  }

  /** The cluster as of the latest event, re-read first if the cache is missing or due for a resync. */
  async current(): Promise<ClusterSnapshot> {
    return (await this.synced()).view();
  }

  /** The registry's layout and the live machines as of the latest event, without a view's copies. */
  async layoutState(): Promise<{ layout: RegistryLayout; machines: readonly MachineRecord[] }> {
    const cache = await this.synced();
    return { layout: cache.layout, machines: cache.liveView().machines };
  }

  /** The leader moved the registry to `layout` (its marker is not a cluster event); a later re-read reads it. */
  layoutMoved(layout: RegistryLayout): void {
    this.cache?.layoutMoved(layout);
  }

  /** The units as of the latest event, without a view's copies of the schedule and revisions (what the service
   * keeper reads on every pass it looks): an array shared until a unit changes, not to be mutated. */
  async units(): Promise<readonly UnitRecord[]> {
    return (await this.synced()).unitList();
  }

  /** The cache once held-back events are applied, re-read first if it is missing or due for a resync. */
  private async synced(): Promise<ClusterCache> {
    await this.releasing;
    if (this.needsResync) await this.resync();
    return this.cache as ClusterCache;
  }

  /**
   * The cluster as of the latest event without copying it, and the live placement state (live-placement.ts) for
   * an incremental plan. Both share the cache's maps, so until `release()` events are kept back, in order: a pass
   * plans from one unchanging view (and takes what its writes need from it before releasing it: leader-term.ts).
   */
  async hold(): Promise<{ snapshot: ClusterSnapshot; base: PlanBase }> {
    const cache = await this.synced();
    this.held = true;
    return { snapshot: cache.liveView(), base: cache.live };
  }

  /** Ends a hold: the events kept back are applied (a chunk per event-loop turn) before this resolves. */
  release(): Promise<void> {
    if (!this.held) return this.releasing ?? Promise.resolve();
    this.held = false;
    this.releasing = this.drain().finally(() => (this.releasing = undefined));
    return this.releasing;
  }

  private async drain(): Promise<void> {
    while (this.backlog.length > 0) {
      const cache = this.cache;
      const chunk = this.backlog.splice(0, RELEASE_CHUNK);
      if (cache) for (const event of chunk) this.deliver(cache, event);
      if (this.backlog.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private deliver(cache: ClusterCache, event: ClusterEvent): void {
    const prior = cache.apply(event);
    this.opts.onEvent?.(event, prior);
    if (this.waiter && cache.seen >= this.waiter.revision) this.waiter.resolve();
    this.opts.onChange();
  }

  /** The next `current()` re-reads the cluster. */
  get needsResync(): boolean {
    return !this.cache || !this.subscription || this.now() - this.syncedAt >= Math.max(this.opts.resyncIntervalMs, RESYNC_COST_FACTOR * this.resyncMs);
  }

  /** Resolves true once the cache has seen `revision` (e.g. the leader's own last write), false at the deadline. */
  async caughtUp(revision: string | undefined, deadlineMs: number): Promise<boolean> {
    if (revision === undefined || !this.cache) return true;
    const wanted = BigInt(revision);
    if (this.cache.seen >= wanted) return true;
    let timer: NodeJS.Timeout | undefined;
    const reached = await new Promise<boolean>((resolve) => {
      this.waiter = { revision: wanted, resolve: () => resolve(true) };
      timer = setTimeout(() => resolve(false), deadlineMs);
    });
    clearTimeout(timer);
    this.waiter = undefined;
    if (!reached) this.invalidate('the watch did not deliver the leader\'s own writes in time');
    return reached;
  }

  /** Forget the cache: the next `current()` re-reads the cluster. */
  invalidate(why: string): void {
    this.opts.logger.info({ why }, 'scheduler re-reads the cluster');
    this.cache = undefined;
    this.backlog = [];
  }

  async close(): Promise<void> {
    const sub = this.subscription;
    this.subscription = undefined;
    this.cache = undefined;
    this.backlog = [];
    if (!sub) return;
    try {
      await withDeadline(sub.close(), this.opts.timeoutMs, () => new Error('closing the cluster watch timed out'));
    } catch (err) {
      this.opts.logger.warn({ err }, 'closing the cluster watch failed');
    }
  }

  private async resync(): Promise<void> {
    await this.close();
    const startedAt = this.now();
    const snapshot = await this.opts.registry.snapshot();
    const cache = new ClusterCache(snapshot);
    // Before the watch opens (no event can arrive meanwhile), a step at a time.
    await cache.prepareLive();
    this.cache = cache;
    this.syncedAt = this.now();
    this.resyncMs = this.syncedAt - startedAt;
    this.opts.onResync?.();
    const opening = this.opts.registry.watchCluster(
      (event) => {
        if (this.cache !== cache) return;
        cache.shareNames(event);
        // Held, or still applying what was held: keep the order.
        if (this.held || this.backlog.length > 0) return void this.backlog.push(event);
        this.deliver(cache, event);
      },
      {
        fromRevision: snapshot.revision,
        onReset: () => {
          this.invalidate('etcd compacted past the cluster watch');
          this.opts.onChange();
        },
      },
    );
    try {
      this.subscription = await withDeadline(opening, this.opts.timeoutMs, () => new Error('watchCluster timed out'));
    } catch (err) {
      this.opts.logger.warn({ err }, 'cannot watch the cluster; re-reading it every pass');
    }
  }
}
