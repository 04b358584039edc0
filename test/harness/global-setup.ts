/** Vitest global setup: sweeps clusters a crashed earlier run left behind, and at the end whatever this run left. */
import crypto from 'node:crypto';
import { sweepBastions } from './sshd.js';
import { sweepLeftovers } from './sweep.js';

const runId = crypto.randomBytes(6).toString('hex');

export async function setup(): Promise<void> {
  // Workers inherit the environment: every cluster they make records this run's id.
  process.env.FLOTILLA_TEST_RUN = runId;
  await sweepLeftovers();
}

export async function teardown(): Promise<void> {
  await sweepLeftovers({ runId });
  await sweepBastions(runId);
}
