import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type EtcdHandle, startEtcd } from '../../../../test/harness/etcd.js';
import { freshPrefix } from '../testing/registry-fixtures.js';
import { registryViolations } from '../testing/registry-invariants.js';
import { encodeValue } from './codec.js';
import { EtcdRegistry } from './etcd-registry.js';
import { Keyspace } from './keyspace.js';

const CHILD = fileURLToPath(new URL('../testing/churn-child.ts', import.meta.url));
const KILLS = 12;

let etcd: EtcdHandle;
let raw: Etcd3;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: etcd.endpoints });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  raw?.close();
  await etcd?.stop();
});

async function dump(keys: Keyspace) {
  const response = await raw.getAll().prefix(keys.root).exec();
  return response.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value }));
}

/** Starts the churning client and SIGKILLs it after it has finished `ops` operations (so mid-way through the next). */
function churnThenKill(prefix: string, seed: number, ops: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, etcd.endpoints[0] as string, prefix, String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let done = 0;
    let stderr = '';
    const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      done += chunk.toString().split('\n').filter((l) => l !== '' && l !== 'ready').length;
      if (done >= ops) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      children.delete(child);
      if (signal === 'SIGKILL' && done >= ops) resolve(done);
      else reject(new Error(`churn child ended early (code ${code}, signal ${signal}, ${done} ops): ${stderr}`));
    });
  });
}

describe('no reader ever sees half a unit', () => {
  test(`a client SIGKILLed at ${KILLS} random points leaves a consistent keyspace`, async () => {
    const prefix = freshPrefix();
    const keys = new Keyspace(prefix);
    let seed = 7;
    let total = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      total += await churnThenKill(prefix, seed, 5 + (seed % 40));
      expect({ kill, violations: registryViolations(keys, await dump(keys)) }).toEqual({ kill, violations: [] });
    }
    expect(total).toBeGreaterThan(KILLS * 5);
  });

  test('snapshots taken while another client churns are each one consistent view', async () => {
    const prefix = freshPrefix();
    const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix });
    const churning = churnThenKill(prefix, 99, 3000);
    try {
      let scheduledSeen = 0;
      const deadline = Date.now() + 20_000;
      // Until 60 snapshots saw something scheduled, i.e. were taken while the churn was running.
      while (scheduledSeen < 60 && Date.now() < deadline) {
        const snap = await registry.snapshot();
        const names = new Set(snap.units.map((u) => u.name));
        const orphans = [...snap.schedule.keys()].filter((u) => !names.has(u));
        expect({ revision: snap.revision, orphans, revisions: [...snap.unitRevisions.keys()].sort() }).toEqual({ revision: snap.revision, orphans: [], revisions: [...names].sort() });
        if (snap.schedule.size > 0) scheduledSeen += 1;
      }
      expect(scheduledSeen).toBe(60);
    } finally {
      await churning.catch(() => undefined);
      await registry.close();
    }
  });

  test('the checker finds half-written state (so the test above can fail)', () => {
    const keys = new Keyspace('/t/');
    const assignment = { unit: 'a.service', machineId: 'm1', hash: 'h', desiredState: 'launched' };
    expect(
      registryViolations(keys, [
        { key: keys.assignment('m1', 'a.service'), value: encodeValue(assignment) },
        { key: keys.schedule('b.service'), value: encodeValue('m2') },
        { key: keys.unit('c.service'), value: Buffer.from('junk') },
      ]),
    ).toEqual([
      '/t/v1/units/c.service: corrupt record at /t/v1/units/c.service: not a Flotilla record (no schema header)',
      'assignments/m1/a.service without its unit',
      'schedule/b.service without its unit',
      'schedule/b.service → m2 without its assignment',
    ]);
  });
});
