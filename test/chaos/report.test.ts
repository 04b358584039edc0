import { describe, expect, test } from 'vitest';
import { buildReport, describeReport, reportFigures, type RunFacts } from './report.js';
import type { DoubleRun } from './round-judge.js';

const T0 = 1_000_000;
const double = (over: Partial<DoubleRun>): DoubleRun => ({
  unit: 'plain-1.service', machines: ['m1', 'm2'], fromMs: T0 + 5000, toMs: T0 + 6500, rounds: 10, strict: false, violation: false, ...over,
});
const facts = (over: Partial<RunFacts> = {}): RunFacts => ({
  seed: 42, machines: 5, events: 30, startedAt: T0, durationMs: 180_400, rounds: 1200, maxGapMs: 210, slowRounds: 0,
  doubleRuns: [], leftovers: [], checks: [], strictUnit: 'solo.service', journalOverlaps: [], faultErrors: [], ...over,
});

describe('buildReport', () => {
  test('a clean run: no violations, every figure in order', () => {
    const report = buildReport(facts({ doubleRuns: [double({})], checks: [{ label: 'end', atMs: 170_000, problems: [], keyspace: [], waitedMs: 800 }] }));
    expect(report.violations).toEqual([]);
    expect(reportFigures(report)).toEqual([
      ['chaos_events', 30, 'count'],
      ['chaos_violations', 0, 'count'],
      ['chaos_units_lost', 0, 'count'],
      ['chaos_double_runs', 0, 'count'],
      ['chaos_strict_journal_overlaps', 0, 'count'],
      ['chaos_overlaps_tolerated', 1, 'count'],
      ['chaos_leftovers', 0, 'count'],
      ['chaos_rule_breaks', 0, 'count'],
      ['chaos_keyspace_violations', 0, 'count'],
      ['chaos_fault_errors', 0, 'count'],
      ['chaos_settle_checks', 1, 'count'],
      ['chaos_settle_wait_max', 800, 'ms'],
      ['chaos_sample_rounds', 1200, 'count'],
      ['chaos_sample_gap_max', 210, 'ms'],
      ['chaos_sample_rounds_over_250ms', 0, 'count'],
      ['chaos_machines', 5, 'count'],
      ['chaos_duration', 180, 's'],
    ]);
  });

  test('every kind of violation, in time order, each counted once', () => {
    const report = buildReport(facts({
      doubleRuns: [double({ unit: 'solo.service', strict: true, violation: true, evidence: 'm1, m2 (cut off: m1)' }), double({ excuse: 'm2 (freeze-leader)' })],
      leftovers: [{ unit: 'burst-3.service', machine: 'm4', fromMs: T0 + 9000, toMs: T0 + 9300, rounds: 3 }],
      // The first is the sampled episode again (counted once); the second fell between two rounds.
      journalOverlaps: [{ machines: ['m1', 'm2'], fromMs: T0 + 4990, toMs: T0 + 6400 }, { machines: ['m2', 'm3'], fromMs: T0 + 12_000, toMs: T0 + 12_040.5 }],
      checks: [{
        label: 'end', atMs: 20_000, waitedMs: 25_000,
        keyspace: ['schedule/x.service without its unit'],
        problems: [
          { kind: 'unit-lost', text: 'plain-2.service is launched but active nowhere' },
          { kind: 'rule', text: 'global glob.service is not active on m3' },
          { kind: 'double-run', text: 'solo.service runs on m1, m2' },
          { kind: 'leftover', text: 'burst-3.service runs on m4 but was never launched or was destroyed' },
        ],
      }],
    }));
    expect(report.violations).toEqual([
      { kind: 'double-run', atMs: 5000, text: 'solo.service (StopOnLeaseLoss) on m1, m2 from +5.00s for 1.50 s (10 rounds); m1, m2 (cut off: m1)' },
      { kind: 'leftover', atMs: 9000, text: 'burst-3.service ran on m4 from +9.00s for 0.30 s (3 rounds) while it may not' },
      { kind: 'double-run', atMs: 12_000, text: 'solo.service (StopOnLeaseLoss) ran on m2 and m3 at once for 40.5 ms by their journals, from +12.00s (between two sampling rounds)' },
      { kind: 'unit-lost', atMs: 20_000, text: 'end: plain-2.service is launched but active nowhere' },
      { kind: 'rule', atMs: 20_000, text: 'end: global glob.service is not active on m3' },
      { kind: 'keyspace', atMs: 20_000, text: 'end: schedule/x.service without its unit' },
    ]);
    expect({ unitsLost: report.unitsLost, tolerated: report.overlapsTolerated }).toEqual({ unitsLost: 1, tolerated: 1 });
    expect(describeReport(report)).toEqual([
      'chaos: seed 42: 6 violations, 1 tolerated overlaps, 30 events, 180 s',
      ...report.violations.map((v) => `chaos: VIOLATION ${v.kind} at +${(v.atMs / 1000).toFixed(2)}s: ${v.text}`),
      'chaos: tolerated overlap: plain-1.service on m1, m2 from +5.00s for 1.50 s (10 rounds); cut off: m2 (freeze-leader)',
    ]);
  });
});
