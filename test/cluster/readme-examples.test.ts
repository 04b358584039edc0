/**
 * Every command of the README's ```sh blocks, in order, against the cluster `npm run up` builds: the same steps
 * (scripts/demo-cluster.ts) on a cluster of its own, so a user's running `demo` cluster is left alone. The commands
 * run as a user runs them: `bin/flotilla` from a checkout whose .flotilla/cluster.env is the one `up` wrote (a copy
 * of bin/flotilla in a temp dir, its packages and units linked to this repo), with no FLOTILLA_* variable set. Each
 * must exit 0 and do what the README says, checked where it happens: the machine's own systemd, its docker, the
 * published port. A command the test cannot run is listed in SKIPPED with the reason; a README command in neither
 * table fails the test, so a new example gets a check.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_DIR, startCluster, type Cluster } from '../harness/cluster.js';
import { run, waitUntil, type ExecResult } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';
import { tableRows } from '../support/cli.js';
import { readmeCommandsOf } from '../support/readme-examples.js';
import {
  APP_INSTANCES, DEMO_MACHINES, EXAMPLE_UNITS, WEB_PAGE, WEB_PORT, apiUrlOf, demoCliEnv, demoClusterOptions, prepareEngines,
  readClusterEnv, startExampleUnits, writeClusterEnv,
} from '../../scripts/demo-cluster.js';

/** beforeAll: boot with engines, images, the example units; a fresh box also builds the `engines` image (~2 min). */
const SETUP_BUDGET_MS = 600_000;
const COMMANDS = readmeCommandsOf(path.join(REPO_DIR, 'README.md'));

const SKIPPED: Record<string, string> = {
  'npm run up': 'the cluster under test is built by up\'s own steps (scripts/demo-cluster.ts), as a separate cluster',
  'npm run down': 'removes the user\'s `demo` cluster; this test tears its own down with the same teardownCluster',
  'npm test': 'the suite this test is part of',
  'bin/flotilla --endpoint http://10.0.0.5:2379 list-machines': 'an example address of another cluster; nothing answers there',
};
/** `npm run bench -- NAME`: each boots clusters of its own and loads the box for minutes; figures in docs/benchmarks.md. */
const isBench = (command: string) => command.startsWith('npm run bench -- ');

let cluster: Cluster;
let home: string;
/** Runs a README command in the user's shell, from the checkout. */
let sh: (command: string, timeoutMs?: number) => Promise<ExecResult>;

/** A login shell's environment (`env -i`): no FLOTILLA_* setting of the test run reaches the CLI. The run's cache
 * directory (test/harness/global-setup.ts) keeps the CLI's etcd token cache out of the real home. */
