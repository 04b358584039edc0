import type { ScheduleChange } from '@flotilla/core';
import { expect, test } from 'vitest';
import { unit } from '../test-support/builders.js';
import { captureLog } from '../test-support/log-capture.js';
import type { Decision } from '../plan.js';
import { APPLY_CHUNK, executeWrites, prepareWrites } from './execute.js';

const fence = { key: 'election/scheduler/1', createRevision: '1' };

test('a plan is written removals first, a chunk at a time, each chunk taken out of the prepared writes before it is written', async () => {
  const units = Array.from({ length: APPLY_CHUNK + 10 }, (_, i) => unit(`u${i}.service`).build());
  const snapshot = {
    units,
    machines: [],
    schedule: new Map(),
    unitRevisions: new Map(units.map((u) => [u.name, '7'])),
    globalAssignments: new Map(),
    laggingAssignments: new Map(),
    revision: '9',
  };
  const assigns = units.map((u): Decision => ({ kind: 'assign', unit: u.name, machineId: 'm1', reason: 'r' }));
  const removal: Decision = { kind: 'unassign', unit: 'gone.service', machineId: 'm2', reason: 'r' };
  const writes = prepareWrites(snapshot, undefined, [...assigns, removal]);
  const calls: { written: ScheduleChange[]; leftThen: number }[] = [];
  const expected: string[][] = [];
  const outcome = await executeWrites(
    {
      registry: {
        applySchedule: async (changes) => {
          calls.push({ written: [...changes], leftThen: writes.changes.length });
          return { applied: changes.length, conflicts: [], revision: String(10 + calls.length) };
        },
      },
      fence,
      logger: captureLog().logger,
      signal: new AbortController().signal,
      beforeChunk: (decisions) => void expected.push(decisions.map((d) => d.unit)),
    },
    writes,
  );
  expect(outcome).toEqual({ kind: 'done', applied: APPLY_CHUNK + 11, revision: '12' });
  expect(calls.map((c) => c.written.length)).toEqual([APPLY_CHUNK, 11]);
  expect(calls[0]?.written[0]).toEqual({ kind: 'unassign', unit: 'gone.service', machineId: 'm2' });
  expect(calls[1]?.written.at(-1)).toMatchObject({ kind: 'assign', unit: units.at(-1), unitModRevision: '7', machineId: 'm1' });
  // What a chunk holds is out of the prepared writes by the time it is written: only the rest is still held.
  expect(calls.map((c) => c.leftThen)).toEqual([11, 0]);
  expect([writes.decisions.length, writes.changes.length]).toEqual([0, 0]);
  expect(expected.map((names) => names.length)).toEqual([APPLY_CHUNK, 11]);
  expect(expected[0]?.[0]).toBe('gone.service');
});
