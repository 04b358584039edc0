import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports.js';
import { killAndWait, startDaemon } from './processes.js';

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
}

const ETCD_BIN = process.env.FLOTILLA_ETCD_BIN ?? '/usr/bin/etcd';

/** Starts a real etcd (1 or N members) on free loopback ports with temporary data dirs. */
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
  for (const m of members) m.endpoint = `http://127.0.0.1:${m.clientPort}`;
  const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
  const token = `flotilla-${process.pid}-${Date.now()}`;

  const argsFor = (m: EtcdMember, state: 'new' | 'existing') => {
    const listen = [`http://127.0.0.1:${m.clientPort}`, ...(opts.extraListenHosts ?? []).map((h) => `http://${h}:${m.clientPort}`)];
    return [
      '--name', m.name,
      '--data-dir', m.dataDir,
      '--listen-client-urls', listen.join(','),
      '--advertise-client-urls', m.endpoint,
      '--listen-peer-urls', `http://127.0.0.1:${m.peerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peerPort}`,
      '--initial-cluster', initialCluster,
      '--initial-cluster-state', state,
      '--initial-cluster-token', token,
      '--heartbeat-interval', '100',
      '--election-timeout', '1000',
      '--logger', 'zap',
      '--log-outputs', 'stderr',
    ];
  };
  const launch = (m: EtcdMember, state: 'new' | 'existing') => {
    const child = startDaemon(ETCD_BIN, argsFor(m, state), path.join(workDir, `${m.name}.log`), { detached: opts.detached });
    if (!child.pid) throw new Error(`could not start etcd member ${m.name} (${ETCD_BIN})`);
    m.pid = child.pid;
  };
  for (const m of members) launch(m, 'new');
  try {
    await Promise.all(members.map((m) => waitForHealthy(m.endpoint, 20_000)));
  } catch (err) {
    await Promise.all(members.map((m) => killAndWait(m.pid, 500)));
    throw err;
  }

  const find = (name: string) => {
    const m = members.find((x) => x.name === name);
    if (!m) throw new Error(`no etcd member ${name}`);
    return m;
  };
  return {
    endpoints: members.map((m) => m.endpoint),
    members,
    async stop() {
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

/** Polls etcd's /health until it reports a healthy member with a leader. */
async function waitForHealthy(endpoint: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
      last = JSON.stringify(body);
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`etcd at ${endpoint} not healthy within ${deadlineMs} ms (${last})`);
}
