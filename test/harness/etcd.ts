import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports.js';
import { killAndWait, startDaemon } from './processes.js';
import { sleep } from '../../packages/core/src/timing.js';

export interface EtcdMember {
  name: string;
  pid: number;
  /** Client URL on loopback. */
  endpoint: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
}

export interface EtcdHandle {
  /** Client URLs on loopback, one per member. */
  endpoints: string[];
  members: EtcdMember[];
  /** Kills every member and removes the data dirs. */
  stop(): Promise<void>;
  /** Kills one member (SIGKILL) without removing its data; `restartMember` brings it back. */
  killMember(name: string): Promise<void>;
  restartMember(name: string): Promise<void>;
}

export interface EtcdOptions {
  /** Number of members (1 or 3 usually). */
  members?: number;
  /** Extra addresses the client port also listens on (e.g. a bridge address machines reach). */
  extraListenHosts?: string[];
  /** Parent for data dirs and logs; a temp dir by default. */
  workDir?: string;
  /** Start each member detached from this process (survives it; used by `npm run up`). */
  detached?: boolean;
  /** Serve clients over TLS (PEM files); with `clientCertAuth`, clients must present a cert signed by `caFile`. */
  tls?: { certFile: string; keyFile: string; caFile: string; clientCertAuth?: boolean; clientCertFile?: string; clientKeyFile?: string };
  /** Peers over TLS too, each presenting this certificate (signed by `tls.caFile`), as etcd's security guide sets it up. */
  peerTls?: { certFile: string; keyFile: string };
  /**
   * Enable etcd auth: a `root` user with this password (and role root), plus the given users, each with `role`
   * (default root). `roles` may read and write under their prefix only (etcd op-guide/authentication).
   */
  auth?: { rootPassword: string; users?: { name: string; password: string; role?: string }[]; roles?: { name: string; prefix: string }[] };
  /** More etcd flags for every member (e.g. the shipped quota and limits, cloud-config/etcd-limits.ts). */
  extraArgs?: readonly string[];
}

const ETCD_BIN = process.env.FLOTILLA_ETCD_BIN ?? '/usr/bin/etcd';

/** Starts a real etcd (1 or N members) on free loopback ports with temporary data dirs. */
const OWNER_SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

/**
 * Members not started detached die with the process that started them, however it ends: a failing test, an
 * uncaught error, a bench's closed stdout pipe, or SIGINT/SIGTERM/SIGHUP (e.g. from `timeout`). On a signal the
 * process exits unless someone else (the cluster harness's async teardown) also listens for it. Returns the
 * disarm function for a regular stop().
 */
