/** The discovery DNS flags of a container's run line (docs/discovery.md), for docker and podman. */
import { parseUnitFile } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { renderContainerOptions, type ContainerRendererConfig } from './render.js';

const CONFIG: ContainerRendererConfig = { machineId: 'm1', prepareCommand: ['/usr/bin/node', '/p.js'], unitsDir: '/run/flotilla/units', dnsServer: '10.0.0.5' };
const unit = (...lines: string[]) => parseUnitFile(`${lines.join('\n')}\n`);

/** The run line's words from `--pull=never` on, without the labels: what the DNS changes. */
function runTail(unitName: string, lines: string[], config: ContainerRendererConfig = CONFIG): string {
  const start = renderContainerOptions(unitName, unit(...lines), config).find((o) => o.name === 'ExecStart')!.value;
  return start.slice(start.indexOf('--pull=never')).replace(/ --label io\.flotilla\.\S+/g, '');
}

describe('dns flags', () => {
  test.each<[string, string, string[], string]>([
    ['docker: the DNS and the flotilla search domain', 'db.container', ['[Container]', 'Image=fl/db:1'],
      '--pull=never --dns 10.0.0.5 --dns-search flotilla --stop-timeout=10 fl/db:1'],
    ['podman: the same flags', 'db.container', ['[Container]', 'Image=fl/db:1', '[X-Flotilla]', 'Engine=podman'],
      '--pull=never --replace --dns 10.0.0.5 --dns-search flotilla --stop-timeout=10 fl/db:1'],
    ['a project: its domain first, so the bare name resolves', 'shop-app@1.container',
      ['[Container]', 'Image=fl/app:1', '[X-Flotilla]', 'ServiceName=app', 'Project=Shop'],
      '--pull=never --dns 10.0.0.5 --dns-search shop.flotilla --dns-search flotilla --stop-timeout=10 fl/app:1'],
    ['a user network keeps the DNS (the engine forwards to it)', 'db.container', ['[Container]', 'Image=fl/db:1', 'Network=backend'],
      '--pull=never --network backend --dns 10.0.0.5 --dns-search flotilla --stop-timeout=10 fl/db:1'],
    ['host network keeps the DNS', 'db.container', ['[Container]', 'Image=fl/db:1', 'Network=host'],
      '--pull=never --network host --dns 10.0.0.5 --dns-search flotilla --stop-timeout=10 fl/db:1'],
    ['no network: no DNS (both engines refuse it)', 'db.container', ['[Container]', 'Image=fl/db:1', 'Network=none'],
      '--pull=never --network none --stop-timeout=10 fl/db:1'],
    ["another container's network: no DNS", 'db.container', ['[Container]', 'Image=fl/db:1', 'Network=container:web'],
      '--pull=never --network container:web --stop-timeout=10 fl/db:1'],
  ])('%s', (_case, unitName, lines, want) => {
    expect(runTail(unitName, lines)).toBe(want);
  });

  test('no DNS configured (FLOTILLA_DNS=off): the engine default', () => {
    const { dnsServer: _off, ...config } = CONFIG;
    expect(runTail('db.container', ['[Container]', 'Image=fl/db:1'], config)).toBe('--pull=never --stop-timeout=10 fl/db:1');
  });
});
