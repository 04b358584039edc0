/**
 * `flotilla deploy|deployments|history|rollback` through the real binary against a real etcd, with the elected
 * scheduler running in this process and stand-in machines that publish each assignment's state (healthy, or
 * unhealthy for versions whose ExecStart says `bad`). Real agents and systemd: test/cluster/deploy.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EtcdHandle } from '../../../../test/harness/etcd.js';
import type { cliFor } from '../../../../test/support/cli.js';
import { startStandInDeployCluster, type StandInDeployCluster, type StandInState } from '../../../../test/support/stand-in-deploy-cluster.js';

let etcd: EtcdHandle;
let registry: EtcdRegistry;
let cli: ReturnType<typeof cliFor>;
let cluster: StandInDeployCluster | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-deploy-'));

const template = (version: string, strategy = '') =>
  `[Service]\nExecStart=/bin/sleep ${version}\n\n[X-Fleet]\nConflicts=app@*\n\n[X-Flotilla]\nMaxParallel=2\nMinHealthyTime=200ms\n${strategy}`;
const file = (name: string, text: string): string => {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  const p = path.join(dir, name, 'app@.service');
  fs.writeFileSync(p, text);
  return p;
};

/** Healthy, or unhealthy for a version whose ExecStart says `bad`. */
const stateOf: StandInState = (unit, hash) => {
  const bad = unit?.options.some((o) => o.name === 'ExecStart' && o.value.includes('bad')) === true && unit.hash === hash;
  return { health: { status: bad ? 'unhealthy' : 'healthy', checkedAt: Date.now(), failures: bad ? 3 : 0 } };
};

beforeAll(async () => {
  cluster = await startStandInDeployCluster(stateOf);
  ({ etcd, registry, cli } = cluster);
});

