/**
 * Stopping the agent; never leaves a unit running on a machine the scheduler no longer counts (docs/agent.md,
 * "Stopping: leave or restart"). Leaving: the units go down while the lease (and so the machine key) is still
 * there; only then may the scheduler place them elsewhere. Restarting: nothing is touched.
 */
import { ConflictError, type MachineRecord, type SchedulingRegistry } from '@flotilla/core';
import type { Logger } from 'pino';

export type AgentStopMode = 'leave' | 'restart';

export interface AgentStopReport {
  mode: AgentStopMode;
  /** Units unloaded (stopped and removed) on the way out; 0 for a restart. */
  unitsStopped: number;
  durationMs: number;
}

/** The running parts, each with what stopping needs of it. */
export interface StopDeps {
  registry: Pick<SchedulingRegistry, 'unassign'>;
  machineId: string;
  logger: Logger;
  /** The periodic reconcile trigger. */
  interval: NodeJS.Timeout;
  contact: { stop(): void };
  mirror: { close(): Promise<void> };
  reconciler: { stop(): Promise<void>; purge(onUnloaded?: (unit: string) => void): Promise<number> };
  publisher: { close(): void };
  /** The health-check monitor behind the published state extras. */
  monitor: { close(): void };
  presence: { readonly record: MachineRecord; update(record: MachineRecord): Promise<boolean>; stop(mode: AgentStopMode): Promise<void> };
  link: { close(): void };
}

export async function stopAgent(deps: StopDeps, mode: AgentStopMode): Promise<AgentStopReport> {
  const { logger } = deps;
  const started = performance.now();
  clearInterval(deps.interval);
  deps.contact.stop();
  await deps.mirror.close();
  const unitsStopped = mode === 'leave' ? await leave(deps) : (await deps.reconciler.stop(), 0);
  deps.publisher.close();
  deps.monitor.close();
  await deps.presence.stop(mode);
  deps.link.close();
  const durationMs = Math.round(performance.now() - started);
  if (mode === 'leave') logger.info({ unitsStopped, durationMs }, 'agent stopped: units stopped, machine left the cluster');
  else logger.info({ durationMs }, 'agent stopped for a restart: units left running, lease left to the next agent');
  return { mode, unitsStopped, durationMs };
}

/**
 * Leaving for good: the machine record says so first (the scheduler places nothing new here), then each unit is
 * handed back to the scheduler the moment it is down (its state gone), so it starts elsewhere after its own stop,
 * not after the slowest unit's; the lease goes last (docs/agent.md, "Stopping"). Returns the units unloaded.
 */
async function leave({ presence, reconciler, registry, machineId, logger }: StopDeps): Promise<number> {
  await presence.update({ ...presence.record, leaving: true }).catch((err: unknown) => logger.warn({ err }, 'could not mark the machine as leaving; its units move once the lease is revoked'));
  const handedBack: Promise<void>[] = [];
  const count = await reconciler.purge((unit) => {
    handedBack.push(
      registry.unassign(unit, machineId).catch((err: unknown) => {
        // A conflict: a global unit (no schedule entry), or the scheduler had already moved it.
        if (!(err instanceof ConflictError)) logger.warn({ err, unit }, 'handing a stopped unit back failed; it moves once the lease is revoked');
      }),
    );
  });
  await Promise.all(handedBack);
  return count;
}
