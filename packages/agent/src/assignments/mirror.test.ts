import type { AgentRegistry, Assignment, WatchEvent, WatchOptions } from '@flotilla/core';
import pino from 'pino';
import { expect, test } from 'vitest';
import { AssignmentMirror } from './mirror.js';

const a = (unit: string): Assignment => ({ unit, machineId: 'm1', hash: 'h', desiredState: 'launched' });

/** A registry whose snapshot is at revision 10 holding x.service, and whose watch the test drives. */
function stubRegistry() {
  let emit: (e: WatchEvent<Assignment>) => void = () => {};
  let from: string | undefined;
  const registry: Pick<AgentRegistry, 'assignmentsAt' | 'watchAssignments'> = {
    assignmentsAt: async () => ({ assignments: [a('x.service')], revision: '10' }),
    watchAssignments: async (_m: string, onEvent: (e: WatchEvent<Assignment>) => void, opts?: WatchOptions) => {
      emit = onEvent;
      from = opts?.fromRevision;
      return { close: async () => {} };
    },
  };
  return { registry, emit: (e: WatchEvent<Assignment>) => emit(e), from: () => from };
}

test('snapshot, then a watch from its revision; events of one transaction share a revision and all apply', async () => {
  const stub = stubRegistry();
  const changes: string[] = [];
  const mirror = new AssignmentMirror({ registry: stub.registry, machineId: 'm1', logger: pino({ level: 'silent' }), onChange: (w) => changes.push(w) });
  mirror.start();
  await expect.poll(() => stub.from()).toBe('10');
  stub.emit({ type: 'put', key: 'x.service', value: a('x.service'), revision: '10' }); // in the snapshot already
  for (const u of ['p.service', 'q.service', 'r.service']) stub.emit({ type: 'put', key: u, value: a(u), revision: '11' });
  stub.emit({ type: 'delete', key: 'x.service', revision: '12' });
  expect([...mirror.current()!.keys()]).toEqual(['p.service', 'q.service', 'r.service']);
  expect(changes).toEqual(['assignments snapshot', 'assignment put p.service', 'assignment put q.service', 'assignment put r.service', 'assignment delete x.service']);
  await mirror.close();
});