afterAll(async () => {
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function hashes(): Promise<string[]> {
  return (await registry.listUnits()).filter((u) => /^app@\d+\.service$/.test(u.name)).map((u) => u.hash.slice(0, 7)).sort();
}

async function placed(count: number): Promise<void> {
  const until = Date.now() + 15_000;
  while ([...(await registry.snapshot()).schedule.keys()].filter((u) => u.startsWith('app@')).length !== count) {
    if (Date.now() > until) throw new Error(`instances not placed within 15 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('flotilla deploy', () => {
  test('refusals name the problem and write nothing', async () => {
    const notService = await cli(['deploy', file('v1', template('1'))]);
    expect(notService.code).not.toBe(0);
    expect(notService.stderr).toContain('app@.service is not a stored service');
    const bad = await cli(['deploy', file('bad-key', template('1', 'MinHealthyTime=soon\n'))]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/app@\.service:10:1: MinHealthyTime=soon: not a time span .*\(key MinHealthyTime\)/);
    expect([await registry.listUnits(), await registry.listDeployments()]).toEqual([[], []]);
  });

  test('--plan shows the diff and the batches and changes nothing; deploy rolls out and exits 0; history and deployments list it', async () => {
    expect(await cli(['scale', '--no-block', file('v1', template('1')), '3'])).toMatchObject({ code: 0 });
    await placed(3);
    const before = await hashes();
    const plan = await cli(['deploy', '--plan', file('v2', template('2'))]);
    expect(plan).toMatchObject({ code: 0, stderr: '' });
    expect(plan.stdout).toContain('-ExecStart=/bin/sleep 1\n+ExecStart=/bin/sleep 2\n');
    expect(plan.stdout).toContain('Batch 1: app@1.service, app@2.service\nBatch 2: app@3.service\n');
    expect(await hashes()).toEqual(before);
    expect(await registry.listDeployments()).toEqual([]);

    const run = await cli(['deploy', file('v2', template('2'))]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Deployment app-[0-9a-f]{8} of app@\.service started\n/);
    // The follow polls every 500 ms: under load the second batch may share the first one's line.
    expect(run.stdout).toContain('Replacing app@1.service, app@2.service');
    expect(run.stdout).toMatch(/Deployment app-[0-9a-f]{8} succeeded\n$/);
    const now = (await registry.getUnit('app@.service'))!.hash.slice(0, 7);
    expect(await hashes()).toEqual([now, now, now]);
    const listed = await cli(['deployments']);
    expect(listed.stdout).toMatch(/app-[0-9a-f]{8}\s+app@\.service\s+succeeded\s+3\/3 healthy/);
    const history = await cli(['history', 'app@']);
    expect(history.stdout.split('\n').slice(1, 3).map((l) => l.split(/\s+/).filter(Boolean).slice(-2, -1)[0])).toEqual(['healthy', 'healthy']);
    expect(history.stdout.split('\n')[1]).toMatch(new RegExp(`^\\*${now}`));
  });

  test('a bad version is reverted: deploy exits non-zero and history says reverted', async () => {
    const good = (await registry.getUnit('app@.service'))!.hash.slice(0, 7);
    const run = await cli(['deploy', file('bad', template('bad', 'AutoRevert=yes\n'))]);
    expect(run.code).not.toBe(0);
    // MaxParallel=2: either instance of the first batch may be the one seen failing first.
    expect(run.stderr).toMatch(/deployment app-[0-9a-f]{8} of app@\.service was reverted to [0-9a-f]{7}: app@[12]\.service failed/);
    expect(run.stdout).toContain('reverting');
    expect(await hashes()).toEqual([good, good, good]);
    const history = await cli(['history', 'app@']);
    expect(history.stdout.split('\n')[1]).toMatch(/^ [0-9a-f]{7}\s+\S+\s+reverted\s+app-/);
  });

  test('canary: deploy returns waiting for promotion; a second deploy is refused with its id; promote finishes; rollback goes back', async () => {
    const before = (await registry.getUnit('app@.service'))!.hash.slice(0, 7);
    const run = await cli(['deploy', file('v4', template('4', 'Canary=1\n'))]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('Canaries healthy; continue with: flotilla deploy promote app@\n');
    const id = /Deployment (app-[0-9a-f]{8})/.exec(run.stdout)?.[1];
    expect((await hashes()).filter((h) => h !== before)).toHaveLength(1);
    const second = await cli(['deploy', file('v5', template('5'))]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`app@.service is being deployed by deployment ${id} (waiting-promotion)`);
    expect(await cli(['deploy', 'promote', 'app@'])).toMatchObject({ code: 0, stderr: '' });
    const v4 = (await registry.getUnit('app@.service'))!.hash.slice(0, 7);
    expect(await hashes()).toEqual([v4, v4, v4]);
    const back = await cli(['rollback', 'app@']);
    expect(back).toMatchObject({ code: 0, stderr: '' });
    expect(back.stdout).toContain(`rollback to ${before}`);
    expect(await hashes()).toEqual([before, before, before]);
    expect((await cli(['deploy', 'promote', 'app@'])).stderr).toContain('no deployment is running');
  });

  // docs/deployments.md "Global units": the unit's machines are its instances.
  test('a global unit: --plan lists the machines; deploy updates them one at a time and exits 0; history by name', async () => {
    const g = (v: string) => {
      const p = path.join(dir, `g-${v}`, 'g.service');
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, `[Service]\nExecStart=/bin/sleep ${v}\n\n[X-Fleet]\nGlobal=true\n\n[X-Flotilla]\nMinHealthyTime=200ms\n`);
      return p;
    };
    expect(await cli(['start', '--no-block', g('1')])).toMatchObject({ code: 0 });
    const v1 = (await registry.getUnit('g.service'))!.hash;
    const until = Date.now() + 15_000;
    while ((await registry.snapshot()).globalAssignments.get('g.service')?.size !== 3) {
      if (Date.now() > until) throw new Error('g.service not on 3 machines within 15 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const plan = await cli(['deploy', '--plan', g('2')]);
    expect(plan).toMatchObject({ code: 0, stderr: '' });
    expect(plan.stdout).toContain('Global unit g.service: 3 machines');
    expect(plan.stdout).toContain('Machines to update: m1, m2, m3\nBatch 1: m1\nBatch 2: m2\nBatch 3: m3\n');
    expect((await registry.getUnit('g.service'))!.hash).toBe(v1);

    const run = await cli(['deploy', g('2')]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Deployment g-[0-9a-f]{8} of g\.service started\n/);
    // The follow polls every 500 ms, so it may not print every machine's line, and one poll may see several machines
    // updated ("on m1, m2 to"); one at a time is deploy-global.etcd.test.ts's. m1 goes first, so it leads its line.
    expect(run.stdout).toMatch(/^Updating g\.service on m1(, m\d)* to [0-9a-f]+$/m);
    const v2 = (await registry.getUnit('g.service'))!.hash;
    expect([...(await registry.snapshot()).globalAssignments.get('g.service')!.values()].map((a) => a.hash)).toEqual([v2, v2, v2]);
    const history = await cli(['history', 'g']);
    expect(history.stdout.split('\n').slice(1, 3).map((l) => l.split(/\s+/).filter(Boolean).slice(-2, -1)[0])).toEqual(['healthy', 'healthy']);
  });
});

