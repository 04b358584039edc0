/**
 * Ownership, adoption, renderers and status/journal against real systemd (one nspawn machine driven from the
 * host) with an in-memory registry. Waits are on registry changes, never sleeps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { canonicalText, UnitNotManagedHereError, type UnitSpec } from '@flotilla/core';
import type { Machine } from '../../../test/harness/index.js';
import { startAgent, type AgentConfig, type AgentHandle } from './agent.js';
import type { UnitRenderer } from './naming/unit-renderer.js';
import { REFUSED_STATE } from './state-publisher.js';
import { MemoryRegistry } from '../../core/src/testing/memory-registry.js';
import { hostUnitsDir as machineUnitsDir, machineAgentConfig, useMachineAgent } from './test-support/machine-agent.js';

const service = (name: string, execStart: string): UnitSpec => ({
  name,
  options: [{ section: 'Service', name: 'ExecStart', value: execStart }],
});
/** `.container` units (a type the registry accepts) run as `.service` units, with a marker comment: a stand-in for
 * the containers renderer, so the test is about renaming, not about container engines. */
const markerRenderer: UnitRenderer = {
  suffix: '.container',
  systemdName: (n) => n.replace(/\.container$/, '.service'),
  render: (n, opts) => `# rendered from ${n}\n${canonicalText(opts)}`,
};

describe('agent ownership on a real systemd machine', () => {
  let machine: Machine;
  let agent: AgentHandle | undefined;
  const registry = new MemoryRegistry();
  const hostUnitsDir = () => machineUnitsDir(machine);
  const state = (unit: string) => registry.state(unit, machine.id);
  const config = (): AgentConfig =>
    machineAgentConfig(machine, registry, { unitRenderers: [markerRenderer], commandPrefix: ['nsenter', '-t', String(machine.leaderPid), '-a', '--'] });
  const sh = async (script: string) => {
    const r = await machine.exec(['sh', '-c', script]);
    if (r.code !== 0) throw new Error(`${script}: ${r.stderr}`);
    return r.stdout;
  };

  useMachineAgent(registry, {
    config(m) {
      machine = m;
      return config();
    },
    started: (a) => (agent = a),
    current: () => agent,
  });

  test('presence publishes capacity', () => {
    const capacity = registry.machine(machine.id)?.record.capacity;
    expect(capacity?.cpuMillis).toBeGreaterThanOrEqual(1000);
    expect(capacity?.memoryBytes).toBeGreaterThan(0);
  });

  test('a hand-made unit with a Flotilla unit name is refused, never overwritten or touched', async () => {
    const handText = '[Service]\nExecStart=/bin/sleep 3000\n';
    await sh(`printf '${handText}' > /etc/systemd/system/hand.service && systemctl daemon-reload && systemctl start hand.service`);
    const before = await machine.systemctlShow('hand.service', ['MainPID', 'FragmentPath']);
    registry.assignUnit(machine.id, service('hand.service', '/bin/sleep 1000'), 'launched');
    await registry.until('hand.service refused', () => state('hand.service')?.loadState === REFUSED_STATE.loadState);
    expect(state('hand.service')).toMatchObject(REFUSED_STATE);
    expect(await machine.systemctlShow('hand.service', ['MainPID', 'FragmentPath'])).toEqual(before);
    expect(await sh('cat /etc/systemd/system/hand.service')).toBe(handText);
    expect(fs.existsSync(path.join(hostUnitsDir(), 'hand.service'))).toBe(false);
    await expect(agent!.unitStatus('hand.service')).rejects.toBeInstanceOf(UnitNotManagedHereError);
    // Unassigned: still untouched.
    registry.unassignUnit(machine.id, 'hand.service');
    await registry.until('refused state removed', () => state('hand.service') === undefined);
    expect((await machine.systemctlShow('hand.service', ['MainPID'])).MainPID).toBe(before.MainPID);
  });

  test('a rendered unit runs under its systemd name and is published under its registry name', async () => {
    const unit = registry.assignUnit(machine.id, service('echo@1.container', "/bin/sh -c 'echo hello-journal-ok; exec sleep 1000'"), 'launched');
    await registry.until('echo@1.container active', () => state('echo@1.container')?.activeState === 'active');
    expect(state('echo@1.container')).toMatchObject({ loadState: 'loaded', subState: 'running', hash: unit.hash });
    expect((await machine.systemctlShow('echo@1.service', ['ActiveState'])).ActiveState).toBe('active');
    expect(fs.readFileSync(path.join(hostUnitsDir(), 'echo@1.service'), 'utf8')).toMatch(/^# rendered from echo@1\.container\n/);
    expect(registry.state('echo@1.service', machine.id)).toBeUndefined();
  });

  test('status: systemctl-style text of the systemd unit; journal: last lines; unknown names refused', async () => {
    const status = await agent!.unitStatus('echo@1.container');
    expect(status).toMatch(/echo@1\.service/);
    expect(status).toMatch(/Active: active \(running\)/);
    const lines: string[] = [];
    for await (const line of agent!.unitJournal('echo@1.container', { lines: 50 })) lines.push(line);
    expect(lines.some((l) => l.includes('hello-journal-ok'))).toBe(true);
    expect(() => agent!.unitJournal('nope.service')).toThrow(UnitNotManagedHereError);
  });

  test('journal follow: history, then new lines, until aborted', async () => {
    const abort = new AbortController();
    const seen: string[] = [];
    const deadline = setTimeout(() => abort.abort(), 20_000);
    for await (const line of agent!.unitJournal('echo@1.container', { lines: 50, follow: true, signal: abort.signal })) {
      seen.push(line);
      // History has been printed once our own line shows up: what we log now can only come by following.
      // A root-written entry naming the unit (OBJECT_SYSTEMD_UNIT) is part of `journalctl -u`.
      if (line.includes('hello-journal-ok')) await sh(`printf 'MESSAGE=followed-line\\nOBJECT_SYSTEMD_UNIT=echo@1.service\\n' | logger --journald`);
      if (line.includes('followed-line')) abort.abort();
    }
    clearTimeout(deadline);
    expect(seen.some((l) => l.includes('followed-line'))).toBe(true);
  });

  test('agent restart adopts its running units: no restart, same PIDs', async () => {
    const before = await machine.systemctlShow('echo@1.service', ['MainPID', 'ActiveEnterTimestampMonotonic']);
    await agent!.stop({ mode: 'restart' });
    agent = await startAgent(config());
    await registry.until('machine key taken over, echo@1.container active', () => registry.machine(machine.id)?.takenOver === true && state('echo@1.container')?.activeState === 'active');
    expect(agent.stats().passes).toBeGreaterThanOrEqual(1);
    expect(await machine.systemctlShow('echo@1.service', ['MainPID', 'ActiveEnterTimestampMonotonic'])).toEqual(before);
  });
});
