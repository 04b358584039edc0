/** `flotilla scale` through the real binary against a real etcd (no agents: --no-block, or a short block). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { cliFor } from '../../../../test/support/cli.js';

const TEMPLATE = '[Service]\nExecStart=/bin/sleep 1000\n\n[X-Fleet]\nConflicts=app@*\n';
let etcd: EtcdHandle;
let registry: EtcdRegistry;
let cli: ReturnType<typeof cliFor>;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-scale-'));

/** name → desired state of every unit, for whole-state comparisons. */
async function units(): Promise<Record<string, string>> {
  return Object.fromEntries((await registry.listUnits()).map((u) => [u.name, u.desiredState]));
}

beforeAll(async () => {
  etcd = await startEtcd();
  registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints });
  cli = cliFor(etcd.endpoints);
  fs.writeFileSync(path.join(dir, 'app@.service'), TEMPLATE);
});

afterAll(async () => {
  await registry?.close();
  await etcd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('flotilla scale', () => {
  test('records the count, storing the template from the local file; grows and shrinks from the registry; 0 keeps the service', async () => {
    const up = await cli(['scale', '--no-block', path.join(dir, 'app@.service'), '3']);
    expect(up).toMatchObject({ code: 0, stderr: '' });
    const names = ['app@1.service', 'app@2.service', 'app@3.service'];
    expect(up.stdout).toBe(names.map((n) => `Triggered unit ${n} start\n`).join(''));
    // The scheduler (none runs here) creates the instances: the CLI only stores the template and the count.
    expect(await units()).toEqual({ 'app@.service': 'inactive' });
    expect(await registry.getService('app@.service')).toEqual({ template: 'app@.service', count: 3 });
    const template = await registry.getUnit('app@.service');

    const grown = await cli(['scale', '--no-block', 'app@.service', '5']);
    expect(grown).toMatchObject({ code: 0, stderr: '' });
    expect(await registry.getService('app@.service')).toEqual({ template: 'app@.service', count: 5 });
    const zero = await cli(['scale', '--no-block', 'app@', '0']);
    expect(zero).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await registry.listServices()).toEqual([{ template: 'app@.service', count: 0 }]);
    expect(await registry.getUnit('app@.service')).toEqual(template);
  });

  test('blocks until the scheduler created the instances, within --block-timeout', async () => {
    const res = await cli(['scale', '--block-timeout', '1', 'app@', '2']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('app@1.service');
    expect(await registry.getService('app@.service')).toEqual({ template: 'app@.service', count: 2 });
  });

  test.each([
    ['no count', ['app@']],
    ['not a template', ['app', '3']],
    ['a bad count', ['app@', 'x']],
    ['a negative count', ['app@', '-1']],
  ])('%s is a usage error and writes nothing', async (_case, args) => {
    const before = [await registry.listUnits(), await registry.listServices()];
    const res = await cli(['scale', '--no-block', ...args]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/scale|template|count/);
    expect([await registry.listUnits(), await registry.listServices()]).toEqual(before);
  });

  test('a template file with a bad Replicas= names file and line, and writes nothing', async () => {
    fs.writeFileSync(path.join(dir, 'bad@.service'), '[Service]\nExecStart=/bin/true\n\n[X-Flotilla]\nReplicas=abc\n');
    const res = await cli(['scale', '--no-block', path.join(dir, 'bad@.service'), '2']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('bad@.service:5:1: Replicas=abc');
    expect(await registry.getUnit('bad@.service')).toBeUndefined();
    expect(await registry.getService('bad@.service')).toBeUndefined();
  });

  test('a template neither in the registry nor on disk is an error', async () => {
    const res = await cli(['scale', '--no-block', 'nothere@', '2']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('unable to find template Unit(nothere@.service)');
    expect(await registry.getService('nothere@.service')).toBeUndefined();
  });
});
