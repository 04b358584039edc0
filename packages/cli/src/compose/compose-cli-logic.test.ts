/** The CLI's compose logic, pure: up's plan, start order, readiness, ps rows, log line prefixes. */
import { DeploymentInProgressError, makeUnitRecord, type ServiceRecord, type UnitRecord, type UnitStateRecord } from '@flotilla/core';
import { convert, type ComposeUnit } from '@flotilla/compose';
import { describe, expect, test } from 'vitest';
import { linePrefixer } from './logs-verb.js';
import { psRows } from './ps-verb.js';
import { runningUnitsOf, serviceStatus } from './readiness.js';
import { blockedBy, instancesOf, planUp, startOrder, withCount, type ServiceAction, type UpCluster } from './up-plan.js';

const FILE = '/p/compose.yaml';
const BASE = `name: shop
services:
  db: {image: redis:1, healthcheck: {test: "redis-cli ping"}}
  app:
    image: app:1
    depends_on: {db: {condition: service_healthy}}
    deploy: {replicas: 3}
  worker: {image: w:1, depends_on: [app]}
`;
const conv = (text: string) => convert(text, { file: FILE, env: {} });
const record = (u: Pick<ComposeUnit, 'name' | 'options'>, desiredState: UnitRecord['desiredState'] = 'launched'): UnitRecord =>
  makeUnitRecord({ name: u.name, options: u.options }, desiredState);
/** What the registry holds after an up of `text`: each unit, and a template's instances 1..N. */
const storedAfter = (text: string): UnitRecord[] =>
  conv(text).units.flatMap((u) => [record(u, u.replicas === undefined ? 'launched' : 'inactive'), ...runningUnitsOf(u).filter((n) => n !== u.name).map((n) => record({ name: n, options: u.options }))]);
/** The stored counts after an up of `text` (`flotilla scale` may have changed them since). */
const countsAfter = (text: string): ServiceRecord[] => conv(text).units.filter((u) => u.replicas !== undefined).map((u) => ({ template: u.name, count: u.replicas! }));
const running = (template: string, id = 'shop-app-1a2b3c4d'): UpCluster['deployments'][number] => ({ id, template, state: 'running' });
const actionText = (a: ServiceAction): string => {
  if (a.kind === 'replace') return `replace[${a.instances.join(',')}]`;
  if (a.kind === 'scale') return `scale(${a.from}→${a.unit.replicas})`;
  if (a.kind !== 'deploy') return a.kind;
  const replicas = a.spec.options.find((o) => o.section === 'X-Flotilla' && o.name === 'Replicas')?.value;
  return `deploy${replicas === undefined ? '' : `(Replicas=${replicas})`}${a.scaleTo === undefined ? '' : `+scale(${a.from}→${a.scaleTo})`}`;
};
const summary = (text: string, stored: UnitRecord[], cluster?: UpCluster) => {
  const { project, units } = conv(text);
  const plan = planUp(project.services, units, stored, cluster);
  return { services: plan.services.map((s) => `${s.service}:${actionText(s.action)}`), remove: plan.remove };
};
const GLOBAL = `name: mon
services:
  agent: {image: node-exporter:1, deploy: {mode: global}}
  solo: {image: s:1}
`;

