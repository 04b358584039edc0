/**
 * A cluster log entry as one sentence (docs/ops.md), e.g. "web@2.service moved m3 → m1 (rebalance)",
 * "app@1.service rescheduled to m1 (machine m2 lost)", "hello.service failed after 3 restarts on m1". `host` names
 * a machine (its hostname where the reader has the machine list). The dashboard's static/describe.js says the
 * same in the browser; event-sentence.test.ts holds both to one table. Pure.
 */
import type { ClusterLogEvent, MoveCause } from '@flotilla/core';

/** A move's cause in the words of the sentence; machine-lost reads "rescheduled … (machine … lost)" instead. */
export const CAUSE_WORDS: Readonly<Record<Exclude<MoveCause, 'machine-lost'>, string>> = {
  rebalance: 'rebalance',
  drain: 'drain',
  replaces: 'Replaces=',
  rule: 'no longer fits there',
};

/** `failed` is all a failed unit's sub-state ever says: not repeated. */
const said = (reason: string | undefined): string => (reason && reason !== 'failed' ? ` (${reason})` : '');

export function eventSentence(e: ClusterLogEvent, host: (machineId: string | undefined) => string): string {
  const on = e.machineId ? ` on ${host(e.machineId)}` : '';
  switch (e.kind) {
    case 'placed':
      return e.unit ? `${e.unit} placed${on}${said(e.reason)}` : `placed${said(e.reason)}`;
    case 'rescheduled':
      if (e.cause === 'machine-lost') return `${e.unit} rescheduled to ${host(e.machineId)} (machine ${host(e.fromMachineId)} lost)`;
      return `${e.unit} moved ${host(e.fromMachineId)} → ${host(e.machineId)}${e.cause && Object.hasOwn(CAUSE_WORDS, e.cause) ? ` (${CAUSE_WORDS[e.cause]})` : said(e.reason)}`;
    case 'unplaceable':
      return `${e.unit} cannot be placed${e.reason ? `: ${e.reason}` : ''}`;
    case 'unit-failed': {
      const after = e.restarts ? ` after ${e.restarts} restart${e.restarts === 1 ? '' : 's'}` : '';
      return `${e.unit} failed${after}${on}${said(e.reason)}`;
    }
    case 'machine-lost':
      return `machine ${host(e.machineId)} lost`;
    case 'machine-joined':
      return `machine ${host(e.machineId)} joined`;
    case 'deployment':
      return `${e.unit} deployment: ${e.reason ?? ''}`;
  }
}
