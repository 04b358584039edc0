/**
 * Real container engines on the host for adapter tests, each private to the test: a dockerd and a
 * podman API service on sockets in a temp dir, with their own storage, no bridge and no iptables rules (nothing
 * outside the temp dir changes). Images are built locally from Debian's static busybox (no registry is
 * reachable). Stop kills the engine's whole process group (dockerd's containerd included) and removes the dir.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, runOk, waitUntil } from './exec.js';
import { isAlive, killAndWait, startDaemon } from './processes.js';

export type EngineName = 'docker' | 'podman';

export interface HostEngine {
  engine: EngineName;
  socketPath: string;
  /** The engine's CLI with this engine's flags, e.g. ['docker', '-H', 'unix://…']. */
  cli: string[];
  pid: number;
  stop(): Promise<void>;
}

/** Starts a private engine and waits until its API answers `_ping` (deadline 60 s). */
export async function startHostEngine(engine: EngineName): Promise<HostEngine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `flotilla-${engine}-`));
  const socketPath = path.join(dir, `${engine}.sock`);
  const [cmd, args, cli] = engine === 'docker' ? dockerdCommand(dir, socketPath) : podmanCommand(dir, socketPath);
  const child = startDaemon(cmd, args, path.join(dir, `${engine}.log`));
  const pid = child.pid!;
  const stop = async () => {
    if (isAlive(pid)) {
      try {
        process.kill(-pid, 'SIGTERM'); // the group: dockerd's containerd and shims, podman's conmon
      } catch {
        /* gone */
      }
      await killAndWait(pid, 5000);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await Promise.all(processesUsing(dir).map((p) => killAndWait(p, 2000)));
    await unmountUnder(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(`${engine} API on ${socketPath}`, async () => {
      if (!isAlive(pid)) throw new Error(`${engine} exited: ${fs.readFileSync(path.join(dir, `${engine}.log`), 'utf8').slice(-2000)}`);
      const pong = await run('curl', ['-sf', '--max-time', '2', '--unix-socket', socketPath, 'http://d/_ping'], { timeoutMs: 5000 });
      return pong.code === 0 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100 });
  } catch (err) {
    await stop();
    throw err;
  }
  return { engine, socketPath, cli, pid, stop };
}

function dockerdCommand(dir: string, socketPath: string): [string, string[], string[]] {
  return ['dockerd', [
    `--data-root=${dir}/data`, `--exec-root=${dir}/exec`, `--pidfile=${dir}/docker.pid`, `--host=unix://${socketPath}`,
    '--bridge=none', '--iptables=false', '--ip-masq=false', '--storage-driver=vfs',
  ], ['docker', '-H', `unix://${socketPath}`]];
}

/**
 * Our own containers.conf: podman asks for RLIMIT_NOFILE 1048576, above the hard limit some hosts give even root
 * (20000 here), and refuse RLIMIT_NPROC at the hard limit: ask for less.
 */
function podmanConf(): string {
  const files = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return `[containers]\ndefault_ulimits = ["nofile=${files}:${files}", "nproc=4096:4096"]\npids_limit = 0\n`;
}

function podmanCommand(dir: string, socketPath: string): [string, string[], string[]] {
  fs.writeFileSync(path.join(dir, 'containers.conf'), podmanConf());
  const global = [`--root=${dir}/root`, `--runroot=${dir}/run`, `--tmpdir=${dir}/tmp`, '--storage-driver=vfs',
    '--cgroup-manager=cgroupfs', '--events-backend=file', '--runtime=runc'];
  const podman = [`CONTAINERS_CONF=${dir}/containers.conf`, 'podman', ...global];
  return ['env', [...podman, 'system', 'service', '--time=0', `unix://${socketPath}`], ['env', ...podman]];
}

/** Lazily unmounts everything mounted below `dir` (containers' shm, containerd's rootfs), deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const mounts = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => m !== undefined && m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mount of mounts) await run('umount', ['-l', mount]);
}

/** Processes whose command line names `dir`: containerd shims and conmon leave the engine's process group. */
function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** A directory holding a static busybox with its applets and /www/index.html containing `page`. */
export function busyboxRootfs(page = 'hello from flotilla\n'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-busybox-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync('/bin/busybox', path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  for (const applet of ['sh', 'httpd', 'wget', 'sleep', 'echo', 'cat', 'true', 'false', 'kill']) {
    fs.symlinkSync('busybox', path.join(dir, 'bin', applet));
  }
  fs.mkdirSync(path.join(dir, 'www'));
  fs.writeFileSync(path.join(dir, 'www/index.html'), page);
  return dir;
}

/** The default command of images built here: a web server on port 80 serving /www. */
export const HTTPD_CMD = '["/bin/httpd","-f","-p","80","-h","/www"]';

/**
 * `tar -C rootfs -c . | <cli> import --change CMD … - name`: an image from the busybox rootfs. `cli` runs as given
 * (host engine) or through `prefix` (e.g. nsenter into a machine).
 */
export async function importBusyboxImage(cli: string[], name: string, opts: { prefix?: string[]; page?: string } = {}): Promise<void> {
  const rootfs = busyboxRootfs(opts.page);
  try {
    const command = [...(opts.prefix ?? []), ...cli, 'import', '--change', `CMD ${HTTPD_CMD}`, '-', name];
    await runOk('sh', ['-c', `tar -C "$0" -c . | "$@"`, rootfs, ...command], { timeoutMs: 60_000 });
  } finally {
    fs.rmSync(rootfs, { recursive: true, force: true });
  }
}