describe('planUp', () => {
  const cluster = (services: ServiceRecord[], deployments: UpCluster['deployments'] = []): UpCluster => ({ services, deployments });
  const after = cluster(countsAfter(BASE));
  test.each([
    { name: 'case 1: first up: everything created, dependencies first', stored: () => [], text: BASE, services: ['db:create', 'app:create', 'worker:create'], remove: [] },
    { name: 'case 2: same file again: nothing changes', stored: () => storedAfter(BASE), cluster: after, text: BASE, services: ['db:unchanged', 'app:unchanged', 'worker:unchanged'], remove: [] },
    { name: 'case 3: a changed single unit is replaced', stored: () => storedAfter(BASE), cluster: after, text: BASE.replace('redis:1', 'redis:2'), services: ['db:replace[]', 'app:unchanged', 'worker:unchanged'], remove: [] },
    { name: 'case 4: a changed template is deployed', stored: () => storedAfter(BASE), cluster: after, text: BASE.replace('app:1', 'app:2'), services: ['db:unchanged', 'app:deploy(Replicas=3)', 'worker:unchanged'], remove: [] },
    { name: 'case 5: only the count changed: scaled', stored: () => storedAfter(BASE), cluster: after, text: BASE.replace('replicas: 3', 'replicas: 5'), services: ['db:unchanged', 'app:scale(3→5)', 'worker:unchanged'], remove: [] },
    {
      name: 'case 6: count and content changed: deployed with the stored count, then scaled', stored: () => storedAfter(BASE), cluster: after,
      text: BASE.replace('app:1', 'app:2').replace('replicas: 3', 'replicas: 5'), services: ['db:unchanged', 'app:deploy(Replicas=3)+scale(3→5)', 'worker:unchanged'], remove: [],
    },
    {
      name: 'case 7: the stored count is compared, not the template text (scaled with `flotilla scale` to 4)', stored: () => storedAfter(BASE), cluster: cluster([{ template: 'shop-app@.container', count: 4 }]),
      text: BASE, services: ['db:unchanged', 'app:scale(4→3)', 'worker:unchanged'], remove: [],
    },
    {
      name: 'case 8: after a deploy+scale the template text keeps the old count: the next up is unchanged', cluster: cluster([{ template: 'shop-app@.container', count: 5 }]),
      stored: () => storedAfter(BASE.replace('app:1', 'app:2')), text: BASE.replace('app:1', 'app:2').replace('replicas: 3', 'replicas: 5'), services: ['db:unchanged', 'app:unchanged', 'worker:unchanged'], remove: [],
    },
    {
      name: 'case 9: a changed template with no stored count: replaced, its instances destroyed', stored: () => storedAfter(BASE), cluster: cluster([]),
      text: BASE.replace('app:1', 'app:2'), services: ['db:unchanged', 'app:replace[shop-app@1.container,shop-app@2.container,shop-app@3.container]', 'worker:unchanged'], remove: [],
    },
    {
      name: 'case 10: a removed service: its units destroyed, the template first', stored: () => storedAfter(BASE), cluster: after,
      text: BASE.replace(/  app:[\s\S]*?replicas: 3}\n/, '').replace('depends_on: [app]', ''), services: ['db:unchanged', 'worker:unchanged'], remove: ['shop-app@.container', 'shop-app@1.container', 'shop-app@2.container', 'shop-app@3.container'],
    },
    { name: 'case 11: a changed global unit is deployed; a single one replaced', stored: () => storedAfter(GLOBAL), text: GLOBAL.replaceAll(':1', ':2'), services: ['agent:deploy', 'solo:replace[]'], remove: [] },
    { name: 'case 12: global → single: a replace (a deployment keeps the kind)', stored: () => storedAfter(GLOBAL), text: GLOBAL.replace(', deploy: {mode: global}', ''), services: ['agent:replace[]', 'solo:unchanged'], remove: [] },
    {
      name: 'case 13: a deployment of an unchanged service may run: left alone', stored: () => storedAfter(BASE), cluster: cluster(countsAfter(BASE), [running('shop-app@.container')]),
      text: BASE, services: ['db:unchanged', 'app:unchanged', 'worker:unchanged'], remove: [],
    },
    {
      name: 'case 14: an ended deployment does not refuse', stored: () => storedAfter(BASE), cluster: cluster(countsAfter(BASE), [{ ...running('shop-app@.container'), state: 'reverted' }]),
      text: BASE.replace('app:1', 'app:2'), services: ['db:unchanged', 'app:deploy(Replicas=3)', 'worker:unchanged'], remove: [],
    },
  ] as { name: string; stored: () => UnitRecord[]; cluster?: UpCluster; text: string; services: string[]; remove: string[] }[])('$name', ({ stored, cluster: c, text, services, remove }) => {
    expect(summary(text, stored(), c)).toEqual({ services, remove });
  });

  test.each([
    { name: 'a changed template', base: BASE, text: BASE.replace('app:1', 'app:2'), deployments: [running('shop-app@.container')], message: 'shop-app@.container is being deployed by deployment shop-app-1a2b3c4d (running)' },
    { name: 'a count change', base: BASE, text: BASE.replace('replicas: 3', 'replicas: 4'), deployments: [running('shop-app@.container')], message: 'shop-app@.container is being deployed by deployment shop-app-1a2b3c4d (running)' },
    { name: 'a global unit made single (a replace)', base: GLOBAL, text: GLOBAL.replace(', deploy: {mode: global}', ''), deployments: [running('mon-agent.container', 'mon-agent-0f0f0f0f')], message: 'mon-agent.container is being deployed by deployment mon-agent-0f0f0f0f (running)' },
    { name: 'a global unit', base: GLOBAL, text: GLOBAL.replace('node-exporter:1', 'node-exporter:2'), deployments: [running('mon-agent.container', 'mon-agent-0f0f0f0f')], message: 'mon-agent.container is being deployed by deployment mon-agent-0f0f0f0f (running)' },
  ])('a deployment of the service in progress: DEPLOYMENT_IN_PROGRESS, nothing planned ($name)', ({ base, text, deployments, message }) => {
    const { project, units } = conv(text);
    const refuse = () => planUp(project.services, units, storedAfter(base), { services: countsAfter(base), deployments });
    expect(refuse).toThrow(DeploymentInProgressError);
    expect(refuse).toThrow(message);
  });

  test('withCount: the Replicas= value replaced in place, nothing else', () => {
    const opts = [{ section: 'Container', name: 'Image', value: 'a:2' }, { section: 'X-Flotilla', name: 'Replicas', value: '5' }, { section: 'X-Flotilla', name: 'Port', value: '80' }];
    expect(withCount(opts, 3)).toEqual([opts[0], { section: 'X-Flotilla', name: 'Replicas', value: '3' }, opts[2]]);
    expect(withCount(opts.slice(0, 1), 3)).toEqual(opts.slice(0, 1));
  });

  test.each([
    { name: 'a direct dependency failed', service: 'app', failed: ['db'], want: 'db' },
    { name: 'through another service', service: 'web', failed: ['db'], want: 'db' },
    { name: 'an independent service goes on', service: 'cron', failed: ['db'], want: undefined },
    { name: 'the failed service is not blocked by itself', service: 'db', failed: ['db'], want: undefined },
    { name: 'nothing failed', service: 'web', failed: [], want: undefined },
  ])('blockedBy: $name', ({ service, failed, want }) => {
    const s = (name: string, ...deps: string[]) => ({ name, dependsOn: deps.map((d) => ({ service: d, condition: 'service_started' as const })) });
    expect(blockedBy(service, [s('db'), s('app', 'db'), s('web', 'app'), s('cron')], new Set(failed))).toBe(want);
  });

  test('start order: dependencies first, file order otherwise', () => {
    const s = (name: string, ...deps: string[]) => ({ name, dependsOn: deps.map((service) => ({ service, condition: 'service_started' as const })) });
    expect(startOrder([s('web', 'api'), s('api', 'db', 'cache'), s('db'), s('cache'), s('lone')])).toEqual(['db', 'cache', 'api', 'web', 'lone']);
  });

  test('instancesOf: the template’s instances only', () => {
    const names = ['a@.container', 'a@1.container', 'a@10.container', 'a@2.container', 'ab@1.container', 'a@1.service'].map((name) => ({ name }));
    expect(instancesOf('a@.container', names)).toEqual(['a@1.container', 'a@2.container', 'a@10.container']);
  });
});

