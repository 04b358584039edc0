/**
 * Follows the elected scheduler from the daemon's start (leader changes are counted from agent start, not
 * from the first scrape: docs/ops.md). Watch-driven: one prefix watch on the keyspace root wakes it, and after
 * `debounceMs` of quiet one small read of the election asks who leads. Reads never overlap; a change during a
 * read is read again after it.
 */
import type { Subscription } from '@flotilla/core';
import type { Logger } from 'pino';
import type { OpsRegistry } from '../health/source.js';

export interface LeaderWatchOptions {
  registry: Pick<OpsRegistry, 'currentLeader' | 'watchHealthChanges'>;
  onLeader: (leader: string | null) => void;
  onReadError: (err: unknown) => void;
  logger: Logger;
  /** Quiet time after a change before reading the leader; default 200 ms. */
  debounceMs?: number;
}

export async function followLeader(opts: LeaderWatchOptions): Promise<Subscription> {
  let timer: NodeJS.Timeout | undefined;
  let reading: Promise<void> | undefined;
  let again = false;
  let closed = false;
  const read = (): void => {
    if (reading) return void (again = true);
    reading = opts.registry
      .currentLeader()
      .then((leader) => void (closed || opts.onLeader(leader ?? null)))
      .catch((err: unknown) => {
        opts.onReadError(err);
        opts.logger.warn({ err }, 'reading the scheduler leader failed');
      })
      .finally(() => {
        reading = undefined;
        if (again && !closed) (again = false), read();
      });
  };
  const changed = (): void => {
    clearTimeout(timer);
    timer = setTimeout(read, opts.debounceMs ?? 200);
    timer.unref();
  };
  const watch = await opts.registry.watchHealthChanges(changed);
  read();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await watch.close();
      await reading;
    },
  };
}
