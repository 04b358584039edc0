/**
 * Placement transactions sized to etcd's --max-txn-ops (RegistryOptions.maxTxnOps), on real etcd: told 512 by an
 * etcd that allows 512, 300 assigns are 2 transactions; told 512 by an etcd at its default 128, the first refused
 * transaction brings the registry back to 128 for good (one warning), and every change is still applied.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { unitSpec } from '../testing/unit-builders.js';
import { EtcdRegistry } from './etcd-registry.js';
import type { Fence, ScheduleChange } from './types.js';

const UNITS = 300;
let wide: EtcdHandle;
let narrow: EtcdHandle;
const opened: EtcdRegistry[] = [];

beforeAll(async () => {
  [wide, narrow] = await Promise.all([startEtcd({ extraArgs: ['--max-txn-ops=512'] }), startEtcd()]);
}, 60_000);
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});
afterAll(async () => {
  await Promise.all([wide?.stop(), narrow?.stop()]);
});

/** Submits UNITS units and applies one assign each as the elected leader; the revisions the apply took. */
async function placeAll(etcd: EtcdHandle, prefix: string): Promise<{ applied: number; transactions: number; registry: EtcdRegistry; fence: Fence }> {
  const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix, maxTxnOps: 512 });
  opened.push(registry);
  const units = await registry.submitUnits(Array.from({ length: UNITS }, (_, i) => unitSpec(`u${i}.service`)), { desiredState: 'launched' });
  const leadership = await registry.campaign('c1', 10, new AbortController().signal);
  const snap = await registry.snapshot();
  const changes: ScheduleChange[] = units.map((unit, i) => ({ kind: 'assign', unit, unitModRevision: snap.unitRevisions.get(unit.name)!, machineId: `m${i % 2}` }));
  const result = await registry.applySchedule(changes, leadership.fence);
  // Each transaction takes one revision; nothing else writes meanwhile.
  return { applied: result.applied, transactions: Number(BigInt(result.revision!) - BigInt(snap.revision)), registry, fence: leadership.fence };
}

describe('placement transactions and etcd\'s --max-txn-ops', () => {
  test('an etcd that allows 512 operations: 300 assigns in 2 transactions', async () => {
    const { applied, transactions } = await placeAll(wide, '/txn-wide/');
    expect([applied, transactions]).toEqual([UNITS, 2]);
  });

  test('an etcd at its default 128: refused once, then 128 per transaction for good, everything applied', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => void (w.code === 'FLOTILLA_TXN_OPS_LOWERED' && warnings.push(w.message));
    process.on('warning', onWarning);
    try {
      const first = await placeAll(narrow, '/txn-narrow-1/');
      // Packed for 512: 255 + 45 assigns. The 255 are refused and go again as 63 + 63 + 63 + 63 + 3; the 45 fit 128.
      expect([first.applied, first.transactions]).toEqual([UNITS, 6]);
      expect((await first.registry.snapshot()).schedule.size).toBe(UNITS);
      const units = await first.registry.submitUnits([unitSpec('late.service')], { desiredState: 'launched' });
      const snap = await first.registry.snapshot();
      const late = await first.registry.applySchedule([{ kind: 'assign', unit: units[0]!, unitModRevision: snap.unitRevisions.get('late.service')!, machineId: 'm0' }], first.fence);
      expect(late.applied).toBe(1);
      await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on the next tick
      expect(warnings.length).toBe(1);
      expect(warnings[0]).toMatch(/FLOTILLA_ETCD_MAX_TXN_OPS/);
    } finally {
      process.off('warning', onWarning);
    }
  });

  test('maxTxnOps below etcd\'s default or not a whole number is refused at connect', async () => {
    await expect(EtcdRegistry.connect({ endpoints: narrow.endpoints, maxTxnOps: 64 })).rejects.toThrow(/maxTxnOps must be a whole number from 128/);
    await expect(EtcdRegistry.connect({ endpoints: narrow.endpoints, maxTxnOps: 200.5 })).rejects.toThrow(/maxTxnOps/);
  });
});
