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
  test('creates 1..N from a local template file, is idempotent, grows from the registry template, shrinks, leaves others alone', async () => {
    const up = await cli(['scale', '--no-block', path.join(dir, 'app@.service'), '3']);
    expect(up).toMatchObject({ code: 0, stderr: '' });
    // As `start`: the lazily created units are announced, then triggered.
    const names = ['app@1.service', 'app@2.service', 'app@3.service'];
    expect(up.stdout).toBe([...names.map((n) => `Unit ${n} inactive\n`), ...names.map((n) => `Triggered unit ${n} start\n`)].join(''));
    expect(await units()).toEqual({ 'app@1.service': 'launched', 'app@2.service': 'launched', 'app@3.service': 'launched' });
    const before = await registry.listUnits();

    const again = await cli(['scale', '--no-block', 'app@', '3']);
    expect(again).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await registry.listUnits()).toEqual(before);

    await registry.submitUnit({ name: 'app@.service', options: before[0]!.options });
    await registry.submitUnit({ name: 'app@blue.service', options: before[0]!.options }, { desiredState: 'launched' });
    const grown = await cli(['scale', '--no-block', 'app@.service', '5']);
    expect(grown).toMatchObject({ code: 0, stderr: '' });
    expect(grown.stdout).toBe('Unit app@4.service inactive\nUnit app@5.service inactive\nTriggered unit app@4.service start\nTriggered unit app@5.service start\n');

    const shrunk = await cli(['scale', 'app@', '2']);
    expect(shrunk).toMatchObject({ code: 0, stderr: '' });
    expect(shrunk.stdout).toBe('Destroyed app@5.service\nDestroyed app@4.service\nDestroyed app@3.service\n');
    expect(await units()).toEqual({ 'app@.service': 'inactive', 'app@1.service': 'launched', 'app@2.service': 'launched', 'app@blue.service': 'launched' });
  });

  test('blocks until the new instances are active, within --block-timeout', async () => {
    const res = await cli(['scale', '--block-timeout', '1', 'app@', '3']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('app@3.service');
    expect((await units())['app@3.service']).toBe('launched');
  });

  test.each([
    ['no count', ['app@']],
    ['not a template', ['app', '3']],
    ['a bad count', ['app@', 'x']],
  ])('%s is a usage error and writes nothing', async (_case, args) => {
    const before = await registry.listUnits();
    const res = await cli(['scale', '--no-block', ...args]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/scale|template|count/);
    expect(await registry.listUnits()).toEqual(before);
  });

  test('a template neither in the registry nor on disk is an error', async () => {
    const res = await cli(['scale', '--no-block', 'nothere@', '2']);
    expect(res.code).not.toBe(0);
    expect(await registry.getUnit('nothere@1.service')).toBeUndefined();
  });
});
