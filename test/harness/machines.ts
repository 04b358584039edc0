/**
 * Real machines: each is a systemd-nspawn container booting real systemd from the cached image, with its own
 * overlayfs layer, machine-id, hostname and address on the test bridge. Recipe: docs/testbed.md.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run, runOk, waitUntil, type ExecResult } from './exec.js';
import { inMachineCgroup, nspawnCommand, removeMachineCgroups } from './cgroups.js';
import { ENGINE_NSPAWN_ARGS, ENGINE_NSPAWN_ENV } from './engine-image.js';
import type { MachineState } from './state.js';
import { findProcesses, isAlive, killAndWait, startDaemon, waitForProcessesGone, type ProcessEntry } from './processes.js';
import { planNode } from '../../packages/cli/src/cloud-config/node-plan.js';
import { toCloudConfig } from '../../packages/cli/src/cloud-config/serialize.js';
import { NODE_PKI_DIR } from '../../packages/cli/src/pki/layout.js';
import { sleep } from '../../packages/core/src/timing.js';

export interface AgentSetup {
  /** etcd endpoint as the machine reaches it (bridge address). */
  endpoint: string;
  /** Every member's endpoint, for an etcd of several members; default [endpoint]. */
  endpoints?: string[];
  ttlSec: number;
  metadata?: Record<string, string>;
  /** Repo root bound read-only at /opt/flotilla (the agent runs from its built dist). */
  repoDir: string;
  extraEnv?: Record<string, string>;
  /** A scheduler candidate (default: yes, so any test machine can lead; the shipped worker config says no). */
  scheduler?: boolean;
  /** A whole cloud-config to apply instead of the generated worker one (e.g. cloud-config/master.yaml). */
  userData?: string;
  /**
   * The machine's share of the cluster's PKI (file name → contents, pki/bundle.ts): embedded in the generated
   * cloud-config as a user's `cloud-config --pki` does, or, beside a userData of its own, put in /etc/flotilla/pki
   * before boot as an operator would.
   */
  pki?: Record<string, string>;
}

export interface BootOptions {
  /** Filled in as the machine comes up (machine id, pids), so a crash mid-boot can still be cleaned up. */
  state: MachineState;
  rootfs: string;
  bridge: string;
  /** Called after each step that changed `state`. */
  onProgress?: () => void;
  agent?: AgentSetup;
  /** Keep running after this process exits (`npm run up`). */
  detached?: boolean;
  bootTimeoutMs?: number;
  /** The rootfs has dockerd and podman (image variant `engines`): boot with what they need (engine-image.ts). */
  engines?: boolean;
}

/** A booted machine, as seen from the host. */
export class Machine {
  constructor(readonly state: MachineState) {}

  get name(): string {
    return this.state.name;
  }
  get id(): string {
    return this.state.machineId;
  }
  get ip(): string {
    return this.state.ip;
  }
  get leaderPid(): number {
    return this.state.leaderPid ?? 0;
  }
  /** The machine's system bus, reachable from the host through its PID 1's root. */
  get busAddress(): string {
    return `unix:path=/proc/${this.leaderPid}/root/run/dbus/system_bus_socket`;
  }

  isRunning(): boolean {
    return this.state.nspawnPid !== undefined && isAlive(this.state.nspawnPid);
  }

  /** Runs a command inside the machine (all its namespaces). */
  exec(argv: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    return run('nsenter', ['-t', String(this.leaderPid), '-a', '--', ...argv], opts);
  }

