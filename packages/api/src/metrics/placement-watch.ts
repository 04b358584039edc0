/**
 * Feeds the placement timer from the registry: one snapshot, then watchCluster from its revision; after a
 * compaction (onReset) the timer restarts from a fresh snapshot.
 */
import type { ClusterView, Subscription } from '@flotilla/core';
import type { Logger } from 'pino';
import { PlacementTimer } from './placement-timer.js';

export async function watchPlacements(
  registry: ClusterView,
  observe: (ms: number) => void,
  logger: Logger,
  now: () => number = Date.now,
): Promise<Subscription> {
  const snapshot = await registry.snapshot();
  let timer = new PlacementTimer(snapshot, now());
  const reset = () => {
    registry
      .snapshot()
      .then((s) => (timer = new PlacementTimer(s, now())))
      .catch((err: unknown) => logger.warn({ err }, 'placement timer re-read failed'));
  };
  return registry.watchCluster(
    (event) => {
      const ms = timer.observe(event, now());
      if (ms !== undefined) observe(ms);
    },
    { fromRevision: snapshot.revision, onReset: reset },
  );
}
