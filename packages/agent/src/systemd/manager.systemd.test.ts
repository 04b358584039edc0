/**
 * SystemdManager against real systemd: one nspawn machine booted by the test harness, driven from the host
 * through its system bus. Every wait is on a systemd signal (through onUnitsChanged), never a sleep.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { withDeadline } from '@flotilla/core';
import { startCluster, type Cluster, type Machine } from '../../../../test/harness/index.js';
import type * as dbus from 'dbus-next';
import { BusConnection } from './bus.js';
import { SystemdError } from './errors.js';
import { SystemdManager } from './manager.js';
import { unitNameFromPath, unitObjectPath } from './unit-path.js';

const UNITS_DIR = '/run/flotilla-test/units'; // as the machine sees it

describe('SystemdManager on a real systemd machine', () => {
  let cluster: Cluster | undefined;
  let machine: Machine;
  let systemd: SystemdManager | undefined;
  const changed: string[] = [];
  const waiters = new Set<() => void>();

  beforeAll(async () => {
    cluster = await startCluster({ machines: 1, agent: false });
    machine = cluster.machines[0]!;
    systemd = await SystemdManager.connect({ busAddress: machine.busAddress, callTimeoutMs: 10_000 });
    await systemd.onUnitsChanged((unit) => {
      changed.push(unit);
      for (const wake of waiters) wake();
    });
  });

  afterAll(async () => {
    systemd?.close();
    await cluster?.stop();
  });

  /** Writes a unit file into the machine's /run (a tmpfs only reachable through its PID 1's root). */
  function writeUnit(name: string, text: string): string {
    const hostDir = path.join(`/proc/${machine.leaderPid}/root`, UNITS_DIR);
    fs.mkdirSync(hostDir, { recursive: true });
    fs.writeFileSync(path.join(hostDir, name), text, { mode: 0o644 });
    return path.join(UNITS_DIR, name);
  }

  /** Resolves once `unit` reaches `activeState`, re-checking on every systemd signal (deadline 20 s). */
  async function waitForActiveState(unit: string, activeState: string): Promise<void> {
    await waitForSignalled(`${unit} to reach ${activeState}`, async () => (await systemd!.unitStates([unit])).get(unit)?.activeState === activeState);
  }

  /** Resolves once `reached` holds, re-checking on every systemd signal (deadline 20 s). */
  async function waitForSignalled(what: string, reached: () => Promise<boolean>): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}`)), 20_000);
      const check = () => void reached().then((ok) => ok && done(), done);
      const done = (err?: unknown) => {
        clearTimeout(timer);
        waiters.delete(check);
        err ? reject(err) : resolve();
      };
      waiters.add(check);
      check();
    });
  }

  test('link + start: active, confirmed by systemctl inside; signals name the unit', async () => {
    const file = writeUnit('flotilla-t1.service', '[Service]\nExecStart=/bin/sleep 1000\n');
    await systemd!.linkUnitFile(file);
    const job = await systemd!.startUnit('flotilla-t1.service');
    expect(job).toMatch(/^\/org\/freedesktop\/systemd1\/job\/\d+$/);
    await waitForActiveState('flotilla-t1.service', 'active');

    expect((await systemd!.unitStates(['flotilla-t1.service'])).get('flotilla-t1.service')).toEqual({
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
    });
    expect(await machine.systemctlShow('flotilla-t1.service', ['ActiveState', 'FragmentPath'])).toEqual({
      ActiveState: 'active',
      FragmentPath: '/run/systemd/system/flotilla-t1.service', // the runtime link, pointing at our file
    });
    expect((await machine.exec(['readlink', '/run/systemd/system/flotilla-t1.service'])).stdout.trim()).toBe(file);
    expect((await machine.exec(['systemctl', 'is-enabled', 'flotilla-t1.service'])).stdout.trim()).toBe('linked-runtime');
    expect(changed).toContain('flotilla-t1.service');
  });

  test('stop: inactive, confirmed by systemctl inside', async () => {
    await systemd!.stopUnit('flotilla-t1.service');
    await waitForActiveState('flotilla-t1.service', 'inactive');
    expect(await machine.systemctlShow('flotilla-t1.service', ['ActiveState', 'SubState'])).toEqual({
      ActiveState: 'inactive',
      SubState: 'dead',
    });
  });

  test('unlink + reload: systemd forgets the unit', async () => {
    await systemd!.unlinkUnitFile('flotilla-t1.service');
    await systemd!.reload();
    expect((await systemd!.unitStates(['flotilla-t1.service'])).get('flotilla-t1.service')?.loadState).toBe('not-found');
    expect((await machine.systemctlShow('flotilla-t1.service', ['LoadState'])).LoadState).toBe('not-found');
  });

  test('a failed unit reads as failed; resetFailed clears it', async () => {
    await systemd!.linkUnitFile(writeUnit('flotilla-t2.service', '[Service]\nExecStart=/bin/false\n'));
    await systemd!.startUnit('flotilla-t2.service');
    await waitForActiveState('flotilla-t2.service', 'failed');
    await systemd!.resetFailed('flotilla-t2.service');
    expect((await systemd!.unitStates(['flotilla-t2.service'])).get('flotilla-t2.service')?.activeState).toBe('inactive');
    await systemd!.unlinkUnitFile('flotilla-t2.service');
  });

  test('unitRuntimes: NRestarts and StateChangeTimestamp as systemctl shows them, after a kill and a restart', async () => {
    const unit = 'flotilla-t3.service';
    await systemd!.linkUnitFile(writeUnit(unit, '[Service]\nExecStart=/bin/sleep 1000\nRestart=always\nRestartSec=100ms\n'));
    await systemd!.reload();
    await systemd!.startUnit(unit);
    await waitForActiveState(unit, 'active');
    expect((await systemd!.unitRuntimes([unit])).get(unit)?.restarts).toBe(0);
    expect((await machine.exec(['systemctl', 'kill', '--kill-who=main', '--signal=SIGKILL', unit])).code).toBe(0);
    await waitForSignalled(`${unit} to be restarted`, async () => (await systemd!.unitRuntimes([unit])).get(unit)?.restarts === 1);
    await waitForActiveState(unit, 'active');
    const runtime = (await systemd!.unitRuntimes([unit, 'flotilla-t3.timer'])).get(unit);
    const shown = await machine.exec(['systemctl', 'show', '--timestamp=unix', '-p', 'NRestarts', '-p', 'StateChangeTimestamp', unit]);
    const props = Object.fromEntries(shown.stdout.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
    expect({ restarts: runtime?.restarts, sinceSec: Math.floor((runtime?.since ?? 0) / 1000) }).toEqual({
      restarts: Number(props.NRestarts),
      sinceSec: Number(props.StateChangeTimestamp?.replace('@', '')),
    });
    await systemd!.stopUnit(unit);
    await waitForActiveState(unit, 'inactive');
    await systemd!.unlinkUnitFile(unit);
  });

  test('enable ([Install] WantedBy=): enabled-runtime, a .wants/ symlink; a running unit that wants it needs a reload to see it', async () => {
    const wanter = 'flotilla-hello.service';
    const side = 'flotilla-side.service';
    await systemd!.linkUnitFile(writeUnit(wanter, '[Service]\nExecStart=/bin/sleep infinity\n'));
    await systemd!.startUnit(wanter);
    await waitForActiveState(wanter, 'active'); // in memory from here on, with the dependencies it had on load
    const file = writeUnit(side, `[Unit]\nBindsTo=${wanter}\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=${wanter}\n`);
    await systemd!.linkUnitFile(file);
    expect((await machine.exec(['systemctl', 'is-enabled', side])).stdout.trim()).toBe('linked-runtime');

    expect(await systemd!.enableUnitFile(file)).toEqual({
      carriesInstallInfo: true,
      changes: [{ type: 'symlink', file: `/run/systemd/system/${wanter}.wants/${side}`, destination: file }],
    });
    expect((await machine.exec(['systemctl', 'is-enabled', side])).stdout.trim()).toBe('enabled-runtime');
    expect((await machine.exec(['readlink', `/run/systemd/system/${wanter}.wants/${side}`])).stdout.trim()).toBe(file);

    // Without a reload the running unit keeps its old dependencies: a restart does not start the enabled unit.
    expect((await machine.systemctlShow(wanter, ['Wants'])).Wants).toBe('');
    expect((await machine.exec(['systemctl', 'restart', wanter])).code).toBe(0);
    expect((await machine.systemctlShow(side, ['ActiveState'])).ActiveState).toBe('inactive');
    await systemd!.reload();
    expect((await machine.systemctlShow(wanter, ['Wants'])).Wants).toBe(side);
    expect((await machine.exec(['systemctl', 'restart', wanter])).code).toBe(0);
    await waitForActiveState(side, 'active');

    await systemd!.stopUnit(wanter);
    await waitForActiveState(side, 'inactive'); // BindsTo
    await systemd!.unlinkUnitFile(side);
    await systemd!.unlinkUnitFile(wanter);
  });

  test('unlink (DisableUnitFiles) of an enabled unit removes its .wants/ symlink as well as its link', async () => {
    expect((await machine.exec(['find', '/run/systemd/system', '-name', '*flotilla-side*'])).stdout.trim()).toBe('');
    const shown = await machine.exec(['systemctl', 'is-enabled', 'flotilla-side.service']);
    expect({ code: shown.code, stderr: shown.stderr.trim() }).toEqual({
      code: 1,
      stderr: 'Failed to get unit file state for flotilla-side.service: No such file or directory',
    });
  });

  test('enable failures: an invalid WantedBy= is a typed error; no installation rules reads as carriesInstallInfo false', async () => {
    const bad = writeUnit('flotilla-bad.service', '[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=foo\n');
    await systemd!.linkUnitFile(bad);
    const err = await systemd!.enableUnitFile(bad).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'SYSTEMD_LOAD_FAILED',
      dbusName: 'org.freedesktop.systemd1.BadUnitSetting',
      message: `systemd EnableUnitFiles ${bad}: "foo" is not a valid unit name. (org.freedesktop.systemd1.BadUnitSetting)`,
    });
    const none = writeUnit('flotilla-none.service', '[Service]\nExecStart=/bin/sleep infinity\n[Install]\nDefaultInstance=x\n');
    await systemd!.linkUnitFile(none);
    expect(await systemd!.enableUnitFile(none)).toEqual({ carriesInstallInfo: false, changes: [] });
    await systemd!.unlinkUnitFile('flotilla-bad.service');
    await systemd!.unlinkUnitFile('flotilla-none.service');
  });

  test('NoSuchUnit: not-found for state reads and no-op for stop/reset; a typed error for start', async () => {
    const states = await systemd!.unitStates(['flotilla-nope.service', 'dbus.service']);
    expect(states.get('flotilla-nope.service')).toEqual({ loadState: 'not-found', activeState: 'inactive', subState: 'dead' });
    expect(states.get('dbus.service')?.activeState).toBe('active');
    await expect(systemd!.stopUnit('flotilla-nope.service')).resolves.toBeUndefined();
    await expect(systemd!.resetFailed('flotilla-nope.service')).resolves.toBeUndefined();
    const err = await systemd!.startUnit('flotilla-nope.service').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SystemdError);
    expect(err).toMatchObject({ code: 'SYSTEMD_NO_SUCH_UNIT', retryable: false, dbusName: 'org.freedesktop.systemd1.NoSuchUnit' });
  });

  test("systemd's PropertiesChanged signals arrive without their bodies (never read: signal-bodies.ts); JobRemoved and replies keep theirs", async () => {
    const conn = await BusConnection.open(machine.busAddress, 10_000);
    try {
      const signals: dbus.Message[] = [];
      let jobDone: (() => void) | undefined;
      const done = new Promise<void>((resolve) => (jobDone = resolve));
      conn.onSignal((msg) => {
        signals.push(msg);
        if (msg.member === 'JobRemoved' && msg.body[2] === 'flotilla-t5.service') jobDone?.();
      });
      const dbusCall = (member: string, rule: string) =>
        conn.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member, signature: 's', body: [rule] }, member);
      await dbusCall('AddMatch', "type='signal',sender='org.freedesktop.systemd1',interface='org.freedesktop.systemd1.Manager',member='JobRemoved'");
      await dbusCall('AddMatch', "type='signal',sender='org.freedesktop.systemd1',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'");
      await conn.call({ destination: 'org.freedesktop.systemd1', path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager', member: 'Subscribe' }, 'Subscribe');
      await systemd!.linkUnitFile(writeUnit('flotilla-t5.service', '[Service]\nExecStart=/bin/sleep 1000\n'));
      await systemd!.startUnit('flotilla-t5.service');
      await withDeadline(done, 20_000, () => new Error('timed out waiting for the JobRemoved of flotilla-t5.service'));

      const changes = signals.filter((m) => m.member === 'PropertiesChanged');
      expect(changes.map((m) => unitNameFromPath(m.path))).toContain('flotilla-t5.service');
      for (const m of changes) expect({ signature: m.signature, body: m.body }).toEqual({ signature: '', body: [] });
      const removed = signals.find((m) => m.member === 'JobRemoved' && m.body[2] === 'flotilla-t5.service');
      expect(removed?.signature).toBe('uoss');
      expect(removed?.body[3]).toBe('done');
      // A reply with a dictionary of variants (what a PropertiesChanged body is) still decodes in full.
      const [all] = await conn.call({ destination: 'org.freedesktop.systemd1', path: unitObjectPath('flotilla-t5.service'), interface: 'org.freedesktop.DBus.Properties', member: 'GetAll', signature: 's', body: ['org.freedesktop.systemd1.Unit'] }, 'GetAll');
      expect((all as Record<string, { value: unknown }>).ActiveState?.value).toBe('active');
      expect(typeof (all as Record<string, { value: unknown }>).StateChangeTimestamp?.value).toBe('bigint');
      await systemd!.stopUnit('flotilla-t5.service');
    } finally {
      conn.close();
    }
  });

  test('a bus that is not there: SYSTEMD_UNAVAILABLE, retryable', async () => {
    const err = await SystemdManager.connect({ busAddress: 'unix:path=/nonexistent/bus', callTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SYSTEMD_UNAVAILABLE', retryable: true });
  });
});

test.each([
  { name: 'plain service', unit: 'web.service', path: '/org/freedesktop/systemd1/unit/web_2eservice' },
  { name: 'dash and at sign', unit: 'a-b@1.service', path: '/org/freedesktop/systemd1/unit/a_2db_401_2eservice' },
  { name: 'leading digit', unit: '9x.service', path: '/org/freedesktop/systemd1/unit/_39x_2eservice' },
])('unit object path: $name', ({ unit, path: objectPath }) => {
  expect(unitObjectPath(unit)).toBe(objectPath);
  expect(unitNameFromPath(objectPath)).toBe(unit);
});
