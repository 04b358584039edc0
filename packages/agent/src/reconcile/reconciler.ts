/**
 * One reconcile pass: desired (the assignment mirror + unit texts) and current (the agent's directory +
 * systemd) → planTasks → executor, then publish states. Passes never overlap: triggers during a pass coalesce
 * into one more pass after it. A pass reads etcd only for unit texts it has not cached.
 */
import type { Assignment, UnitLookup } from '@flotilla/core';
import type { Logger } from 'pino';
import type { ManagedUnit, ManagedUnits } from '../managed-units.js';
import type { UnitRenderer } from '../naming/unit-renderer.js';
import type { PreRead, StatePublisher } from '../state-publisher.js';
import type { SystemdLink } from '../systemd/link.js';
import type { SystemdManager } from '../systemd/manager.js';
import type { UnitFiles } from '../unit-files.js';
import { readCurrentState } from './current.js';
import { buildDesired, UnitTextCache, type DesiredPicture } from './desired.js';
import { systemdTaskEffects } from './effects.js';
import { executeTasks, type TaskResult } from './execute.js';
import { splits, startsLeft } from './pass-split.js';
import { isUnitFault } from '../systemd/errors.js';
import { fenceStops } from './fence-now.js';
import { fenceStarts, type ContactState } from './lease-fence.js';
import { heldSystemdNames, unitsToRelease } from './inherited-hold.js';
import type { Held } from '../assignments/inherited.js';
import { planTasks, type CurrentUnit, type PlanGuards, type Task } from './plan.js';

/** Loads (file writes, then one LinkUnitFiles for the group: link-batch.ts) go a whole burst at a time; starts
 * (StartUnit queues a job) are pipelined; so are unloads, which wait for their unit to be down (a slow ExecStop=
 * must not hold up the others). Stops and the reload stay one at a time. */
const TASK_CONCURRENCY = { Unload: 16, Load: 512, Start: 16 } as const;

/** How many times a pass plans again for assignments that came during its Loads (a burst comes in 2–4 pieces). */
const MAX_PICKUPS = 4;

/** One plan of a pass: what it was made from and its tasks. */
interface PassStep {
  picture: DesiredPicture;
  tasks: Task[];
  preRead: PreRead | undefined;
  /** Whether the pass has run a task yet (then the pre-read is stale). */
  ranTasks: boolean;
}

export interface ReconcilerDeps {
  registry: UnitLookup;
  assignments: () => ReadonlyMap<string, Assignment> | undefined;
  files: UnitFiles;
  systemd: SystemdLink;
  publisher: StatePublisher;
  logger: Logger;
  renderers: readonly UnitRenderer[];
  /** Kept current here (loaded + refused units), read by the publisher and status/journal. */
  managed: ManagedUnits;
  /** The contact with etcd (StopOnLeaseLoss units are held stopped unless 'in-contact'); default in contact. */
  contact?: () => ContactState;
  /** Assignments that may predate this machine's registration (not started; default none). */
  held?: () => Held;
  /** Hands held units that would need a start back to the scheduler (not awaited). */
  release?: (units: string[]) => void;
  /** How long an Unload waits for its unit to be down (effects.ts); default 30 s. */
  stopWaitMs?: number;
  /** Times each pass (the daemon passes the metrics' reconcile histogram); default untimed. */
  passTimer?: PassTimer;
}

/** Starts timing a pass; the returned function ends it (prom-client's `Histogram.startTimer` fits). */
export interface PassTimer {
  startTimer(): () => unknown;
}

export class Reconciler {
  private readonly launchedByAgent = new Set<string>();
  private readonly texts = new UnitTextCache();
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Passes run so far (tests and benches read it). */
  passes = 0;
  /** systemd daemon-reloads done so far. */
  reloads = 0;
  /** Units with StopOnLeaseLoss in the last pass (the contact monitor probes only while there are any). */
  optedIn = 0;
  /** The last pass's opted-in units and what systemd showed then (fenceNow stops from it). */
  private lastView: { optedIn: ReadonlySet<string>; current: ReadonlyMap<string, CurrentUnit> } | undefined;
  private fencing: Promise<void> | undefined;

