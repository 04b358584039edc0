import { describe, expect, test } from 'vitest';
import { journalOverlaps, runSpans } from './journal-overlaps.js';

describe('runSpans', () => {
  test.each([
    { name: 'never ran', started: [], stopped: [], want: [] },
    { name: 'started and stopped', started: [100], stopped: [200], want: [{ machine: 'm1', fromMs: 100, toMs: 200 }] },
    { name: 'still running', started: [100], stopped: [], want: [{ machine: 'm1', fromMs: 100, toMs: 1000 }] },
    {
      name: 'twice, the second still running',
      started: [100, 300],
      stopped: [200],
      want: [{ machine: 'm1', fromMs: 100, toMs: 200 }, { machine: 'm1', fromMs: 300, toMs: 1000 }],
    },
    { name: 'a stop before any start in the journal is ignored', started: [300], stopped: [50, 400], want: [{ machine: 'm1', fromMs: 300, toMs: 400 }] },
  ])('$name', ({ started, stopped, want }) => {
    expect(runSpans('m1', { started, stopped }, 1000)).toEqual(want);
  });
});

describe('journalOverlaps', () => {
  test.each([
    { name: 'stop before start elsewhere', spans: [['m1', 100, 200], ['m2', 200, 300]], want: [] },
    { name: 'two runs on one machine', spans: [['m1', 100, 200], ['m1', 150, 300]], want: [] },
    { name: 'a 3 ms overlap', spans: [['m1', 100, 203], ['m2', 200, 300]], want: [{ machines: ['m1', 'm2'], fromMs: 200, toMs: 203 }] },
    {
      name: 'one long run under two short ones',
      spans: [['m1', 0, 1000], ['m2', 100, 200], ['m3', 300, 400]],
      want: [{ machines: ['m1', 'm2'], fromMs: 100, toMs: 200 }, { machines: ['m1', 'm3'], fromMs: 300, toMs: 400 }],
    },
  ] as const)('$name', ({ spans, want }) => {
    expect(journalOverlaps(spans.map(([machine, fromMs, toMs]) => ({ machine, fromMs, toMs })))).toEqual(want);
  });
});
