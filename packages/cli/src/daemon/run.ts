/**
 * The per-machine daemon: the agent (presence, reconcile, state) and, unless disabled, a scheduler candidate.
 * Composition only; each part lives in its own package.
 */
import os from 'node:os';
import { pino, type Logger } from 'pino';
import { EtcdRegistry, type MachineRecord } from '@flotilla/core';
import { startAgent } from '@flotilla/agent';
import { startScheduler } from '@flotilla/scheduler';
import type { DaemonConfig } from './config.js';
import { guessPublicIp, readMachineId } from './identity.js';

export const FLOTILLA_VERSION = '0.1.0';

export interface Daemon {
  stop(): Promise<void>;
}

export async function runDaemon(config: DaemonConfig, logger: Logger = pino({ level: config.logLevel })): Promise<Daemon> {
  const machine: MachineRecord = {
    id: readMachineId(),
    hostname: os.hostname(),
    ip: config.publicIp || guessPublicIp(),
    metadata: config.metadata,
    version: FLOTILLA_VERSION,
    startedAt: Date.now(),
  };
  logger.info({ machine: machine.id, ip: machine.ip, endpoints: config.endpoints }, 'flotilla agent starting');
  const registry = await EtcdRegistry.connect({
    endpoints: config.endpoints,
    prefix: config.keyPrefix,
    requestTimeoutMs: config.requestTimeoutMs,
  });
  const agent = await startAgent({
    registry,
    machine,
    ttlSec: config.ttlSec,
    unitsDir: config.unitsDir,
    logger: logger.child({ component: 'agent' }),
  });
  const scheduler = config.disableEngine
    ? undefined
    : await startScheduler({
        registry,
        candidateId: machine.id,
        ttlSec: config.ttlSec,
        logger: logger.child({ component: 'scheduler' }),
      });
  return {
    async stop() {
      logger.info('flotilla agent stopping');
      await scheduler?.stop();
      await agent.stop();
      await registry.close();
    },
  };
}
