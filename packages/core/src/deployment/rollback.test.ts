/**
 * startRollback and deploymentProgress (docs/deployments.md) against the in-memory registry: the version picked,
 * what is refused and in which order, and the progress numbers the CLI and the dashboard show.
 */
import { describe, expect, test } from 'vitest';
import type { UnitOption } from '../model.js';
import { MemoryRegistry } from '../testing/memory-registry.js';
import { deploymentProgress } from './progress.js';
import type { DeploymentRecord } from './record.js';
import { startRollback } from './rollback.js';

const exec = (v: string, extra: UnitOption[] = []): UnitOption[] => [{ section: 'Service', name: 'ExecStart', value: `/bin/app ${v}` }, ...extra];

async function deployed(): Promise<{ registry: MemoryRegistry; first: string; second: DeploymentRecord }> {
  const registry = new MemoryRegistry();
  const first = (await registry.scaleService('app@.service', 2, { name: 'app@.service', options: exec('v1') })) && (await registry.getUnit('app@.service'))!.hash;
  const second = await registry.startDeployment({ name: 'app@.service', options: exec('v2') });
  return { registry, first, second };
}

describe('startRollback', () => {
  test('a deployment in progress is refused, naming it, before the target is looked for', async () => {
    const { registry, second } = await deployed();
    await expect(startRollback(registry, 'app@.service')).rejects.toMatchObject({ code: 'DEPLOYMENT_IN_PROGRESS', message: expect.stringContaining(second.id) });
  });

  test('unknown service → UNIT_NOT_FOUND; no earlier version → NO_ROLLBACK_TARGET; writes nothing', async () => {
    const registry = new MemoryRegistry();
    await expect(startRollback(registry, 'web@.service')).rejects.toMatchObject({ code: 'UNIT_NOT_FOUND' });
    await registry.scaleService('app@.service', 1, { name: 'app@.service', options: exec('v1') });
    await expect(startRollback(registry, 'app@.service')).rejects.toMatchObject({ code: 'NO_ROLLBACK_TARGET' });
    expect(await registry.listDeployments()).toEqual([]);
  });
});

describe('deploymentProgress', () => {
  const d = (over: Partial<DeploymentRecord>): DeploymentRecord => ({
    id: 'app-2', template: 'app@.service', fromHash: 'a', toHash: 'b', fromOptions: [], toOptions: [], state: 'running', promoted: false, rollback: false,
    strategy: { maxParallel: 2, minHealthyTimeMs: 0, healthyDeadlineMs: 0, progressDeadlineMs: 0, canary: 0, autoPromote: false, autoRevert: false, historyLimit: 10 },
    instances: {}, createdAt: 1, updatedAt: 2, progressAt: 1, ...over,
  });

  test('batch k/n and healthy out of the count; the target is the old version while reverting', () => {
    const p = deploymentProgress(d({ instances: { 'app@1.service': { startedAt: 1, done: true }, 'app@2.service': { startedAt: 1, done: true }, 'app@3.service': { startedAt: 2 } } }), 5);
    expect(p).toMatchObject({ batch: 2, batches: 3, healthy: 2, total: 5, target: 'b', active: true, waitingPromotion: false });
    expect(deploymentProgress(d({ state: 'reverting' })).target).toBe('a');
    expect(deploymentProgress(d({ state: 'waiting-promotion' }))).toMatchObject({ waitingPromotion: true, active: true, batch: 1, batches: 1, total: 0 });
    expect(deploymentProgress(d({ state: 'succeeded' })).active).toBe(false);
  });
});
