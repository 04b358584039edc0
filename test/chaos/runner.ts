/**
 * One chaos run (I/O): a secure cluster on a 3-member etcd, the unit mix launched and settled, every machine's systemd
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
import type { Machine } from '../harness/machines.js';
import { cliFor } from '../support/cli.js';
import { SLOW_GAP_MS, SystemdSampler, type SampledRound } from '../support/systemd-sampler.js';
import { unitTimes } from '../support/unit-journal.js';
import type { CutoffWindow, Intent } from './allowances.js';
import { BurstRunner } from './burst.js';
import { startChaosCluster, type ChaosCluster } from './chaos-cluster.js';
import { runFault, type FaultContext } from './injectors.js';
import { journalOverlaps, runSpans, type JournalOverlap, type RunSpan } from './journal-overlaps.js';
import { quietPoint, type QuietPointContext } from './quiet-point.js';
import { buildReport, seconds, type ChaosReport, type SettleCheck } from './report.js';
import { RoundJudge } from './round-judge.js';
import { FaultQueue } from './fault-queue.js';
import { planFaults, type FaultSchedule } from './schedule.js';
import { BASE_UNITS, baseUnitFiles, CONFLICT_TEMPLATE, CONTAINER_IMAGE, CONTAINER_UNIT, ENGINE_SLOTS, slotMetadata, STRICT_UNIT, systemdName, unitRules } from './units.js';

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
/** The bound for "settled" (docs/testbed.md): a lost unit must be back one TTL plus 15 s after the last fault. */
const SETTLE_EXTRA_MS = 15_000;
/** The kill follows the journal read at once (SIGKILL to PID 1); a run still open then is counted until a little after. */
const KILL_MARGIN_MS = 1000;

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const run = new ChaosRun(opts);
  try {
    const live = await run.setUp();
    await run.inject(live);
  } finally {
    await run.tearDown();
  }
  return run.report();
}

/** A cluster that is up, with its registry client, CLI bursts and quiet-point context. */
interface Live {
  cluster: ChaosCluster;
  registry: EtcdRegistry;
  bursts: BurstRunner;
  quiet: QuietPointContext;
}

/** One run's records: what was asked (intents), who was cut off (windows), what systemd showed (the judge). */
class ChaosRun {
  private readonly ttlSec: number;
  private readonly schedule: FaultSchedule;
  private readonly t0 = Date.now();
  private startedAt = this.t0;
  private readonly unitDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-chaos-'));
  private readonly intents: Intent[] = [];
  private readonly windows: CutoffWindow[] = [];
  /** Every unit the run may launch, as systemd names it (what the sampler asks and the checks count). */
  private readonly units: string[];
  private readonly rules: ReturnType<typeof unitRules>;
  private readonly judge: RoundJudge;
  private readonly abort = new AbortController();
  private readonly checks: SettleCheck[] = [];
  private readonly faultErrors: string[] = [];
  private cluster?: ChaosCluster;
  private registry?: EtcdRegistry;
  private sampler?: SystemdSampler;
  private latest?: SampledRound;
  private slowRounds = 0;
  private journalOverlaps: JournalOverlap[] = [];
  private readonly killedSpans: RunSpan[] = [];
  private killed = 0;

  constructor(private readonly opts: ChaosOptions) {
    this.ttlSec = opts.ttlSec ?? 10;
    const engineSlots = ENGINE_SLOTS.filter((s) => s < opts.machines);
    this.schedule = planFaults({ ...opts, ttlSec: this.ttlSec, electionTtlSec: ELECTION_TTL_SEC, engineSlots });
    const launched = [...BASE_UNITS, ...this.schedule.burstUnits];
    this.units = launched.map(systemdName);
    this.rules = unitRules(launched);
    this.judge = new RoundJudge({
      strictUnits: new Set([STRICT_UNIT]), globalUnits: new Set(this.units.filter((u) => this.rules.get(u)?.global)),
      graceMs: DESTROY_GRACE_MS, windows: () => this.windows, intents: () => this.intents,
    });
    const { seed, events, machines, quietEvery } = opts;
    this.log(`seed ${seed}: ${events} events on ${machines} machines (replay: npm run chaos -- --seed ${seed} --events ${events} --machines ${machines} --quiet-every ${quietEvery})`);
  }

