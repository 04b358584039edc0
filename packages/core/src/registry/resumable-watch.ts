/**
 * An etcd watch that never loses an event silently. It starts right after `fromRevision` (or at "now"),
 * remembers the revision after the last event it delivered, and when the stream breaks opens a new one from
 * exactly there (the port's watches never resume by themselves: etcd3 alone resumed from the last response
 * *header* revision, which during a catch-up can lie past events not yet delivered). When etcd has compacted
 * the revision it needs, the watch re-opens at "now" and calls `onReset`, so the caller re-reads instead of
 * missing changes. Any other end re-opens from the last revision with a capped backoff.
 */
import { backoffDelay } from '../timing.js';
import type { RegistryContext } from './context.js';
import { WATCH_REOPEN_BACKOFF } from './defaults.js';
import { type EtcdPort, EtcdRequestError, type KeyValue, type ResponseHeader, type WatchEnd, type WatchEventRaw, type WatchHandle, prefixEnd } from './etcd-port.js';
import type { Subscription } from './types.js';

export interface RawEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
}

export type KeyRange = { prefix: string } | { start: string; end: string };

export interface ResumableWatchOptions {
  range: KeyRange;
  /** The port to watch on; default the registry's main port. */
  port?: EtcdPort;
  /** Deliver events after this revision (e.g. the revision of a list just read). */
  fromRevision?: string;
  /** etcd compacted past the revision the watch needed: re-read; the watch already continues from now. */
  onReset?: () => void;
  /** Events of one etcd response (one or more whole revisions), in revision order. */
  onEvents: (events: RawEvent[]) => void;
}

/** Opens the watch; resolves once etcd confirmed it (under the request deadline). */
export async function openResumableWatch(ctx: RegistryContext, opts: ResumableWatchOptions): Promise<Subscription> {
  const watch = new ResumableWatch(ctx, opts);
  await watch.start();
  return { close: () => watch.close() };
}

class ResumableWatch {
  /** The first revision not yet delivered; undefined until known (watch from "now" not yet connected). */
  private next: bigint | undefined;
  private handle: WatchHandle | undefined;
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
    this.open(false);
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
    const handle = this.handle;
    this.handle = undefined;
    handle?.cancel();
  }

  /** Opens one stream from `next` (or now); after a compaction, `onReset` follows its confirmation. */
  private open(afterCompaction: boolean): void {
    const range = this.opts.range;
    const key = Buffer.from('prefix' in range ? range.prefix : range.start);
    const rangeEnd = 'prefix' in range ? prefixEnd(range.prefix) : Buffer.from(range.end);
    const handle: WatchHandle = (this.opts.port ?? this.ctx.port).watch(
      { key, range_end: rangeEnd, ...(this.next !== undefined ? { start_revision: this.next.toString() } : {}) },
      {
        onCreated: (header) => this.onCreated(header, afterCompaction),
        onEvents: (events) => this.deliver(events),
        onEnd: (end) => void this.onEnd(handle, end),
      },
    );
    this.handle = handle;
  }

  private onCreated(header: ResponseHeader, afterCompaction: boolean): void {
    if (this.closed) return;
    this.failures = 0;
    this.settleStart();
    // A watch from "now" starts right after the revision etcd answered the create with.
    this.next ??= BigInt(header.revision) + 1n;
    if (afterCompaction) this.opts.onReset?.();
  }

  private deliver(events: WatchEventRaw[]): void {
    if (this.closed || events.length === 0) return;
    const raw: RawEvent[] = events.map((e) => ({ type: e.type === 'DELETE' ? 'delete' : 'put', kv: e.kv }));
    const last = BigInt(raw[raw.length - 1]?.kv.mod_revision ?? '0');
    if (this.next === undefined || last + 1n > this.next) this.next = last + 1n;
    this.opts.onEvents(raw);
  }

  /**
   * The stream ended. etcd cancelled it: for a compaction (compact_revision set; etcd 3.4 gives no reason, so
   * when it is not set, ask etcd whether `next` is still readable) re-open at now and reset; for anything else
   * re-open from `next` (or fail start()). It broke (connection lost, endpoint down): re-open from `next` with
   * backoff, also while starting (start() has its deadline); unless etcd refused it (auth, bad request).
   */
  private async onEnd(handle: WatchHandle, end: WatchEnd): Promise<void> {
    if (this.closed || handle !== this.handle) return;
    const compacted = end.kind === 'cancelled' && (BigInt(end.compactRevision) > 0n || (await this.isCompacted()));
    if (this.closed) return;
    const refused = end.kind === 'broken' && end.error instanceof EtcdRequestError && !end.error.recoverable;
    if (!compacted && this.firstOutcome && (end.kind === 'cancelled' || refused)) {
      return this.settleStart(end.kind === 'broken' ? end.error : new Error(`etcd cancelled the watch: ${end.reason || 'no reason given'}`));
    }
    // A stream that broke before etcd confirmed it leaves start() waiting (under its deadline) for the retry.
    if (compacted || end.kind === 'cancelled' || !this.firstOutcome) this.settleStart();
    if (compacted) this.next = undefined;
    const delay = compacted ? 0 : backoffDelay(this.failures, WATCH_REOPEN_BACKOFF);
    this.failures += 1;
    this.reopenTimer = setTimeout(() => !this.closed && this.open(compacted), delay);
  }

  private async isCompacted(): Promise<boolean> {
    if (this.next === undefined) return false;
    try {
      await this.ctx.get(this.ctx.keys.root, this.next.toString());
      return false;
    } catch (err) {
      return err instanceof EtcdRequestError && err.kind === 'compacted';
    }
  }

  private settleStart(err?: Error): void {
    const settle = this.firstOutcome;
    this.firstOutcome = undefined;
    settle?.(err);
  }
}

function describe(range: KeyRange): string {
  return 'prefix' in range ? range.prefix : `${range.start}..${range.end}`;
}
