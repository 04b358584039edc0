/**
 * One reconcile pass: desired (registry) + current (units directory + systemd) → planTasks → executor, then
 * publish states. Passes never overlap: triggers during a pass coalesce into one more pass after it.
 */
import type { ClusterRegistry } from '@flotilla/core';
import type { Logger } from 'pino';
import type { StatePublisher } from '../state-publisher.js';
import type { SystemdLink } from '../systemd/link.js';
import type { SystemdManager } from '../systemd/manager.js';
import type { UnitFiles } from '../unit-files.js';
import { systemdTaskEffects } from './effects.js';
import { executeTasks, type TaskResult } from './execute.js';
import { readDesiredState, UnitTextCache } from './desired.js';
import { planTasks, type CurrentUnit, type DesiredUnit } from './plan.js';

export interface ReconcilerDeps {
  registry: ClusterRegistry;
  machineId: string;
  files: UnitFiles;
  systemd: SystemdLink;
  publisher: StatePublisher;
  logger: Logger;
  /** unit → file hash of the units the agent owns; kept current here, read by the publisher. */
  owned: Map<string, string>;
}

export class Reconciler {
  private readonly launchedByAgent = new Set<string>();
  private readonly texts = new UnitTextCache();
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

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

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.pass();
      } catch (err) {
        this.deps.logger.error({ err }, 'reconcile pass failed; retrying on the next one');
      }
    } while (this.again && !this.stopped);
  }

  private async pass(): Promise<void> {
    const { registry, machineId, logger, publisher } = this.deps;
    const systemd = await this.deps.systemd.ensure();
    let desired: Map<string, DesiredUnit>;
    try {
      desired = await readDesiredState(registry, machineId, this.texts, logger);
    } catch (err) {
      // fleet §5.6: without the registry we know nothing new; leave every unit as it is.
      logger.warn({ err }, "unable to determine agent's desired state; leaving units as they are");
      return;
    }
    const current = await this.readCurrentState(systemd);
    const tasks = planTasks(desired, current);
    if (tasks.length > 0) {
      const effects = systemdTaskEffects({ systemd, files: this.deps.files, launchedByAgent: this.launchedByAgent }, desired);
      await executeTasks(tasks, effects, logger, (result) => this.afterTask(result, desired));
    }
    await publisher.refresh();
  }

  /** Our units are exactly the files in the units directory; systemd says how each is doing. */
  private async readCurrentState(systemd: SystemdManager): Promise<Map<string, CurrentUnit>> {
    const files = await this.deps.files.list();
    const { owned } = this.deps;
    owned.clear();
    for (const f of files) owned.set(f.name, f.hash);
    for (const unit of this.launchedByAgent) if (!owned.has(unit)) this.launchedByAgent.delete(unit);
    const states = await systemd.unitStates(files.map((f) => f.name));
    const current = new Map<string, CurrentUnit>();
    for (const { name, hash } of files) {
      const state = states.get(name);
      current.set(name, {
        hash,
        activeState: state?.activeState ?? 'inactive',
        ...(state === undefined ? {} : { loadState: state.loadState }),
        launchedByAgent: this.launchedByAgent.has(name),
      });
    }
    return current;
  }

  /** Keeps ownership current and publishes the unit's new state right away (no waiting for a poll). */
  private async afterTask({ task, ok }: TaskResult, desired: ReadonlyMap<string, DesiredUnit>): Promise<void> {
    if (task.kind === 'Reload') return;
    if (ok && task.kind === 'Load') this.deps.owned.set(task.unit, desired.get(task.unit)?.hash ?? '');
    if (ok && task.kind === 'Unload') this.deps.owned.delete(task.unit);
    await this.deps.publisher.refresh([task.unit]);
  }
}
