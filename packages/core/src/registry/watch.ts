/**
 * Typed prefix watches on top of the resumable watch. Event keys are relative to the watched prefix (a unit
 * name for `assignments/<machine>/`, a machine id for `agent-states/<unit>/`). A key that names no valid
 * unit/machine, or a put whose value does not decode, is reported and skipped, never thrown.
 */
import type { RegistryContext } from './context.js';
import { Keyspace } from './keyspace.js';
import { checkKey, checkRecord } from './record-check.js';
import type { RecordGuard } from './record-guards.js';
import { type RawEvent, openResumableWatch } from './resumable-watch.js';
import type { Subscription, WatchEvent, WatchOptions } from './types.js';

export async function watchPrefix<T>(
  ctx: RegistryContext,
  prefix: string,
  guard: RecordGuard<T>,
  onEvent: (event: WatchEvent<T>) => void,
  opts: WatchOptions = {},
): Promise<Subscription> {
  return openResumableWatch(ctx, {
    range: { prefix },
    ...opts,
    onEvents: (events) => {
      for (const raw of events) {
        const event = ctx.tryCheck(() => typedEvent(ctx, prefix, raw, guard));
        if (event) onEvent(event);
      }
    },
  });
}

function typedEvent<T>(ctx: RegistryContext, prefix: string, raw: RawEvent, guard: RecordGuard<T>): WatchEvent<T> {
  const key = raw.kv.key.toString();
  const revision = raw.kv.mod_revision;
  if (raw.type === 'delete') {
    checkKey(ctx.keys, key);
    return { type: 'delete', key: Keyspace.relative(prefix, key), revision };
  }
  const stored = checkRecord(ctx.keys, raw.kv, guard);
  return { type: 'put', key: Keyspace.relative(prefix, key), value: stored.value, revision };
}

/** Calls `onChange` on any put or delete under any of `prefixes`. */
export async function watchForChanges(ctx: RegistryContext, prefixes: string[], onChange: () => void): Promise<Subscription> {
  const subscriptions: Subscription[] = [];
  try {
    for (const prefix of prefixes) {
      subscriptions.push(await openResumableWatch(ctx, { range: { prefix }, onEvents: () => onChange(), onReset: onChange }));
    }
  } catch (err) {
    await Promise.allSettled(subscriptions.map((s) => s.close()));
    throw err;
  }
  return { close: async () => void (await Promise.allSettled(subscriptions.map((s) => s.close()))) };
}
