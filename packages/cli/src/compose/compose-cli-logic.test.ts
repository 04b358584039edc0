/** The CLI's compose logic, pure: up's plan, start order, readiness, ps rows, log line prefixes. */
import { unitHash, type UnitRecord, type UnitStateRecord } from '@flotilla/core';
import { convert, type ComposeUnit } from '@flotilla/compose';
import { describe, expect, test } from 'vitest';
import { linePrefixer } from './logs-verb.js';
import { psRows } from './ps-verb.js';
import { runningUnitsOf, serviceStatus } from './readiness.js';
import { instancesOf, planUp, startOrder } from './up-plan.js';

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
  ({ name: u.name, options: u.options, hash: unitHash(u.options), desiredState, global: false });
/** What the registry holds after an up of `text`: each unit, and a template's instances 1..N. */
const storedAfter = (text: string): UnitRecord[] =>
  conv(text).units.flatMap((u) => [record(u, u.replicas === undefined ? 'launched' : 'inactive'), ...runningUnitsOf(u).filter((n) => n !== u.name).map((n) => record({ name: n, options: u.options }))]);
const summary = (text: string, stored: UnitRecord[]) => {
  const { project, units } = conv(text);
  const plan = planUp(project.services, units, stored);
  return { services: plan.services.map((s) => `${s.service}:${s.action.kind}${s.action.kind === 'replace' ? `[${s.action.instances.join(',')}]` : ''}`), remove: plan.remove };
};

describe('planUp', () => {
  test.each([
    { name: 'first up: everything created, dependencies first', stored: () => [], text: BASE, services: ['db:create', 'app:create', 'worker:create'], remove: [] },
    { name: 'same file again: nothing changes', stored: () => storedAfter(BASE), text: BASE, services: ['db:unchanged', 'app:unchanged', 'worker:unchanged'], remove: [] },
    { name: 'a changed single unit is replaced', stored: () => storedAfter(BASE), text: BASE.replace('redis:1', 'redis:2'), services: ['db:replace[]', 'app:unchanged', 'worker:unchanged'], remove: [] },
    { name: 'a changed template: replaced, its instances destroyed', stored: () => storedAfter(BASE), text: BASE.replace('app:1', 'app:2'), services: ['db:unchanged', 'app:replace[shop-app@1.container,shop-app@2.container,shop-app@3.container]', 'worker:unchanged'], remove: [] },
    { name: 'only the count changed: scaled', stored: () => storedAfter(BASE), text: BASE.replace('replicas: 3', 'replicas: 5'), services: ['db:unchanged', 'app:scale', 'worker:unchanged'], remove: [] },
    { name: 'a removed service: its units destroyed, the template first', stored: () => storedAfter(BASE), text: BASE.replace(/  app:[\s\S]*?replicas: 3}\n/, '').replace('depends_on: [app]', ''), services: ['db:unchanged', 'worker:unchanged'], remove: ['shop-app@.container', 'shop-app@1.container', 'shop-app@2.container', 'shop-app@3.container'] },
  ])('$name', ({ stored, text, services, remove }) => {
    expect(summary(text, stored())).toEqual({ services, remove });
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