  /** `systemctl show -p ...` inside the machine: systemd's own answer, not ours. */
  async systemctlShow(unit: string, props: string[]): Promise<Record<string, string>> {
    const result = await this.exec(['systemctl', 'show', unit, ...props.flatMap((p) => ['-p', p])], { timeoutMs: 10_000 });
    if (result.code !== 0) throw new Error(`systemctl show ${unit} on ${this.name}: ${result.stderr.trim()}`);
    const out: Record<string, string> = {};
    for (const line of result.stdout.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return out;
  }

  /** Pulls the plug: SIGKILL to the container's PID 1 ends every process in it; nspawn then exits. */
  async kill(): Promise<void> {
    if (this.state.leaderPid) await killAndWait(this.state.leaderPid, 0);
    if (this.state.nspawnPid) await killAndWait(this.state.nspawnPid, 5000);
  }
}

export async function bootMachine(opts: BootOptions): Promise<Machine> {
  const state = opts.state;
  const upper = path.join(state.dir, 'upper');
  const work = path.join(state.dir, 'work');
  for (const d of [upper, work, state.merged]) fs.mkdirSync(d, { recursive: true });
  await runOk('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${opts.rootfs},upperdir=${upper},workdir=${work}`, state.merged]);
  state.machineId = crypto.randomBytes(16).toString('hex');
  await run('ip', ['link', 'del', hostVeth(state.name)]); // a leftover makes nspawn fail with "File exists"
  writeIdentity(state.merged, state, opts.agent);
  const args = [
    '-D', state.merged, '-M', state.name, '--boot', '--register=no', '--keep-unit',
    `--network-bridge=${opts.bridge}`, '--console=passive',
    '--bind-ro=/usr/bin/node',
    '--bind-ro=/usr/bin/etcd', // for masters provisioned with cloud-config/master.yaml
    '--bind-ro=/usr/bin/etcdctl', // which turn etcd's auth on with it (etcd-auth.sh)
    // units/registry.service runs Debian's docker-registry (scripts/setup.sh installs it on the host).
    ...(fs.existsSync('/usr/bin/docker-registry') ? ['--bind-ro=/usr/bin/docker-registry'] : []),
  ];
  if (opts.agent) args.push(`--bind-ro=${opts.agent.repoDir}:/opt/flotilla`);
  // Every machine boots in cgroups of its own (cgroups.ts); `env` and `sh` exec, so the pid is nspawn's.
  const [cmd, argv] = opts.engines
    ? nspawnCommand(state.name, [...ENGINE_NSPAWN_ARGS, ...args], ENGINE_NSPAWN_ENV)
    : nspawnCommand(state.name, args);
  const child = startDaemon(cmd, argv, path.join(state.dir, 'nspawn.log'), { detached: opts.detached });
  state.nspawnPid = child.pid;
  opts.onProgress?.();
  const machine = new Machine(state);
  try {
    state.leaderPid = await waitUntil(`${state.name}'s PID 1`, async () => leaderOf(child.pid!), { timeoutMs: 15_000, intervalMs: 20 });
    opts.onProgress?.();
    await waitForBoot(machine, opts.bootTimeoutMs ?? 60_000);
    if (opts.agent) await checkProvisioned(machine);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ${state.name} nspawn log (tail) ---\n${tail(path.join(state.dir, 'nspawn.log'))}`);
  }
  return machine;
}

/** nspawn's host side of the machine's veth (--network-bridge). */
function hostVeth(machineName: string): string {
  return `vb-${machineName}`.slice(0, 15);
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The container's PID 1 as seen from the host: the child of the nspawn process. */
function leaderOf(nspawnPid: number): number | undefined {
  try {
    // nspawn forks an intermediate child first; PID 1 is the child that has exec'd systemd.
    const children = fs.readFileSync(`/proc/${nspawnPid}/task/${nspawnPid}/children`, 'utf8').trim().split(/\s+/);
    for (const child of children) {
      const pid = Number(child);
      if (pid > 0 && fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'systemd') return pid;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

async function waitForBoot(machine: Machine, timeoutMs: number): Promise<void> {
  await waitUntil(
    `${machine.name} to finish booting`,
    async () => {
      if (!machine.isRunning()) throw new Error(`nspawn for ${machine.name} exited (see ${machine.state.dir}/nspawn.log)`);
      const result = await machine.exec(['systemctl', 'is-system-running', '--wait'], { timeoutMs: 10_000 });
      const status = result.stdout.trim();
      return status === 'running' || status === 'degraded' ? status : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** Hostname, machine-id, the network unit and (optionally) the agent, written into the machine's own layer. */
function writeIdentity(root: string, state: MachineState, agent: AgentSetup | undefined): void {
  const write = (file: string, text: string) => {
    const full = path.join(root, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  };
  const wants = (unit: string) => {
    const link = path.join(root, 'etc/systemd/system/multi-user.target.wants', unit);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.rmSync(link, { force: true });
    fs.symlinkSync(`/etc/systemd/system/${unit}`, link);
  };
  write('etc/hostname', `${state.name}\n`);
  write('etc/machine-id', `${state.machineId}\n`);
  write('etc/hosts', `127.0.0.1 localhost\n${state.ip} ${state.name}\n`);
  write('etc/systemd/system/flotilla-net.service', netUnit(`${state.ip}/24`));
  wants('flotilla-net.service');
  if (agent) {
    // What we ship is what we test: the agent is set up the way a user's node is, by applying a rendered
    // cloud-config (cloud-config/worker.yaml's form) on first boot.
    write(USER_DATA, agent.userData ?? userData(agent, state.ip));
    if (agent.userData && agent.pki) writePki(root, agent.pki);
    write('etc/systemd/system/flotilla-cloudinit.service', cloudInitUnit(state.ip));
    wants('flotilla-cloudinit.service');
  }
}

function netUnit(address: string): string {
  return `[Unit]
Description=Flotilla test network (host0 on the test bridge)
Before=network.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/sbin/ip addr replace ${address} dev host0
ExecStart=/sbin/ip link set host0 up
[Install]
WantedBy=multi-user.target
`;
}

const USER_DATA = 'var/lib/flotilla/user-data';

/** The PKI files as `cloud-config --pki` would write them: /etc/flotilla/pki, 0700, each file 0600. */
function writePki(root: string, files: Record<string, string>): void {
  const dir = path.join(root, NODE_PKI_DIR);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content, { mode: 0o600 });
}

function userData(agent: AgentSetup, ip: string): string {
  // With the cluster's PKI a TCP API gets the PKI's token and TLS, as `cloud-config --api-listen` gives a user's
  // node; a test that opts out with FLOTILLA_API_INSECURE keeps its plain listener.
  const { FLOTILLA_API_LISTEN: apiListen, ...rest } = agent.extraEnv ?? {};
  const securedApi = agent.pki !== undefined && apiListen !== undefined && !rest.FLOTILLA_API_INSECURE;
  return toCloudConfig(
    planNode({
      role: 'worker',
      etcdEndpoints: agent.endpoints ?? [agent.endpoint],
      metadata: agent.metadata ?? {},
      agentTtlSec: agent.ttlSec,
      scheduler: agent.scheduler ?? true,
      // Every test machine runs the shipped worker's runtime (lean node flags), candidates included: what ships is
      // what the suite exercises. Only cloud-config.test.ts boots a master with Node's defaults.
      leanRuntime: true,
      // The bridge address, not a guess among the machine's interfaces (containers add more).
      extraEnv: { FLOTILLA_PUBLIC_IP: ip, ...(securedApi ? rest : agent.extraEnv) },
      ...(securedApi ? { apiListen } : {}),
      ...(agent.pki ? { pki: agent.pki } : {}),
    }),
  );
}

/** The machine's first-boot provisioner (the part of the OS image that cloud-init would be). */
function cloudInitUnit(ip: string): string {
  return `[Unit]
Description=Apply the node's cloud-config (user-data)
ConditionPathExists=/${USER_DATA}
Wants=flotilla-net.service
After=flotilla-net.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/bin/node /opt/flotilla/packages/cli/dist/main.js cloud-init /${USER_DATA} --private-ipv4 ${ip}
[Install]
WantedBy=multi-user.target
`;
}

/** After boot: the provisioner must have succeeded, or the agent never starts; say why. */
async function checkProvisioned(machine: Machine): Promise<void> {
  const state = await machine.exec(['systemctl', 'is-failed', 'flotilla-cloudinit.service'], { timeoutMs: 10_000 });
  if (state.stdout.trim() !== 'failed') return;
  const journal = await machine.exec(['journalctl', '-u', 'flotilla-cloudinit.service', '--no-pager', '-n', '30'], { timeoutMs: 10_000 });
  throw new Error(`applying the cloud-config failed on ${machine.name}:\n${journal.stdout}`);
}

/** How long a destroyed machine's processes (nspawn included) may take to leave the process table. */
export const MACHINE_EXIT_DEADLINE_MS = 15_000;

/** The machine's processes still in the table: nspawn and everything under its PID 1 share its cgroups. */
export function machineProcesses(machineName: string): ProcessEntry[] {
  return findProcesses((p) => inMachineCgroup(p.cgroup, machineName));
}

/**
 * Stops a machine from its recorded state alone (idempotent): kill, wait until its processes have left the
 * process table (at most MACHINE_EXIT_DEADLINE_MS; the caller checks what is left), unmount, forget nspawn's
 * leftovers.
 */
export async function destroyMachine(state: MachineState): Promise<void> {
  if (state.leaderPid && isAlive(state.leaderPid)) await killAndWait(state.leaderPid, 0);
  if (state.nspawnPid && isAlive(state.nspawnPid)) await killAndWait(state.nspawnPid, 5000);
  // killAndWait stops at "exited"; an nspawn started detached (`npm run up`) is then a zombie until the host's
  // init reaps it, still listed by ps: wait for that too.
  await waitForProcessesGone(() => machineProcesses(state.name), MACHINE_EXIT_DEADLINE_MS);
  for (let i = 0; i < 20; i++) {
    const result = await run('umount', [state.merged]);
    if (result.code !== 0 && !/not mounted|no mount point/i.test(result.stderr)) {
      await sleep(100);
      continue;
    }
    break;
  }
  await run('umount', ['-l', state.merged]);
  await run('ip', ['link', 'del', hostVeth(state.name)]);
  fs.rmSync(`/run/systemd/nspawn/propagate/${state.name}`, { recursive: true, force: true });
  removeMachineCgroups(state.name);
  fs.rmSync(state.dir, { recursive: true, force: true });
}
