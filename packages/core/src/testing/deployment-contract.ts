/**
 * What both registries (etcd, memory) must do with deployments (docs/deployments.md): one write to start, nothing
 * written on refusal, one deployment of a service at a time, promote, and the leader's fenced steps that put
 * instances on a version in place (unit record and assignment together, schedule kept).
 */
import { describe, expect, test } from 'vitest';
import type { DeploymentCatalog, DeploymentControl } from '../registry/types.js';
import type { ContractRegistry } from './registry-contract.js';
import { machine } from './registry-fixtures.js';
import { unitSpec } from './unit-builders.js';
import type { UnitOption } from '../model.js';

export type DeploymentContractRegistry = ContractRegistry & DeploymentCatalog & DeploymentControl;

const x = (name: string, value: string): UnitOption => ({ section: 'X-Flotilla', name, value });
const version = (v: string, ...extra: UnitOption[]) => {
  const spec = unitSpec('app@.service', ...extra);
  return { ...spec, options: spec.options.map((o) => (o.name === 'ExecStart' ? { ...o, value: `/bin/sleep ${v}` } : o)) };
};

export function deploymentContract(name: string, current: () => DeploymentContractRegistry): void {
  describe(`deployment contract: ${name}`, () => {
    test('start: template, deployment and history in one write; a second deployment is refused with the first id', async () => {
      const r = current();
      await r.scaleService('app@.service', 2, version('1'));
      const before = await r.getUnit('app@.service');
      const d = await r.startDeployment(version('2', x('MaxParallel', '2')));
      expect(d).toMatchObject({ template: 'app@.service', state: 'running', fromHash: before?.hash, strategy: { maxParallel: 2 } });
      expect((await r.getUnit('app@.service'))?.hash).toBe(d.toHash);
      expect(await r.getDeployment('app@.service')).toEqual(d);
      expect(await r.listDeployments()).toEqual([d]);
      expect((await r.getHistory('app@.service'))?.versions.map((v) => [v.hash, v.result])).toEqual([[d.fromHash, 'healthy'], [d.toHash, 'running']]);
      await expect(r.startDeployment(version('3'))).rejects.toMatchObject({ code: 'DEPLOYMENT_IN_PROGRESS', deploymentId: d.id });
      expect((await r.getUnit('app@.service'))?.hash).toBe(d.toHash); // nothing written
    });

    test('start: bad input writes nothing', async () => {
      const r = current();
      await expect(r.startDeployment(version('2'))).rejects.toMatchObject({ code: 'INVALID_DEPLOYMENT' }); // no such service
      await r.submitUnit(version('1'));
      await expect(r.startDeployment(version('2'))).rejects.toMatchObject({ code: 'INVALID_DEPLOYMENT' }); // a template, no service
      await r.scaleService('app@.service', 1);
      await expect(r.startDeployment(version('2', x('MinHealthyTime', 'soon')))).rejects.toMatchObject({ code: 'INVALID_UNIT_OPTIONS' });
      expect([await r.listDeployments(), await r.getHistory('app@.service'), (await r.getUnit('app@.service'))?.options]).toEqual([[], undefined, version('1').options]);
    });

    test('promote: only a canary deployment, once', async () => {
      const r = current();
      await r.scaleService('app@.service', 2, version('1'));
      await expect(r.promoteDeployment('app@.service')).rejects.toMatchObject({ code: 'NOT_PROMOTABLE' });
      await r.startDeployment(version('2', x('Canary', '1')));
      expect(await r.promoteDeployment('app@.service')).toMatchObject({ promoted: true, state: 'running' });
      await expect(r.promoteDeployment('app@.service')).rejects.toMatchObject({ code: 'NOT_PROMOTABLE' });
    });

    test('leader step: instances replaced in place (record and assignment, schedule kept), fenced, compared', async () => {
      const r = current();
      await r.registerMachine(machine('m1'), 10);
      const leadership = await r.campaign('c1', 10, new AbortController().signal);
      await r.scaleService('app@.service', 1, version('1'));
      const old = await r.submitUnit({ ...version('1'), name: 'app@1.service' }, { desiredState: 'launched' });
      await r.assign(old, (await r.snapshot()).unitRevisions.get('app@1.service')!, 'm1');
      await r.startDeployment(version('2'));
      const [read] = await r.readDeployments();
      const next = { ...read!.deployment, instances: { 'app@1.service': { startedAt: 1 } } };
      expect(await r.applyDeploymentStep({ read: read!, deployment: next, replace: ['app@1.service'], revertTemplate: false, results: [] }, leadership.fence)).toBe(true);
      const unit = await r.getUnit('app@1.service');
      expect([unit?.hash, unit?.desiredState]).toEqual([next.toHash, 'launched']);
      expect((await r.listAssignments('m1')).map((a) => [a.unit, a.hash])).toEqual([['app@1.service', next.toHash]]);
      expect((await r.snapshot()).schedule.get('app@1.service')).toBe('m1');
      expect(await r.getDeployment('app@.service')).toEqual(next);
      // The record changed since `read`: a step planned from it is refused whole.
      expect(await r.applyDeploymentStep({ read: read!, deployment: { ...next, state: 'failed' }, replace: [], revertTemplate: true, results: [] }, leadership.fence)).toBe(false);
      expect((await r.getDeployment('app@.service'))?.state).toBe('running');
      // Revert and results, then a deposed leader writes nothing.
      const [again] = await r.readDeployments();
      const reverting = { ...again!.deployment, state: 'reverting' as const, instances: {} };
      expect(await r.applyDeploymentStep({ read: again!, deployment: reverting, replace: ['app@1.service'], revertTemplate: true, results: [{ hash: next.toHash, result: 'reverted' }] }, leadership.fence)).toBe(true);
      expect([(await r.getUnit('app@.service'))?.hash, (await r.getUnit('app@1.service'))?.hash]).toEqual([next.fromHash, next.fromHash]);
      expect((await r.getHistory('app@.service'))?.versions.map((v) => v.result)).toEqual(['healthy', 'reverted']);
      await leadership.resign();
      const [last] = await r.readDeployments();
      await expect(r.applyDeploymentStep({ read: last!, deployment: { ...last!.deployment, state: 'failed' }, replace: [], revertTemplate: false, results: [] }, leadership.fence)).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
      expect((await r.getDeployment('app@.service'))?.state).toBe('reverting');
    });
  });
}
