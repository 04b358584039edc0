/**
 * One chaos run (I/O): a cluster on a 3-member etcd, the unit mix launched and settled, every machine's systemd
 * sampled throughout (SystemdSampler over a kept D-Bus connection per machine, a round every ~150 ms) and each
 * round judged (round-judge.ts), the scheduled faults run in order (several at once, each on its own targets),
 * quiet points checked, and a final check once everything is undone. The cluster is torn down however the run
 * ends. Used by test/chaos/chaos.test.ts (short) and bench/chaos.ts (`npm run chaos`, `npm run bench -- chaos`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry } from '@flotilla/core';
import { waitUntil } from '../harness/exec.js';
import { cliFor } from '../support/cli.js';
import { SystemdSampler, type SampledRound } from '../support/systemd-sampler.js';
import type { CutoffWindow, Intent } from './allowances.js';
import { BurstRunner } from './burst.js';
import { startChaosCluster, type ChaosCluster } from './chaos-cluster.js';
import { runFault, type FaultContext } from './injectors.js';
import { quietPoint, type QuietPointContext } from './quiet-point.js';
import { buildReport, seconds, type ChaosReport, type SettleCheck } from './report.js';
import { RoundJudge } from './round-judge.js';
import { FaultQueue } from './fault-queue.js';
import { planFaults } from './schedule.js';
import { BASE_UNITS, baseUnitFiles, CONFLICT_TEMPLATE, slotMetadata, STRICT_UNIT, unitRules } from './units.js';

export interface ChaosOptions {
  seed: number;
  events: number;
  machines: number;
  quietEvery: number;
  /** Presence TTL (s); the shipped default is 10. */
  ttlSec?: number;
  log: (line: string) => void;
}

