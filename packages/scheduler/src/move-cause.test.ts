import { expect, test } from 'vitest';
import { REASON_DRAIN_DEADLINE, REASON_DRAINING } from './drain.js';
import { moveCause } from './move-cause.js';
import { reasonRebalance } from './rebalance.js';
import { REASON_GLOBAL, REASON_INACTIVE, REASON_UNIT_GONE, reasonMachineGone, reasonNoLongerFits } from './reasons.js';
import { reasonReplaced } from './replaces.js';

// Built with the same constructors the passes use: rewording a reason fails here, not silently in the log.
test.each([
  [reasonRebalance(5, 3), 'rebalance'],
  [REASON_DRAINING, 'drain'],
  [REASON_DRAIN_DEADLINE, 'drain'],
  [reasonReplaced('db.service'), 'replaces'],
  [reasonMachineGone('m2'), 'machine-lost'],
  [reasonNoLongerFits('metadata region=eu not matched'), 'rule'],
  [reasonNoLongerFits('machine m2 went away'), 'rule'],
  [REASON_UNIT_GONE, undefined],
  [REASON_INACTIVE, undefined],
  [REASON_GLOBAL, undefined],
])('%s → %s', (reason, cause) => {
  expect(moveCause(reason)).toBe(cause);
});