  constructor(private readonly deps: ReconcilerDeps) {}

  /** Asks for a pass; returns the pass (or the run of passes) that will include it. */
  trigger(why: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.deps.logger.trace({ why }, 'reconcile requested');
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Waits for a running pass to finish; no pass starts afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /**
   * The machine is leaving (docs/machine-lifecycle.md, "Stopping the agent"): after the last pass, unloads every
   * unit the agent runs, global ones included (fleet's `AgentReconciler.Purge` in `agent/reconcile.go`),
   * each waited for until systemd reports it down, so its state goes only once it no longer runs. Returns how
   * many were unloaded. Retried up to `attempts` times for units whose stop call failed. `onUnloaded` hears
   * each unit (registry name) once it is down and its state gone.
   */
  async purge(onUnloaded?: (unit: string) => void, attempts = 3): Promise<number> {
    await this.stop();
    const { systemd: link, files, logger } = this.deps;
    const none = new Map<string, never>();
    const picture: DesiredPicture = { desired: none, identities: new Map(), optedIn: new Set(), global: new Set() };
    let unloaded = 0;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const systemd = await link.ensure();
      const current = await readCurrentState({ systemd, files, desired: none, launchedByAgent: this.launchedByAgent });
      const { tasks } = planTasks(none, current);
      if (tasks.length === 0) break;
      const effects = systemdTaskEffects({ systemd, files, launchedByAgent: this.launchedByAgent, logger, ...(this.deps.stopWaitMs === undefined ? {} : { stopWaitMs: this.deps.stopWaitMs }) }, none);
      const results = await executeTasks(tasks, effects, logger, (result) => {
        const unit = this.deps.managed.ofSystemdName(result.task.unit)?.unit;
        this.afterTask(result, picture);
        if (result.ok && result.task.kind === 'Unload' && unit !== undefined) onUnloaded?.(unit);
      }, { concurrency: TASK_CONCURRENCY });
      unloaded += results.filter((r) => r.ok && r.task.kind === 'Unload').length;
    }
    await this.deps.publisher.refresh();
    return unloaded;
  }