const userEnv = () => ['-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, `HOME=${os.homedir()}`, ...(process.env.XDG_CACHE_HOME ? [`XDG_CACHE_HOME=${process.env.XDG_CACHE_HOME}`] : [])];
const systemdName = (unit: string) => unit.replace(/\.container$/, '.service');
const activeState = async (m: Machine, unit: string) => (await m.systemctlShow(systemdName(unit), ['ActiveState'])).ActiveState;
/** `demo-m1` in the README is this cluster's first machine. */
const adapt = (command: string) => command.replace(/\bdemo-m(\d)\b/g, (_, n: string) => `${cluster.id}-m${n}`);
const machineNamed = (n: number) => cluster.machines.find((m) => m.name === `${cluster.id}-m${n}`)!;

/** The machine list-units places the unit on, from its MACHINE column (id prefix/IP). */
async function hostOf(unit: string): Promise<Machine | undefined> {
  const listed = await sh('bin/flotilla list-units --no-legend --full');
  const id = tableRows(listed.stdout).find((r) => r[0] === unit)?.[1]?.split('/')[0];
  return cluster.machines.find((m) => m.id === id);
}

/** Units whose own machine's systemd says active, among those list-units places there. */
async function unitsActiveOn(machine: Machine): Promise<string[]> {
  const rows = tableRows((await sh('bin/flotilla list-units --no-legend --full')).stdout).filter((r) => r[1]?.startsWith(machine.id));
  const states = await Promise.all(rows.map(async (r) => [r[0]!, await activeState(machine, r[0]!)] as const));
  return states.filter(([, s]) => s === 'active').map(([u]) => u).sort();
}

/** Every unit of list-units (as printed by `stdout`) is active by its machine's own systemd, and up's units are all there. */
async function expectListedUnitsActiveInSystemd(stdout: string): Promise<void> {
  const rows = tableRows(stdout).slice(1);
  const expected = [...EXAMPLE_UNITS.map((u) => path.basename(u)), ...Array.from({ length: APP_INSTANCES }, (_, i) => `app@${i + 1}.service`), 'lb.service'];
  for (const unit of expected.filter((u) => u !== 'hello.service' || rows.some((r) => r[0] === u))) expect(rows.map((r) => r[0])).toContain(unit);
  for (const [unit, where, active] of rows) {
    expect(active, unit).toBe('active');
    const ip = where!.split('/')[1];
    const machine = cluster.machines.find((m) => m.ip === ip)!;
    expect(await activeState(machine, unit!), `${unit} in ${machine.name}'s systemd`).toBe('active');
  }
}

/** `journal -f`: runs until Ctrl-C. Stopped with SIGINT once a line written after it started has arrived. */
async function followUntilNewLine(command: string): Promise<{ lines: string[]; code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn('env', [...userEnv(), 'bash', '-c', `exec ${command}`], { cwd: home });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const hello = () => out.split('\n').filter((l) => l.includes('Hello from'));
  try {
    await waitUntil('the journal backlog', async () => (hello().length > 0 ? true : undefined), { timeoutMs: 15_000, intervalMs: 100 });
    await new Promise((r) => setTimeout(r, 1000)); // the backlog comes in one go
    const backlog = hello().length;
    await waitUntil('a new journal line (hello writes one every 5 s)', async () => (hello().length > backlog ? true : undefined), { timeoutMs: 15_000, intervalMs: 100 });
  } finally {
    child.kill('SIGINT');
  }
  const end = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(r, 5000))]);
  if (!end) child.kill('SIGKILL');
  expect(end, 'journal -f to end on Ctrl-C within 5 s').toBeDefined();
  return { lines: hello(), ...end! };
}

