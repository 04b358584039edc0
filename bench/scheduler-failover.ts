/**
 * Scheduler failover against a real 3-member etcd: two schedulers in their own processes (election TTL 2 s);
 * each round stops the leader — SIGKILL or SIGTERM (graceful: it resigns) — submits a fresh unit at once, and
 * times until that unit is scheduled, i.e. until the new leader is placing. A replacement scheduler is started
 * after every round, so there are always two.
 * Usage: npm run bench -- scheduler-failover [ROUNDS]
 */
import { EtcdRegistry, sleep, withDeadline, type PresenceLease } from '@flotilla/core';
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../test/harness/etcd.js';
import { figure, percentile } from './stats.js';
import { startSchedulerChild, type SchedulerChild } from './support/scheduler-child.js';
import { benchMachine, spec } from './support/seed.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const PREFIX = '/flotilla-failover/';
const TTL_SEC = 2;
const DEADLINE_MS = 20_000;

const etcd = await startEtcd({ members: 3 });
const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: PREFIX });
const children: SchedulerChild[] = [];
const leases: PresenceLease[] = [];
let serial = 0;
const spawn = () => {
  const child = startSchedulerChild({ endpoints: etcd.endpoints, prefix: PREFIX, candidate: `sched-${++serial}`, ttlSec: TTL_SEC });
  children.push(child);
  return child;
};

try {
  for (let i = 0; i < 3; i++) leases.push(await registry.registerMachine(benchMachine(i, undefined), 30));
  spawn();
  spawn();
  await Promise.any(children.map((c) => c.leaderAt(DEADLINE_MS)));
  await bothCampaigning();
  const results: Record<'kill' | 'term', number[]> = { kill: [], term: [] };
  for (let round = 0; round < ROUNDS * 2; round++) {
    const how = round % 2 === 0 ? 'kill' : 'term';
    const leader = children.find((c) => c.isLeader());
    if (!leader) throw new Error('no leader before the round');
    const name = `probe-${round}.service`;
    const placed = await watchScheduled(name);
    const stoppedAt = Date.now();
    const stopping = leader.signal(how === 'kill' ? 'SIGKILL' : 'SIGTERM');
    await registry.submitUnit(spec(name), { desiredState: 'launched' });
    const placedAt = await placed.placed;
    results[how].push(placedAt - stoppedAt);
    process.stderr.write(`bench: ${how} → placing again after ${placedAt - stoppedAt} ms\n`);
    await stopping;
    children.splice(children.indexOf(leader), 1);
    spawn();
    await bothCampaigning();
  }
  for (const how of ['kill', 'term'] as const) {
    figure(`failover_${how}_p50`, percentile(results[how], 50), 'ms');
    figure(`failover_${how}_max`, Math.max(...results[how]), 'ms');
  }
} finally {
  await Promise.all(children.map((c) => c.signal('SIGKILL')));
  await Promise.all(leases.map((l) => l.revoke().catch(() => undefined)));
  await registry.close();
  await etcd.stop();
}

/** Waits until two campaign keys exist (the replacement has booted and campaigns), so a round never times a boot. */
async function bothCampaigning(): Promise<void> {
  const raw = new Etcd3({ hosts: etcd.endpoints });
  try {
    const end = Date.now() + DEADLINE_MS;
    while ((await raw.getAll().prefix(registry.keyspace.electionPrefix()).count()) < 2) {
      if (Date.now() > end) throw new Error('the replacement scheduler did not campaign in time');
      await sleep(50);
    }
  } finally {
    raw.close();
  }
}

/** Resolves with the wall-clock ms at which `unit` gets a schedule entry (cluster watch; DEADLINE_MS). */
async function watchScheduled(unit: string): Promise<{ placed: Promise<number> }> {
  let resolve: (at: number) => void = () => {};
  const placed = new Promise<number>((r) => (resolve = r));
  const sub = await registry.watchCluster((event) => {
    if (event.kind === 'schedule' && event.type === 'put' && event.unit === unit) resolve(Date.now());
  });
  // Wrapped: an async function would flatten (await) a returned promise.
  return {
    placed: withDeadline(placed, DEADLINE_MS, () => new Error(`${unit} not scheduled within ${DEADLINE_MS} ms`)).finally(() => void sub.close()),
  };
}
