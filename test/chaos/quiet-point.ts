/**
 * A quiet point (I/O): every fault is undone; the run repeats the CLI commands whose outcome is unknown, waits
 * (bounded: one TTL plus 15 s, the time the docs give a lost machine's units to come back) until every machine's
 * systemd shows a settled cluster (settled.ts), then reads the whole keyspace raw, at one revision, and checks the
 * registry's invariants over it (packages/core/src/testing/registry-invariants.ts).
 */
import type { FleetRequirements, Keyspace, RegistryOptions } from '@flotilla/core';
import { createEtcdClient } from '../../packages/core/src/registry/client.js';
import { registryViolations } from '../../packages/core/src/testing/registry-invariants.js';
import type { SampledRound } from '../support/systemd-sampler.js';
import { expectedRunning, mayRun, type Intent } from './allowances.js';
import type { SettleCheck } from './report.js';
import { settledProblems, type MachineView, type Problem } from './settled.js';
import { sleep } from '@flotilla/core';

export interface QuietPointContext {
  /** The cluster's etcd as the CLI's user reaches it (TLS, client certificate, auth). */
  registryOptions: RegistryOptions;
  keyspace: Keyspace;
  startedAt: number;
  settleMs: number;
  /**
   * At the end: keep watching this long after the last fault before the final judgement, whether or not the
   * cluster looked settled sooner (a unit must be back one TTL plus 15 s after the last fault, and a machine that
   * returns from a cut-off acts only after it has re-registered).
   */
  holdMs?: number;
  graceMs: number;
  intents: readonly Intent[];
  rules: () => ReadonlyMap<string, FleetRequirements>;
  machines: () => MachineView[];
  /** The sampler's latest round. */
  latest: () => SampledRound | undefined;
  repeatUncertain: () => Promise<boolean>;
  log(line: string): void;
}

const HOLD_SETTLE_MS = 5000;
/** How long a keyspace with violations is read again before they count (a leader pass is ≥ 50 ms, a few at most). */
const KEYSPACE_SETTLE_MS = 5000;

export async function quietPoint(label: string, ctx: QuietPointContext): Promise<SettleCheck> {
  const from = Date.now();
  if (!(await ctx.repeatUncertain())) ctx.log(`${label}: some CLI commands still fail; their units are left out of the checks`);
  let problems = await settle(ctx, from + ctx.settleMs);
  const waitedMs = Date.now() - from;
  const verdict = (p: Problem[]) => (p.length === 0 ? 'settled' : `NOT settled (${p.map((x) => x.text).join('; ')})`);
  ctx.log(`${label}: ${verdict(problems)} after ${(waitedMs / 1000).toFixed(1)} s`);
  if (ctx.holdMs !== undefined) {
    await sleep(Math.max(0, from + ctx.holdMs! - Date.now()));
    // A rebalancing move may have a unit down for a moment right then (stop before start): a few seconds more.
    problems = await settle(ctx, Date.now() + HOLD_SETTLE_MS);
    ctx.log(`${label}: ${verdict(problems)} ${(ctx.holdMs / 1000).toFixed(0)} s after the last fault`);
  }
  // In registry layout 2 a CLI's write is the unit record alone and the leader's next pass brings its assignment in
  // line (docs/registry.md, "One write per placement"): the keyspace is consistent once that pass has run.
  let keyspace = await keyspaceViolations(ctx.registryOptions, ctx.keyspace);
  for (const end = Date.now() + KEYSPACE_SETTLE_MS; keyspace.length > 0 && Date.now() < end; ) {
    await sleep(500);
    keyspace = await keyspaceViolations(ctx.registryOptions, ctx.keyspace);
  }
  ctx.log(`${label}: keyspace ${keyspace.length === 0 ? 'consistent' : `has ${keyspace.length} violations: ${keyspace.join('; ')}`}`);
  return { label, atMs: from - ctx.startedAt, problems, keyspace, waitedMs };
}

/** Waits for a round started after `since` that shows no problem; returns the last round's problems at the deadline. */
async function settle(ctx: QuietPointContext, deadline: number): Promise<Problem[]> {
  const since = Date.now();
  let problems: Problem[] = [{ kind: 'unanswered', text: 'no sampling round since the quiet point began' }];
  while (Date.now() < deadline) {
    const round = ctx.latest();
    if (round && round.at > since) {
      problems = settledProblems({
        machines: ctx.machines(),
        answered: round.answered,
        activeOn: round.activeOn,
        running: round.running,
        expected: expectedRunning(ctx.intents),
        mayRun: (unit) => mayRun(ctx.intents, unit, round.at, ctx.graceMs),
        rules: ctx.rules(),
      });
      if (problems.length === 0) return problems;
    }
    await sleep(250);
  }
  return problems;
}

/** registryViolations over one raw range read of everything under the keyspace's root. */
async function keyspaceViolations(options: RegistryOptions, keyspace: Keyspace): Promise<string[]> {
  const raw = createEtcdClient(options, 10_000);
  try {
    const response = await raw.getAll().prefix(keyspace.root).exec();
    return registryViolations(keyspace, response.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value })));
  } catch (err) {
    return [`could not read the keyspace: ${(err as Error).message}`];
  } finally {
    raw.close();
  }
}
