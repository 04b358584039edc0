/**
 * The in-memory registry's revisions and watches, as etcd's: one revision per transaction shared by all its
 * changes, watches that replay from a revision (or are reset once it was compacted), delivery in revision order
 * after the transaction applied, never interleaved when a watcher writes from its callback.
 */
import type { ClusterEvent, ClusterLogEvent, Subscription, UnitStateRecord, WatchEvent, WatchOptions } from '@flotilla/core';

/** A change as etcd's watch would carry it; `revision` fields inside are filled in on delivery. */
export type Change =
  | { kind: 'cluster'; event: ClusterEvent }
  | { kind: 'state'; unit: string; event: WatchEvent<UnitStateRecord> }
  | { kind: 'endpoint' }
  | { kind: 'service' }
  | { kind: 'log'; event: ClusterLogEvent }
  | { kind: 'other' };

type Deliver = (change: Change, revision: number) => void;

export class ChangeFeed {
  private current = 1;
  /** Watches asked to start before this revision are reset (compaction). */
  private compactedAt = 0;
  /** Every change since the last compaction, for watches that start from a revision. */
  private history: { change: Change; revision: number }[] = [];
  private readonly watchers = new Set<{ deliver: Deliver }>();
  private readonly pending: { change: Change; revision: number }[] = [];
  private delivering = false;
  private readonly listeners = new Set<() => void>();

  get revision(): number {
    return this.current;
  }

  /** A write that changes no watched key (an election) still takes a revision. */
  bump(): number {
    return ++this.current;
  }

  /** One transaction: one new revision shared by all its changes, delivered after it applied. */
  commit(apply: () => void): void {
    this.current++;
    apply();
    this.flush();
  }

  /** Records a change of the transaction being committed. */
  emit(change: Change): void {
    const entry = { change, revision: this.current };
    this.history.push(entry);
    this.pending.push(entry);
  }

  watch(opts: WatchOptions | undefined, deliver: Deliver): Subscription {
    const watcher = { deliver };
    const from = opts?.fromRevision === undefined ? undefined : Number(opts.fromRevision);
    if (from !== undefined && from < this.compactedAt) {
      // As etcd after a compaction: the caller re-reads; the watch continues from now.
      queueMicrotask(() => opts?.onReset?.());
    } else if (from !== undefined) {
      for (const h of this.history) if (h.revision > from) deliver(h.change, h.revision);
    }
    this.watchers.add(watcher);
    return { close: async () => void this.watchers.delete(watcher) };
  }

  closeAll(): void {
    this.watchers.clear();
  }

  compact(): void {
    this.compactedAt = this.current;
    this.history = [];
  }

  /** Calls `listener` after every transaction (and whenever `changed` is called); returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const l of this.listeners) l();
  }

  private flush(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) {
        for (const w of [...this.watchers]) w.deliver(next.change, next.revision);
      }
    } finally {
      this.delivering = false;
    }
    this.changed();
  }
}
