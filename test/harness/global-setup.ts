/** Vitest global setup: sweeps clusters a crashed earlier run left behind, and at the end anything this run left. */
import { sweepLeftovers } from './sweep.js';

export async function setup(): Promise<void> {
  await sweepLeftovers();
}

export async function teardown(): Promise<void> {
  await sweepLeftovers({ all: true });
}
