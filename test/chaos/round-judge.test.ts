import { describe, expect, test } from 'vitest';
import { expectedRunning, insideWindow, mayRun, uncertainUnits, type CutoffWindow, type Intent } from './allowances.js';
import { RoundJudge, type SampleRound } from './round-judge.js';

const GRACE = 1000;
const launched = (unit: string, atMs: number, certain = true): Intent => ({ unit, atMs, desired: 'launched', certain });
const stopped = (unit: string, atMs: number, certain = true): Intent => ({ unit, atMs, desired: 'inactive', certain });
const cutOff = (machine: string, fromMs: number, toMs = Infinity): CutoffWindow => ({ machine, cause: 'partition', fromMs, toMs });
/** A round at `at` where each unit runs on the machines listed. */
const round = (at: number, running: Record<string, string[]>): SampleRound => ({ at, running: new Map(Object.entries(running)) });

describe('insideWindow', () => {
  test.each([
    { name: 'before it opens', at: 99, want: false },
    { name: 'as it opens', at: 100, want: true },
    { name: 'before it closes', at: 499, want: true },
    { name: 'as it closes', at: 500, want: false },
  ])('$name', ({ at, want }) => {
    expect(insideWindow([cutOff('m1', 100, 500)], 'm1', at)).toBe(want);
    expect(insideWindow([cutOff('m1', 100, 500)], 'm2', at)).toBe(false);
  });
});

describe('mayRun', () => {
  test.each([
    { name: 'never launched', intents: [], at: 500, want: false },
    { name: 'only submitted', intents: [stopped('u', 100)], at: 500, want: false },
    { name: 'before its start', intents: [launched('u', 100)], at: 99, want: false },
    { name: 'from its start', intents: [launched('u', 100)], at: 100, want: true },
    { name: 'destroyed, within the grace', intents: [launched('u', 100), stopped('u', 200)], at: 200 + GRACE - 1, want: true },
    { name: 'destroyed, past the grace', intents: [launched('u', 100), stopped('u', 200)], at: 200 + GRACE, want: false },
    { name: 'a destroy that failed', intents: [launched('u', 100), stopped('u', 200, false)], at: 99_999, want: true },
    { name: 'a start that failed', intents: [launched('u', 100, false)], at: 200, want: true },
    { name: 'submitted then destroyed: no grace to run in', intents: [stopped('u', 100), stopped('u', 200)], at: 300, want: false },
    { name: 'another unit launched', intents: [launched('v', 100)], at: 500, want: false },
  ])('$name', ({ intents, at, want }) => {
    expect(mayRun(intents, 'u', at, GRACE)).toBe(want);
  });

  test('expected and uncertain units follow each unit\'s latest intent', () => {
    const intents = [launched('a', 1), launched('b', 1), stopped('b', 2), launched('c', 1, false), launched('d', 1), stopped('d', 2, false)];
    expect([...expectedRunning(intents)]).toEqual(['a']);
    expect(uncertainUnits(intents).map((i) => i.unit)).toEqual(['c', 'd']);
  });
});