function dieWithOwner(members: readonly EtcdMember[], ownedDir: string | undefined): () => void {
  const killAll = () => {
    for (const m of members) {
      try {
        if (m.pid) process.kill(m.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (ownedDir) fs.rmSync(ownedDir, { recursive: true, force: true });
  };
  const onSignal = (signal: keyof typeof OWNER_SIGNALS) => () => {
    killAll();
    if (process.listenerCount(signal) === 0) process.exit(128 + OWNER_SIGNALS[signal]);
  };
  const handlers = (Object.keys(OWNER_SIGNALS) as (keyof typeof OWNER_SIGNALS)[]).map((signal) => [signal, onSignal(signal)] as const);
  process.once('exit', killAll);
  for (const [signal, handler] of handlers) process.once(signal, handler);
  return () => {
    process.off('exit', killAll);
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

/** Starts of a cluster whose member exited before it served (a port taken meanwhile), before giving up. */
const START_ATTEMPTS = 3;

/** Whether process `pid` still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startEtcd(opts: EtcdOptions = {}): Promise<EtcdHandle> {
  const count = opts.members ?? 1;
  const workDir = opts.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-etcd-'));
  fs.mkdirSync(workDir, { recursive: true });
  const members: EtcdMember[] = [];
  for (let i = 1; i <= count; i++) {
    members.push({
      name: `n${i}`,
      pid: 0,
      clientPort: await freePort(),
      peerPort: await freePort(),
      endpoint: '',
      dataDir: path.join(workDir, `n${i}.data`),
    });
  }
  const scheme = opts.tls ? 'https' : 'http';
  const setEndpoints = () => {
    for (const m of members) m.endpoint = `${scheme}://127.0.0.1:${m.clientPort}`;
  };
  setEndpoints();
  const peerScheme = opts.peerTls ? 'https' : 'http';
  const initialCluster = () => members.map((m) => `${m.name}=${peerScheme}://127.0.0.1:${m.peerPort}`).join(',');
  const token = `flotilla-${process.pid}-${Date.now()}`;

  const argsFor = (m: EtcdMember, state: 'new' | 'existing') => {
    const listen = [`${scheme}://127.0.0.1:${m.clientPort}`, ...(opts.extraListenHosts ?? []).map((h) => `${scheme}://${h}:${m.clientPort}`)];
    const tls = opts.tls
      ? ['--cert-file', opts.tls.certFile, '--key-file', opts.tls.keyFile, '--trusted-ca-file', opts.tls.caFile, ...(opts.tls.clientCertAuth ? ['--client-cert-auth'] : [])]
      : [];
    const peerTls = opts.peerTls && opts.tls
      ? ['--peer-cert-file', opts.peerTls.certFile, '--peer-key-file', opts.peerTls.keyFile, '--peer-trusted-ca-file', opts.tls.caFile, '--peer-client-cert-auth']
      : [];
    return [
      '--name', m.name,
      '--data-dir', m.dataDir,
      '--listen-client-urls', listen.join(','),
      '--advertise-client-urls', m.endpoint,
      '--listen-peer-urls', `${peerScheme}://127.0.0.1:${m.peerPort}`,
      '--initial-advertise-peer-urls', `${peerScheme}://127.0.0.1:${m.peerPort}`,
      '--initial-cluster', initialCluster(),
      '--initial-cluster-state', state,
      '--initial-cluster-token', token,
      '--heartbeat-interval', '100',
      '--election-timeout', '1000',
      '--logger', 'zap',
      '--log-outputs', 'stderr',
      ...tls,
      ...peerTls,
      ...(opts.extraArgs ?? []),
    ];
  };
  const launch = (m: EtcdMember, state: 'new' | 'existing') => {
    const child = startDaemon(ETCD_BIN, argsFor(m, state), path.join(workDir, `${m.name}.log`), { detached: opts.detached });
    if (!child.pid) throw new Error(`could not start etcd member ${m.name} (${ETCD_BIN})`);
    m.pid = child.pid;
  };
  // A port freePort() handed out can be taken before etcd binds it (another test's outgoing connection gets it as
  // its ephemeral source port): that member exits and its port never opens. Such a start is tried again on fresh
  // ports and data dirs, at most START_ATTEMPTS times in all, each attempt under the same deadlines.
  for (let attempt = 1; ; attempt++) {
    for (const m of members) launch(m, 'new');
    try {
      if (opts.tls) await Promise.all(members.map((m) => waitForPort('127.0.0.1', m.clientPort, 20_000)));
      await Promise.all(members.map((m) => waitForHealthy(m.endpoint, 20_000, etcdctlFlags(opts))));
      if (opts.auth) await enableAuth(members[0]?.endpoint as string, opts, workDir);
      break;
    } catch (err) {
      const exited = members.some((m) => !alive(m.pid));
      await Promise.all(members.map((m) => killAndWait(m.pid, 500)));
      if (attempt >= START_ATTEMPTS || !exited) throw err;
      for (const m of members) {
        fs.rmSync(m.dataDir, { recursive: true, force: true });
        m.clientPort = await freePort();
        m.peerPort = await freePort();
      }
      setEndpoints();
    }
  }

  const disarm = opts.detached ? () => {} : dieWithOwner(members, opts.workDir ? undefined : workDir);
  const find = (name: string) => {
    const m = members.find((x) => x.name === name);
    if (!m) throw new Error(`no etcd member ${name}`);
    return m;
  };
  return {
    endpoints: members.map((m) => m.endpoint),
    members,
    async stop() {
      disarm();
      await Promise.all(members.map((m) => killAndWait(m.pid, 1000)));
      if (!opts.workDir) fs.rmSync(workDir, { recursive: true, force: true });
    },
    async killMember(name) {
      const m = find(name);
      await killAndWait(m.pid, 0);
    },
    async restartMember(name) {
      const m = find(name);
      launch(m, 'existing');
      await waitForPort('127.0.0.1', m.clientPort, 15_000);
    },
  };
}

/** etcdctl's TLS flags for a TLS etcd (client cert when the server asks for one). */
function etcdctlFlags(opts: EtcdOptions): string[] {
  if (!opts.tls) return [];
  const client = opts.tls.clientCertFile && opts.tls.clientKeyFile ? ['--cert', opts.tls.clientCertFile, '--key', opts.tls.clientKeyFile] : [];
  return ['--cacert', opts.tls.caFile, ...client];
}

function etcdctl(endpoint: string, flags: string[], args: string[], log: string): void {
  try {
    execFileSync('etcdctl', [`--endpoints=${endpoint}`, '--command-timeout=5s', ...flags, ...args], { stdio: 'pipe', timeout: 15_000 });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    fs.appendFileSync(log, `etcdctl ${args.join(' ')}: ${stderr}\n`);
    throw new Error(`etcdctl ${args[0]} ${args[1] ?? ''} failed: ${stderr.trim()}`);
  }
}

/** Adds root, the roles and the extra users (each with its role, root by default) and turns auth on. */
async function enableAuth(endpoint: string, opts: EtcdOptions, workDir: string): Promise<void> {
  const auth = opts.auth as NonNullable<EtcdOptions['auth']>;
  const flags = etcdctlFlags(opts);
  const log = path.join(workDir, 'auth.log');
  etcdctl(endpoint, flags, ['user', 'add', `root:${auth.rootPassword}`], log);
  etcdctl(endpoint, flags, ['user', 'grant-role', 'root', 'root'], log);
  for (const role of auth.roles ?? []) {
    etcdctl(endpoint, flags, ['role', 'add', role.name], log);
    etcdctl(endpoint, flags, ['role', 'grant-permission', role.name, '--prefix=true', 'readwrite', role.prefix], log);
  }
  for (const user of auth.users ?? []) {
    etcdctl(endpoint, flags, ['user', 'add', `${user.name}:${user.password}`], log);
    etcdctl(endpoint, flags, ['user', 'grant-role', user.name, user.role ?? 'root'], log);
  }
  etcdctl(endpoint, flags, ['auth', 'enable'], log);
}

/** Polls etcd's health until it reports a healthy member with a leader (etcdctl for TLS, /health otherwise). */
async function waitForHealthy(endpoint: string, deadlineMs: number, tlsFlags: string[] = []): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    if (tlsFlags.length > 0) {
      try {
        execFileSync('etcdctl', [`--endpoints=${endpoint}`, '--command-timeout=1s', ...tlsFlags, 'endpoint', 'health'], { stdio: 'pipe', timeout: 5000 });
        return;
      } catch (err) {
        last = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
      }
      await sleep(100);
      continue;
    }
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
      last = JSON.stringify(body);
    } catch (err) {
      last = String(err);
    }
    await sleep(50);
  }
  throw new Error(`etcd at ${endpoint} not healthy within ${deadlineMs} ms (${last})`);
}
