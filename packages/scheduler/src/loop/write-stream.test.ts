import { LeadershipLostError, type ScheduleChange } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { snapshot, unit } from '../test-support/builders.js';
import { captureLog } from '../test-support/log-capture.js';
import type { Decision } from '../plan.js';
import { prepareWrites, type ExecutionOutcome } from './execute.js';
import { combineOutcomes, WriteStream } from './write-stream.js';

const fence = { key: 'election/scheduler/1', createRevision: '1' };
const cluster = snapshot({ units: Array.from({ length: 6 }, (_, i) => unit(`u${i}.service`)) });
const writesOf = (...indexes: number[]) =>
  prepareWrites(cluster, undefined, indexes.map((i): Decision => ({ kind: 'assign', unit: `u${i}.service`, machineId: 'm1', reason: 'r' })));
const nameOf = (c: ScheduleChange) => (typeof c.unit === 'string' ? c.unit : c.unit.name);

/** A registry whose writes wait until the test lets them go, so pushes can arrive while one is in flight. */
function gatedRegistry(fail?: (call: number) => Error | undefined) {
  const calls: string[][] = [];
  const gates: (() => void)[] = [];
  const registry = {
    applySchedule: async (changes: readonly ScheduleChange[]) => {
      calls.push(changes.map(nameOf));
      const call = calls.length;
      await new Promise<void>((resolve) => gates.push(resolve));
      const error = fail?.(call);
      if (error) throw error;
      return { applied: changes.length, conflicts: call === 2 ? [changes[0]!] : [], revision: String(100 + call) };
    },
  };
  const openGate = async () => {
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    gates.shift()!();
  };
  return { registry, calls, openGate };
}

describe('WriteStream', () => {
  test('writes pushes in order as they come, what came during a write in one call; close waits for the rest', async () => {
    const { registry, calls, openGate } = gatedRegistry();
    const stream = new WriteStream({ registry, fence, logger: captureLog().logger, signal: new AbortController().signal });
    stream.push(writesOf(0, 1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([['u0.service', 'u1.service']]); // written before the plan is done
    stream.push(writesOf(2));
    stream.push(writesOf(3, 4));
    await openGate();
    const closed = stream.close();
    await openGate();
    expect(await closed).toEqual({ kind: 'conflict', applied: 5, conflicts: 1, revision: '102' });
    expect(calls).toEqual([['u0.service', 'u1.service'], ['u2.service', 'u3.service', 'u4.service']]);
    stream.push(writesOf(5)); // after close: nothing more is written
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(2);
  });

  test('a lost term stops the stream: what is pushed after is dropped, close says so', async () => {
    const lost = new LeadershipLostError('gone');
    const { registry, calls, openGate } = gatedRegistry((call) => (call === 1 ? lost : undefined));
    const stream = new WriteStream({ registry, fence, logger: captureLog().logger, signal: new AbortController().signal });
    stream.push(writesOf(0));
    await openGate();
    stream.push(writesOf(1));
    expect(await stream.close()).toMatchObject({ kind: 'leadership-lost', applied: 0, error: lost });
    expect(calls).toEqual([['u0.service']]);
  });

  test('closed with nothing pushed: done, nothing written', async () => {
    const { registry, calls } = gatedRegistry();
    const stream = new WriteStream({ registry, fence, logger: captureLog().logger, signal: new AbortController().signal });
    expect(await stream.close()).toEqual({ kind: 'done', applied: 0 });
    expect(calls).toEqual([]);
  });
});

test.each<[string, ExecutionOutcome, ExecutionOutcome, ExecutionOutcome]>([
  ['done then done: the later revision', { kind: 'done', applied: 2, revision: '10' }, { kind: 'done', applied: 3, revision: '9' }, { kind: 'done', applied: 5, revision: '10' }],
  ['done then nothing', { kind: 'done', applied: 2, revision: '10' }, { kind: 'done', applied: 0 }, { kind: 'done', applied: 2, revision: '10' }],
  ['conflicts add up', { kind: 'conflict', applied: 2, conflicts: 1, revision: '10' }, { kind: 'conflict', applied: 1, conflicts: 2, revision: '11' }, { kind: 'conflict', applied: 3, conflicts: 3, revision: '11' }],
  ['aborted after writes: aborted, applied counted', { kind: 'done', applied: 2, revision: '10' }, { kind: 'aborted', applied: 1 }, { kind: 'aborted', applied: 3 }],
])('combineOutcomes: %s', (_, earlier, later, combined) => {
  expect(combineOutcomes(earlier, later)).toEqual(combined);
});
