import { describe, expect, test } from 'vitest';
import { makeUnitRecord } from '../unit/record.js';
import type { UnitOption } from '../model.js';
import type { DeploymentRecord, ServiceHistory } from './record.js';
import { nextGlobalRecord, planPromote, planStart, rollbackTarget, withResult, withVersion, type StoredService } from './start.js';

const exec = (v: string, extra: UnitOption[] = []): UnitOption[] => [{ section: 'Service', name: 'ExecStart', value: `/bin/app ${v}` }, ...extra];
const template = makeUnitRecord({ name: 'app@.service', options: exec('v1') }, 'inactive');
const stored = (over: Partial<StoredService> = {}): StoredService => ({ template, service: { template: 'app@.service', count: 3 }, current: undefined, history: undefined, ...over });
const req = (options = exec('v2'), name = 'app@.service') => ({ spec: { name, options }, id: 'app-2', now: 1000 });

describe('planStart', () => {
  test('writes the template, a running deployment and the history (the old version first)', () => {
    const w = planStart(req(exec('v2', [{ section: 'X-Flotilla', name: 'MaxParallel', value: '3' }])), stored());
    expect(w.template.options[0]?.value).toBe('/bin/app v2');
    expect(w.deployment).toMatchObject({ id: 'app-2', state: 'running', fromHash: template.hash, toHash: w.template.hash, promoted: false, rollback: false, instances: {} });
    expect(w.deployment.strategy.maxParallel).toBe(3);
    expect(w.history.versions.map((v) => [v.hash, v.result])).toEqual([[template.hash, 'healthy'], [w.template.hash, 'running']]);
  });

  test.each([
    ['not a template', req(exec('v2'), 'app.service'), stored(), 'INVALID_DEPLOYMENT', /not a template/],
    ['no stored template', req(), stored({ template: undefined }), 'INVALID_DEPLOYMENT', /app@\.service is not a stored service/],
    ['no service', req(), stored({ service: undefined }), 'INVALID_DEPLOYMENT', /not a stored service/],
    ['global', req(exec('v2', [{ section: 'X-Fleet', name: 'Global', value: 'true' }])), stored(), 'INVALID_DEPLOYMENT', /global/],
    ['bad strategy', req(exec('v2', [{ section: 'X-Flotilla', name: 'MaxParallel', value: 'x' }])), stored(), 'INVALID_UNIT_OPTIONS', /MaxParallel=x/],
  ])('refused: %s', (_n, request, s, code, message) => {
    expect(() => planStart(request, s)).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });

  test('a second deployment while one runs is refused with its id', () => {
    const running = planStart(req(), stored()).deployment;
    expect(() => planStart({ ...req(exec('v3')), id: 'app-3' }, stored({ current: running }))).toThrow(expect.objectContaining({ code: 'DEPLOYMENT_IN_PROGRESS', deploymentId: 'app-2', message: expect.stringContaining('app-2') }));
    expect(() => planStart({ ...req(exec('v3')), id: 'app-3' }, stored({ current: { ...running, state: 'failed' } }))).not.toThrow();
  });

  test('the history keeps HistoryLimit versions, newest last', () => {
    let h: ServiceHistory = { template: 'app@.service', versions: [] };
    for (let i = 0; i < 5; i++) h = withVersion(h, { hash: String(i), options: [], at: i, result: 'healthy' }, 3);
    expect(h.versions.map((v) => v.hash)).toEqual(['2', '3', '4']);
    expect(withResult(h, 'none', '3', 'failed').versions.map((v) => v.result)).toEqual(['healthy', 'failed', 'healthy']);
  });
});

describe('rollbackTarget', () => {
  const h: ServiceHistory = {
    template: 'app@.service',
    versions: [
      { hash: 'aaa111', options: [], at: 1, result: 'healthy' },
      { hash: 'bbb222', options: [], at: 2, result: 'reverted' },
      { hash: 'ccc333', options: [], at: 3, result: 'healthy' },
    ],
  };
  test.each([
    ['the newest healthy one that is not current', 'ccc333', undefined, 'aaa111'],
    ['the newest healthy one', 'bbb222', undefined, 'ccc333'],
    ['--to a prefix', 'ccc333', 'bbb', 'bbb222'],
  ])('%s', (_n, current, to, expected) => {
    expect(rollbackTarget('app@.service', h, current, to).hash).toBe(expected);
  });
  test('nothing to go back to', () => {
    expect(() => rollbackTarget('app@.service', undefined, 'x')).toThrow(expect.objectContaining({ code: 'NO_ROLLBACK_TARGET' }));
    expect(() => rollbackTarget('app@.service', h, 'x', 'zzz')).toThrow(/no version zzz/);
  });
});

