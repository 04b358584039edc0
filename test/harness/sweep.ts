/** Removes clusters whose creator died without tearing them down (a crashed or interrupted test run). */
import { teardownCluster } from './cluster.js';
import { isAlive } from './processes.js';
import { listClusterIds, loadState } from './state.js';

/** `all`: also clusters whose owner still runs (end of a test run); persistent (`npm run up`) ones are kept. */
export async function sweepLeftovers(opts: { all?: boolean } = {}): Promise<string[]> {
  const swept: string[] = [];
  for (const id of listClusterIds()) {
    const state = loadState(id);
    if (!state || state.persistent) continue;
    if (!opts.all && isAlive(state.ownerPid) && state.ownerPid !== process.pid) continue;
    await teardownCluster(state);
    swept.push(id);
  }
  return swept;
}