  /**
   * The StopOnLeaseLoss fence now, outside the pass queue (fence-now.ts): stops the opted-in units the agent runs,
   * by the last pass's view and the launches since. A pass that asks for the same Stop later finds them down.
   */
  fenceNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.fencing ??= this.fenceOnce().finally(() => (this.fencing = undefined));
    return this.fencing;
  }

  private async fenceOnce(): Promise<void> {
    const view = this.lastView;
    if (view === undefined) return;
    const current = new Map([...view.current].map(([name, have]) => [name, { ...have, launchedByAgent: this.launchedByAgent.has(name) }]));
    const tasks = fenceStops(view.optedIn, current, this.deps.contact?.() ?? 'in-contact');
    if (tasks.length === 0) return;
    const { logger, files } = this.deps;
    try {
      const systemd = await this.deps.systemd.ensure();
      const effects = systemdTaskEffects({ systemd, files, launchedByAgent: this.launchedByAgent, logger }, new Map());
      await executeTasks(tasks, effects, logger, undefined, { unitFault: (err) => isUnitFault(err, systemd.isClosed) });
    } catch (err) {
      logger.error({ err }, 'stopping StopOnLeaseLoss units at the cut-off failed; the next pass stops them');
    }
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const timed = this.deps.passTimer?.startTimer();
      try {
        await this.pass();
      } catch (err) {
        this.deps.logger.error({ err }, 'reconcile pass failed; retrying on the next one');
      }
      timed?.();
    } while (this.again && !this.stopped);
  }

  private async pass(): Promise<void> {
    const { logger, publisher } = this.deps;
    if (this.deps.assignments() === undefined) return; // never synced: we know nothing yet, so we change nothing
    this.passes++;
    const systemd = await this.deps.systemd.ensure();
    let step = await this.prepare(systemd);
    if (step === undefined) return;
    // A burst of assignments reaches the agent in several transactions (the leader's writes). Rather than a pass
    // per piece, each waiting for the previous one's Starts and publishing, the pass runs its Unloads, Loads,
    // Reload and Stops first; if assignments (or any trigger) came meanwhile, it plans again with them (the new
    // units' Loads, and Stops/Unloads before any Start) before it starts anything. Starts always come last, so
    // stop-before-start holds as in one plan (docs/agent.md, "Executor").
    for (let pickup = 0; pickup < MAX_PICKUPS && splits(step.tasks); pickup++) {
      const early = step.tasks.filter((t) => t.kind !== 'Start');
      const results = await this.execute(early, step, systemd);
      if (!this.again) {
        step = { ...step, tasks: startsLeft(step.tasks, early, results, (err) => isUnitFault(err, systemd.isClosed)) };
        break;
      }
      logger.debug({ pickup: pickup + 1 }, 'assignments changed during the pass; planning again before the starts');
      const next = await this.prepare(systemd, step.ranTasks);
      if (next === undefined) return;
      step = next;
    }
    if (step.tasks.length > 0) await this.execute(step.tasks, step, systemd);
    // A pass that ran no task changed nothing in systemd: the states it read stand for the refresh's re-read (one
    // ListUnitsByNames per periodic pass instead of two; the publisher still re-reads if a signal came meanwhile).
    await publisher.refresh(undefined, step.ranTasks ? undefined : step.preRead);
  }

  /** Reads desired and current state and plans; undefined when the registry cannot say what is desired. */
  private async prepare(systemd: SystemdManager, ranTasks = false): Promise<PassStep | undefined> {
    const { registry, logger, publisher, renderers, managed, files } = this.deps;
    const assignments = this.deps.assignments();
    if (assignments === undefined) return undefined;
    // The hold is read at the same moment as the assignments (buildDesired copies them before its first await):
    // both change together on a mirror event. Read later, it could be newer than the picture: a hand-back
    // completing meanwhile ends the hold while the picture still wants the unit launched, and the pass started a
    // unit the scheduler was placing elsewhere (docs/agent.md, "Returning after a lost lease").
    const held = this.deps.held?.() ?? new Set<string>();
    // Every trigger up to here is covered by this read of the assignments (the mirror's map is live).
    this.again = false;
    let picture: DesiredPicture;
    try {
      picture = await buildDesired(assignments, { registry, cache: this.texts, renderers, logger });
    } catch (err) {
      // As fleet's `agent/reconcile.go`: without the registry we know nothing new; leave every unit as it is.
      logger.warn({ err }, "unable to determine agent's desired state; leaving units as they are");
      return undefined;
    }
    // Taken before systemd is read: the end-of-pass refresh reuses this read only if nothing newer came meanwhile.
    const epoch = publisher.epoch();
    let preRead: PreRead | undefined;
    const current = await readCurrentState({
      systemd, files, desired: picture.desired, launchedByAgent: this.launchedByAgent, seen: (states) => (preRead = { epoch, states }),
    });
    managed.replaceAll(managedNow(picture, current, managed));
    this.optedIn = picture.optedIn.size;
    this.lastView = { optedIn: picture.optedIn, current };
    return { picture, tasks: this.plan(picture, current, held), preRead, ranTasks };
  }

  private async execute(tasks: readonly Task[], step: PassStep, systemd: SystemdManager): Promise<TaskResult[]> {
    if (tasks.length === 0) return [];
    step.ranTasks = true;
    const { logger, files } = this.deps;
    const { picture } = step;
    const effects = fenceStarts(
      systemdTaskEffects({ systemd, files, launchedByAgent: this.launchedByAgent, logger, ...(this.deps.stopWaitMs === undefined ? {} : { stopWaitMs: this.deps.stopWaitMs }) }, picture.desired),
      picture.optedIn,
      () => this.deps.contact?.() ?? 'in-contact',
    );
    // A unit loaded to be started in this plan is published after its Start (or at the end of the pass), not
    // also after its Load: half the state writes and restarts/since reads of a burst.
    const starting = new Set(step.tasks.filter((t) => t.kind === 'Start').map((t) => t.unit));
    return executeTasks(tasks, effects, logger, (result) => this.afterTask(result, picture, starting), { concurrency: TASK_CONCURRENCY, unitFault: (err) => isUnitFault(err, systemd.isClosed) });
  }

  /** Plans the pass under the agent's guards (StopOnLeaseLoss fence, inherited hold) and hands the inherited units
   * it held back to the scheduler. */
  private plan(picture: DesiredPicture, current: ReadonlyMap<string, CurrentUnit>, held: Held): Task[] {
    const units = new Map([...picture.identities].map(([name, id]) => [name, id.unit]));
    const guards: PlanGuards = {
      fence: { optedIn: picture.optedIn, contact: this.deps.contact?.() ?? 'in-contact' },
      held: heldSystemdNames({ units, global: picture.global, held }),
    };
    const { tasks, heldBack } = planTasks(picture.desired, current, guards);
    if (heldBack.length > 0) this.deps.logger.debug({ heldBack }, 'units desired launched held at loaded this pass');
    const release = unitsToRelease(heldBack, { units, held });
    if (release.length > 0) this.deps.release?.(release);
    return tasks;
  }

  /** Keeps `managed` current and publishes the unit's new state right away (no waiting for a poll). */
  private afterTask({ task, ok }: TaskResult, picture: DesiredPicture, starting: ReadonlySet<string> = new Set()): void {
    if (task.kind === 'Reload') {
      if (ok) this.reloads++;
      return;
    }
    const identity = picture.identities.get(task.unit);
    if (ok && task.kind === 'Load' && identity) this.deps.managed.set(identity);
    // An unloaded unit stayed managed (its state published) until it was down; now its state goes.
    const leaving = ok && task.kind === 'Unload' && !identity ? this.deps.managed.ofSystemdName(task.unit)?.unit : undefined;
    if (ok && task.kind === 'Unload' && !identity) this.deps.managed.deleteSystemdName(task.unit);
    // Not awaited: the publisher batches what piles up while the executor goes on (a burst of 200 starts is a
    // few flushes, not 200 round trips in the executor's path).
    const unit = identity?.unit ?? leaving;
    if (ok && task.kind === 'Load' && starting.has(task.unit)) return;
    if (unit !== undefined) void this.deps.publisher.refresh([unit]);
  }
}

