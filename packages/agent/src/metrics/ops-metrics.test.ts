import { RegistryTimeoutError } from '@flotilla/core';
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
