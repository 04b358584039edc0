/** The in-memory registry's cluster event log: ids sortable by time as EtcdRegistry's, trimmed on every append
 * to the retention's age and count (docs/ops.md), newest `limit` listed oldest first. */
import type { ClusterLogEvent, EventRetention, NewClusterLogEvent } from '@flotilla/core';
import type { ChangeFeed } from './change-feed.js';

const DEFAULT_MAX_EVENTS = 1000;
const DEFAULT_MAX_EVENT_AGE_MS = 24 * 3600 * 1000;
const DEFAULT_EVENT_LIST_LIMIT = 200;

function eventIdFloor(at: number): string {
  return String(Math.max(0, Math.floor(at))).padStart(15, '0');
}

export class MemoryEventLog {
  private events: ClusterLogEvent[] = [];
  private counter = 0;

  constructor(private readonly feed: ChangeFeed) {}

  append(list: readonly NewClusterLogEvent[], retention: EventRetention): ClusterLogEvent[] {
    const stored = list.map((e) => this.stamp(e));
    if (stored.length === 0) return [];
    this.feed.commit(() => {
      this.events.push(...stored);
      for (const event of stored) this.feed.emit({ kind: 'log', event });
    });
    const floor = eventIdFloor(Math.max(...stored.map((e) => e.at)) - (retention.maxAgeMs ?? DEFAULT_MAX_EVENT_AGE_MS));
    const kept = this.events.filter((e) => e.id >= floor).sort((a, b) => (a.id < b.id ? -1 : 1));
    this.events = kept.slice(Math.max(0, kept.length - (retention.maxEvents ?? DEFAULT_MAX_EVENTS)));
    return stored;
  }

  list(limit = DEFAULT_EVENT_LIST_LIMIT): ClusterLogEvent[] {
    return this.events.slice(Math.max(0, this.events.length - limit));
  }

  private stamp(event: NewClusterLogEvent): ClusterLogEvent {
    const at = event.at ?? Date.now();
    this.counter = (this.counter + 1) % 1_000_000;
    const stamped: ClusterLogEvent = { ...event, at, id: `${eventIdFloor(at)}-${String(this.counter).padStart(6, '0')}-memory` };
    // Absent, not undefined, fields: as an entry read back from etcd.
    for (const key of Object.keys(stamped) as (keyof ClusterLogEvent)[]) if (stamped[key] === undefined) delete stamped[key];
    return stamped;
  }
}
