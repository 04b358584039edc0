/**
 * stopAndWait against real systemd (one nspawn machine): a unit whose ExecStop= takes ~2 s is reported down
 * only once systemd says inactive, with `deactivating` seen meanwhile; a deadline shorter than the stop returns
 * early and says so. Waits are on systemd signals, never sleeps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type Cluster, type Machine } from '../../../../test/harness/index.js';
import { SystemdManager } from './manager.js';
import { isDown, stopAndWait } from './stop-wait.js';

const UNITS_DIR = '/run/flotilla-test/units';
const UNIT = 'flotilla-slowstop.service';
const TEXT = '[Service]\nExecStart=/bin/sleep infinity\nExecStop=/bin/sleep 2\n';

test.each([
  { state: 'inactive', down: true },
  { state: 'failed', down: true },
  { state: 'deactivating', down: false },
  { state: 'active', down: false },
  { state: 'activating', down: false },
])('isDown($state) = $down', ({ state, down }) => {
  expect(isDown(state)).toBe(down);
});

describe('stopAndWait on a real systemd machine', () => {
  let cluster: Cluster | undefined;
  let machine: Machine;
  let systemd: SystemdManager | undefined;
  const seen: string[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ machines: 1, agent: false });
    machine = cluster.machines[0]!;
    systemd = await SystemdManager.connect({ busAddress: machine.busAddress, callTimeoutMs: 10_000 });
    const hostDir = path.join(`/proc/${machine.leaderPid}/root`, UNITS_DIR);
    fs.mkdirSync(hostDir, { recursive: true });
    fs.writeFileSync(path.join(hostDir, UNIT), TEXT, { mode: 0o644 });
    await systemd.linkUnitFile(path.join(UNITS_DIR, UNIT));
    // Every state the unit passes through, read on each of its signals.
    await systemd.onUnitsChanged((unit) => {
      if (unit === UNIT) void systemd!.unitStates([UNIT]).then((s) => seen.push(s.get(UNIT)!.activeState), () => undefined);
    });
  });
  afterAll(async () => {
    await systemd?.stopUnit(UNIT).catch(() => undefined);
    systemd?.close();
    await cluster?.stop();
  });

  const startActive = async () => {
    await systemd!.startUnit(UNIT);
    const started = await stopAndWaitFor('active');
    expect(started).toBe('active');
  };
  /** Resolves with the unit's state once it is `want`, checked on its signals (deadline 20 s). */
  const stopAndWaitFor = async (want: string): Promise<string> => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const state = (await systemd!.unitStates([UNIT])).get(UNIT)!.activeState;
      if (state === want) return state;
      await new Promise<void>((resolve) => {
        const off = systemd!.onUnitsChanged((u) => u === UNIT && (void off.then((f) => f()), resolve()));
        setTimeout(resolve, deadline - Date.now());
      });
    }
    throw new Error(`timed out waiting for ${UNIT} to be ${want}`);
  };

  test('a 2 s ExecStop: down only when systemd says inactive, deactivating meanwhile', async () => {
    await startActive();
    seen.length = 0;
    const t0 = performance.now();
    const outcome = await stopAndWait(systemd!, UNIT, 20_000);
    const waited = performance.now() - t0;
    expect(outcome).toEqual({ down: true, activeState: 'inactive' });
    expect(waited).toBeGreaterThan(1800);
    expect(seen).toContain('deactivating');
    expect((await machine.systemctlShow(UNIT, ['ActiveState'])).ActiveState).toBe('inactive');
  });

  test('a deadline shorter than the stop: returns at the deadline, still deactivating', async () => {
    await startActive();
    const t0 = performance.now();
    const outcome = await stopAndWait(systemd!, UNIT, 300);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(outcome).toEqual({ down: false, activeState: 'deactivating' });
    expect(await stopAndWaitFor('inactive')).toBe('inactive');
  });
});
