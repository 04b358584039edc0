/**
 * `[Install]` sections (docs/agent.md "[Install] sections") through the whole agent against real systemd (one
 * nspawn machine driven from the host) with an in-memory registry. The first three tests are fleet's
 * TestInstallUnit (coreos/fleet functional/install_test.go, fixtures/units/discovery.service): a sidekick
 * loaded next to hello.service is enabled, not started, and starts and stops with hello.service. Every claim
 * is asked of the machine's systemd; waits are on registry changes or passes, never sleeps.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import type { DesiredState, UnitSpec } from '@flotilla/core';
import { waitUntil, type Machine } from '../../../test/harness/index.js';
import type { AgentHandle } from './agent.js';
import { MemoryRegistry } from '../../core/src/testing/memory-registry.js';
import { hostUnitsDir as machineUnitsDir, MACHINE_UNITS_DIR as UNITS_DIR, machineAgentConfig, useMachineAgent } from './test-support/machine-agent.js';

const RUNTIME_DIR = '/run/systemd/system';
const hello: UnitSpec = { name: 'hello.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' }] };
/** fleet's functional/fixtures/units/discovery.service: BindsTo= makes it stop with hello.service. */
const discovery: UnitSpec = {
  name: 'discovery.service',
  options: [
    { section: 'Unit', name: 'Description', value: 'sidekick' },
    { section: 'Unit', name: 'BindsTo', value: 'hello.service' },
    { section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' },
    { section: 'Install', name: 'WantedBy', value: 'hello.service' },
    { section: 'X-Fleet', name: 'MachineOf', value: 'hello.service' },
  ],
};

/** A unit systemd refuses to enable: `foo` is not a unit name. */
const badInstall = (name: string): UnitSpec => ({
  name,
  options: [
    { section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' },
    { section: 'Install', name: 'WantedBy', value: 'foo' },
  ],
});

describe('[Install] sections on a real systemd machine', () => {
  let machine: Machine;
  let agent: AgentHandle | undefined;
  const registry = new MemoryRegistry();
  const logLines: Record<string, unknown>[] = [];
  const hostUnitsDir = () => machineUnitsDir(machine);
  const published = (unit: string) => registry.state(unit, machine.id);
  const assign = (spec: UnitSpec, desired: DesiredState) => registry.assignUnit(machine.id, spec, desired);
  const show = async (unit: string, prop: string) => (await machine.systemctlShow(unit, [prop]))[prop];
  const isEnabled = async (unit: string) => {
    const r = await machine.exec(['systemctl', 'is-enabled', unit]);
    return (r.stdout + r.stderr).trim();
  };
  const wantsLink = (unit: string, wanter: string) => path.join(`/proc/${machine.leaderPid}/root`, RUNTIME_DIR, `${wanter}.wants`, unit);
  /** Resolves after `n` more reconcile passes (the periodic pass runs every 300 ms here). */
  const passes = async (n: number) => {
    const target = agent!.stats().passes + n;
    await waitUntil(`${n} more passes`, async () => (agent!.stats().passes >= target ? true : undefined), { timeoutMs: 20_000, intervalMs: 50 });
  };

  useMachineAgent(registry, {
    config(m) {
      machine = m;
      const logStream = { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) };
      return machineAgentConfig(machine, registry, {
        logger: pino({ level: 'info' }, logStream),
        reconcileIntervalMs: 300, // the periodic pass is what would stop a unit systemd started: let it run often
      });
    },
    started: (a) => (agent = a),
    current: () => agent,
  });

  test('fleet TestInstallUnit: both loaded; the sidekick is enabled (enabled-runtime, a hello.service.wants/ link), not started', async () => {
    assign(hello, 'loaded');
    assign(discovery, 'loaded');
    await registry.until('both loaded', () => published('hello.service')?.loadState === 'loaded' && published('discovery.service')?.loadState === 'loaded');
    expect(await isEnabled('discovery.service')).toBe('enabled-runtime');
    expect(fs.readlinkSync(wantsLink('discovery.service', 'hello.service'))).toBe(path.join(UNITS_DIR, 'discovery.service'));
    expect(await isEnabled('hello.service')).toBe('linked-runtime'); // no [Install]: only linked, as before
    expect(await show('discovery.service', 'ActiveState')).toBe('inactive');
    expect(await show('hello.service', 'ActiveState')).toBe('inactive');
  });

  test('starting hello.service starts the sidekick, and the agent leaves it running though its desired state is loaded', async () => {
    assign(hello, 'launched');
    await registry.until('discovery.service active', () => published('discovery.service')?.activeState === 'active');
    const pid = await show('discovery.service', 'MainPID');
    await passes(3);
    expect(await machine.systemctlShow('discovery.service', ['ActiveState', 'MainPID'])).toEqual({ ActiveState: 'active', MainPID: pid });
    expect(logLines.filter((l) => l.unit === 'discovery.service' && l.kind === 'Stop')).toEqual([]);
  });

  test('stopping hello.service stops the sidekick (its BindsTo=)', async () => {
    assign(hello, 'loaded');
    await registry.until('discovery.service inactive', () => published('discovery.service')?.activeState === 'inactive');
    expect(await show('discovery.service', 'ActiveState')).toBe('inactive');
    expect(await show('hello.service', 'ActiveState')).toBe('inactive');
  });

  test('unloading the sidekick disables it: no .wants/ link left, systemd knows no unit file of that name', async () => {
    registry.unassignUnit(machine.id, 'discovery.service');
    await registry.until('discovery.service state removed', () => published('discovery.service') === undefined);
    expect(fs.existsSync(wantsLink('discovery.service', 'hello.service'))).toBe(false);
    expect(fs.existsSync(path.join(hostUnitsDir(), 'discovery.service'))).toBe(false);
    expect(await isEnabled('discovery.service')).toBe('Failed to get unit file state for discovery.service: No such file or directory');
  });

  test('enabled while hello.service runs: the pass reloads, so a restart of hello.service starts the sidekick', async () => {
    assign(hello, 'launched');
    await registry.until('hello.service active', () => published('hello.service')?.activeState === 'active');
    const reloads = agent!.stats().reloads;
    assign(discovery, 'loaded');
    await registry.until('discovery.service loaded', () => published('discovery.service')?.loadState === 'loaded');
    await waitUntil('the reload', async () => (agent!.stats().reloads > reloads ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
    expect(await show('discovery.service', 'ActiveState')).toBe('inactive'); // enabling starts nothing
    expect(await show('hello.service', 'Wants')).toBe('discovery.service');
    expect((await machine.exec(['systemctl', 'restart', 'hello.service'])).code).toBe(0);
    expect(await show('discovery.service', 'ActiveState')).toBe('active');
  });

  test('started by the agent, then desired loaded: the agent stops it (only its own start counts as launched)', async () => {
    assign(discovery, 'launched'); // running already: a start that records the launch
    await waitUntil('the start recorded', async () => logLines.find((l) => l.unit === 'discovery.service' && l.kind === 'Start' && l.ok === true), { timeoutMs: 20_000, intervalMs: 50 });
    assign(discovery, 'loaded');
    await registry.until('discovery.service inactive', () => published('discovery.service')?.activeState === 'inactive');
    expect(await show('discovery.service', 'ActiveState')).toBe('inactive');
    expect(await show('hello.service', 'ActiveState')).toBe('active');
    registry.unassignUnit(machine.id, 'discovery.service');
    assign(hello, 'loaded');
    await registry.until('discovery.service gone, hello.service inactive', () => published('discovery.service') === undefined && published('hello.service')?.activeState === 'inactive');
  });

  test('an enable failure fails the load with fleet\'s message and leaves no file or link behind', async () => {
    assign(badInstall('bad.service'), 'launched');
    const failed = await waitUntil('the failed load', async () => logLines.find((l) => l.unit === 'bad.service' && l.kind === 'Load' && l.ok === false), { timeoutMs: 20_000, intervalMs: 50 });
    // pino's serializer appends the causes' messages; the error's own message is fleet's text with systemd's reason.
    expect(failed).toMatchObject({ msg: 'task Load failed', reason: 'unit scheduled here but not loaded', err: { code: 'SYSTEMD_ENABLE_FAILED' } });
    expect(String((failed.err as { message: unknown }).message)).toMatch(
      `Failed to enable systemd unit bad.service: systemd EnableUnitFiles ${UNITS_DIR}/bad.service: "foo" is not a valid unit name. (org.freedesktop.systemd1.BadUnitSetting)`,
    );
    expect(fs.existsSync(path.join(hostUnitsDir(), 'bad.service'))).toBe(false);
    expect((await machine.exec(['find', RUNTIME_DIR, '-name', 'bad.service'])).stdout.trim()).toBe('');
    expect(await show('bad.service', 'ActiveState')).toBe('inactive');
    registry.unassignUnit(machine.id, 'bad.service');
  });

  test('a unit whose enable fails does not hold up the others assigned with it', async () => {
    const bad = badInstall('bad2.service');
    const good: UnitSpec = { name: 'zgood.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' }] };
    assign(bad, 'launched');
    assign(good, 'launched');
    await waitUntil('zgood.service active beside the failing bad2.service', async () => ((await show('zgood.service', 'ActiveState')) === 'active' ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 });
    expect(await show('bad2.service', 'ActiveState')).toBe('inactive');
    registry.unassignUnit(machine.id, 'bad2.service');
    registry.unassignUnit(machine.id, 'zgood.service');
  });

  // Any failure of one unit's task skips only that unit (docs/agent.md, "Executor"). The in-memory registry does
  // not validate names, so it assigns a 250-byte name as an older Flotilla accepted: its temporary file name
  // `.NAME.<12 hex>.tmp` is over 255 bytes, so the agent cannot write its file.
  test('a unit whose file cannot be written (ENAMETOOLONG) does not hold up the others assigned with it', async () => {
    const sleeper = (name: string): UnitSpec => ({ name, options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' }] });
    const unwritable = sleeper(`${'a'.repeat(242)}.service`);
    const good = sleeper('zgood3.service');
    assign(unwritable, 'launched');
    assign(good, 'launched');
    await waitUntil('zgood3.service active beside the unwritable unit', async () => ((await show('zgood3.service', 'ActiveState')) === 'active' ? true : undefined), { timeoutMs: 20_000, intervalMs: 100 });
    const failed = logLines.find((l) => l.unit === unwritable.name && l.kind === 'Load' && l.ok === false);
    expect(failed).toMatchObject({ msg: 'task Load failed', err: { code: 'ENAMETOOLONG' } });
    expect(fs.readdirSync(hostUnitsDir()).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary file left
    registry.unassignUnit(machine.id, unwritable.name);
    registry.unassignUnit(machine.id, good.name);
    await registry.until('zgood3.service unloaded', () => published('zgood3.service') === undefined);
  });
});
