/**
 * A machine with 100 units SIGKILLed (machine.kill(): SIGKILL of its PID 1), on 3 real machines (real etcd,
 * nspawn machines running the shipped agent service), KILLS times: how long until every one of its units is
 * active on another machine, asked of the survivors' systemd (test/support/systemd-sampler.ts), and where that time
 * goes. The units are put on the victim by cordoning the other two while they are submitted.
 *
 * The agent renews its presence lease every TTL/3, so the lease expires up to TTL after the last renewal and the
 * kill can come up to TTL/3 after it. To measure from the last successful keepalive, the bench polls the lease's
 * remaining TTL (`etcdctl lease timetolive`) and kills right after it sees a renewal: the kill is then at most one
 * poll (`loss_renewal_seen_ms_max`) after the keepalive, and kill + TTL is when etcd may delete the key.
 * Stages, each from kill + TTL: `key_deleted` (etcd's lessor revoked the lease; the host sees `machines/<id>`
 * deleted on a watch), `rescheduled` (the leader's last new placement of the victim's units seen on the watch),
 * `all_active` (every unit active on exactly one survivor).
 * Usage: npm run bench -- machine-loss [KILLS=5] [UNITS=100]; env BENCH_REGISTRY_LAYOUT=1 (the daemons hold the
 * registry at layout 1)
 */
import { DEFAULT_PREFIX, EtcdRegistry, Keyspace, parseUnitFile, scheduleChangeOf, type ClusterEvent } from '@flotilla/core';
import { startCluster } from '../test/harness/cluster.js';
import { run, waitUntil } from '../test/harness/exec.js';
import type { Machine } from '../test/harness/machines.js';
import { cliFor } from '../test/support/cli.js';
import { SystemdSampler } from '../test/support/systemd-sampler.js';
import { figure, percentile } from './stats.js';

const KILLS = Number(process.argv[2] ?? 5);
const UNITS = Number(process.argv[3] ?? 100);
const TTL_SEC = 10;
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const cluster = await startCluster({ machines: 3, ttlSec: TTL_SEC, log, agentEnv: {
  FLOTILLA_REBALANCE_INTERVAL: '3600',
  ...(process.env.LOSS_TRACE ? { FLOTILLA_LOG_LEVEL: 'debug' } : {}),
  // BENCH_REGISTRY_LAYOUT=1: the daemons hold the registry at layout 1 (two keys per placement), for comparison.
  ...(process.env.BENCH_REGISTRY_LAYOUT === '1' ? { FLOTILLA_REGISTRY_LAYOUT: '1' } : {}),
} });
const registry = await EtcdRegistry.connect(cluster.registryOptions);
const cli = cliFor(cluster.cliEnv);