/** What each README command must do beyond exiting 0 (the same check wherever the command appears). */
const CHECKS: Record<string, (result: ExecResult) => Promise<void>> = {
  'bin/flotilla list-machines': async ({ stdout }) => {
    const rows = tableRows(stdout);
    expect(rows[0]).toEqual(['MACHINE', 'IP', 'METADATA']);
    expect(rows.slice(1).map((r) => r[1]).sort()).toEqual(cluster.machines.map((m) => m.ip).sort());
  },
  'bin/flotilla list-units': ({ stdout }) => expectListedUnitsActiveInSystemd(stdout),
  'bin/flotilla status hello.service': async ({ stdout }) => {
    const host = (await hostOf('hello.service'))!;
    expect(stdout).toContain('hello.service - Hello World');
    expect(stdout).toMatch(/Active: active \(running\)/);
    // systemd's own status, from the machine that runs it: its journal lines carry its hostname.
    expect(stdout).toContain(`Hello from ${host.name}`);
  },
  'bin/flotilla journal --lines 5 hello.service': async ({ stdout }) => {
    const host = (await hostOf('hello.service'))!;
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(5);
    // Every line from the machine that runs it (its hostname in journalctl's short format).
    for (const line of lines) expect(line.split(' ')[3]).toBe(host.name);
    expect(stdout).toContain(`Hello from ${host.name}`);
  },
  'bin/flotilla --driver=api list-units': async ({ stdout }) => {
    // The same table the etcd driver prints, read through an agent's API.
    expect(tableRows(stdout)).toEqual(tableRows((await sh('bin/flotilla list-units')).stdout));
    await expectListedUnitsActiveInSystemd(stdout);
  },
  'bin/flotilla submit units/hello.service': async () => {
    expect(tableRows((await sh('bin/flotilla list-unit-files --no-legend')).stdout).map((r) => r[0])).toContain('hello.service');
  },
  'bin/flotilla start units/hello.service units/web@1.container': async () => {
    for (const unit of ['hello.service', 'web@1.container']) {
      const host = await waitUntil(`${unit} placed`, () => hostOf(unit), { timeoutMs: 20_000 });
      await waitUntil(`${unit} active in ${host.name}'s systemd`, async () => ((await activeState(host, unit)) === 'active' ? true : undefined), { timeoutMs: 30_000 });
    }
  },
  'bin/flotilla scale --no-block app@ 4': async ({ stdout }) => {
    expect(stdout).toContain('Triggered unit app@4.service start');
    // The count is stored with the template `up` scaled from units/app@.service; the leader creates app@4.
    await waitUntil('app@4 created for the stored count 4', async () => {
      const files = await unitFilesJson();
      const template = files.find((f) => f.name === 'app@.service');
      return template?.replicas?.desired === 4 && files.some((f) => f.name === 'app@4.service') ? true : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250 });
  },
  'bin/flotilla scale app@ 3': async ({ stdout }) => {
    expect(stdout).toContain('Destroyed app@4.service');
    const files = await unitFilesJson();
    expect(files.map((f) => f.name)).not.toContain('app@4.service');
    expect(files.find((f) => f.name === 'app@.service')?.replicas).toEqual({ desired: 3, running: 3 });
  },
  'bin/flotilla list-unit-files': async ({ stdout }) => {
    expect(tableRows(stdout).map((r) => r[0])).toEqual(expect.arrayContaining(['hello.service', 'web@1.container', 'lb.service']));
  },
  'bin/flotilla stop hello.service': async () => {
    const states = await Promise.all(cluster.machines.map((m) => activeState(m, 'hello.service')));
    expect(states).not.toContain('active');
    expect(states).toContain('inactive'); // loaded where it ran, stopped
  },
  'bin/flotilla destroy hello.service': async ({ stdout }) => {
    expect(stdout).toContain('Destroyed hello.service');
    await waitUntil('hello.service to leave every machine', async () => {
      const left = await Promise.all(cluster.machines.map((m) => m.exec(['test', '-e', '/run/flotilla/units/hello.service'])));
      return left.every((r) => r.code !== 0) ? true : undefined;
    }, { timeoutMs: 15_000 });
  },
  'bin/flotilla cordon demo-m1': async () => {
    // What runs there stays: web and app instances keep running in m1's systemd.
    expect((await unitsActiveOn(machineNamed(1))).length).toBeGreaterThanOrEqual(2);
  },
  'bin/flotilla list-machines --fields machine,ip,state': async ({ stdout }) => {
    const byIp = new Map(tableRows(stdout).slice(1).map((r) => [r[1], r[2]]));
    expect(byIp.get(machineNamed(1).ip)).toBe('cordoned');
    expect(byIp.get(machineNamed(2).ip)).toBe('schedulable');
  },
  'bin/flotilla drain demo-m1 --deadline 1m': async ({ stdout }) => {
    expect(stdout).toMatch(/drained/);
    // web@ and app@ fit nowhere else (one per machine): stopped at the deadline, nothing of them left on m1.
    expect(await unitsActiveOn(machineNamed(1))).toEqual([]);
    const m1 = machineNamed(1);
    const running = (await m1.exec(['systemctl', 'list-units', '--state=active', '--no-legend', 'web@*', 'app@*'])).stdout.trim();
    expect(running).toBe('');
  },
  'bin/flotilla uncordon demo-m1': async () => {
    await waitUntil('a web and an app instance back in m1\'s systemd', async () => {
      const units = await unitsActiveOn(machineNamed(1));
      return units.some((u) => u.startsWith('web@')) && units.some((u) => u.startsWith('app@')) ? true : undefined;
    }, { timeoutMs: 40_000, intervalMs: 500 });
  },
  'bin/flotilla start units/web@1.container': async () => {
    const host = await waitUntil('web@1.container placed', () => hostOf('web@1.container'), { timeoutMs: 20_000 });
    await waitUntil(`web@1 active in ${host.name}'s systemd`, async () => ((await activeState(host, 'web@1.container')) === 'active' ? true : undefined), { timeoutMs: 40_000 });
    expect((await host.exec(['docker', 'ps', '--format', '{{.Names}}'])).stdout.split('\n')).toContain('systemd-web_1');
    const page = await waitUntil('the published port', async () => {
      const r = await run('curl', ['-sf', '--max-time', '2', `http://${host.ip}:${WEB_PORT}/`], { timeoutMs: 5000 });
      return r.code === 0 ? r.stdout : undefined;
    }, { timeoutMs: 20_000, intervalMs: 250 });
    expect(page).toBe(WEB_PAGE);
  },
  'bin/flotilla deploy --plan units/app-v2/app@.service': async ({ stdout }) => {
    expect(stdout).toContain('+HealthCheck=http://127.0.0.1:8080/');
    expect(stdout).toMatch(/Batch 3: app@3\.service\n$/);
    expect(await appAnswers()).toEqual(appsSay((n) => `app ${n} on `)); // nothing changed
  },
  'bin/flotilla deploy units/app-v2/app@.service': async ({ stdout }) => {
    expect(stdout).toMatch(/succeeded\n$/);
    expect(await appAnswers()).toEqual(appsSay((n) => `app v2 ${n} on `));
  },
  'bin/flotilla history app@': async ({ stdout }) => {
    expect(tableRows(stdout).slice(1).map((r) => r[2])).toEqual(['healthy', 'healthy']);
    expect(stdout.split('\n')[1]).toMatch(/^\*/); // the newest is current
  },
  'bin/flotilla rollback app@': async ({ stdout }) => {
    expect(stdout).toMatch(/rollback to [0-9a-f]{7}\n[^]*succeeded\n$/);
    expect(await appAnswers()).toEqual(appsSay((n) => `app ${n} on `));
  },
  'bin/flotilla deployments': async ({ stdout }) => {
    expect(tableRows(stdout)[1]?.slice(1, 3)).toEqual(['app@.service', 'succeeded']);
  },
  'bin/flotilla list-units --fields unit,machine,active,container': async ({ stdout }) => {
    const row = await waitUntil('web@1.container running', async () => {
      const r = tableRows((await sh('bin/flotilla list-units --no-legend --fields unit,machine,active,container')).stdout).find((c) => c[0] === 'web@1.container');
      return r?.[3] === 'running' ? r : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250 });
    expect(row[2]).toBe('active');
    expect(tableRows(stdout)[0]).toEqual(['UNIT', 'MACHINE', 'ACTIVE', 'CONTAINER']);
  },
};

