/**
 * The bounded cluster event log (issue 9): `activity/<id>` entries, appended by the scheduler (placed,
 * rescheduled, unplaceable, machine lost/joined) and agents (unit failed), trimmed on every append to a count
 * and an age. `activity/` sorts before `agent-states/` and `assignments/`, so it stays out of the range
 * watchCluster follows: the scheduler never wakes for the log. Ids sort by time (ms, zero-padded), then a
 * per-process counter, then a random writer tag, so two writers never collide and keys sort oldest first.
 */
import crypto from 'node:crypto';
import type { ClusterLogEvent, EventRetention, Subscription, WatchOptions } from './types.js';
import { encodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import { checkRecord } from './record-check.js';
import { watchForChanges, watchPrefix } from './watch.js';

export const DEFAULT_MAX_EVENTS = 1000;
export const DEFAULT_MAX_EVENT_AGE_MS = 24 * 3600 * 1000;
export const DEFAULT_EVENT_LIST_LIMIT = 200;
const KINDS = new Set(['placed', 'rescheduled', 'unplaceable', 'unit-failed', 'machine-lost', 'machine-joined']);
const WRITER = crypto.randomBytes(4).toString('hex');
let counter = 0;

export function eventsRoot(ctx: RegistryContext): string {
  return `${ctx.keys.root}activity/`;
}

/** The smallest id at `at` ms: every id of an entry written at or after `at` sorts at or after it. */
export function eventIdFloor(at: number): string {
  return String(Math.max(0, Math.floor(at))).padStart(15, '0');
}

export function newEventId(at: number): string {
  counter = (counter + 1) % 1_000_000;
  return `${eventIdFloor(at)}-${String(counter).padStart(6, '0')}-${WRITER}`;
}

export const isClusterLogEvent = (value: unknown): value is ClusterLogEvent => {
  const v = value as Partial<ClusterLogEvent> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.at === 'number' && KINDS.has(v.kind as string);
};

export async function appendEvent(
  ctx: RegistryContext,
  event: Omit<ClusterLogEvent, 'id' | 'at'> & { at?: number },
  retention: EventRetention = {},
): Promise<ClusterLogEvent> {
  const at = event.at ?? Date.now();
  const stored = Object.fromEntries(Object.entries({ ...event, at, id: newEventId(at) }).filter(([, v]) => v !== undefined)) as unknown as ClusterLogEvent;
  return ctx.run(`append ${stored.kind} event`, async () => {
    await ctx.client.put(eventsRoot(ctx) + stored.id).value(encodeValue(stored));
    await trim(ctx, at, retention);
    return stored;
  });
}

/** Removes entries older than maxAgeMs, then the oldest beyond maxEvents. */
async function trim(ctx: RegistryContext, now: number, retention: EventRetention): Promise<void> {
  const root = eventsRoot(ctx);
  const maxAge = retention.maxAgeMs ?? DEFAULT_MAX_EVENT_AGE_MS;
  await ctx.client.delete().inRange({ start: root, end: root + eventIdFloor(now - maxAge) });
  const excess = (await ctx.client.getAll().prefix(root).count()) - (retention.maxEvents ?? DEFAULT_MAX_EVENTS);
  if (excess <= 0) return;
  const oldest = await ctx.client.getAll().prefix(root).sort('Key', 'Ascend').limit(excess).keys();
  const last = oldest[oldest.length - 1];
  if (last !== undefined) await ctx.client.delete().inRange({ start: root, end: `${last}\0` });
}

export function listEvents(ctx: RegistryContext, opts: { limit?: number } = {}): Promise<ClusterLogEvent[]> {
  const limit = opts.limit ?? DEFAULT_EVENT_LIST_LIMIT;
  return ctx.run('list events', async () => {
    const response = await ctx.client.getAll().prefix(eventsRoot(ctx)).sort('Key', 'Descend').limit(limit).exec();
    const events: ClusterLogEvent[] = [];
    for (const kv of response.kvs) {
      // Same decoding and checks as every other record (schema header, shape); corrupt entries are skipped.
      const record = ctx.tryCheck(() => checkRecord(ctx.keys, kv, isClusterLogEvent));
      if (record) events.push(record.value);
    }
    return events.reverse();
  });
}

export function watchEvents(ctx: RegistryContext, onEvent: (event: ClusterLogEvent) => void, opts: WatchOptions = {}): Promise<Subscription> {
  return watchPrefix(ctx, eventsRoot(ctx), isClusterLogEvent, (e) => {
    if (e.type === 'put') onEvent(e.value);
  }, opts);
}

/** One prefix watch on the whole keyspace root: every key the health view reads lives under it. */
export function watchHealthChanges(ctx: RegistryContext, onChange: () => void): Promise<Subscription> {
  return watchForChanges(ctx, [ctx.keys.root], onChange);
}
