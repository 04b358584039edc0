import type { ClusterLogEvent } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { latestUnplaceable } from './recorded-unplaceable.js';

let at = 0;
const event = (kind: ClusterLogEvent['kind'], unit: string, reason?: string): ClusterLogEvent => ({ id: String(++at), kind, at, unit, ...(reason ? { reason } : {}) });

describe('latestUnplaceable', () => {
  test.each<{ name: string; events: ClusterLogEvent[]; want: [string, string][] }>([
    { name: 'no entries', events: [], want: [] },
    { name: 'the newest reason wins', events: [event('unplaceable', 'a.service', 'old'), event('unplaceable', 'a.service', 'new')], want: [['a.service', 'new']] },
    { name: 'placed since: nothing to say', events: [event('unplaceable', 'a.service', 'r'), event('placed', 'a.service')], want: [] },
    { name: 'rescheduled since: nothing to say', events: [event('unplaceable', 'a.service', 'r'), event('rescheduled', 'a.service')], want: [] },
    { name: 'unplaceable again after a placement', events: [event('placed', 'a.service'), event('unplaceable', 'a.service', 'r')], want: [['a.service', 'r']] },
    { name: 'other units and kinds are ignored', events: [event('unplaceable', 'b.service', 'r'), event('unit-failed', 'a.service', 'x'), event('machine-lost', 'a.service')], want: [] },
  ])('$name', ({ events, want }) => {
    expect([...latestUnplaceable(events, new Set(['a.service']))]).toEqual(want);
  });
});
