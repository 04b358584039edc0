import { expect, test } from 'vitest';
import { RebalanceClock } from './rebalance-clock.js';

/** A clock at `elapsedMs` after its term started, its options possibly changed after construction. */
function dueAfter(elapsedMs: number, intervalMs: number, changedTo?: number) {
  let now = 0;
  const opts = { maxMoves: 3, intervalMs };
  const clock = new RebalanceClock(opts, () => now);
  if (changedTo !== undefined) opts.intervalMs = changedTo; // Scheduler.setRebalanceInterval (a daemon reload)
  now = elapsedMs;
  return clock.due();
}

test.each([
  { name: 'quiet for less than the interval: no round', elapsedMs: 20_000, intervalMs: 30_000, changedTo: undefined, due: undefined },
  { name: 'quiet for the whole interval: a round', elapsedMs: 30_000, intervalMs: 30_000, changedTo: undefined, due: { maxMoves: 3 } },
  { name: 'interval shortened while running: read on the next pass', elapsedMs: 20_000, intervalMs: 30_000, changedTo: 10_000, due: { maxMoves: 3 } },
  { name: 'interval lengthened while running: read on the next pass', elapsedMs: 30_000, intervalMs: 30_000, changedTo: 60_000, due: undefined },
])('$name', ({ elapsedMs, intervalMs, changedTo, due }) => {
  expect(dueAfter(elapsedMs, intervalMs, changedTo)).toEqual(due);
});
