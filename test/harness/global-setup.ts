/** Vitest global setup: sweeps clusters a crashed earlier run left behind, and at the end whatever this run left. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sweepBastions } from './sshd.js';
import { sweepLeftovers } from './sweep.js';

const runId = crypto.randomBytes(6).toString('hex');
/** The CLI's caches (its etcd token cache, bin/flotilla's code cache) during this run: never the user's ~/.cache,
 * nor files next to the checkout's bundle. */
const cacheHome = path.join(os.tmpdir(), `flotilla-test-cache-${runId}`);

export async function setup(): Promise<void> {
  // Workers inherit the environment: every cluster they make records this run's id.
  process.env.FLOTILLA_TEST_RUN = runId;
  process.env.XDG_CACHE_HOME = cacheHome;
  process.env.FLOTILLA_CLI_CACHE_DIR = path.join(cacheHome, 'cli-code');
  await sweepLeftovers();
}

export async function teardown(): Promise<void> {
  await sweepLeftovers({ runId });
  await sweepBastions(runId);
  fs.rmSync(cacheHome, { recursive: true, force: true });
}
