/**
 * Scheduler at 100× fleet's ceiling: 10,000 simulated machines (no agents; records written into the registry
 * under 10 shared leases of 1,000 machines) and 100,000 units against a real 3-member etcd on this box. One
 * scheduler runs in its own process (so its RSS is its own). Workload: 3 global units (one on every machine,
 * two on metadata-matching ones), 5,000 `web@N` instances that conflict with each other (one per machine,
 * 512M + 0.5 CPU each), 5,000 units wanting `disk=ssd` (2G each), the rest plain.
 * Figures: placements/s including the etcd writes, time to place all, leader peak RSS, etcd db size, and the
 * time until every unit of 1,000 machines lost at once (one lease revoked) is placed again.
 * Usage: npm run bench -- scheduler-scale [MACHINES] [UNITS] [ELECTION_TTL_SEC (default 5)]; env BENCH_DEADLINE_S,
 * BENCH_TXN_OPS (etcd's --max-txn-ops and the leader's transaction size; default the shipped master's),
 * BENCH_REGISTRY_LAYOUT=1 (machines that cannot lead registry layout 2: two keys per placement, for comparison)
 */
import { Etcd3 } from 'etcd3';
import { Keyspace, sleep } from '@flotilla/core';
import { startEtcd } from '../test/harness/etcd.js';
import { ETCD_LIMIT_FLAGS, ETCD_MAX_TXN_OPS } from '../packages/cli/src/cloud-config/etcd-limits.js';
import { figure } from './stats.js';
import { startSchedulerChild } from './support/scheduler-child.js';
import { benchMachine, benchUnitSpecs, seedMachines, seedUnits } from './support/seed.js';
import { decodeValue } from '../packages/core/src/registry/codec.js';
import { isAssignment } from '../packages/core/src/registry/record-guards.js';

const MACHINES = Number(process.argv[2] ?? 10_000);
const UNITS = Number(process.argv[3] ?? 100_000);
const TTL_SEC = Number(process.argv[4] ?? 5);
const GROUP = Math.max(1, Math.floor(MACHINES / 10));
// BENCH_DEADLINE_S: how long placing everything, and placing the lost units again, may each take (default 300 s).
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_S ?? 300) * 1000;
const PREFIX = '/flotilla-scale/';
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

