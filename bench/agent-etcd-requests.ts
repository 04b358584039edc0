/**
 * etcd requests per agent per minute at steady state, with N simulated agents in one process against a real
 * etcd. Each simulated agent runs the agent's real etcd-facing parts: Presence (lease + machine key,
 * keepalives), the AssignmentMirror (snapshot + watch from its revision) and, every reconcile interval, the
 * desired-state read (unit texts, cached). systemd is left out: it never talks to etcd. Each agent has one
 * assigned unit and has published its state once. Counts come from etcd's own /metrics (gRPC server
 * counters): unary calls started plus messages received on streams (lease keepalives, watch requests),
 * sampled at the start and end of a window after everything has settled.
 * Usage: npm run bench -- agent-etcd-requests [AGENTS=1000] [WINDOW_SEC=60]
 */
import pino from 'pino';
import { EtcdRegistry, sleep, type MachineRecord } from '@flotilla/core';
import { startEtcd } from '../test/harness/etcd.js';
import { AssignmentMirror } from '../packages/agent/src/assignments/mirror.js';
import { Presence } from '../packages/agent/src/presence/presence.js';
import { buildDesired, UnitTextCache } from '../packages/agent/src/reconcile/desired.js';
import { figure } from './stats.js';

const AGENTS = Number(process.argv[2] ?? 1000);
const WINDOW_SEC = Number(process.argv[3] ?? 60);
const TTL_SEC = 10;
const CLIENTS = 8; // agents share a few gRPC connections (one per agent would be 1,000 sockets in one process)
const RECONCILE_INTERVAL_MS = 5000;
// Warnings (registration or watch set-up retried under the start-up load) mark the system as not settled yet.
let lastWarnAt = Date.now();
let warnings = 0;
const logger = pino({ level: 'warn' }, { write: () => void ((lastWarnAt = Date.now()), warnings++) });

/** Sum of etcd's gRPC request counters: unary calls started + stream messages received, by method. */
async function requestCounts(endpoint: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^grpc_server_(started_total|msg_received_total)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const unary = labels.grpc_type === 'unary';
    // For unary calls count starts; for streams count the messages clients send on them.
    if ((m[1] === 'started_total') !== unary) continue;
    counts.set(labels.grpc_method!, (counts.get(labels.grpc_method!) ?? 0) + Number(m[3]));
  }
  return counts;
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

const etcd = await startEtcd();
const registries = await Promise.all(Array.from({ length: CLIENTS }, () => EtcdRegistry.connect({ endpoints: etcd.endpoints })));
const stops: (() => Promise<void>)[] = [];
try {
  const ids = Array.from({ length: AGENTS }, (_, i) => `sim${String(i).padStart(5, '0')}`);
  const setup = registries[0]!;
  await inBatches(ids, 50, async (id) => {
    await setup.submitUnit({ name: `u-${id}.service`, options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' }] }, { desiredState: 'launched' });
  });
  const snap = await setup.snapshot();
  await inBatches(ids, 50, async (id) => {
    const unit = snap.units.find((u) => u.name === `u-${id}.service`)!;
    await setup.assign(unit, snap.unitRevisions.get(unit.name)!, id);
  });
  let synced = 0;
  await inBatches(ids, 50, async (id) => {
    const registry = registries[Number(id.slice(3)) % CLIENTS]!;
    const machine: MachineRecord = { id, hostname: id, ip: '127.0.0.1', metadata: {}, version: 'bench', startedAt: Date.now() };
    const cache = new UnitTextCache();
    let published = false;
    const presence = new Presence({ registry, machine, ttlSec: TTL_SEC, logger });
    const mirror = new AssignmentMirror({ registry, machineId: id, logger, onChange: () => void pass() });
    const pass = async () => {
      const assignments = mirror.current();
      if (assignments === undefined) return;
      const picture = await buildDesired(assignments, { registry, cache, renderers: [], logger }).catch(() => undefined);
      const lease = presence.current;
      if (picture && lease && !published) {
        published = true;
        synced++;
        const [unit] = [...picture.identities.values()];
        if (unit) await registry.publishState({ unit: unit.unit, machineId: id, hash: unit.hash, loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: Date.now() }, lease);
      }
    };
    presence.start();
    mirror.start();
    const timer = setInterval(() => void pass(), RECONCILE_INTERVAL_MS);
    stops.push(async () => {
      clearInterval(timer);
      await mirror.close();
      await presence.stop();
    });
  });
  const settleUntil = Date.now() + 120_000;
  while (synced < AGENTS && Date.now() < settleUntil) await sleep(200);
  if (synced < AGENTS) throw new Error(`only ${synced}/${AGENTS} agents synced`);
  // Settled: two reconcile intervals without a single retry anywhere, so no set-up traffic falls in the window.
  while (Date.now() - lastWarnAt < 2 * RECONCILE_INTERVAL_MS && Date.now() < settleUntil + 120_000) await sleep(200);
  const warningsBefore = warnings;
  const before = await requestCounts(etcd.endpoints[0]!);
  await sleep(WINDOW_SEC * 1000);
  const after = await requestCounts(etcd.endpoints[0]!);
  const delta = new Map([...after].map(([method, n]) => [method, n - (before.get(method) ?? 0)]));
  const perAgentMinute = (n: number) => Math.round((n / AGENTS / (WINDOW_SEC / 60)) * 100) / 100;
  const total = [...delta.values()].reduce((a, b) => a + b, 0);
  const keepalives = delta.get('LeaseKeepAlive') ?? 0;
  figure('agents', AGENTS, 'count');
  figure('setup_retries_logged', warningsBefore, 'count');
  figure('retries_logged_in_window', warnings - warningsBefore, 'count');
  figure('window', WINDOW_SEC, 's');
  figure('etcd_requests_per_agent_min', perAgentMinute(total), 'req/agent/min');
  figure('etcd_keepalives_per_agent_min', perAgentMinute(keepalives), 'req/agent/min');
  figure('etcd_other_requests_per_agent_min', perAgentMinute(total - keepalives), 'req/agent/min');
  for (const [method, n] of [...delta].filter(([m, n]) => n > 0 && m !== 'LeaseKeepAlive')) process.stderr.write(`non-keepalive: ${method} ${n}\n`);
} finally {
  await inBatches(stops, 100, (stop) => stop().catch(() => undefined));
  await Promise.all(registries.map((r) => r.close()));
  await etcd.stop();
}
