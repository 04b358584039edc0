/**
 * The bounded cluster event log (docs/ops.md): `activity/<id>` entries, appended by the scheduler (placed,
 * rescheduled, unplaceable, machine lost/joined) and agents (unit failed), trimmed on every append to a count
 * and an age. `activity/` sorts before `agent-states/` and `assignments/`, so it stays out of the range
 * watchCluster follows: the scheduler never wakes for the log. Ids sort by time (ms, zero-padded), then a
 * per-process counter, then a random writer tag, so two writers never collide and keys sort oldest first.
 */
import crypto from 'node:crypto';
import type { ClusterLogEvent, EventRetention, NewClusterLogEvent, Subscription, WatchOptions } from './types.js';
import { encodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import { op } from './kv-ops.js';
import { checkRecord } from './record-check.js';
import { watchForChanges, watchPrefix } from './watch.js';

export const DEFAULT_MAX_EVENTS = 1000;
export const DEFAULT_MAX_EVENT_AGE_MS = 24 * 3600 * 1000;
export const DEFAULT_EVENT_LIST_LIMIT = 200;
const KINDS = new Set(['placed', 'rescheduled', 'unplaceable', 'unit-failed', 'machine-lost', 'machine-joined', 'deployment']);
/** This process's writer tag, drawn on its first append: a CLI command that only reads never loads node:crypto's
 * random source (docs/benchmarks.md, "CLI cold start, fifth pass"). */
let writer: string | undefined;
const writerTag = () => (writer ??= crypto.randomBytes(4).toString('hex'));
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
  return `${eventIdFloor(at)}-${String(counter).padStart(6, '0')}-${writerTag()}`;
}

export const isClusterLogEvent = (value: unknown): value is ClusterLogEvent => {
  const v = value as Partial<ClusterLogEvent> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.at === 'number' && KINDS.has(v.kind as string);
};

function stamp(event: NewClusterLogEvent): ClusterLogEvent {
  const at = event.at ?? Date.now();
  return Object.fromEntries(Object.entries({ ...event, at, id: newEventId(at) }).filter(([, v]) => v !== undefined)) as unknown as ClusterLogEvent;
}

export async function appendEvent(ctx: RegistryContext, event: NewClusterLogEvent, retention: EventRetention = {}): Promise<ClusterLogEvent> {
  const [stored] = await appendEvents(ctx, [event], retention);
  return stored as ClusterLogEvent;
}

/** Many entries in transactions of at most 128 puts, then one trim: a pass that places 50 units costs 3 calls. */
export async function appendEvents(ctx: RegistryContext, events: readonly NewClusterLogEvent[], retention: EventRetention = {}): Promise<ClusterLogEvent[]> {
  const stored = events.map(stamp);
  if (stored.length === 0) return [];
  return ctx.run(`append ${stored.length} events`, async () => {
    for (let i = 0; i < stored.length; i += 128) {
      // No compares: a plain multi-put transaction.
      await ctx.txn([], stored.slice(i, i + 128).map((e) => op.put(eventsRoot(ctx) + e.id, encodeValue(e))));
    }
    await trim(ctx, Math.max(...stored.map((e) => e.at)), retention);
    return stored;
  });
}

/** Removes entries older than maxAgeMs, then the oldest beyond maxEvents. */
async function trim(ctx: RegistryContext, now: number, retention: EventRetention): Promise<void> {
  const root = eventsRoot(ctx);
  const maxAge = retention.maxAgeMs ?? DEFAULT_MAX_EVENT_AGE_MS;
  await ctx.port.deleteRange({ key: Buffer.from(root), range_end: Buffer.from(root + eventIdFloor(now - maxAge)) });
  const excess = Number((await ctx.range(root, { count_only: true })).count) - (retention.maxEvents ?? DEFAULT_MAX_EVENTS);
  if (excess <= 0) return;
  const oldest = await ctx.range(root, { sort_target: 'KEY', sort_order: 'ASCEND', limit: excess, keys_only: true });
  const last = oldest.kvs[oldest.kvs.length - 1]?.key.toString();
  if (last !== undefined) await ctx.port.deleteRange({ key: Buffer.from(root), range_end: Buffer.from(`${last}\0`) });
}

export function listEvents(ctx: RegistryContext, opts: { limit?: number } = {}): Promise<ClusterLogEvent[]> {
  const limit = opts.limit ?? DEFAULT_EVENT_LIST_LIMIT;
  return ctx.run('list events', async () => {
    const response = await ctx.range(eventsRoot(ctx), { sort_target: 'KEY', sort_order: 'DESCEND', limit });
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
