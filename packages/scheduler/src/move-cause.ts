/**
 * Why a unit was taken off a machine, from the reason its `unassign` decision carries (reasons.ts, drain.ts,
 * rebalance.ts, replaces.ts): the cause the cluster event log records with the move (docs/ops.md). Undefined for
 * an unassign that is no move (the unit was destroyed, stopped, or became global). Pure.
 */
import type { MoveCause } from '@flotilla/core';
import { REASON_DRAIN_DEADLINE, REASON_DRAINING } from './drain.js';
import { reasonRebalance } from './rebalance.js';
import { reasonReplaced } from './replaces.js';
import { reasonMachineGone, reasonNoLongerFits } from './reasons.js';

/** Each reason constructor's text around its variable part; the more specific first ("machine can no longer
 * run it: …" before "machine … went away"). */
const MARK = '\u0000';
const around = (reason: string): [string, string] => {
  const at = reason.indexOf(MARK);
  return [reason.slice(0, at), reason.slice(at + MARK.length)];
};
const PATTERNS: readonly [[string, string], MoveCause][] = [
  [[reasonRebalance(0, 0).slice(0, reasonRebalance(0, 0).indexOf('0')), ''], 'rebalance'],
  [around(reasonReplaced(MARK)), 'replaces'],
  [around(reasonNoLongerFits(MARK)), 'rule'],
  [around(reasonMachineGone(MARK)), 'machine-lost'],
];

export function moveCause(unassignReason: string): MoveCause | undefined {
  if (unassignReason === REASON_DRAINING || unassignReason === REASON_DRAIN_DEADLINE) return 'drain';
  return PATTERNS.find(([[before, after]]) => unassignReason.startsWith(before) && unassignReason.endsWith(after))?.[1];
}
