/**
 * When a unit ran on each machine, from systemd's own journal ("Started …" to "Stopped …", the catalog messages
 * test/support/unit-journal.ts reads), and where two machines' runs overlap (pure). The machines share the
 * host's kernel clock, so this sees an overlap of any length, where 150 ms sampling may miss a short one: the
 * chaos run applies it to the StopOnLeaseLoss unit on every machine alive at the end (a killed machine's journal
 * goes with it; the sampler covered those).
 */
import type { UnitTimes } from '../support/unit-journal.js';

export interface RunSpan {
  machine: string;
  fromMs: number;
  toMs: number;
}

export interface JournalOverlap {
  machines: [string, string];
  fromMs: number;
  toMs: number;
}

/** Each start to the first stop after it; a start never stopped runs until `untilMs`. */
export function runSpans(machine: string, times: UnitTimes, untilMs: number): RunSpan[] {
  const events = [...times.started.map((t) => ({ t, start: true })), ...times.stopped.map((t) => ({ t, start: false }))].sort((a, b) => a.t - b.t);
  const spans: RunSpan[] = [];
  let open: number | undefined;
  for (const e of events) {
    if (e.start && open === undefined) open = e.t;
    if (!e.start && open !== undefined) {
      spans.push({ machine, fromMs: open, toMs: e.t });
      open = undefined;
    }
  }
  if (open !== undefined) spans.push({ machine, fromMs: open, toMs: untilMs });
  return spans;
}

/** Every pair of runs on two different machines that share a moment. */
export function journalOverlaps(spans: readonly RunSpan[]): JournalOverlap[] {
  const overlaps: JournalOverlap[] = [];
  const sorted = [...spans].sort((a, b) => a.fromMs - b.fromMs);
  sorted.forEach((a, i) => {
    for (const b of sorted.slice(i + 1)) {
      if (b.fromMs >= a.toMs) break;
      if (b.machine !== a.machine) overlaps.push({ machines: [a.machine, b.machine], fromMs: b.fromMs, toMs: Math.min(a.toMs, b.toMs) });
    }
  });
  return overlaps;
}
