/**
 * Watches this machine's assignments: every event only wakes the reconciler (level-triggered; the event's
 * content is not trusted to be complete). Establishing the watch is retried with back-off while etcd is away;
 * the periodic reconcile pass covers anything missed meanwhile.
 */
import type { ClusterRegistry, Subscription } from '@flotilla/core';
import type { Logger } from 'pino';
import { Backoff, sleep } from './backoff.js';

export function watchOwnAssignments(
  registry: ClusterRegistry,
  machineId: string,
  onEvent: () => void,
  logger: Logger,
): { close(): Promise<void> } {
  const abort = new AbortController();
  let subscription: Subscription | undefined;
  const establish = async () => {
    const backoff = new Backoff();
    while (!abort.signal.aborted) {
      try {
        const sub = await registry.watchAssignments(machineId, () => onEvent());
        if (abort.signal.aborted) return void (await sub.close());
        subscription = sub;
        logger.debug({ machineId }, 'watching assignments');
        onEvent(); // whatever changed before the watch began
        return;
      } catch (err) {
        logger.warn({ err, machineId }, 'watching assignments failed; retrying with back-off');
        await sleep(backoff.next(), abort.signal);
      }
    }
  };
  const established = establish();
  return {
    async close() {
      abort.abort();
      await established;
      await subscription?.close();
    },
  };
}