/** What each app@ instance answers on its own machine's port (where its endpoint says it runs), its machine's
 * systemd having it active: `app@N.service` → the answer's start (`app N on `, `app v2 N on `). */
async function appAnswers(): Promise<Record<string, string>> {
  const rows = tableRows((await sh('bin/flotilla list-units --no-legend --full')).stdout).filter((r) => /^app@\d+\.service$/.test(r[0]!));
  const out: Record<string, string> = {};
  for (const [unit, where] of rows) {
    const machine = cluster.machines.find((m) => m.ip === where!.split('/')[1])!;
    expect(await activeState(machine, unit!), `${unit} in ${machine.name}'s systemd`).toBe('active');
    const r = await run('curl', ['-sf', '--max-time', '2', `http://${machine.ip}:8080/`], { timeoutMs: 5000 });
    out[unit!] = r.stdout.replace(new RegExp(`${machine.name}$`), '');
  }
  return out;
}
const appsSay = (say: (n: number) => string) => Object.fromEntries(Array.from({ length: APP_INSTANCES }, (_, i) => [`app@${i + 1}.service`, say(i + 1)]));

async function unitFilesJson(): Promise<Array<{ name: string; replicas?: { desired: number; running: number } }>> {
  return JSON.parse((await sh('bin/flotilla list-unit-files -o json')).stdout) as Array<{ name: string; replicas?: { desired: number; running: number } }>;
}

/** Commands run differently from the README, and why. */
const ADAPTED: Record<string, { command: string; why: string }> = {
  'bin/flotilla drain demo-m1 --deadline 1m': { command: 'bin/flotilla drain demo-m1 --deadline 5s', why: 'the deadline is all waiting: 5 s keeps the test short' },
};

