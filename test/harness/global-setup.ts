/** Vitest global setup: nothing to prepare yet; teardown sweeps anything a crashed test left behind. */
import { sweepLeftovers } from './sweep.js';

export async function setup(): Promise<void> {
  await sweepLeftovers();
}

export async function teardown(): Promise<void> {
  await sweepLeftovers();
}
