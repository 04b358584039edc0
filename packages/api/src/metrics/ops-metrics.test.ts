import { execFileSync } from 'node:child_process';
import { RegistryTimeoutError, type MachineCordon, type MachineRecord, type UnitRecord } from '@flotilla/core';
import { expect, test } from 'vitest';
import { buildHealth } from '../health/model.js';
import type { HealthInput } from '../health/types.js';
import { OpsMetrics } from './ops-metrics.js';

const report = (leader: string | undefined) => {
  const input: HealthInput = { now: 0, units: [], machines: [], schedule: new Map(), globalAssignments: new Map(), states: [], leader, events: [] };
  return buildHealth(input);
};
const value = (text: string, series: string) => text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1];

test.each([
  ['the first report is not a change', ['a'], '0'],
  ['the same leader again', ['a', 'a'], '0'],
  ['a new leader, then none, then one again', ['a', 'b', undefined, 'b'], '3'],
])('leader changes: %s', async (_name, leaders, expected) => {
  const m = new OpsMetrics();
  for (const l of leaders) m.recordReport(report(l));
  expect(value(await m.render(), 'flotilla_scheduler_leader_changes_total')).toBe(expected);
});

test('etcd errors are counted by code; placement latency is observed in seconds', async () => {
  const m = new OpsMetrics();
  m.recordEtcdError(new RegistryTimeoutError('snapshot', 5000));
  m.recordEtcdError(new Error('boom'));
  m.observePlacement(250);
  const text = await m.render();
  expect([
    value(text, 'flotilla_etcd_request_errors_total{code="REGISTRY_TIMEOUT"}'),
    value(text, 'flotilla_etcd_request_errors_total{code="UNKNOWN"}'),
    value(text, 'flotilla_placement_latency_seconds_sum'),
    value(text, 'flotilla_placement_latency_seconds_bucket{le="0.25"}'),
  ]).toEqual(['1', '1', '0.25', '1']);
});

test('machine scheduling state: one series per up machine, a state left behind disappears; promtool accepts it', async () => {
  const machine = (id: string, cordon?: MachineCordon): MachineRecord => ({ id, hostname: id, ip: '', metadata: {}, version: 't', startedAt: 0, ...(cordon ? { cordon } : {}) });
  const unit: UnitRecord = { name: 'a.service', options: [], hash: 'h', desiredState: 'launched', global: false };
  const cluster = (m1?: MachineCordon): HealthInput => ({
    now: 0, units: [unit], machines: [machine('m1', m1), machine('m2')], schedule: new Map([['a.service', 'm1']]),
    globalAssignments: new Map(), states: [], leader: 'm1', events: [],
  });
  const series = (text: string) => text.split('\n').filter((l) => l.startsWith('flotilla_machine_scheduling_state{'));
  const m = new OpsMetrics();
  m.recordReport(buildHealth(cluster({ since: 1, drain: { startedAt: 1 } })));
  expect(series(await m.render())).toEqual([
    'flotilla_machine_scheduling_state{machine="m1",state="draining"} 1',
    'flotilla_machine_scheduling_state{machine="m2",state="schedulable"} 1',
  ]);
  m.recordReport(buildHealth(cluster(undefined)));
  const text = await m.render();
  expect(series(text)).toEqual([
    'flotilla_machine_scheduling_state{machine="m1",state="schedulable"} 1',
    'flotilla_machine_scheduling_state{machine="m2",state="schedulable"} 1',
  ]);
  let promtool = '';
  try {
    promtool = execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim();
  } catch {
    // not installed: setup.sh installs it (Debian's prometheus package); the text checks above still ran
  }
  if (promtool) expect(execFileSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 10_000 })).toBe('');
});

test('service replicas: desired and running per template; a service gone loses its series', async () => {
  const m = new OpsMetrics();
  m.recordServices([{ template: 'app@.service', count: 5, running: 4 }, { template: 'web@.service', count: 0, running: 0 }]);
  const text = await m.render();
  expect([
    value(text, 'flotilla_service_replicas{template="app@.service",state="desired"}'),
    value(text, 'flotilla_service_replicas{template="app@.service",state="running"}'),
    value(text, 'flotilla_service_replicas{template="web@.service",state="desired"}'),
  ]).toEqual(['5', '4', '0']);
  m.recordServices([{ template: 'app@.service', count: 5, running: 5 }]);
  expect(await m.render()).not.toContain('web@.service');
});