async function etcdctl(args: string[]): Promise<string> {
  const r = await run('etcdctl', [...cluster.etcdctlArgs, ...args], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The presence lease of machine `id` (hex, as etcdctl takes it). */
async function leaseOf(id: string): Promise<string> {
  const key = new Keyspace(cluster.registryOptions.prefix ?? DEFAULT_PREFIX).machine(id);
  // Lease ids are int64: read the digits, not a JSON number (it would lose precision).
  const lease = /"lease":(\d+)/.exec(await etcdctl(['get', key, '-w', 'json']))?.[1];
  if (lease === undefined) throw new Error(`${key} has no lease`);
  return BigInt(lease).toString(16);
}

async function remainingTtl(lease: string): Promise<number> {
  return (JSON.parse(await etcdctl(['lease', 'timetolive', lease, '-w', 'json'])) as { ttl: number }).ttl;
}

/** Waits for a renewal (the remaining TTL goes up); returns how long the poll that saw it took. */
async function justRenewed(lease: string): Promise<number> {
  let last = await remainingTtl(lease);
  for (;;) {
    const t = Date.now();
    const ttl = await remainingTtl(lease);
    if (ttl > last) return Date.now() - t;
    last = ttl;
  }
}

/** LOSS_TRACE=1: what each survivor's journal says from the key's deletion on (daemon-reloads, starts, agent passes). */
async function trace(m: Machine, from: number): Promise<void> {
  const r = await m.exec(['journalctl', '--since', `@${Math.floor(from / 1000) - 1}`, '-o', 'short-unix', '--no-pager', '-q'], { timeoutMs: 20_000 });
  if (r.code !== 0) log(`${m.name} journalctl: ${r.stderr}`);
  const at = (line: string) => Math.round(Number(line.split(' ')[0]) * 1000 - from);
  const lines = r.stdout.split('\n').filter((l) => at(l) >= 0 && /Reload|Started|reconcile|assignment|task|pass/i.test(l));
  for (const l of lines.filter((l, i) => !/Started loss|task (Load|Start) done/.test(l) || i % 10 === 0)) log(`${m.name} +${at(l)} ${l.slice(l.indexOf(' ') + 1, 260)}`);
}

async function run1(names: string[], round: number): Promise<Record<string, number>> {
  const leader = await registry.currentLeader();
  const victim = cluster.machines.find((m) => m.id !== leader)!;
  const others = cluster.machines.filter((m) => m !== victim);
  for (const m of others) await cli(['cordon', m.name]);
  for (const name of names) await registry.submitUnit({ name, options: parseUnitFile('[Service]\nExecStart=/bin/sleep infinity\n', name) });
  await Promise.all(names.map((n) => registry.setDesiredState(n, 'launched')));
  const probe = new SystemdSampler([victim], names);
  await waitUntil('all active on the victim', async () => ((await probe.sample()).active.size === names.length ? true : undefined), { timeoutMs: 180_000, intervalMs: 500 });
  await probe.stop();
  for (const m of others) await cli(['uncordon', m.name]);

  const mine = new Set(names);
  const scheduledOn = new Map(names.map((n) => [n, victim.id]));
  const marks: { deleted?: number; lastPlaced?: number; placed: number } = { placed: 0 };
  const sub = await registry.watchCluster((e: ClusterEvent) => {
    if (e.kind === 'machine' && e.type === 'delete' && e.id === victim.id) marks.deleted ??= Date.now();
    // A placement is a schedule/ key or a placed assignment, by the registry's one rule (core's scheduleChangeOf).
    const change = scheduleChangeOf(e, (unit) => scheduledOn.get(unit));
    if (!change || !mine.has(change.unit)) return;
    if (change.machineId === undefined) return void scheduledOn.delete(change.unit);
    scheduledOn.set(change.unit, change.machineId);
    if (change.machineId !== victim.id) {
      marks.placed++;
      marks.lastPlaced = Date.now();
    }
  });
  let allActive: number | undefined;
  let firstActive: number | undefined;
  const sampler = new SystemdSampler(others, names, {
    intervalMs: 50,
    onRound: (r) => {
      const on = names.filter((n) => (r.activeOn.get(n)?.length ?? 0) === 1).length;
      if (on > 0) firstActive ??= r.at;
      if (on === names.length) allActive ??= r.at;
    },
  });
  const lease = await leaseOf(victim.id);
  const seenMs = await justRenewed(lease);
  const killAt = Date.now();
  await victim.kill();
  await waitUntil('all active on the others', async () => (allActive !== undefined ? true : undefined), { timeoutMs: (TTL_SEC + 60) * 1000, intervalMs: 50 });
  await sampler.stop();
  await sub.close();
  const ttlAt = killAt + TTL_SEC * 1000;
  const stage = {
    renewal_seen_ms: seenMs,
    all_active_ms: allActive! - killAt,
    after_ttl_ms: allActive! - ttlAt,
    key_deleted_after_ttl_ms: (marks.deleted ?? NaN) - ttlAt,
    rescheduled_after_deleted_ms: (marks.lastPlaced ?? NaN) - (marks.deleted ?? NaN),
    first_active_after_deleted_ms: firstActive! - (marks.deleted ?? NaN),
    all_active_after_rescheduled_ms: allActive! - (marks.lastPlaced ?? NaN),
    double_active_samples: sampler.twice.length,
    sample_gap_max_ms: sampler.maxGapMs,
  };
  log(`kill ${round}: ${JSON.stringify(stage)} (placed ${marks.placed})`);
  if (process.env.LOSS_TRACE) for (const m of others) await trace(m, marks.deleted ?? killAt);
  // Back to 3 machines, without this round's units.
  await cluster.removeMachine(victim);
  await cluster.addMachine();
  await Promise.all(names.map((n) => registry.destroyUnit(n)));
  await waitUntil('3 agents again', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 90_000 });
  return stage;
}

try {
  await waitUntil('3 agents and a leader', async () => ((await registry.listMachines()).length === 3 && (await registry.currentLeader()) ? true : undefined), { timeoutMs: 90_000 });
  const rounds: Record<string, number>[] = [];
  for (let k = 1; k <= KILLS; k++) {
    rounds.push(await run1(Array.from({ length: UNITS }, (_, i) => `loss-${k}-${i + 1}.service`), k));
  }
  const p50 = (key: string) => Math.round(percentile(rounds.map((r) => r[key]!), 50));
  figure('loss_units', UNITS, 'count');
  figure('loss_kills', KILLS, 'count');
  figure('loss_ttl', TTL_SEC * 1000, 'ms');
  figure('loss_all_active_ms_p50', p50('all_active_ms'), 'ms');
  figure('loss_all_active_after_ttl_ms_p50', p50('after_ttl_ms'), 'ms');
  figure('loss_all_active_after_ttl_ms_max', Math.round(Math.max(...rounds.map((r) => r.after_ttl_ms!))), 'ms');
  figure('loss_key_deleted_after_ttl_ms_p50', p50('key_deleted_after_ttl_ms'), 'ms');
  figure('loss_rescheduled_after_deleted_ms_p50', p50('rescheduled_after_deleted_ms'), 'ms');
  figure('loss_first_active_after_deleted_ms_p50', p50('first_active_after_deleted_ms'), 'ms');
  figure('loss_all_active_after_rescheduled_ms_p50', p50('all_active_after_rescheduled_ms'), 'ms');
  figure('loss_renewal_seen_ms_max', Math.max(...rounds.map((r) => r.renewal_seen_ms!)), 'ms');
  figure('loss_double_active_samples', rounds.reduce((s, r) => s + r.double_active_samples!, 0), 'count');
  figure('loss_sample_gap_max', Math.max(...rounds.map((r) => r.sample_gap_max_ms!)), 'ms');
} finally {
  await registry.close();
  await cluster.stop();
}