// BENCH_TXN_OPS: etcd's --max-txn-ops and the leader's transaction size, to compare with the shipped value.
const TXN_OPS = Number(process.env.BENCH_TXN_OPS ?? ETCD_MAX_TXN_OPS);
// The shipped master's quota, compaction and transaction limits (cloud-config/etcd-limits.ts).
const etcdFlags = [...ETCD_LIMIT_FLAGS.filter((f) => !f.startsWith('--max-txn-ops=')), `--max-txn-ops=${TXN_OPS}`];
const etcd = await startEtcd({ members: 3, extraArgs: etcdFlags });
const client = new Etcd3({ hosts: etcd.endpoints });
const keys = new Keyspace(PREFIX);
let child: ReturnType<typeof startSchedulerChild> | undefined;
try {
  const capacity = { cpuMillis: 16_000, memoryBytes: 64 * 1024 ** 3 };
  const machines = Array.from({ length: MACHINES }, (_, i) => benchMachine(i, capacity));
  const groups = await seedMachines(client, keys, machines, GROUP, 30);
  const specs = benchUnitSpecs(MACHINES, UNITS);
  const seedStart = performance.now();
  await seedUnits(client, keys, specs);
  log(`seeded ${MACHINES} machines, ${specs.length} units in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const globalsWanted = MACHINES + machines.filter((m) => m.metadata.disk === 'ssd').length + machines.filter((m) => m.metadata.rack === 'r1').length;
  const wanted = specs.length - 3 + globalsWanted;
  // The leader packs its transactions to the etcd's --max-txn-ops, as a shipped master's daemon does.
  child = startSchedulerChild({ endpoints: etcd.endpoints, prefix: PREFIX, candidate: 'scale-leader', ttlSec: TTL_SEC, maxTxnOps: TXN_OPS });
  const leaderAt = await child.leaderAt(60_000);
  // etcd counts a range by walking it (~0.2–0.7 s for 1,000,000 assignments, on the cores the leader and etcd
  // share): far from done, look once per 500 placements wanted (2 s at 1,000,000), then every 200 ms.
  const coarseMs = Math.max(200, Math.round(wanted / 500));
  let placedSoFar = 0;
  const allPlaced = async () => (placedSoFar = await countPrefix(keys.assignmentsRoot)) >= wanted;
  const placedAt = await until(allPlaced, DEADLINE_MS, 'all units placed', () => (placedSoFar < 0.95 * wanted ? coarseMs : 200)).catch(async (err: unknown) => {
    // Past the deadline, what was reached so far is still a figure (at 1,000,000 units: how far, at what memory).
    figure('placements_at_deadline', await countPrefix(keys.assignmentsRoot), 'count');
    figure('placements_wanted', wanted, 'count');
    await leaderAndEtcdFigures(child!);
    throw err;
  });
  const seconds = (placedAt - leaderAt) / 1000;
  figure('placements_per_s', Math.round(wanted / seconds), 'placements/s');
  figure('time_to_place_all', seconds, 's');
  figure('placements', wanted, 'count');
  figure('leader_max_event_loop_block', child.maxLoopDelayMs(), 'ms');
  figure('leader_max_gc_pause', child.maxGcPauseMs(), 'ms');

  // 1,000 machines lost at once: every unit they ran must be scheduled on a live machine again.
  const lost = groups[3] ?? groups[0]!;
  const dead = new Set(lost.machines.map((m) => m.id));
  // A unit's placement is its placed assignment (both registry layouts write `placed`: docs/registry.md).
  const placedOn = (key: string, value: Buffer): string | undefined => {
    const a = decodeValue(key, value, isAssignment);
    return a.placed === true ? a.unit : undefined;
  };
  const displaced = new Set<string>();
  await Promise.all([...dead].map(async (m) => {
    const held = await client.getAll().prefix(keys.assignmentsOf(m)).buffers();
    for (const [key, value] of Object.entries(held)) {
      const unit = placedOn(key, value);
      if (unit) displaced.add(unit);
    }
  }));
  const displacedCount = displaced.size;
  const watcher = await client.watch().prefix(keys.assignmentsRoot).create();
  let allBack: () => void = () => {};
  const back = new Promise<void>((resolve) => (allBack = resolve));
  watcher.on('put', (kv) => {
    const key = kv.key.toString();
    const machine = key.slice(keys.assignmentsRoot.length).split('/')[0] as string;
    const unit = placedOn(key, kv.value);
    if (unit && displaced.has(unit) && !dead.has(machine)) displaced.delete(unit);
    if (displaced.size === 0) allBack();
  });
  const lossAt = Date.now();
  await lost.lease.revoke();
  await Promise.race([back, new Promise((_, reject) => setTimeout(() => reject(new Error('lost units not placed again in time')), DEADLINE_MS).unref())]);
  figure('machines_lost', dead.size, 'machines');
  figure('units_displaced', displacedCount, 'units');
  figure('time_to_replace_lost_units', (Date.now() - lossAt) / 1000, 's');
  await watcher.cancel();

  await leaderAndEtcdFigures(child);
  for (const g of groups) g.lease.release();
} finally {
  await child?.signal('SIGTERM');
  client.close();
  await etcd.stop();
}

/** The scheduler process's leadership losses and peak memory, and etcd's db size. */
async function leaderAndEtcdFigures(scheduler: NonNullable<typeof child>): Promise<void> {
  figure('leadership_losses', scheduler.countLogs('leadership lost') - scheduler.countLogs('leadership lost while'), 'count');
  figure('leader_peak_rss', Math.round(scheduler.maxRss() / 1024 ** 2), 'MiB');
  figure('leader_peak_heap_used', Math.round(scheduler.maxHeapUsed() / 1024 ** 2), 'MiB');
  figure('etcd_db_size', Math.round(Number((await client.maintenance.status()).dbSize) / 1024 ** 2), 'MiB');
}

async function countPrefix(prefix: string): Promise<number> {
  return client.getAll().prefix(prefix).count();
}

/** Polls `check` (every `intervalMs()` ms, 200 unless given); resolves with Date.now() when it first holds. */
async function until(check: () => Promise<boolean>, deadlineMs: number, what: string, intervalMs = () => 200): Promise<number> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await check()) return Date.now();
    await sleep(intervalMs());
  }
  throw new Error(`${what}: not within ${deadlineMs} ms`);
}
