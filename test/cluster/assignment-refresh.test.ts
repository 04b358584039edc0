/**
 * A unit record written without its assignment, on a real machine: the leader rewrites the assignment where the
 * unit is scheduled (a `refresh`, docs/registry.md "One write per placement") and the machine's systemd follows.
 * In registry layout 2 this is how every CLI desired-state change reaches a machine. Asserted by asking the
 * machine's systemd.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeValue } from '../../packages/core/src/registry/codec.js';
import { createEtcdClient } from '../../packages/core/src/registry/client.js';
import type { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { cliFor } from '../support/cli.js';
import { startRegisteredCluster } from '../support/registered-cluster.js';

const UNIT = 'refreshed.service';

describe('a unit record written alone on a real machine', () => {
  let cluster: Cluster;
  let registry: EtcdRegistry;
  let stop: (() => Promise<void>) | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-refresh-'));

  beforeAll(async () => {
    ({ cluster, registry, stop } = await startRegisteredCluster({ machines: 1, ttlSec: 10, leader: true }));
  }, 120_000);
  afterAll(async () => {
    await stop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the leader brings the assignment in line and systemd stops the unit', async () => {
    const [machine] = cluster.machines;
    if (!machine) throw new Error('no machine');
    const isActive = async () => (await machine.exec(['systemctl', 'is-active', UNIT], { timeoutMs: 5000 })).stdout.trim();
    const file = path.join(dir, UNIT);
    fs.writeFileSync(file, '[Service]\nExecStart=/bin/sleep infinity\n');
    expect((await cliFor(cluster.cliEnv)(['start', file], { timeoutMs: 30_000 })).code).toBe(0);
    await waitUntil('active on the machine', async () => ((await isActive()) === 'active' ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });

    const record = await registry.getUnit(UNIT);
    if (!record) throw new Error(`${UNIT} not in the registry`);
    const raw = createEtcdClient(cluster.registryOptions, 5000);
    try {
      await raw.put(registry.keyspace.unit(UNIT)).value(encodeValue({ ...record, desiredState: 'loaded' }));
    } finally {
      raw.close();
    }
    await waitUntil('stopped on the machine', async () => (['inactive', 'failed'].includes(await isActive()) ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    expect(await registry.listAssignments(machine.id)).toEqual([{ unit: UNIT, machineId: machine.id, hash: record.hash, desiredState: 'loaded', placed: true }]);
    const snapshot = await registry.snapshot();
    expect(snapshot.schedule.get(UNIT)).toBe(machine.id); // rewritten where it is, not moved
    // Current daemons only: the leader moved the registry to layout 2, where a placement is the assignment alone.
    expect(snapshot.layout).toBe(2);
  }, 90_000);
});
