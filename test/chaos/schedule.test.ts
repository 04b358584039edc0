import { describe, expect, test } from 'vitest';
import { durationRanges, FAULT_KINDS, planFaults, type FaultEvent, type FaultSchedule, type ScheduleOptions } from './schedule.js';

const options = (over: Partial<ScheduleOptions> = {}): ScheduleOptions => ({
  seed: 7, events: 200, machines: 5, ttlSec: 10, electionTtlSec: 2, quietEvery: 10, ...over,
});

/** Planned start of each event (gaps add up from the first). */
function starts(events: readonly FaultEvent[]): number[] {
  let at = 0;
  return events.map((e) => (at += e.gapMs));
}

/** Pairs of events that hit one machine slot at overlapping planned times with no quiet point between them. */
function slotClashes(schedule: FaultSchedule): string[] {
  const at = starts(schedule.events);
  const clashes: string[] = [];
  schedule.events.forEach((a, i) => {
    for (let j = i + 1; j < schedule.events.length; j++) {
      const b = schedule.events[j]!;
      const quietBetween = schedule.quietAfter.some((q) => q >= a.index && q < b.index);
      const overlaps = at[j]! < at[i]! + a.durationMs;
      if (!quietBetween && overlaps && a.slots.some((s) => b.slots.includes(s))) clashes.push(`#${a.index} and #${b.index}`);
    }
  });
  return clashes;
}

/** Most machine faults (the leader freeze counts as one) planned to last at one moment between two quiet points. */
function mostImpaired(schedule: FaultSchedule): number {
  const at = starts(schedule.events);
  const segment = (e: FaultEvent) => schedule.quietAfter.filter((q) => q < e.index).length;
  const lasting = schedule.events
    .map((e, i) => ({ e, from: at[i]!, to: at[i]! + e.durationMs }))
    .filter(({ e }) => e.durationMs > 0 && (e.slots.length > 0 || e.kind === 'freeze-leader'));
  const atOnce = ({ e, from }: (typeof lasting)[number]) =>
    lasting.filter((x) => segment(x.e) === segment(e) && x.from <= from && from < x.to).reduce((n, x) => n + Math.max(1, x.e.slots.length), 0);
  return Math.max(0, ...lasting.map(atOnce));
}

