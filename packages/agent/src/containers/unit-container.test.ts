import { describe, expect, test } from 'vitest';
import type { ContainerUnitState } from './container-state.js';
import { renderContainerService } from './render.js';
import { containerSummary, unitContainerOf } from './unit-container.js';

const config = { machineId: 'm1', unitsDir: '/run/flotilla/units', defaultEngine: 'docker' as const, prepareCommand: ['/usr/bin/node', '/opt/flotilla dist/prepare-main.js'] };
const rendered = (unit: string, ...extra: string[]) =>
  renderContainerService(unit, [{ section: 'Container', name: 'Image', value: 'localhost/web:1' }, ...extra.map((value) => ({ section: 'X-Flotilla', name: 'Engine', value }))], config);

describe('unitContainerOf', () => {
  test.each<[string, string, unknown]>([
    ['instance under docker', rendered('web@1.container'), { engine: 'docker', unit: 'web@1.container', container: 'systemd-web_1' }],
    ['podman chosen by the unit', rendered('db.container', 'podman'), { engine: 'podman', unit: 'db.container', container: 'systemd-db' }],
    ['plain service', '[Service]\nExecStartPre=-/usr/bin/docker kill web\nExecStart=/usr/bin/docker run web\n', undefined],
    ['unknown engine', '[Service]\nExecStartPre=/x prepare --engine=rkt --unit=a.container --container=c\n', undefined],
  ])('%s', (_name, text, expected) => {
    expect(unitContainerOf(text)).toEqual(expected);
  });
});

describe('containerSummary', () => {
  const base = { engine: 'docker' as const, container: 'c' };
  test.each<[string, ContainerUnitState, unknown]>([
    ['running with health', { ...base, state: 'running', health: 'healthy' }, { state: 'running', health: 'healthy' }],
    ['exited', { ...base, state: 'exited', exitCode: 137 }, { state: 'exited', exitCode: 137 }],
    ['pull failed', { ...base, state: 'pull-failed', pullError: 'manifest unknown' }, { state: 'pull-failed', error: 'manifest unknown' }],
  ])('%s', (_name, state, expected) => {
    expect(containerSummary(state)).toEqual(expected);
  });
});