describe('planPromote', () => {
  const d = { ...planStart(req(exec('v2', [{ section: 'X-Flotilla', name: 'Canary', value: '1' }])), stored()).deployment, state: 'waiting-promotion' } as DeploymentRecord;
  test('promotes a deployment waiting for it', () => {
    expect(planPromote('app@.service', d, 5)).toMatchObject({ promoted: true, state: 'running', updatedAt: 5 });
  });
  test.each([
    ['none', undefined, /no deployment is running/],
    ['ended', { ...d, state: 'succeeded' }, /no deployment is running/],
    ['promoted', { ...d, promoted: true }, /already promoted/],
    ['no canaries', { ...d, strategy: { ...d.strategy, canary: 0 } }, /no canaries/],
  ])('refused: %s', (_n, current, message) => {
    expect(() => planPromote('app@.service', current as DeploymentRecord | undefined, 5)).toThrow(expect.objectContaining({ code: 'NOT_PROMOTABLE', message: expect.stringMatching(message) }));
  });
});

// docs/deployments.md "Global units".
describe('a global unit', () => {
  const G = [{ section: 'X-Fleet', name: 'Global', value: 'true' }];
  const v1 = makeUnitRecord({ name: 'g.service', options: exec('v1', G) }, 'launched');
  const gStored = (over: Partial<StoredService> = {}): StoredService => ({ template: v1, service: undefined, current: undefined, history: undefined, ...over });

  test('start: the record takes the new options and pins the old ones, keeping its desired state', () => {
    const w = planStart(req(exec('v2', G), 'g.service'), gStored());
    expect(w.template).toMatchObject({ name: 'g.service', desiredState: 'launched', global: true, pinned: { [v1.hash]: v1.options } });
    expect(w.deployment).toMatchObject({ global: true, fromHash: v1.hash, toHash: w.template.hash });
  });

  test('a deployment back to a pinned version unpins it', () => {
    const w2 = planStart(req(exec('v2', G), 'g.service'), gStored()).template;
    const back = planStart({ ...req(exec('v1', G), 'g.service'), id: 'g-3' }, gStored({ template: w2 })).template;
    expect(back.hash).toBe(v1.hash);
    expect(Object.keys(back.pinned ?? {})).toEqual([w2.hash]);
  });

  test.each([
    ['the new version is not global', req(exec('v2'), 'g.service'), gStored(), /not: a deployment does not change the kind of unit/],
    ['a global template', req(exec('v2', G)), stored({ template: { ...template, global: true } }), /global template/],
    ['a plain unit', req(exec('v2'), 'p.service'), gStored({ template: makeUnitRecord({ name: 'p.service', options: exec('v1') }, 'launched') }), /not a template unit .* or a stored global unit/],
  ])('refused: %s', (_n, request, s, message) => {
    expect(() => planStart(request, s)).toThrow(expect.objectContaining({ code: 'INVALID_DEPLOYMENT', message: expect.stringMatching(message) }));
  });

  test('nextGlobalRecord: a revert restores the old options and pins the new; the end drops the pins', () => {
    const w = planStart(req(exec('v2', G), 'g.service'), gStored());
    const reverted = nextGlobalRecord(w.template, { deployment: { ...w.deployment, state: 'reverting' }, revertTemplate: true });
    expect(reverted).toMatchObject({ hash: v1.hash, desiredState: 'launched', pinned: { [w.template.hash]: w.template.options } });
    expect(reverted?.pinned?.[v1.hash]).toBeUndefined();
    expect(nextGlobalRecord(reverted!, { deployment: { ...w.deployment, state: 'reverted' }, revertTemplate: false })).toEqual({ ...reverted, pinned: undefined });
    expect(nextGlobalRecord(w.template, { deployment: w.deployment, revertTemplate: false })).toBeUndefined();
  });
});

