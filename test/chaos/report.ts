/**
 * A chaos run's outcome: the violations (each with its kind and what systemd showed), the counts the bench
 * prints as `figure value unit` lines (bench/stats.ts's format, docs/benchmarks.md), and the text a failing
 * run prints beside its seed. Pure: built from the judge's episodes and the settled-cluster checks.
 */
import type { JournalOverlap } from './journal-overlaps.js';
import type { DoubleRun, Leftover } from './round-judge.js';
import type { Problem } from './settled.js';

export type ViolationKind = 'double-run' | 'unit-lost' | 'rule' | 'leftover' | 'keyspace' | 'unanswered';

export interface Violation {
  kind: ViolationKind;
  /** ms since the run's first event. */
  atMs: number;
  text: string;
}

/** One settled-cluster check: at a quiet point or at the end. */
export interface SettleCheck {
  label: string;
  atMs: number;
  /** What was still wrong when the wait ended (empty: settled). */
  problems: Problem[];
  /** registryViolations over a raw dump of the keyspace taken then. */
  keyspace: string[];
  waitedMs: number;
}

export interface RunFacts {
  seed: number;
  machines: number;
  events: number;
  startedAt: number;
  durationMs: number;
  rounds: number;
  maxGapMs: number;
  /** Sampling rounds that started more than 250 ms after the previous one. */
  slowRounds: number;
  doubleRuns: readonly DoubleRun[];
  leftovers: readonly Leftover[];
  checks: readonly SettleCheck[];
  /** The StopOnLeaseLoss unit's overlaps by the journals of the machines alive at the end (journal-overlaps.ts). */
  strictUnit: string;
  journalOverlaps: readonly JournalOverlap[];
  /** Faults the harness could not put in place or undo (not Flotilla's failures; reported apart). */
  faultErrors: readonly string[];
}

export interface ChaosReport extends RunFacts {
  violations: Violation[];
  unitsLost: number;
  overlapsTolerated: number;
}

export function buildReport(facts: RunFacts): ChaosReport {
  const since = (ms: number) => ms - facts.startedAt;
  const violations: Violation[] = [
    ...facts.doubleRuns.filter((d) => d.violation).map((d) => ({ kind: 'double-run' as const, atMs: since(d.fromMs), text: describeDouble(d, since) })),
    ...facts.leftovers.map((l) => ({ kind: 'leftover' as const, atMs: since(l.fromMs), text: `${l.unit} ran on ${l.machine} ${span(since(l.fromMs), l.toMs - l.fromMs)} (${l.rounds} rounds) while it may not` })),
    // Double runs and leftovers still there when a check ends are the judge's episodes already (its windows have
    // closed by then): counted once.
    ...facts.checks.flatMap((c) =>
      c.problems.filter((p) => p.kind !== 'double-run' && p.kind !== 'leftover').map((p) => ({ kind: p.kind, atMs: c.atMs, text: `${c.label}: ${p.text}` })),
    ),
    ...facts.checks.flatMap((c) => c.keyspace.map((k) => ({ kind: 'keyspace' as const, atMs: c.atMs, text: `${c.label}: ${k}` }))),
    ...unsampledOverlaps(facts).map((o) => ({
      kind: 'double-run' as const,
      atMs: since(o.fromMs),
      text: `${facts.strictUnit} (StopOnLeaseLoss) ran on ${o.machines.join(' and ')} at once for ${(o.toMs - o.fromMs).toFixed(1)} ms by their journals, from ${seconds(since(o.fromMs))} (between two sampling rounds)`,
    })),
  ];
  return {
    ...facts,
    violations: violations.sort((a, b) => a.atMs - b.atMs),
    unitsLost: violations.filter((v) => v.kind === 'unit-lost').length,
    overlapsTolerated: facts.doubleRuns.filter((d) => !d.violation).length,
  };
}

/** Journal overlaps of the strict unit that no sampled episode of it covers (one incident is counted once). */
function unsampledOverlaps(facts: RunFacts): JournalOverlap[] {
  const ROUND_MS = 250;
  const sampled = facts.doubleRuns.filter((d) => d.unit === facts.strictUnit);
  return facts.journalOverlaps.filter((o) => !sampled.some((d) => o.fromMs < d.toMs + ROUND_MS && d.fromMs - ROUND_MS < o.toMs));
}

/** The `figure value unit` lines, in a fixed order. */
export function reportFigures(report: ChaosReport): [string, number, string][] {
  const count = (kind: ViolationKind) => report.violations.filter((v) => v.kind === kind).length;
  return [
    ['chaos_events', report.events, 'count'],
    ['chaos_violations', report.violations.length, 'count'],
    ['chaos_units_lost', report.unitsLost, 'count'],
    ['chaos_double_runs', count('double-run'), 'count'],
    ['chaos_strict_journal_overlaps', report.journalOverlaps.length, 'count'],
    ['chaos_overlaps_tolerated', report.overlapsTolerated, 'count'],
    ['chaos_leftovers', count('leftover'), 'count'],
    ['chaos_rule_breaks', count('rule'), 'count'],
    ['chaos_keyspace_violations', count('keyspace'), 'count'],
    ['chaos_fault_errors', report.faultErrors.length, 'count'],
    ['chaos_settle_checks', report.checks.length, 'count'],
    ['chaos_settle_wait_max', Math.max(0, ...report.checks.map((c) => c.waitedMs)), 'ms'],
    ['chaos_sample_rounds', report.rounds, 'count'],
    ['chaos_sample_gap_max', report.maxGapMs, 'ms'],
    ['chaos_sample_rounds_over_250ms', report.slowRounds, 'count'],
    ['chaos_machines', report.machines, 'count'],
    ['chaos_duration', Math.round(report.durationMs / 1000), 's'],
  ];
}

/** Every violation and every tolerated overlap, one per line, for stderr and failure messages. */
export function describeReport(report: ChaosReport): string[] {
  const since = (ms: number) => ms - report.startedAt;
  return [
    `chaos: seed ${report.seed}: ${report.violations.length} violations, ${report.overlapsTolerated} tolerated overlaps, ${report.events} events, ${Math.round(report.durationMs / 1000)} s`,
    ...report.violations.map((v) => `chaos: VIOLATION ${v.kind} at ${seconds(v.atMs)}: ${v.text}`),
    ...report.doubleRuns.filter((d) => !d.violation).map((d) => `chaos: tolerated overlap: ${describeDouble(d, since)}`),
    ...report.faultErrors.map((e) => `chaos: fault error (harness, not counted as a violation): ${e}`),
  ];
}

function describeDouble(d: DoubleRun, since: (ms: number) => number): string {
  const what = `${d.unit}${d.strict ? ' (StopOnLeaseLoss)' : ''} on ${d.machines.join(', ')} ${span(since(d.fromMs), d.toMs - d.fromMs)} (${d.rounds} rounds)`;
  if (d.violation) return d.evidence ? `${what}; ${d.evidence}` : what;
  return d.excuse ? `${what}; cut off: ${d.excuse}` : what;
}

function span(fromMs: number, lengthMs: number): string {
  return `from ${seconds(fromMs)} for ${(lengthMs / 1000).toFixed(2)} s`;
}

export function seconds(ms: number): string {
  return `+${(ms / 1000).toFixed(2)}s`;
}