const ELECTION_TTL_SEC = 2; // the daemon's default (docs/scheduler.md, "Election TTL ≠ presence TTL")
/** How long a destroyed unit may still run: its agent sees the delete on its watch and stops it (~1 s). */
const DESTROY_GRACE_MS = 10_000;
/** The brief's bound for "settled": a lost unit must be back one TTL plus 15 s after the last fault. */
const SETTLE_EXTRA_MS = 15_000;

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const ttlSec = opts.ttlSec ?? 10;
  const schedule = planFaults({ seed: opts.seed, events: opts.events, machines: opts.machines, ttlSec, electionTtlSec: ELECTION_TTL_SEC, quietEvery: opts.quietEvery });
  const t0 = Date.now();
  let startedAt = t0;
  const log = (line: string) => opts.log(`chaos ${seconds(Date.now() - startedAt)} ${line}`);
  log(`seed ${opts.seed}: ${opts.events} events on ${opts.machines} machines (replay: npm run chaos -- --seed ${opts.seed} --events ${opts.events} --machines ${opts.machines} --quiet-every ${opts.quietEvery})`);
  const unitDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-chaos-'));
  const intents: Intent[] = [];
  const windows: CutoffWindow[] = [];
  const units = [...BASE_UNITS, ...schedule.burstUnits];
  const rules = unitRules(units);
  const globalUnits = new Set(units.filter((u) => rules.get(u)?.global));
  const judge = new RoundJudge({ strictUnits: new Set([STRICT_UNIT]), globalUnits, graceMs: DESTROY_GRACE_MS, windows: () => windows, intents: () => intents });
  const abort = new AbortController();
  let cluster: ChaosCluster | undefined;
  let registry: EtcdRegistry | undefined;
  let sampler: SystemdSampler | undefined;
  let latest: SampledRound | undefined;
  let slowRounds = 0;
  const checks: SettleCheck[] = [];
  const faultErrors: string[] = [];
  try {
    cluster = await startChaosCluster({ machines: opts.machines, ttlSec, metadata: slotMetadata, log });
    const live = cluster;
    registry = await EtcdRegistry.connect({ endpoints: live.endpoints });
    const connected = registry;
    await waitUntil(`${opts.machines} agents and a leader`, async () => ((await connected.listMachines()).length === opts.machines && (await connected.currentLeader()) ? true : undefined), { timeoutMs: 120_000, intervalMs: 250 });
    sampler = new SystemdSampler(live.slots, units, {
      onRound: (round) => {
        if (latest && round.at - latest.at > 250) {
          slowRounds++;
          log(`sampling round ${round.at - latest.at} ms after the previous one`);
        }
        latest = round;
        judge.observe(round);
      },
    });
    const cli = cliFor(live.endpoints);
    const bursts = new BurstRunner(cli, unitDir, intents, log);
    bursts.writeFiles(schedule.burstUnits);
    const quiet: QuietPointContext = {
      endpoints: live.endpoints, keyspace: connected.keyspace, startedAt: t0, settleMs: ttlSec * 1000 + SETTLE_EXTRA_MS, graceMs: DESTROY_GRACE_MS, intents,
      rules: () => rules, machines: () => live.slots.map((m, slot) => ({ name: m.name, metadata: slotMetadata(slot) })), latest: () => latest,
      repeatUncertain: () => bursts.repeatUncertain(), log,
    };
    await launchBaseUnits(cli, unitDir, intents);
    const setup = await quietPoint('setup', { ...quiet, settleMs: 120_000 });
    if (setup.problems.length > 0) throw new Error(`the cluster did not settle before the first fault:\n${setup.problems.map((p) => p.text).join('\n')}`);
    startedAt = Date.now();
    log(`settled after ${((startedAt - t0) / 1000).toFixed(1)} s of setup; first fault next`);
    const ctx: FaultContext = {
      cluster: live, registry: connected, ttlMs: ttlSec * 1000, signal: abort.signal, log,
      cutOff: (machine, cause) => openWindow(windows, machine.name, cause, ttlSec * 1000),
      machinesChanged: (leaving) => sampler?.setMachines(live.slots.filter((m) => m !== leaving)),
      burst: (ev) => bursts.run(ev),
    };
    const queue = new FaultQueue(ctx, runFault, (ev, err) => faultErrors.push(`#${ev.index} ${ev.kind}: ${(err as Error).message}`));
    for (const ev of schedule.events) {
      await queue.start(ev);
      if (!schedule.quietAfter.includes(ev.index)) continue;
      await queue.drain();
      checks.push(await quietPoint(`quiet point after #${ev.index}`, { ...quiet, startedAt }));
    }
    await queue.drain();
    checks.push(await quietPoint('end', { ...quiet, startedAt, holdMs: quiet.settleMs }));
  } finally {
    abort.abort();
    await sampler?.stop().catch((err: unknown) => log(`sampler: ${(err as Error).message}`));
    judge.finish();
    await registry?.close().catch(() => undefined);
    await cluster?.stop();
    fs.rmSync(unitDir, { recursive: true, force: true });
  }
  for (const e of faultErrors) log(`fault error: ${e}`);
  return buildReport({
    seed: opts.seed, machines: opts.machines, events: opts.events, startedAt, durationMs: Date.now() - t0,
    rounds: sampler?.rounds ?? 0, maxGapMs: sampler?.maxGapMs ?? 0, slowRounds,
    doubleRuns: judge.doubleRuns, leftovers: judge.leftovers, checks, faultErrors,
  });
}

/** Every base unit through one `flotilla start` (blocking: it returns once they are active). */
async function launchBaseUnits(cli: ReturnType<typeof cliFor>, unitDir: string, intents: Intent[]): Promise<void> {
  for (const [name, text] of baseUnitFiles()) fs.writeFileSync(path.join(unitDir, name), text);
  const at = Date.now();
  for (const unit of BASE_UNITS) intents.push({ unit, atMs: at, desired: 'launched', certain: true });
  const files = BASE_UNITS.map((u) => path.join(unitDir, u));
  const r = await cli(['start', '--block-timeout', '90', ...files], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`flotilla start of the base units (template ${CONFLICT_TEMPLATE} beside them) failed: ${r.stderr}${r.stdout}`);
}

/** A cut-off window from now; the returned function closes it one TTL from then. */
function openWindow(windows: CutoffWindow[], machine: string, cause: string, ttlMs: number): () => void {
  const window: CutoffWindow = { machine, cause, fromMs: Date.now(), toMs: Infinity };
  windows.push(window);
  return () => {
    window.toMs = Date.now() + ttlMs;
  };
}
