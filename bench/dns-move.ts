/**
 * How soon a client resolves a service's name to its new machine after the service moved (docs/discovery.md).
 * 3 real machines (etcd, nspawn, the shipped agent with its DNS). Each round, `db.service` (`[X-Flotilla] Port=`)
 * runs on a machine that is not the scheduler leader; that machine is SIGKILLed; the host follows the endpoints in
 * etcd on a watch (as the agents do) and asks a survivor's agent DNS for `db.flotilla` every 2 ms (c-ares over the
 * test bridge).
 * Figures (medians of ROUNDS): `dns_move_answer_after_publish_ms` (the new endpoint visible in etcd → the DNS
 * answers the new address: the discovery's own delay), `dns_move_resolve_after_kill_ms` (kill → new address
 * answered: lease TTL + rescheduling + start + the above).
 * Usage: npm run bench -- dns-move [ROUNDS=3]
 */
import { Resolver } from 'node:dns/promises';
import { EtcdRegistry, parseUnitFile } from '@flotilla/core';
import { startCluster } from '../test/harness/cluster.js';
import { waitUntil } from '../test/harness/exec.js';
import type { Machine } from '../test/harness/machines.js';
import { cliFor } from '../test/support/cli.js';
import { figure, percentile } from './stats.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const TTL_SEC = 5;
const UNIT = 'db.service';
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const cluster = await startCluster({ machines: 3, ttlSec: TTL_SEC, log, agentEnv: { FLOTILLA_REBALANCE_INTERVAL: '3600' } });
const registry = await EtcdRegistry.connect(cluster.registryOptions);
const cli = cliFor(cluster.cliEnv);

/** The addresses machine `m`'s DNS gives for db.flotilla (a code like ENOTFOUND when none). */
async function answerOf(m: Machine): Promise<string> {
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([m.ip]);
  return (await resolver.resolve4('db.flotilla').catch((err: NodeJS.ErrnoException) => [err.code ?? 'error'])).join(',');
}

async function round(k: number): Promise<{ publish: number; answer: number }> {
  const leader = await registry.currentLeader();
  const victim = cluster.machines.find((m) => m.id !== leader)!;
  const others = cluster.machines.filter((m) => m !== victim);
  for (const m of others) await cli(['cordon', m.name]);
  await registry.submitUnit({ name: UNIT, options: parseUnitFile('[Service]\nExecStart=/bin/sleep infinity\n[X-Flotilla]\nPort=5432\n', UNIT) });
  await registry.setDesiredState(UNIT, 'launched');
  await waitUntil('db answered on the victim', async () => ((await answerOf(others[0]!)) === victim.ip ? true : undefined), { timeoutMs: 60_000, intervalMs: 100 });
  for (const m of others) await cli(['uncordon', m.name]);

  const asked = others[0]!;
  const marks: { published?: number; answered?: number } = {};
  let done = false;
  // The watch event's arrival is the publish mark: the agents' DNS learn of it the same way, then list once.
  const watch = await registry.watchEndpoints(() => {
    const seenAt = Date.now();
    void registry.listEndpoints().then((list) => {
      if (list.some((e) => e.unit === UNIT && e.machineId !== victim.id)) marks.published ??= seenAt;
    });
  });
  const pollDns = (async () => {
    while (!done && marks.answered === undefined) {
      const answer = await answerOf(asked);
      if (others.some((m) => m.ip === answer)) marks.answered = Date.now();
      else await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const killAt = Date.now();
  await victim.kill();
  try {
    await waitUntil('the new address answered', async () => (marks.answered !== undefined && marks.published !== undefined ? true : undefined), { timeoutMs: (TTL_SEC + 60) * 1000, intervalMs: 20 });
  } finally {
    done = true;
    await pollDns;
    await watch.close();
  }
  const result = { publish: marks.published! - killAt, answer: marks.answered! - killAt };
  log(`round ${k}: published on the new machine ${result.publish} ms after the kill, answered by ${asked.name}'s DNS ${result.answer} ms`);
  await registry.destroyUnit(UNIT);
  await cluster.removeMachine(victim);
  await cluster.addMachine();
  await waitUntil('3 agents again', async () => ((await registry.listMachines()).length === 3 ? true : undefined), { timeoutMs: 90_000 });
  return result;
}

try {
  await waitUntil('3 agents and a leader', async () => ((await registry.listMachines()).length === 3 && (await registry.currentLeader()) ? true : undefined), { timeoutMs: 90_000 });
  const rounds: { publish: number; answer: number }[] = [];
  for (let k = 1; k <= ROUNDS; k++) rounds.push(await round(k));
  figure('dns_move_rounds', ROUNDS, 'count');
  figure('dns_move_lease_ttl', TTL_SEC * 1000, 'ms');
  // The DNS is polled every 2 ms (plus a query's round trip): the figure is that much coarse.
  figure('dns_move_answer_after_publish_ms', Math.round(percentile(rounds.map((r) => r.answer - r.publish), 50)), 'ms');
  figure('dns_move_resolve_after_kill_ms', Math.round(percentile(rounds.map((r) => r.answer), 50)), 'ms');
} finally {
  await registry.close();
  await cluster.stop();
}
