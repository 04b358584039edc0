/** Removes clusters whose creator died without tearing them down (a crashed or interrupted test run). */
import { teardownCluster } from './cluster.js';
import { isAlive } from './processes.js';
import { listClusterIds, loadState } from './state.js';

/**
 * Tears down every non-persistent cluster whose owner process is gone, and with `runId` also those made by that
 * test run (its end). Persistent clusters (`npm run up`) and other live runs' clusters are left alone.
 */
export async function sweepLeftovers(opts: { runId?: string } = {}): Promise<string[]> {
  const swept: string[] = [];
  const failures: unknown[] = [];
  for (const id of listClusterIds()) {
    const state = loadState(id);
    if (!state || state.persistent) continue;
    const ownRun = opts.runId !== undefined && state.runId === opts.runId;
    if (!ownRun && isAlive(state.ownerPid)) continue;
    // One cluster whose processes outlive the deadline must not keep the others in place.
    await teardownCluster(state).then(() => swept.push(id), (err: unknown) => failures.push(err));
  }
  if (failures.length > 0) throw new AggregateError(failures, `sweep: ${failures.length} cluster(s) not fully torn down`);
  return swept;
}
