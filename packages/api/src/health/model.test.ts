import type { Assignment, ClusterLogEvent, DeploymentRecord, DesiredState, MachineCordon, MachineRecord, UnitRecord, UnitStateRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { buildHealth } from './model.js';
import { diffHealth } from './diff.js';
import { renderHealthSummary } from './summary.js';
import type { HealthInput, UnitHealth } from './types.js';

const NOW = 1_700_000_000_000;
const unit = (name: string, desiredState: DesiredState = 'launched', global = false): UnitRecord => ({ name, options: [], hash: 'h', desiredState, global });
const machine = (id: string): MachineRecord => ({ id, hostname: `host-${id}`, ip: `10.0.0.${id.length}`, metadata: {}, version: '0.1.0', startedAt: NOW - 1000 });
const state = (u: string, m: string, activeState: string, subState = activeState === 'active' ? 'running' : 'dead'): UnitStateRecord => ({
  unit: u, machineId: m, hash: 'h', loadState: 'loaded', activeState, subState, updatedAt: NOW - 500,
});
const event = (kind: ClusterLogEvent['kind'], fields: Partial<ClusterLogEvent>, at = NOW - 100): ClusterLogEvent => ({ id: `${at}-${kind}`, kind, at, ...fields });

function input(fields: Partial<HealthInput>): HealthInput {
  return { now: NOW, units: [], machines: [machine('m1')], schedule: new Map(), globalAssignments: new Map(), states: [], leader: 'm1', events: [], ...fields };
}
const assigned = (u: string, ms: string[]) => new Map([[u, new Map(ms.map((m): [string, Assignment] => [m, { unit: u, machineId: m, hash: 'h', desiredState: 'launched' }]))]]);
const unitsOf = (i: HealthInput) => buildHealth(i).units.map((u: UnitHealth) => `${u.name} ${u.health} ${u.actual}${u.machineId ? ` @${u.machineId}` : ''}`);

describe('unit health', () => {
  test.each([
    ['launched and active is ok', input({ units: [unit('a.service')], schedule: new Map([['a.service', 'm1']]), states: [state('a.service', 'm1', 'active')] }), ['a.service ok launched @m1']],
    ['launched, no state yet is pending', input({ units: [unit('a.service')], schedule: new Map([['a.service', 'm1']]) }), ['a.service pending inactive @m1']],
    ['systemd failed is failed', input({ units: [unit('a.service')], schedule: new Map([['a.service', 'm1']]), states: [state('a.service', 'm1', 'failed')] }), ['a.service failed failed @m1']],
    ['loaded and present is ok', input({ units: [unit('a.service', 'loaded')], schedule: new Map([['a.service', 'm1']]), states: [state('a.service', 'm1', 'inactive')] }), ['a.service ok loaded @m1']],
    ['wants to run, placed nowhere', input({ units: [unit('a.service')] }), ['a.service unscheduled inactive']],
    ['desired inactive is inactive', input({ units: [unit('a.service', 'inactive')] }), ['a.service inactive inactive']],
    ['placed on a machine that is gone', input({ units: [unit('a.service')], schedule: new Map([['a.service', 'm9']]) }), ['a.service lost inactive @m9']],
    ['a state of another machine is ignored', input({ units: [unit('a.service')], schedule: new Map([['a.service', 'm1']]), states: [state('a.service', 'm2', 'active')] }), ['a.service pending inactive @m1']],
    ['global: active everywhere is ok', input({ machines: [machine('m1'), machine('m2')], units: [unit('g.service', 'launched', true)], globalAssignments: assigned('g.service', ['m1', 'm2']), states: [state('g.service', 'm1', 'active'), state('g.service', 'm2', 'active')] }), ['g.service ok launched']],
    ['global: failed on one machine is failed', input({ machines: [machine('m1'), machine('m2')], units: [unit('g.service', 'launched', true)], globalAssignments: assigned('g.service', ['m1', 'm2']), states: [state('g.service', 'm1', 'active'), state('g.service', 'm2', 'failed')] }), ['g.service failed failed']],
    ['units sort by name in byte order', input({ units: [unit('b.service', 'inactive'), unit('B.service', 'inactive'), unit('a.service', 'inactive')] }), ['B.service inactive inactive', 'a.service inactive inactive', 'b.service inactive inactive']],
  ])('%s', (_name, i, expected) => {
    expect(unitsOf(i)).toEqual(expected);
  });
});

describe('unit facts: restarts, since, health checks', () => {
  const placed = (st: Partial<UnitStateRecord>) =>
    input({ units: [unit('a.service')], schedule: new Map([['a.service', 'm1']]), states: [{ ...state('a.service', 'm1', 'active'), ...st }] });
  const base = { name: 'a.service', desired: 'launched', actual: 'launched', global: false, machineId: 'm1', activeState: 'active', subState: 'running' };
  test.each<{ name: string; input: HealthInput; want: UnitHealth }>([
    { name: 'no restarts published: observation time as since', input: placed({}), want: { ...base, health: 'ok', since: NOW - 500 } as UnitHealth },
    { name: 'restarts and StateChangeTimestamp', input: placed({ restarts: 3, since: NOW - 9000 }), want: { ...base, health: 'ok', since: NOW - 9000, restarts: 3 } as UnitHealth },
    { name: 'own check unhealthy', input: placed({ health: { status: 'unhealthy', checkedAt: NOW, failures: 3 } }), want: { ...base, health: 'unhealthy', since: NOW - 500, check: 'unhealthy' } as UnitHealth },
    { name: 'container engine unhealthy beats own healthy', input: placed({ health: { status: 'healthy', checkedAt: NOW, failures: 0 }, container: { state: 'running', health: 'unhealthy' } }), want: { ...base, health: 'unhealthy', since: NOW - 500, check: 'unhealthy' } as UnitHealth },
    { name: 'container starting is still ok', input: placed({ container: { state: 'running', health: 'starting' } }), want: { ...base, health: 'ok', since: NOW - 500, check: 'starting' } as UnitHealth },
    { name: 'unknown engine health string is ignored', input: placed({ container: { state: 'running', health: 'none' } }), want: { ...base, health: 'ok', since: NOW - 500 } as UnitHealth },
    {
      name: 'global: restarts summed over machines, unhealthy anywhere is unhealthy',
      input: input({ machines: [machine('m1'), machine('m2')], units: [unit('g.service', 'launched', true)], globalAssignments: assigned('g.service', ['m1', 'm2']), states: [{ ...state('g.service', 'm1', 'active'), restarts: 2 }, { ...state('g.service', 'm2', 'active'), restarts: 1, health: { status: 'unhealthy', checkedAt: NOW, failures: 1 } }] }),
      want: { name: 'g.service', desired: 'launched', actual: 'launched', health: 'unhealthy', global: true, machines: 2, restarts: 3 },
    },
  ])('$name', ({ input: i, want }) => {
    expect(buildHealth(i).units[0]).toEqual(want);
  });

  test('an unhealthy unit is a problem', () => {
    const r = buildHealth(placed({ health: { status: 'unhealthy', checkedAt: NOW, failures: 3 } }));
    expect(r.problems).toEqual([{ kind: 'unit-unhealthy', subject: 'a.service', detail: 'a.service is running but its health check fails' }]);
  });
});

describe('report', () => {
  test.each([
    ['healthy cluster', input({ units: [unit('a.service')], schedule: new Map([['a.service', 'm1']]), states: [state('a.service', 'm1', 'active')] }), 'ok', []],
    ['no leader', input({ leader: undefined }), 'attention', ['no-leader  no scheduler is elected']],
    [
      'lost machine from the log, then failures and unscheduled units, most urgent first',
      input({
        units: [unit('z.service'), unit('f.service')],
        schedule: new Map([['f.service', 'm1']]),
        states: [state('f.service', 'm1', 'failed')],
        events: [event('machine-lost', { machineId: 'm2' })],
      }),
      'attention',
      ['machine-lost m2 machine m2 is gone (0 units placed on it)', 'unit-failed f.service f.service failed on m1', 'unit-unscheduled z.service z.service wants launched but is placed nowhere'],
    ],
    ['a machine that lost and joined again is not down', input({ events: [event('machine-lost', { machineId: 'm1' }, NOW - 50), event('machine-joined', { machineId: 'm1' }, NOW - 10)] }), 'ok', []],
  ])('%s', (_name, i, status, problems) => {
    const r = buildHealth(i);
    expect(r.status).toBe(status);
    expect(r.problems.map((p) => `${p.kind} ${p.subject} ${p.detail}`)).toEqual(problems);
  });

  test('machines: up with use and capacity, down with when it was lost; counts', () => {
    const r = buildHealth(input({
      machines: [{ ...machine('m1'), capacity: { cpuMillis: 2000, memoryBytes: 1 << 30 } }],
      units: [unit('a.service'), unit('b.service')],
      schedule: new Map([['a.service', 'm1'], ['b.service', 'm2']]),
      states: [state('a.service', 'm1', 'active')],
      events: [event('machine-lost', { machineId: 'm2' }, NOW - 3000), event('unit-failed', { unit: 'a.service', machineId: 'm1' })],
    }));
    expect(r.machines).toEqual([
      { id: 'm1', status: 'up', hostname: 'host-m1', ip: '10.0.0.2', metadata: {}, lastSeen: NOW, startedAt: NOW - 1000, units: 1, capacity: { cpuMillis: 2000, memoryBytes: 1 << 30 }, scheduling: 'schedulable' },
      { id: 'm2', status: 'down', metadata: {}, units: 1, lastSeen: NOW - 3000 },
    ]);
    expect(r.counts).toEqual({ machines: { up: 1, down: 1 }, units: { total: 2, ok: 1, inactive: 0, pending: 0, failed: 0, unscheduled: 0, lost: 1, unhealthy: 0 } });
    expect(r.units[0]).toEqual({ name: 'a.service', desired: 'launched', actual: 'launched', health: 'ok', global: false, machineId: 'm1', activeState: 'active', subState: 'running', since: NOW - 500 });
  });
  test('machines: capacity in use is what the placed units request (MemoryMax=, CPUQuota=), globals included', () => {
    const requesting = (name: string, memory: string, cpu: string, global = false): UnitRecord => ({
      ...unit(name, 'launched', global),
      options: [
        { section: 'Service', name: 'MemoryMax', value: memory },
        { section: 'Service', name: 'CPUQuota', value: cpu },
      ],
    });
    const r = buildHealth(input({
      machines: [machine('m1'), machine('m2')],
      units: [requesting('a.service', '512M', '50%'), requesting('b.service', '1G', '150%'), unit('plain.service'), requesting('g.service', '256M', '10%', true)],
      schedule: new Map([['a.service', 'm1'], ['b.service', 'm1'], ['plain.service', 'm2']]),
      globalAssignments: assigned('g.service', ['m1']),
    }));
    expect(r.machines.map((m) => [m.id, m.units, m.used])).toEqual([
      ['m1', 3, { cpuMillis: 500 + 1500 + 100, memoryBytes: (512 + 1024 + 256) * 1024 ** 2 }],
      ['m2', 1, undefined],
    ]);
  });
});

describe('machine scheduling state (cordon and drain)', () => {
  const DRAIN: MachineCordon = { since: 1, drain: { startedAt: 1 } };
  const on = (id: string, cordon?: MachineCordon): MachineRecord => ({ ...machine(id), ...(cordon ? { cordon } : {}) });
  // m1 runs a.service and the global g.service; m2 runs nothing non-global.
  const cluster = (m1: MachineCordon | undefined, m2: MachineCordon | undefined) => input({
    machines: [on('m1', m1), on('m2', m2)],
    units: [unit('a.service'), unit('g.service', 'launched', true)],
    schedule: new Map([['a.service', 'm1']]),
    globalAssignments: assigned('g.service', ['m1', 'm2']),
  });
  test.each<[string, HealthInput, string[], string]>([
    ['none cordoned', cluster(undefined, undefined), ['m1 schedulable -', 'm2 schedulable -'], 'Machines: 2 up, 0 down'],
    ['cordoned', cluster({ since: 1 }, undefined), ['m1 cordoned {"since":1}', 'm2 schedulable -'], 'Machines: 2 up, 0 down, 1 cordoned'],
    ['draining, and drained (only a global unit left)', cluster(DRAIN, DRAIN), [`m1 draining ${JSON.stringify(DRAIN)}`, `m2 drained ${JSON.stringify(DRAIN)}`], 'Machines: 2 up, 0 down, 1 draining, 1 drained'],
  ])('%s', (_name, i, machines, line) => {
    const r = buildHealth(i);
    expect(r.machines.map((m) => `${m.id} ${m.scheduling} ${m.cordon ? JSON.stringify(m.cordon) : '-'}`)).toEqual(machines);
    expect(renderHealthSummary(r).split('\n')[2]).toBe(line);
  });

  test('a machine that is down has no scheduling state', () => {
    const r = buildHealth(input({ units: [unit('a.service')], schedule: new Map([['a.service', 'm9']]) }));
    expect(r.machines.find((m) => m.id === 'm9')).toEqual({ id: 'm9', status: 'down', metadata: {}, units: 1 });
  });
});

describe('diff', () => {
  test.each([
    ['nothing changed but the clock', {}, { units: { upsert: [], remove: [] }, machines: { upsert: [], remove: [] }, events: 0 }],
    ['a unit stopped', { states: [state('a.service', 'm1', 'inactive')] }, { units: { upsert: ['a.service'], remove: [] }, machines: { upsert: [], remove: [] }, events: 0 }],
    ['a unit destroyed and an event logged', { units: [], schedule: new Map(), events: [event('placed', { unit: 'x.service' })] }, { units: { upsert: [], remove: ['a.service'] }, machines: { upsert: ['m1'], remove: [] }, events: 1 }],
  ])('%s', (_name, change, expected) => {
    const base = input({ units: [unit('a.service')], schedule: new Map([['a.service', 'm1']]), states: [state('a.service', 'm1', 'active')] });
    const d = diffHealth(buildHealth(base), buildHealth({ ...base, now: NOW + 5000, ...change }));
    expect({
      units: { upsert: d.units.upsert.map((u) => u.name), remove: d.units.remove },
      machines: { upsert: d.machines.upsert.map((m) => m.id), remove: d.machines.remove },
      events: d.events.length,
    }).toEqual(expected);
  });
});

describe('services', () => {
  const deployment = (over: Partial<DeploymentRecord>): DeploymentRecord => ({
    id: 'app-2', template: 'app@.service', fromHash: 'h', toHash: 'h2', fromOptions: [], toOptions: [], state: 'running', promoted: false, rollback: false,
    strategy: { maxParallel: 1, minHealthyTimeMs: 0, healthyDeadlineMs: 0, progressDeadlineMs: 0, canary: 1, autoPromote: false, autoRevert: false, historyLimit: 10 },
    instances: { 'app@1.service': { startedAt: 1, done: true } }, createdAt: 1, updatedAt: 2, progressAt: 1, ...over,
  });
  const cluster = input({
    machines: [machine('m1'), machine('m2')],
    units: [unit('app@.service', 'inactive'), unit('app@1.service'), unit('app@2.service'), unit('g.service', 'launched', true), unit('solo.service')],
    schedule: new Map([['app@1.service', 'm1'], ['app@2.service', 'm2'], ['solo.service', 'm1']]),
    globalAssignments: assigned('g.service', ['m1', 'm2']),
    states: [state('app@1.service', 'm1', 'active'), state('app@2.service', 'm2', 'inactive'), state('g.service', 'm1', 'active'), state('solo.service', 'm1', 'active')],
    services: [{ template: 'app@.service', count: 3 }],
    deployments: [deployment({ state: 'waiting-promotion' })],
  });

  test('a service: its count, instances running, version and latest deployment; a global unit: its machines', () => {
    const r = buildHealth(cluster);
    expect(r.services.map((s) => [s.name, s.kind, s.desired, s.running, s.hash, s.deployment?.state ?? '-'])).toEqual([
      ['app@.service', 'service', 3, 1, 'h', 'waiting-promotion'],
      ['g.service', 'global', 2, 1, 'h', '-'],
    ]);
    expect(r.services[0]?.deployment).toMatchObject({ id: 'app-2', batch: 1, batches: 3, healthy: 1, total: 3, waitingPromotion: true, active: true });
  });

  test('the summary text lists them: instances running of the count, version, the latest deployment', () => {
    const text = renderHealthSummary(buildHealth(cluster));
    expect(text.slice(text.indexOf('\nServices:'))).toBe(
      '\nServices:\n  app@.service             1/3 running, version h, deployment app-2 waiting-promotion (1/3 healthy, waiting for promote)\n  g.service                1/2 running (global), version h\n',
    );
    expect(renderHealthSummary(buildHealth(cluster), { maxServices: 1 })).toContain('\n  … and 1 more (-o json lists all)\n');
  });

  test('a deployment step is one service upsert in the delta', () => {
    const d = diffHealth(buildHealth(cluster), buildHealth({ ...cluster, now: NOW + 1, deployments: [deployment({ state: 'succeeded' })] }));
    expect([d.services.upsert.map((s) => `${s.name} ${s.deployment?.state}`), d.services.remove, d.units.upsert]).toEqual([['app@.service succeeded'], [], []]);
  });
});

describe('summary text', () => {
  test.each([
    ['healthy', input({}), 'Cluster: OK\nLeader: m1\nMachines: 1 up, 0 down\nUnits: 0 total, 0 ok, 0 pending, 0 failed, 0 unscheduled, 0 lost, 0 unhealthy, 0 inactive\n'],
    [
      'no leader, one failed unit and a recent event',
      input({ leader: undefined, units: [unit('f.service')], schedule: new Map([['f.service', 'm1']]), states: [state('f.service', 'm1', 'failed')], events: [event('unit-failed', { unit: 'f.service', machineId: 'm1' }, 0)] }),
      'Cluster: NEEDS ATTENTION\nLeader: (none)\nMachines: 1 up, 0 down\nUnits: 1 total, 0 ok, 0 pending, 1 failed, 0 unscheduled, 0 lost, 0 unhealthy, 0 inactive\n\nProblems:\n  no-leader        no scheduler is elected\n  unit-failed      f.service failed on m1\n\nRecent events:\n  1970-01-01T00:00:00Z  f.service failed on host-m1\n',
    ],
    [
      'restarted units, most restarts first',
      input({ units: [unit('a.service'), unit('b.service')], schedule: new Map([['a.service', 'm1'], ['b.service', 'm1']]), states: [{ ...state('a.service', 'm1', 'active'), restarts: 1, since: 0 }, { ...state('b.service', 'm1', 'active'), restarts: 4, since: 60_000 }] }),
      'Cluster: OK\nLeader: m1\nMachines: 1 up, 0 down\nUnits: 2 total, 2 ok, 0 pending, 0 failed, 0 unscheduled, 0 lost, 0 unhealthy, 0 inactive\n\nRestarted units:\n  b.service                4 restarts on m1, active since 1970-01-01T00:01:00Z\n  a.service                1 restarts on m1, active since 1970-01-01T00:00:00Z\n',
    ],
  ])('%s', (_name, i, text) => {
    expect(renderHealthSummary(buildHealth(i))).toBe(text);
  });
});
