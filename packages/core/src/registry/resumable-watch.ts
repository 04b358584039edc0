/**
 * An etcd watch that never loses an event silently. It starts right after `fromRevision` (or at "now"),
 * remembers the revision after the last event it delivered, and on a dropped stream makes etcd3 re-attach
 * from exactly there: etcd3 by itself resumes from the last response *header* revision, which during a
 * catch-up can lie past events not yet delivered. When etcd has compacted the revision it needs, the watch
 * re-opens at "now" and calls `onReset`, so the caller re-reads instead of missing changes. Any other
 * cancellation re-opens from the last revision with a capped backoff.
 */
import type { IKeyValue, Watcher } from 'etcd3';
import type { RegistryContext } from './context.js';
import type { Subscription } from './types.js';

export interface RawEvent {
  type: 'put' | 'delete';
  kv: IKeyValue;
}

export type KeyRange = { prefix: string } | { start: string; end: string };

export interface ResumableWatchOptions {
  range: KeyRange;
  /** Deliver events after this revision (e.g. the revision of a list just read). */
  fromRevision?: string;
  /** etcd compacted past the revision the watch needed: re-read; the watch already continues from now. */
  onReset?: () => void;
  /** Events of one etcd response (one or more whole revisions), in revision order. */
  onEvents: (events: RawEvent[]) => void;
}

const REOPEN_BACKOFF_MS = [100, 200, 500, 1000, 2000];

/** Opens the watch; resolves once etcd confirmed it (under the request deadline). */
export async function openResumableWatch(ctx: RegistryContext, opts: ResumableWatchOptions): Promise<Subscription> {
  const watch = new ResumableWatch(ctx, opts);
  await watch.start();
  return { close: () => watch.close() };
}

class ResumableWatch {
  /** The first revision not yet delivered; undefined until known (watch from "now" not yet connected). */
  private next: bigint | undefined;
  private watcher: Watcher | undefined;
  private closed = false;
  private reopenTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Settles start(): once connected, or on the first cancellation. */
  private firstOutcome: ((err?: Error) => void) | undefined;

  constructor(
    private readonly ctx: RegistryContext,
    private readonly opts: ResumableWatchOptions,
  ) {
    if (opts.fromRevision !== undefined) this.next = BigInt(opts.fromRevision) + 1n;
  }

  /** Resolves when etcd confirmed the watch, or found `fromRevision` compacted (onReset follows). */
  async start(): Promise<void> {
    const opened = new Promise<void>((resolve, reject) => {
      this.firstOutcome = (err) => (err ? reject(err) : resolve());
    });
    this.createWatcher();
    try {
      await this.ctx.run(`watch ${describe(this.opts.range)}`, () => opened);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reopenTimer);
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.cancel().catch(() => undefined);
  }

  private createWatcher(): Watcher {
    const builder = this.ctx.client.watch();
    const range = this.opts.range;
    if ('prefix' in range) builder.prefix(range.prefix);
    else builder.inRange({ start: range.start, end: range.end });
    if (this.next !== undefined) builder.startRevision(this.next.toString());
    const watcher = builder.watcher();
    this.watcher = watcher;
    watcher.on('connected', (res) => {
      this.failures = 0;
      this.settleStart();
      // A watch from "now" starts right after the revision etcd answered the create with.
      this.next ??= BigInt(res.header.revision) + 1n;
    });
    watcher.on('data', (res) => this.deliver(res.events));
    watcher.on('disconnected', () => this.resumeFromNext(watcher));
    watcher.on('error', (err: Error) => void this.onCancelled(watcher, err));
    return watcher;
  }

  private deliver(events: { type: string; kv: IKeyValue }[]): void {
    if (this.closed || events.length === 0) return;
    const raw: RawEvent[] = events.map((e) => ({ type: e.type === 'Delete' ? 'delete' : 'put', kv: e.kv }));
    const last = BigInt(raw[raw.length - 1]?.kv.mod_revision ?? '0');
    if (this.next === undefined || last + 1n > this.next) this.next = last + 1n;
    this.opts.onEvents(raw);
  }

  /** etcd3 re-attaches with `watcher.request`; point it at the first revision we have not delivered. */
  private resumeFromNext(watcher: Watcher): void {
    if (this.next === undefined) return;
    (watcher as unknown as { request: { start_revision?: string } }).request.start_revision = this.next.toString();
  }

  /** etcd cancelled the watch (compaction, or anything else): it is gone from etcd3, so open a new one.
   * etcd 3.4 gives no reason for a compaction cancel, so ask etcd whether `next` is still readable. */
  private async onCancelled(watcher: Watcher, err: Error): Promise<void> {
    if (this.closed || watcher !== this.watcher) return;
    const compacted = isCompaction(err) || (await this.isCompacted());
    if (this.closed) return;
    if (!compacted && this.firstOutcome) return this.settleStart(err);
    this.settleStart();
    if (compacted) this.next = undefined;
    const delay = compacted ? 0 : (REOPEN_BACKOFF_MS[Math.min(this.failures, REOPEN_BACKOFF_MS.length - 1)] ?? 2000);
    this.failures += 1;
    this.reopenTimer = setTimeout(() => this.reopen(compacted), delay);
  }

  private async isCompacted(): Promise<boolean> {
    if (this.next === undefined) return false;
    try {
      await this.ctx.client.get(this.ctx.keys.root).revision(this.next.toString()).exec();
      return false;
    } catch (err) {
      return err instanceof Error && isCompaction(err);
    }
  }

  private settleStart(err?: Error): void {
    const settle = this.firstOutcome;
    this.firstOutcome = undefined;
    settle?.(err);
  }

  private reopen(compacted: boolean): void {
    if (this.closed) return;
    const watcher = this.createWatcher();
    if (compacted) watcher.once('connected', () => !this.closed && this.opts.onReset?.());
  }
}

function isCompaction(err: Error): boolean {
  return /compacted/i.test(err.message);
}

function describe(range: KeyRange): string {
  return 'prefix' in range ? range.prefix : `${range.start}..${range.end}`;
}