  readonly log = (line: string): void => this.opts.log(`chaos ${seconds(Date.now() - this.startedAt)} ${line}`);

  /** The cluster up, sampled, the base units launched and settled. */
  async setUp(): Promise<Live> {
    const cluster = (this.cluster = await startChaosCluster({
      machines: this.opts.machines, ttlSec: this.ttlSec, metadata: slotMetadata, log: this.log,
      engines: (slot) => ENGINE_SLOTS.includes(slot), image: CONTAINER_IMAGE,
    }));
    const { registryOptions, cliEnv } = cluster.cluster;
    const registry = (this.registry = await EtcdRegistry.connect(registryOptions));
    const want = this.opts.machines;
    await waitUntil(`${want} agents and a leader`, async () => ((await registry.listMachines()).length === want && (await registry.currentLeader()) ? true : undefined), { timeoutMs: 120_000, intervalMs: 250 });
    this.sampler = new SystemdSampler(cluster.slots, this.units, { onRound: (round) => this.onRound(round) });
    const cli = cliFor(cliEnv);
    const bursts = new BurstRunner(cli, this.unitDir, this.intents, this.log);
    bursts.writeFiles(this.schedule.burstUnits);
    const quiet: QuietPointContext = {
      registryOptions, keyspace: registry.keyspace, startedAt: this.t0, settleMs: this.ttlSec * 1000 + SETTLE_EXTRA_MS, graceMs: DESTROY_GRACE_MS,
      intents: this.intents, rules: () => this.rules, latest: () => this.latest, repeatUncertain: () => bursts.repeatUncertain(), log: this.log,
      machines: () => cluster.slots.map((m, slot) => ({ name: m.name, metadata: slotMetadata(slot) })),
    };
    await launchBaseUnits(cli, this.unitDir, this.intents);
    const setup = await quietPoint('setup', { ...quiet, settleMs: 120_000 });
    if (setup.problems.length > 0) throw new Error(`the cluster did not settle before the first fault:\n${setup.problems.map((p) => p.text).join('\n')}`);
    this.startedAt = Date.now();
    this.log(`settled after ${((this.startedAt - this.t0) / 1000).toFixed(1)} s of setup; first fault next`);
    return { cluster, registry, bursts, quiet: { ...quiet, startedAt: this.startedAt } };
  }

  /** The faults in order, a quiet point where the schedule says, and the final check. */
  async inject(live: Live): Promise<void> {
    const queue = new FaultQueue(this.faultContext(live), runFault, (ev, err) => this.faultErrors.push(`#${ev.index} ${ev.kind}: ${(err as Error).message}`));
    for (const ev of this.schedule.events) {
      await queue.start(ev);
      if (!this.schedule.quietAfter.includes(ev.index)) continue;
      await queue.drain();
      this.checks.push(await quietPoint(`quiet point after #${ev.index}`, live.quiet));
    }
    await queue.drain();
    this.checks.push(await quietPoint('end', { ...live.quiet, holdMs: live.quiet.settleMs }));
    await this.readStrictJournals(live.cluster);
  }

  /** The StopOnLeaseLoss unit's runs on every machine: those alive now, and those read just before their kill. */
  private async readStrictJournals(cluster: ChaosCluster): Promise<void> {
    const now = Date.now();
    const alive = await Promise.all(cluster.slots.map(async (m) => runSpans(m.name, await unitTimes(m, STRICT_UNIT), now)));
    const spans = [...this.killedSpans, ...alive.flat()];
    this.journalOverlaps = journalOverlaps(spans);
    this.log(`${STRICT_UNIT}: ${spans.length} runs in the journals of ${cluster.slots.length + this.killed} machines (${this.killed} read before their kill), ${this.journalOverlaps.length} overlapping`);
    if (this.journalOverlaps.length > 0 || process.env.FLOTILLA_CHAOS_AGENT_LOGS) await this.keepAgentLogs(cluster);
  }

