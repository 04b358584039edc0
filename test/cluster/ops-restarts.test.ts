/**
 * Restarts and since-when per unit on a real machine (docs/ops.md): a `Restart=always` unit whose main process is
 * killed is restarted by systemd, and its agent publishes systemd's NRestarts and StateChangeTimestamp (read
 * over D-Bus when the unit's state changes). `flotilla health -o json` and `list-units --fields` show them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { cliFor, tableRows } from '../support/cli.js';

const UNIT = 'restarty.service';

interface UnitView {
  name: string;
  health: string;
  restarts?: number;
  since?: number;
}

describe('restarts on a real machine', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-ops-restarts-'));

  beforeAll(async () => {
    cluster = await startCluster({ machines: 1, ttlSec: 5 });
    cli = cliFor(cluster.cliEnv);
    fs.writeFileSync(path.join(tmp, UNIT), '[Service]\nExecStart=/bin/sleep 100000\nRestart=always\nRestartSec=1\n');
  });
  afterAll(async () => {
    await cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const healthOf = async (): Promise<UnitView | undefined> => {
    const r = await cli(['health', '-o', 'json']);
    return (JSON.parse(r.stdout) as { units: UnitView[] }).units.find((u) => u.name === UNIT);
  };
  const listed = async () => tableRows((await cli(['list-units', '--no-legend', '--fields', 'unit,restarts,since'])).stdout).find((row) => row[0] === UNIT);

  test('a killed Restart=always unit shows its restarts in health and list-units', async () => {
    expect((await cli(['start', path.join(tmp, UNIT)])).code).toBe(0);
    const running = await waitUntil(`${UNIT} to run`, async () => {
      const u = await healthOf();
      return u?.health === 'ok' ? u : undefined;
    }, { timeoutMs: 60_000, intervalMs: 300 });
    expect(running.restarts).toBe(0);
    expect(await listed()).toEqual([UNIT, '0', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)]);

    const killedAt = Date.now();
    const machine = cluster.machines[0]!;
    const kill = await machine.exec(['systemctl', 'kill', '--kill-who=main', '--signal=SIGKILL', UNIT], { timeoutMs: 10_000 });
    expect(kill.code).toBe(0);

    const restarted = await waitUntil(`${UNIT} to be restarted and running again`, async () => {
      const u = await healthOf();
      return u?.health === 'ok' && (u.restarts ?? 0) >= 1 ? u : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
    expect(restarted.restarts).toBe(1);
    // since is systemd's time of the last active-state change: the restart, after the kill (clocks shared with the host)
    expect(restarted.since).toBeGreaterThanOrEqual(killedAt - 1000);
    const row = await listed();
    expect(row?.slice(0, 2)).toEqual([UNIT, '1']);
    expect(systemdRestarts(await machine.exec(['systemctl', 'show', '-p', 'NRestarts', '--value', UNIT]))).toBe(1);
  });
});

function systemdRestarts(r: { stdout: string }): number {
  return Number(r.stdout.trim());
}
