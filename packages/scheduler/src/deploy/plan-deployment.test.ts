import { DEFAULT_UPDATE_STRATEGY, type DeploymentRecord, type UnitStateRecord, type UpdateStrategy } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { planDeployment, type InstanceView } from './plan-deployment.js';

const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);

function deployment(strategy: Partial<UpdateStrategy> = {}, extra: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id: 'app-1', template: 'app@.service', fromHash: OLD, toHash: NEW, fromOptions: [], toOptions: [],
    strategy: { ...DEFAULT_UPDATE_STRATEGY, minHealthyTimeMs: 1000, healthyDeadlineMs: 10_000, progressDeadlineMs: 60_000, ...strategy },
    state: 'running', promoted: false, rollback: false, instances: {}, createdAt: 0, updatedAt: 0, progressAt: 0, ...extra,
  };
}

type Seen = 'active' | 'failed' | 'starting' | 'unhealthy' | 'none' | 'engine-starting' | 'engine-unhealthy';
/** `app@N` on `hash`, its machine reporting `seen` for that hash. */
function inst(n: number, hash: string, seen: Seen = 'active'): InstanceView {
  const state: UnitStateRecord = { unit: `app@${n}.service`, machineId: 'm1', hash, loadState: 'loaded', activeState: seen === 'failed' ? 'failed' : seen === 'starting' ? 'activating' : 'active', subState: 'running', updatedAt: 0 };
  if (seen === 'unhealthy') state.health = { status: 'unhealthy', checkedAt: 0, failures: 3 };
  // A container unit whose engine runs its HealthCmd= (compose `healthcheck`).
  if (seen === 'engine-starting') state.container = { state: 'running', health: 'starting' };
  if (seen === 'engine-unhealthy') state.container = { state: 'running', health: 'unhealthy' };
  return { name: `app@${n}.service`, hash, states: seen === 'none' ? [] : [state] };
}
const olds = (...ns: number[]) => ns.map((n) => inst(n, OLD));