describe('RoundJudge', () => {
  const judge = (rounds: SampleRound[], windows: CutoffWindow[] = [], intents: Intent[] = [launched('u', 0), launched('solo', 0), launched('glob', 0)]) => {
    const j = new RoundJudge({ strictUnits: new Set(['solo']), globalUnits: new Set(['glob']), graceMs: GRACE, windows: () => windows, intents: () => intents });
    for (const r of rounds) j.observe(r);
    j.finish();
    return j;
  };

  test('a unit once per machine is no double run; a global unit everywhere neither', () => {
    const j = judge([round(100, { u: ['m1'], solo: ['m2'], glob: ['m1', 'm2', 'm3'] })]);
    expect({ doubleRuns: j.doubleRuns, leftovers: j.leftovers }).toEqual({ doubleRuns: [], leftovers: [] });
  });

  test.each([
    {
      name: 'beside a cut-off machine: tolerated',
      rounds: [round(100, { u: ['m1', 'm2'] })],
      windows: [cutOff('m1', 50)],
      want: [{ unit: 'u', machines: ['m1', 'm2'], fromMs: 100, toMs: 100, rounds: 1, strict: false, violation: false, excuse: 'm1 (partition)' }],
    },
    {
      name: 'on two machines that are not cut off: a violation',
      rounds: [round(100, { u: ['m1', 'm2'] })],
      windows: [cutOff('m3', 50)],
      want: [{ unit: 'u', machines: ['m1', 'm2'], fromMs: 100, toMs: 100, rounds: 1, strict: false, violation: true, evidence: 'm1, m2 (cut off: none)' }],
    },
    {
      name: 'on three machines, one cut off: two still overlap',
      rounds: [round(100, { u: ['m1', 'm2', 'm3'] })],
      windows: [cutOff('m1', 50)],
      want: [{ unit: 'u', machines: ['m1', 'm2', 'm3'], fromMs: 100, toMs: 100, rounds: 1, strict: false, violation: true, evidence: 'm1, m2, m3 (cut off: m1)' }],
    },
    {
      name: 'StopOnLeaseLoss: never tolerated',
      rounds: [round(100, { solo: ['m1', 'm2'] })],
      windows: [cutOff('m1', 50)],
      want: [{ unit: 'solo', machines: ['m1', 'm2'], fromMs: 100, toMs: 100, rounds: 1, strict: true, violation: true, evidence: 'm1, m2 (cut off: m1)' }],
    },
    {
      name: 'past the window\'s end: a violation from the first round outside it',
      rounds: [round(100, { u: ['m1', 'm2'] }), round(200, { u: ['m1', 'm2'] }), round(300, { u: ['m2'] })],
      windows: [cutOff('m1', 50, 150)],
      want: [{ unit: 'u', machines: ['m1', 'm2'], fromMs: 100, toMs: 200, rounds: 2, strict: false, violation: true, excuse: 'm1 (partition)', evidence: 'm1, m2 (cut off: none)' }],
    },
    {
      name: 'two episodes when a round in between shows it once',
      rounds: [round(100, { u: ['m1', 'm2'] }), round(200, { u: ['m2'] }), round(300, { u: ['m2', 'm3'] })],
      windows: [cutOff('m1', 0), cutOff('m3', 0)],
      want: [
        { unit: 'u', machines: ['m1', 'm2'], fromMs: 100, toMs: 100, rounds: 1, strict: false, violation: false, excuse: 'm1 (partition)' },
        { unit: 'u', machines: ['m2', 'm3'], fromMs: 300, toMs: 300, rounds: 1, strict: false, violation: false, excuse: 'm3 (partition)' },
      ],
    },
  ])('double run $name', ({ rounds, windows, want }) => {
    const j = judge(rounds, windows);
    expect(j.doubleRuns).toEqual(want);
    expect(j.violations.length + j.tolerated.length).toBe(want.length);
  });

  test.each([
    {
      name: 'a destroyed unit past the grace, on a machine not cut off',
      rounds: [round(100, { b: ['m1'] }), round(200 + GRACE, { b: ['m1'] }), round(300 + GRACE, { b: ['m1'] })],
      windows: [],
      want: [{ unit: 'b', machine: 'm1', fromMs: 200 + GRACE, toMs: 300 + GRACE, rounds: 2 }],
    },
    {
      name: 'a destroyed unit on a cut-off machine: allowed until the window ends',
      rounds: [round(200 + GRACE, { b: ['m1'] }), round(5000, { b: ['m1'] })],
      windows: [cutOff('m1', 150, 5000)],
      want: [{ unit: 'b', machine: 'm1', fromMs: 5000, toMs: 5000, rounds: 1 }],
    },
    {
      name: 'a unit that was only submitted',
      rounds: [round(100, { s: ['m2'] })],
      windows: [],
      want: [{ unit: 's', machine: 'm2', fromMs: 100, toMs: 100, rounds: 1 }],
    },
  ])('leftover: $name', ({ rounds, windows, want }) => {
    const intents = [launched('b', 50), stopped('b', 200), stopped('s', 50)];
    expect(judge(rounds, windows, intents).leftovers).toEqual(want);
  });
});