describe('README examples on the cluster `npm run up` builds', () => {
  beforeAll(async () => {
    // up's own steps, on a cluster of this test's (random id, swept if the test process dies).
    cluster = await startCluster(demoClusterOptions(`rd${crypto.randomBytes(2).toString('hex')}`, false, () => {}));
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-readme-'));
    fs.mkdirSync(path.join(home, 'bin'));
    fs.copyFileSync(path.join(REPO_DIR, 'bin/flotilla'), path.join(home, 'bin/flotilla'));
    fs.chmodSync(path.join(home, 'bin/flotilla'), 0o755);
    for (const dir of ['packages', 'units', 'node_modules']) fs.symlinkSync(path.join(REPO_DIR, dir), path.join(home, dir));
    writeClusterEnv(path.join(home, '.flotilla/cluster.env'), demoCliEnv(cluster.state));
    sh = (command, timeoutMs = 60_000) => run('env', [...userEnv(), 'bash', '-c', `cd "$0" && ${command}`, home], { timeoutMs });
    await prepareEngines(cluster.machines, () => {});
    const started = await startExampleUnits(async (args) => (await sh(`bin/flotilla ${args.map((a) => `'${a}'`).join(' ')}`, 120_000)).code, () => {});
    expect(started).toBe(0);
  }, SETUP_BUDGET_MS);
  afterAll(async () => {
    await cluster?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  test('skeleton: after up, cluster.env is 0600 with the API each agent publishes; status and journal answer', async () => {
    const file = path.join(home, '.flotilla/cluster.env');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const env = readClusterEnv(file);
    expect(env.FLOTILLA_API_ENDPOINT).toBe(apiUrlOf(cluster.machines[0]!.ip));
    expect(env.FLOTILLA_API_TOKEN).toMatch(/^[0-9a-f]{32,}$/);
    const machines = JSON.parse((await sh('bin/flotilla list-machines -o json')).stdout) as Array<{ primaryIP: string; apiUrl?: string }>;
    expect(machines.map((m) => m.apiUrl).sort()).toEqual(cluster.machines.map((m) => apiUrlOf(m.ip)).sort());
    const status = await sh('bin/flotilla status hello.service');
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Active: active \(running\)/);
    const journal = await sh('bin/flotilla journal --lines 2 hello.service');
    expect(journal.code).toBe(0);
    expect(journal.stdout).toMatch(/Hello from /);
    // The agents' API refuses a request without the token.
    const bare = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', env.FLOTILLA_CA_FILE!, `${env.FLOTILLA_API_ENDPOINT}/v2/health`], { timeoutMs: 10_000 });
    expect(bare.stdout).toBe('401');
    expect(cluster.machines).toHaveLength(DEMO_MACHINES);
  });

  test('every README sh command is either checked here or skipped with a reason', () => {
    const unknown = COMMANDS.map((c) => c.command).filter((c) => !(c in CHECKS) && !(c in SKIPPED) && !isBench(c) && c !== 'bin/flotilla journal -f hello.service');
    expect(unknown).toEqual([]);
    // …and no check is left for an example the README no longer has.
    const inReadme = new Set(COMMANDS.map((c) => c.command));
    expect([...Object.keys(CHECKS), ...Object.keys(ADAPTED), ...Object.keys(SKIPPED)].filter((c) => !inReadme.has(c))).toEqual([]);
  });

  for (const { command, section, line } of COMMANDS) {
    const skip = SKIPPED[command] ?? (isBench(command) ? 'a bench: boots clusters of its own and loads the box for minutes (docs/benchmarks.md)' : undefined);
    const name = `README:${line} (${section}) ${command}`;
    if (skip) {
      test.skip(`${name} — skipped: ${skip}`, () => {});
      continue;
    }
    if (command === 'bin/flotilla journal -f hello.service') {
      test(`${name} — stopped with Ctrl-C (SIGINT) once a new line has arrived`, async () => {
        const host = (await hostOf('hello.service'))!;
        const followed = await followUntilNewLine(command);
        expect(followed.lines.every((l) => l.includes(`Hello from ${host.name}`))).toBe(true);
        // Ctrl-C ends it as it ends any command: by the signal, or exit 130.
        expect(followed.signal === 'SIGINT' || followed.code === 130 || followed.code === 0).toBe(true);
      }, 60_000);
      continue;
    }
    const adapted = ADAPTED[command];
    test(adapted ? `${name} — run as \`${adapted.command}\`: ${adapted.why}` : name, async () => {
      const result = await sh(adapt(adapted?.command ?? command));
      expect(result.code, `${command}\n${result.stdout}\n${result.stderr}`).toBe(0);
      const check = CHECKS[command];
      expect(check, `no check for ${command}`).toBeDefined();
      await check!(result);
    }, 90_000);
  }
});