describe('planDeployment', () => {
  const cases: { name: string; d: DeploymentRecord; instances: InstanceView[]; now: number; replace: string[]; state: DeploymentRecord['state']; revert?: boolean; results?: unknown[] }[] = [
    { name: 'case 1: first batch of MaxParallel', d: deployment({ maxParallel: 2 }), instances: olds(1, 2, 3), now: 100, replace: ['app@1.service', 'app@2.service'], state: 'running' },
    {
      name: 'case 2: batch in flight, not yet healthy for MinHealthyTime: nothing more',
      d: deployment({ maxParallel: 2 }, { instances: { 'app@1.service': { startedAt: 100 }, 'app@2.service': { startedAt: 100 } } }),
      instances: [inst(1, NEW), inst(2, NEW), inst(3, OLD)], now: 500, replace: [], state: 'running',
    },
    {
      name: 'case 3: batch healthy for MinHealthyTime: next batch',
      d: deployment({ maxParallel: 2 }, { instances: { 'app@1.service': { startedAt: 100, healthyAt: 200 }, 'app@2.service': { startedAt: 100, healthyAt: 300 } } }),
      instances: [inst(1, NEW), inst(2, NEW), inst(3, OLD)], now: 1300, replace: ['app@3.service'], state: 'running',
    },
    {
      name: 'case 4: rolling window: one done frees one slot',
      d: deployment({ maxParallel: 2 }, { instances: { 'app@1.service': { startedAt: 100, healthyAt: 200 }, 'app@2.service': { startedAt: 100 } } }),
      instances: [inst(1, NEW), inst(2, NEW, 'starting'), inst(3, OLD), inst(4, OLD)], now: 1300, replace: ['app@3.service'], state: 'running',
    },
    {
      name: 'case 5: all on the new version and done: succeeded, history healthy',
      d: deployment({}, { instances: { 'app@1.service': { startedAt: 0, healthyAt: 0, done: true }, 'app@2.service': { startedAt: 0, healthyAt: 100 } } }),
      instances: [inst(1, NEW), inst(2, NEW)], now: 1200, replace: [], state: 'succeeded', results: [{ hash: NEW, result: 'healthy' }],
    },
    {
      name: 'case 7: a replaced instance failed, no AutoRevert: failed',
      d: deployment({}, { instances: { 'app@1.service': { startedAt: 0 } } }),
      instances: [inst(1, NEW, 'failed'), inst(2, OLD)], now: 500, replace: [], state: 'failed', results: [{ hash: NEW, result: 'failed' }],
    },
    {
      name: 'case 8: HealthyDeadline passed with AutoRevert: reverting, template back',
      d: deployment({ autoRevert: true }, { instances: { 'app@1.service': { startedAt: 0 } } }),
      instances: [inst(1, NEW, 'unhealthy'), inst(2, OLD)], now: 10_001, replace: [], state: 'reverting', revert: true, results: [{ hash: NEW, result: 'reverted' }],
    },
    {
      name: 'case 9: unhealthy health check fails at once',
      d: deployment({ autoRevert: true }, { instances: { 'app@1.service': { startedAt: 0 } } }),
      instances: [inst(1, NEW, 'unhealthy'), inst(2, OLD)], now: 100, replace: [], state: 'reverting', revert: true, results: [{ hash: NEW, result: 'reverted' }],
    },
    {
      name: 'case 10: reverting puts instances back on the old version',
      d: deployment({ autoRevert: true, maxParallel: 3 }, { state: 'reverting', progressAt: 100 }),
      instances: [inst(1, NEW, 'unhealthy'), inst(2, OLD), inst(3, OLD)], now: 200, replace: ['app@1.service'], state: 'reverting',
    },
    {
      name: 'case 11: revert complete: reverted',
      d: deployment({ autoRevert: true }, { state: 'reverting', progressAt: 100, instances: { 'app@1.service': { startedAt: 100, healthyAt: 150 }, 'app@2.service': { startedAt: 100, healthyAt: 100, done: true } } }),
      instances: [inst(1, OLD), inst(2, OLD)], now: 1200, replace: [], state: 'reverted',
    },
    {
      name: 'case 12: a revert that fails ends failed (no revert of a revert)',
      d: deployment({ autoRevert: true }, { state: 'reverting', reason: 'x', instances: { 'app@1.service': { startedAt: 100 } } }),
      instances: [inst(1, OLD, 'failed')], now: 200, replace: [], state: 'failed',
    },
    {
      name: 'case 13: ProgressDeadline with nothing becoming healthy',
      d: deployment({ progressDeadlineMs: 5000, healthyDeadlineMs: 60_000 }, { instances: { 'app@1.service': { startedAt: 0 } } }),
      instances: [inst(1, NEW, 'starting'), inst(2, OLD)], now: 5001, replace: [], state: 'failed', results: [{ hash: NEW, result: 'failed' }],
    },
    { name: 'case 14: canary 1 of 3: one first', d: deployment({ canary: 1, maxParallel: 3 }), instances: olds(1, 2, 3), now: 0, replace: ['app@1.service'], state: 'running' },
    {
      name: 'case 15: canary healthy: waits for promotion',
      d: deployment({ canary: 1, maxParallel: 3 }, { instances: { 'app@1.service': { startedAt: 0, healthyAt: 0 } } }),
      instances: [inst(1, NEW), inst(2, OLD), inst(3, OLD)], now: 1500, replace: [], state: 'waiting-promotion',
    },
    {
      name: 'case 16: promoted: the rest under MaxParallel',
      d: deployment({ canary: 1, maxParallel: 3 }, { promoted: true, instances: { 'app@1.service': { startedAt: 0, healthyAt: 0, done: true } } }),
      instances: [inst(1, NEW), inst(2, OLD), inst(3, OLD)], now: 1500, replace: ['app@2.service', 'app@3.service'], state: 'running',
    },
    {
      name: 'case 17: AutoPromote goes on by itself',
      d: deployment({ canary: 1, maxParallel: 1, autoPromote: true }, { instances: { 'app@1.service': { startedAt: 0, healthyAt: 0 } } }),
      instances: [inst(1, NEW), inst(2, OLD)], now: 1500, replace: ['app@2.service'], state: 'running',
    },
    {
      name: 'case 18: instances ordered by number, not by name',
      d: deployment({ maxParallel: 2 }), instances: olds(10, 9, 2), now: 0, replace: ['app@2.service', 'app@9.service'], state: 'running',
    },
    { name: 'case 19: an ended deployment does nothing', d: deployment({}, { state: 'succeeded' }), instances: olds(1), now: 0, replace: [], state: 'succeeded' },
    {
      name: 'case 21: a container whose HealthCmd is still starting is not healthy: no next batch',
      d: deployment({ maxParallel: 1 }, { instances: { 'app@1.service': { startedAt: 0 } } }),
      instances: [inst(1, NEW, 'engine-starting'), inst(2, OLD)], now: 5000, replace: [], state: 'running',
    },
    {
      name: 'case 22: a container whose HealthCmd says unhealthy fails the deployment',
      d: deployment({ autoRevert: true }, { instances: { 'app@1.service': { startedAt: 0 } } }),
      instances: [inst(1, NEW, 'engine-unhealthy'), inst(2, OLD)], now: 100, replace: [], state: 'reverting', revert: true, results: [{ hash: NEW, result: 'reverted' }],
    },
    { name: 'case 20: a count of 0 ends at once', d: deployment(), instances: [], now: 0, replace: [], state: 'succeeded', results: [{ hash: NEW, result: 'healthy' }] },
  ];
  test.each(cases)('$name', ({ d, instances, now, replace, state, revert, results }) => {
    const step = planDeployment({ deployment: d, count: instances.length, instances, now });
    expect(step.replace).toEqual(replace);
    expect(step.deployment.state).toBe(state);
    expect(step.revertTemplate).toBe(revert === true);
    expect(step.results).toEqual(results ?? []);
  });

  test('case 6: an instance still missing (being created): not finished until it exists', () => {
    const d = deployment({}, { instances: { 'app@1.service': { startedAt: 0, healthyAt: 0, done: true } } });
    expect(planDeployment({ deployment: d, count: 2, instances: [inst(1, NEW)], now: 1200 }).deployment.state).toBe('running');
    expect(planDeployment({ deployment: d, count: 1, instances: [inst(1, NEW)], now: 1200 }).deployment.state).toBe('succeeded');
  });

  test('health is tracked across steps: healthyAt is kept while healthy and dropped when not', () => {
    const d = deployment({}, { instances: { 'app@1.service': { startedAt: 0 } } });
    const a = planDeployment({ deployment: d, count: 2, instances: [inst(1, NEW), inst(2, OLD)], now: 100 });
    expect(a.deployment.instances['app@1.service']).toEqual({ startedAt: 0, healthyAt: 100 });
    const b = planDeployment({ deployment: a.deployment, count: 2, instances: [inst(1, NEW, 'starting'), inst(2, OLD)], now: 600 });
    expect(b.deployment.instances['app@1.service']).toEqual({ startedAt: 0 });
    const c = planDeployment({ deployment: b.deployment, count: 2, instances: [inst(1, NEW), inst(2, OLD)], now: 700 });
    expect(c.deployment.instances['app@1.service']).toEqual({ startedAt: 0, healthyAt: 700 });
  });

  test('a state still reporting the old hash is not health of the new version', () => {
    const d = deployment({}, { instances: { 'app@1.service': { startedAt: 0 } } });
    const stale: InstanceView = { ...inst(1, NEW), states: inst(1, OLD).states };
    const step = planDeployment({ deployment: d, count: 1, instances: [stale], now: 5000 });
    expect(step.deployment.instances['app@1.service']).toEqual({ startedAt: 0 });
    expect(step.deployment.state).toBe('running');
  });

  test('nothing changed: the same record (no write)', () => {
    const d = deployment({ maxParallel: 1 }, { instances: { 'app@1.service': { startedAt: 0 } } });
    const step = planDeployment({ deployment: d, count: 2, instances: [inst(1, NEW, 'starting'), inst(2, OLD)], now: 100 });
    expect(step.deployment).toBe(d);
    expect(step.replace).toEqual([]);
  });

  // A global unit (docs/deployments.md "Global units"): instances are machines, each on its assignment's hash.
  describe('a global unit: machines as instances', () => {
    const on = (id: string, hash: string, seen: Seen = 'active'): InstanceView => ({ ...inst(1, hash, seen), name: id, states: inst(1, hash, seen).states.map((st) => ({ ...st, unit: 'g.service', machineId: id })) });
    const g = (extra: Partial<DeploymentRecord> = {}) => deployment({ maxParallel: 1 }, { template: 'g.service', global: true, ...extra });
    test.each([
      { name: 'first machine by id', d: g(), instances: [on('m3', OLD), on('m1', OLD), on('m2', OLD)], now: 0, replace: ['m1'], state: 'running' },
      {
        name: 'the next machine once the first was healthy for MinHealthyTime',
        d: g({ instances: { m1: { startedAt: 0, healthyAt: 100, replaced: true } } }), instances: [on('m1', NEW), on('m2', OLD), on('m3', OLD)], now: 1100, replace: ['m2'], state: 'running',
      },
      {
        name: 'a machine that joined on the new version is gated like a new instance: nothing more while it is not healthy',
        d: g({ instances: { m1: { startedAt: 0, healthyAt: 0, done: true } } }), instances: [on('m1', NEW), on('m2', OLD), on('m4', NEW, 'starting')], now: 1100, replace: [], state: 'running',
      },
      {
        name: 'a machine that left drops out: the rest being done, it ends',
        d: g({ instances: { m1: { startedAt: 0, healthyAt: 0, done: true }, m2: { startedAt: 0 } } }), instances: [on('m1', NEW)], now: 1100, replace: [], state: 'succeeded',
      },
      {
        name: 'unhealthy on the first machine with AutoRevert: reverting',
        d: { ...g({ instances: { m1: { startedAt: 0, replaced: true } } }), strategy: { ...g().strategy, autoRevert: true } }, instances: [on('m1', NEW, 'unhealthy'), on('m2', OLD)], now: 100, replace: [], state: 'reverting', revert: true,
      },
      {
        name: 'reverting: the machine on the new version goes back',
        d: g({ state: 'reverting', instances: { m2: { startedAt: 0, healthyAt: 0, done: true } } }), instances: [on('m1', NEW), on('m2', OLD)], now: 100, replace: ['m1'], state: 'reverting',
      },
    ] as { name: string; d: DeploymentRecord; instances: InstanceView[]; now: number; replace: string[]; state: DeploymentRecord['state']; revert?: boolean }[])('$name', ({ d, instances, now, replace, state, revert }) => {
      const step = planDeployment({ deployment: d, count: instances.length, instances, now });
      expect(step.replace).toEqual(replace);
      expect(step.deployment.state).toBe(state);
      expect(step.revertTemplate).toBe(revert === true);
    });
  });
});
