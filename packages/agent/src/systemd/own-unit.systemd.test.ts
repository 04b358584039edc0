/**
 * readOwnUnitJob against real systemd (one nspawn machine, no agent): for a process in a transient service whose
 * ExecStop= takes 3 s, the job systemd runs while it stops is read as `restart` for systemctl restart (try-restart
 * and reload-or-restart too: systemd collapses them to a restart job) and `stop` for systemctl stop; with no job,
 * the service's Restart= is read. No bus or no such process: a SystemdError.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type Cluster, type Machine } from '../../../../test/harness/index.js';
import { waitUntil } from '../../../../test/harness/exec.js';
import { SystemdError } from './errors.js';
import { readOwnUnitJob } from './own-unit.js';

const UNIT = 'fl-own-unit.service';

describe('readOwnUnitJob on a real systemd machine', () => {
  let cluster: Cluster | undefined;
  let machine: Machine;
  const read = (pid: number) => readOwnUnitJob({ pid, busAddress: machine.busAddress, timeoutMs: 5000 });
  const systemctl = async (...args: string[]) => {
    const result = await machine.exec(['systemctl', ...args], { timeoutMs: 15_000 });
    if (result.code !== 0) throw new Error(`systemctl ${args.join(' ')}: ${result.stderr}`);
  };
  /** The unit's MainPID (in the machine's pid namespace) once it is active. */
  const activePid = () =>
    waitUntil(
      `${UNIT} active`,
      async () => {
        const { ActiveState, MainPID } = await machine.systemctlShow(UNIT, ['ActiveState', 'MainPID']);
        return ActiveState === 'active' && Number(MainPID) > 0 ? Number(MainPID) : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );

  beforeAll(async () => {
    cluster = await startCluster({ machines: 1, agent: false });
    machine = cluster.machines[0]!;
    const started = await machine.exec(
      ['systemd-run', `--unit=${UNIT}`, '-p', 'Restart=always', '-p', 'ExecStop=/bin/sleep 3', '/bin/sleep', 'infinity'],
      { timeoutMs: 15_000 },
    );
    expect(started.code, started.stderr).toBe(0);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('no job: the unit and its Restart=', async () => {
    expect(await read(await activePid())).toEqual({ unit: UNIT, restart: 'always' });
  });

  test.each([
    { verb: 'restart', jobType: 'restart' },
    { verb: 'try-restart', jobType: 'restart' },
    { verb: 'reload-or-restart', jobType: 'restart' },
    { verb: 'stop', jobType: 'stop' },
  ])('systemctl $verb: the job read while the unit stops is $jobType', async ({ verb, jobType }) => {
    const pid = await activePid();
    await systemctl(verb, '--no-block', UNIT);
    expect(await read(pid)).toEqual({ unit: UNIT, jobType, restart: 'always' });
    if (verb === 'stop') await systemctl('start', UNIT);
  });

  test('a process outside any service (PID 1, init.scope): no Restart=', async () => {
    expect(await read(1)).toEqual({ unit: 'init.scope' });
  });

  test('no such process, or no bus: SystemdError', async () => {
    await expect(read(2 ** 22 + 1)).rejects.toBeInstanceOf(SystemdError);
    await expect(readOwnUnitJob({ pid: 1, busAddress: 'unix:path=/nonexistent/bus', timeoutMs: 1000 })).rejects.toBeInstanceOf(SystemdError);
  });
});