  /** Every live machine's agent journal (and the strict unit's), for the post-mortem of a double run. */
  private async keepAgentLogs(cluster: ChaosCluster): Promise<void> {
    const parent = process.env.FLOTILLA_CHAOS_AGENT_LOGS || os.tmpdir();
    fs.mkdirSync(parent, { recursive: true });
    const dir = fs.mkdtempSync(path.join(parent, `flotilla-chaos-${this.opts.seed}-`));
    await Promise.all(cluster.slots.map(async (m) => {
      for (const [file, filter] of [['agent', '--unit=flotilla-agent.service'], [STRICT_UNIT, `UNIT=${STRICT_UNIT}`]] as const) {
        const r = await m.exec(['journalctl', '--no-pager', '-o', 'short-unix', filter], { timeoutMs: 30_000 }).catch(() => undefined);
        if (r) fs.writeFileSync(path.join(dir, `${m.name}.${file}.log`), r.stdout);
      }
    }));
    this.log(`agent journals kept in ${dir} (times: unix seconds; +0 s is ${this.startedAt / 1000})`);
  }

  /** A run still open when its machine is killed ends with the kill, a moment after this read. */
  private async readBeforeKill(machine: Machine): Promise<void> {
    const times = await unitTimes(machine, STRICT_UNIT).catch((err: unknown) => {
      this.log(`${machine.name}: journal not read before the kill: ${(err as Error).message}`);
      return undefined;
    });
    if (!times) return;
    this.killed++;
    this.killedSpans.push(...runSpans(machine.name, times, Date.now() + KILL_MARGIN_MS));
  }

  /** Every fault undone (aborted holds end at once), then the sampler, the client and the cluster go. */
  async tearDown(): Promise<void> {
    this.abort.abort();
    await this.sampler?.stop().catch((err: unknown) => this.log(`sampler: ${(err as Error).message}`));
    this.judge.finish();
    await this.registry?.close().catch(() => undefined);
    await this.cluster?.stop();
    fs.rmSync(this.unitDir, { recursive: true, force: true });
    for (const e of this.faultErrors) this.log(`fault error: ${e}`);
  }

  report(): ChaosReport {
    const { seed, machines, events } = this.opts;
    return buildReport({
      seed, machines, events, startedAt: this.startedAt, durationMs: Date.now() - this.t0,
      rounds: this.sampler?.rounds ?? 0, maxGapMs: this.sampler?.maxGapMs ?? 0, slowRounds: this.slowRounds,
      doubleRuns: this.judge.doubleRuns, leftovers: this.judge.leftovers, checks: this.checks, faultErrors: this.faultErrors,
      strictUnit: STRICT_UNIT, journalOverlaps: this.journalOverlaps,
    });
  }

  private onRound(round: SampledRound): void {
    if (this.latest && round.at - this.latest.at > SLOW_GAP_MS) {
      this.slowRounds++;
      this.log(`sampling round ${round.at - this.latest.at} ms after the previous one`);
    }
    this.latest = round;
    this.judge.observe(round);
  }

  private faultContext(live: Live): FaultContext {
    const ttlMs = this.ttlSec * 1000;
    return {
      cluster: live.cluster, registry: live.registry, signal: this.abort.signal, log: this.log,
      cutOff: (machine, cause) => openWindow(this.windows, machine.name, cause, ttlMs),
      machinesChanged: (leaving) => this.sampler?.setMachines(live.cluster.slots.filter((m) => m !== leaving)),
      burst: (ev) => live.bursts.run(ev),
      beforeKill: (machine) => this.readBeforeKill(machine),
      containerSlot: () => {
        const on = this.latest?.activeOn.get(systemdName(CONTAINER_UNIT)) ?? [];
        const slot = live.cluster.slots.findIndex((m) => on.includes(m.name));
        return slot >= 0 ? slot : undefined;
      },
    };
  }
}

/** Every base unit through one `flotilla start` (blocking: it returns once they are active). */
async function launchBaseUnits(cli: ReturnType<typeof cliFor>, unitDir: string, intents: Intent[]): Promise<void> {
  for (const [name, text] of baseUnitFiles()) fs.writeFileSync(path.join(unitDir, name), text);
  const at = Date.now();
  for (const unit of BASE_UNITS) intents.push({ unit: systemdName(unit), atMs: at, desired: 'launched', certain: true });
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