describe('serviceStatus', () => {
  const app = { name: 'shop-app@.container', replicas: 2 };
  const units = [1, 2].map((i) => ({ name: `shop-app@${i}.container`, hash: 'h' }));
  const state = (unit: string, activeState: string, health?: string, hash = 'h'): UnitStateRecord => ({
    unit, machineId: 'm1', hash, updatedAt: 0, loadState: 'loaded', activeState, subState: activeState === 'active' ? 'running' : 'dead',
    container: { state: activeState === 'active' ? 'running' : 'exited', ...(health ? { health } : {}) },
  });
  test.each([
    { name: 'nothing yet', units: [], states: [], want: 'started' as const, waiting: ['shop-app@1.container: not created yet', 'shop-app@2.container: not created yet'] },
    { name: 'one not running', units, states: [state('shop-app@1.container', 'active')], want: 'started' as const, waiting: ['shop-app@2.container: not running yet'] },
    { name: 'both active: started', units, states: [state('shop-app@1.container', 'active'), state('shop-app@2.container', 'active')], want: 'started' as const, waiting: [] },
    { name: 'active but health starting', units, states: [state('shop-app@1.container', 'active', 'healthy'), state('shop-app@2.container', 'active', 'starting')], want: 'healthy' as const, waiting: ['shop-app@2.container: health starting'] },
    { name: 'both healthy', units, states: [state('shop-app@1.container', 'active', 'healthy'), state('shop-app@2.container', 'active', 'healthy')], want: 'healthy' as const, waiting: [] },
    { name: 'a state of the old contents does not count', units, states: [state('shop-app@1.container', 'active', 'healthy', 'old'), state('shop-app@2.container', 'active', 'healthy')], want: 'healthy' as const, waiting: ['shop-app@1.container: not running yet'] },
    { name: 'failed', units, states: [state('shop-app@1.container', 'failed'), state('shop-app@2.container', 'active')], want: 'started' as const, waiting: ['shop-app@1.container: failed'] },
  ])('$name', ({ units: u, states, want, waiting }) => {
    expect(serviceStatus(app, want, u, states)).toEqual({ ready: waiting.length === 0, waitingFor: waiting });
  });
});

test('psRows: instances and singles, not templates; machine by id/ip; no state yet', () => {
  const { units } = conv(BASE);
  const stored = units.flatMap((u) => [record(u, u.replicas === undefined ? 'launched' : 'inactive'), ...(u.replicas ? [record({ name: 'shop-app@1.container', options: u.options })] : [])]);
  const states: UnitStateRecord[] = [{ unit: 'shop-db.container', machineId: 'abcdef0123456789', hash: 'x', updatedAt: 0, loadState: 'loaded', activeState: 'active', subState: 'running', container: { state: 'running', health: 'healthy' } }];
  const rows = psRows(stored, states, [{ id: 'abcdef0123456789', hostname: 'm', ip: '10.0.0.9', metadata: {}, version: '1', startedAt: 0 }]);
  expect(rows.map((r) => Object.values(r).join(' '))).toEqual([
    'shop-app@1.container app not running yet - -',
    'shop-db.container db active/running running/healthy abcdef01/10.0.0.9',
    'shop-worker.container worker not running yet - -',
  ]);
});

test('linePrefixer: whole lines only, prefixed; the rest at the end', () => {
  const out: string[] = [];
  const p = linePrefixer('a@1 | ', (t) => out.push(t));
  p.push('one\ntw');
  p.push('o\nthree');
  p.end();
  expect(out.join('')).toBe('a@1 | one\na@1 | two\na@1 | three\n');
});