describe('planFaults', () => {
  test('the first events of seed 7 on 5 machines (a change here changes every replay)', () => {
    expect(planFaults(options({ events: 5, quietEvery: 0 })).events).toEqual([
      { index: 1, gapMs: 1035, kind: 'kill-agent', slots: [4], durationMs: 0 },
      { index: 2, gapMs: 3097, kind: 'lossy-link', slots: [1], durationMs: 8461, lossPercent: 17 },
      { index: 3, gapMs: 2660, kind: 'etcd-member', slots: [], durationMs: 4578, member: 0 },
      { index: 4, gapMs: 3293, kind: 'lossy-link', slots: [2], durationMs: 6168, lossPercent: 19 },
      { index: 5, gapMs: 4508, kind: 'stop-agent', slots: [0], durationMs: 14758 },
    ]);
  });

  test('one seed, one schedule; another seed, another', () => {
    expect(planFaults(options())).toEqual(planFaults(options()));
    expect(planFaults(options({ seed: 8 })).events).not.toEqual(planFaults(options()).events);
  });

  test('200 events use every kind of fault, and partitions of one and of two machines', () => {
    const events = planFaults(options({ engineSlots: [1, 2] })).events;
    expect([...new Set(events.map((e) => e.kind))].sort()).toEqual([...FAULT_KINDS].sort());
    expect([...new Set(events.filter((e) => e.kind === 'partition').map((e) => e.slots.length))].sort()).toEqual([1, 2]);
  });

  test('dockerd restarts hit only the machines that run one, and never happen without them', () => {
    const restarts = planFaults(options({ engineSlots: [1, 2] })).events.filter((e) => e.kind === 'restart-dockerd');
    expect(restarts.length).toBeGreaterThan(0);
    expect([...new Set(restarts.flatMap((e) => e.slots))].sort()).toEqual([1, 2]);
    expect(restarts.every((e) => e.slots.length === 1 && e.durationMs === 0)).toBe(true);
    expect(planFaults(options()).events.filter((e) => e.kind === 'restart-dockerd')).toEqual([]);
  });

  test.each([
    { machines: 3, seeds: [1, 2, 3] },
    { machines: 4, seeds: [4, 5, 6] },
    { machines: 5, seeds: [7, 8, 9] },
  ])('$machines machines: bounded faults, one per machine at a time, at most half impaired', ({ machines, seeds }) => {
    const ranges = durationRanges(10, 2);
    for (const seed of seeds) {
      const schedule = planFaults(options({ seed, machines }));
      expect(schedule.events.map((e) => e.index)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      for (const e of schedule.events) {
        const [min, max] = ranges[e.kind] ?? [0, 0];
        expect(e.durationMs, `#${e.index} ${e.kind}`).toBeGreaterThanOrEqual(min);
        expect(e.durationMs, `#${e.index} ${e.kind}`).toBeLessThanOrEqual(max);
        expect(e.gapMs).toBeGreaterThanOrEqual(1000);
        for (const slot of e.slots) expect(slot).toBeLessThan(machines);
      }
      expect(slotClashes(schedule)).toEqual([]);
      expect(mostImpaired(schedule)).toBeLessThanOrEqual(Math.floor(machines / 2));
    }
  });

  test('at most one etcd member down and one leader frozen at a time (between two quiet points)', () => {
    const schedule = planFaults(options({ seed: 3 }));
    const at = starts(schedule.events);
    const segment = (index: number) => schedule.quietAfter.filter((q) => q < index).length;
    for (const kind of ['etcd-member', 'freeze-leader'] as const) {
      const spans = schedule.events.flatMap((e, i) => (e.kind === kind ? [{ segment: segment(e.index), from: at[i]!, to: at[i]! + e.durationMs }] : []));
      for (let i = 1; i < spans.length; i++) {
        if (spans[i]!.segment === spans[i - 1]!.segment) expect(spans[i]!.from, kind).toBeGreaterThanOrEqual(spans[i - 1]!.to);
      }
    }
    for (const e of schedule.events.filter((x) => x.kind === 'etcd-member')) expect([0, 1, 2]).toContain(e.member);
  });

  test('bursts destroy only units they made, launch at most 6 at once, and list every unit they touch', () => {
    const schedule = planFaults(options({ seed: 5 }));
    const made = new Set<string>();
    const launched = new Set<string>();
    for (const op of schedule.events.flatMap((e) => e.burst ?? [])) {
      if (op.op === 'destroy') {
        expect(made.has(op.unit), `destroy ${op.unit}`).toBe(true);
        made.delete(op.unit);
        launched.delete(op.unit);
        continue;
      }
      made.add(op.unit);
      if (op.op === 'start') launched.add(op.unit);
      expect(launched.size).toBeLessThanOrEqual(6);
    }
    const touched = schedule.events.flatMap((e) => e.burst ?? []).map((op) => op.unit);
    expect(schedule.burstUnits).toEqual([...new Set(touched)]);
  });

  test.each([
    { quietEvery: 10, events: 30, want: [10, 20] },
    { quietEvery: 15, events: 30, want: [15] },
    { quietEvery: 0, events: 30, want: [] },
    { quietEvery: 50, events: 30, want: [] },
  ])('quiet points after every $quietEvery of $events events (the end is checked anyway)', ({ quietEvery, events, want }) => {
    expect(planFaults(options({ quietEvery, events })).quietAfter).toEqual(want);
  });

  test.each([
    { ttlSec: 10, electionTtlSec: 2, freeze: [3000, 5000], partition: [2000, 25_000] },
    { ttlSec: 20, electionTtlSec: 5, freeze: [6000, 10_000], partition: [2000, 50_000] },
  ])('TTL $ttlSec s, election $electionTtlSec s: freeze $freeze, partition $partition', ({ ttlSec, electionTtlSec, freeze, partition }) => {
    const ranges = durationRanges(ttlSec, electionTtlSec);
    expect(ranges['freeze-leader']).toEqual(freeze);
    expect(ranges.partition).toEqual(partition);
  });

  test('a presence TTL too short to freeze a leader past its election is refused', () => {
    expect(() => durationRanges(5, 2)).toThrow('presence TTL 5 s is too short to freeze a leader past its 2 s election TTL');
  });
});
