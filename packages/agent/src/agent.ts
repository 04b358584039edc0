/**
 * The agent: presence in the registry, a watch on this machine's assignments, a level-triggered reconciler
 * (on every assignment event, coalesced, plus every `reconcileIntervalMs`) and event-driven state publishing.
 */
import type { ClusterRegistry, MachineRecord } from '@flotilla/core';
import type { Logger } from 'pino';
import { watchOwnAssignments } from './assignment-watch.js';
import { Presence } from './presence.js';
import { Reconciler } from './reconcile/reconciler.js';
import { StatePublisher } from './state-publisher.js';
import { SystemdLink } from './systemd/link.js';
import { DEFAULT_UNITS_DIR, UnitFiles } from './unit-files.js';

export const DEFAULT_RECONCILE_INTERVAL_MS = 5000;

export interface AgentConfig {
  registry: ClusterRegistry;
  machine: MachineRecord;
  /** Lease TTL of the machine key and of every state the agent publishes. */
  ttlSec: number;
  /** Default /run/flotilla/units. */
  unitsDir?: string;
  /** `unitsDir` as systemd sees it, when the agent runs outside the machine's mount namespace (tests). */
  unitsDirSeenBySystemd?: string;
  /** D-Bus address of the system bus; default `unix:path=/run/dbus/system_bus_socket`. */
  busAddress?: string;
  /** Deadline of each D-Bus call; default 15 s. */
  systemdCallTimeoutMs?: number;
  logger: Logger;
  reconcileIntervalMs?: number;
}

export interface AgentHandle {
  /**
   * Graceful stop: finishes the running reconcile pass, revokes the lease (the machine key and every published
   * state vanish at once, so the scheduler re-places the units elsewhere) and disconnects.
   *
   * Decision: units are left running. fleet stopped and unloaded every unit on a clean stop; we keep services
   * up across an agent restart or upgrade, and a restarted agent adopts them from its units directory (same
   * hash → no task). If the scheduler moved them meanwhile, the next pass unloads them here.
   */
  stop(): Promise<void>;
}

/** Starts the agent. Fails only if systemd is unreachable at start; etcd being away is retried forever. */
export async function startAgent(config: AgentConfig): Promise<AgentHandle> {
  const { registry, machine } = config;
  const logger = config.logger.child({ machineId: machine.id });
  const owned = new Map<string, string>();
  const files = new UnitFiles(config.unitsDir ?? DEFAULT_UNITS_DIR, config.unitsDirSeenBySystemd);

  // The publisher, presence and link refer to each other through closures; all are constructed before use.
  let publisher: StatePublisher | undefined;
  const systemdOptions = {
    ...(config.busAddress === undefined ? {} : { busAddress: config.busAddress }),
    ...(config.systemdCallTimeoutMs === undefined ? {} : { callTimeoutMs: config.systemdCallTimeoutMs }),
  };
  const link = new SystemdLink(systemdOptions, (unit) => publisher?.notify(unit), logger);
  await link.ensure();

  const presence: Presence = new Presence({
    registry,
    machine,
    ttlSec: config.ttlSec,
    logger,
    onRegistered: () => void publisher?.leaseRenewed(),
  });
  publisher = new StatePublisher({ registry, machineId: machine.id, logger, systemd: () => link.current(), lease: () => presence.current, owned: () => owned });
  const reconciler = new Reconciler({ registry, machineId: machine.id, files, systemd: link, publisher, logger, owned });

  presence.start();
  const watch = watchOwnAssignments(registry, machine.id, () => void reconciler.trigger('assignment changed'), logger);
  const interval = setInterval(() => void reconciler.trigger('interval'), config.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS);
  void reconciler.trigger('startup');
  logger.info({ unitsDir: files.dir }, 'agent started');

  return {
    async stop() {
      clearInterval(interval);
      await watch.close();
      await reconciler.stop();
      publisher.close();
      await presence.stop();
      link.close();
      logger.info('agent stopped; units left running');
    },
  };
}