/** Desired units the agent has loaded (a file in its directory), desired units it refuses, and units it is about
 * to unload (kept until they are down, so their real state stays published while they stop). */
function managedNow(picture: DesiredPicture, current: ReadonlyMap<string, CurrentUnit>, before: ManagedUnits): ManagedUnit[] {
  const list: ManagedUnit[] = [];
  const taken = new Set([...picture.identities.values()].map((id) => id.unit));
  for (const [systemdName, have] of current) {
    const previous = before.ofSystemdName(systemdName);
    if (picture.identities.has(systemdName) || have.foreign === true || previous === undefined || taken.has(previous.unit)) continue;
    list.push(previous);
  }
  for (const [systemdName, identity] of picture.identities) {
    const have = current.get(systemdName);
    if (have === undefined) continue;
    if (have.foreign !== true && have.hash !== picture.desired.get(systemdName)?.hash) {
      // Its file still holds an older text (a new version, docs/deployments.md, not loaded yet): what systemd runs
      // is the old version, so its state (and health) stays published under the old hash until the Load.
      const previous = before.ofSystemdName(systemdName);
      if (previous !== undefined && previous.unit === identity.unit) list.push(previous);
      continue;
    }
    list.push(have.foreign === true ? { ...identity, refused: 'foreign-unit' } : identity);
  }
  return list;
}
