/**
 * Prefix watches with a connect deadline. Event keys are relative to the watched prefix (a unit name for
 * `assignments/<machine>/`, a machine id for `states/<unit>/`). etcd3 resumes a dropped watch from its last
 * revision by itself; a put whose value does not decode is skipped (the periodic reconcile pass re-reads).
 */
import type { IKeyValue, Watcher } from 'etcd3';
import { decodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import { Keyspace } from './keyspace.js';
import type { RecordGuard } from './record-guards.js';
import type { Subscription, WatchEvent } from './types.js';

export async function watchPrefix<T>(
  ctx: RegistryContext,
  prefix: string,
  guard: RecordGuard<T>,
  onEvent: (event: WatchEvent<T>) => void,
): Promise<Subscription> {
  const watcher = await openWatcher(ctx, prefix);
  watcher.on('put', (kv) => {
    const event = putEvent(prefix, kv, guard);
    if (event) onEvent(event);
  });
  watcher.on('delete', (kv) => {
    onEvent({ type: 'delete', key: Keyspace.relative(prefix, kv.key.toString()), revision: kv.mod_revision });
  });
  return subscriptionOf(watcher);
}

/** Calls `onChange` on any put or delete under any of `prefixes`. */
export async function watchForChanges(ctx: RegistryContext, prefixes: string[], onChange: () => void): Promise<Subscription> {
  const watchers: Watcher[] = [];
  try {
    for (const prefix of prefixes) watchers.push(await openWatcher(ctx, prefix));
  } catch (err) {
    await Promise.allSettled(watchers.map((w) => w.cancel()));
    throw err;
  }
  for (const watcher of watchers) watcher.on('data', () => onChange());
  return { close: async () => void (await Promise.allSettled(watchers.map((w) => w.cancel()))) };
}

/** Starts a watcher and waits (under the request deadline) until etcd confirms it. */
export function openWatcher(ctx: RegistryContext, prefix: string): Promise<Watcher> {
  const watcher = ctx.client.watch().prefix(prefix).watcher();
  // Without an 'error' listener an EventEmitter error would crash the process.
  watcher.on('error', () => undefined);
  const connected = new Promise<Watcher>((resolve, reject) => {
    watcher.once('connected', () => resolve(watcher));
    watcher.once('error', reject);
  });
  return ctx.run(`watch ${prefix}`, () => connected, () => void watcher.cancel().catch(() => undefined));
}

function putEvent<T>(prefix: string, kv: IKeyValue, guard: RecordGuard<T>): WatchEvent<T> | undefined {
  const key = kv.key.toString();
  try {
    return { type: 'put', key: Keyspace.relative(prefix, key), value: decodeValue(key, kv.value, guard), revision: kv.mod_revision };
  } catch {
    return undefined;
  }
}

function subscriptionOf(watcher: Watcher): Subscription {
  return { close: () => watcher.cancel().catch(() => undefined) };
}
