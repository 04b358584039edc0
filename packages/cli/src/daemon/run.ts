/**
 * The per-machine daemon: the HTTP API (@flotilla/api), the agent (presence, reconcile, state) and, unless
 * disabled, a scheduler candidate. Composition only; each part lives in its own package, and none imports another:
 * the agent's introspection and the API's reconcile histogram are handed across here. The API starts first so the
 * machine record can carry its URL; it answers 503 until the agent runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import { pino, type Logger } from 'pino';
import { EtcdRegistry, NEWEST_LAYOUT, type MachineRecord, type RegistryOptions } from '@flotilla/core';
import { RegistryHosts, containerUnitRenderer, startAgent, startDiscoveryDns, type AgentStopMode, type AgentStopReport } from '@flotilla/agent';
import { reconcileDuration, reportEtcdRequestError, type ApiIntrospection } from '@flotilla/api';
import { startScheduler } from '@flotilla/scheduler';
import { apiUrlFor } from './api-config.js';
import { startDaemonApi } from './api-listeners.js';
import type { DaemonConfig } from './config.js';
import { resolveEtcdAuth } from './etcd-auth.js';
import { guessPublicIp, readMachineId } from './identity.js';
import { withRequestErrorReports } from './error-reporting-registry.js';
import { withEventRetention } from './retention-registry.js';

export const FLOTILLA_VERSION = '0.1.0';

export interface Daemon {
  /** Where the API listens (unix paths, TCP host:port). */
  apiAddresses: readonly unknown[];
  /** `leave` stops this machine's units before it leaves the cluster; `restart` leaves them running for the next
   * agent process (AgentHandle.stop, docs/agent.md "Restart or leave"). */
  stop(mode?: AgentStopMode): Promise<AgentStopReport>;
  /** A reload changed metadata or public IP ('' = guessed again): the machine record (and an apiUrl built from the
   * IP) is rewritten under the agent's lease; false: written at the next registration (reload.ts). */
  updateMachine(change: { metadata: Record<string, string>; publicIp: string }): Promise<boolean>;
  /** A reload changed FLOTILLA_REBALANCE_INTERVAL. */
  setRebalanceInterval(intervalMs: number): void;
}

function registryOptions(config: DaemonConfig): RegistryOptions {
  const read = (file?: string) => (file ? fs.readFileSync(file) : undefined);
  const tls = config.etcdTls && { ca: read(config.etcdTls.caFile), cert: read(config.etcdTls.certFile), key: read(config.etcdTls.keyFile) };
  return {
    endpoints: config.endpoints,
    prefix: config.keyPrefix,
    requestTimeoutMs: config.requestTimeoutMs,
    ...(config.etcdMaxTxnOps !== undefined ? { maxTxnOps: config.etcdMaxTxnOps } : {}),
    // The agent, API and election speak HTTP (light); the scheduler's bulk snapshot/apply opens gRPC only once this
    // daemon leads (docs/registry.md, "Transports"). FLOTILLA_ETCD_BULK_TRANSPORT=http keeps gRPC out entirely.
    ...(process.env.FLOTILLA_ETCD_BULK_TRANSPORT ? {} : { bulkTransport: 'grpc' as const }),
    ...(tls ? { tls: Object.fromEntries(Object.entries(tls).filter(([, v]) => v)) } : {}),
    ...(config.etcdAuth ? { auth: resolveEtcdAuth(config.etcdAuth) } : {}),
  };
}

function introspectionOf(agent: object): ApiIntrospection | undefined {
  const a = agent as Partial<ApiIntrospection>;
  return typeof a.unitStatus === 'function' && typeof a.unitJournal === 'function' ? (a as ApiIntrospection) : undefined;
}

export async function runDaemon(config: DaemonConfig, logger: Logger = pino({ level: config.logLevel })): Promise<Daemon> {
  const machine: MachineRecord = {
    id: readMachineId(),
    hostname: os.hostname(),
    ip: config.publicIp || guessPublicIp(),
    metadata: config.metadata,
    version: FLOTILLA_VERSION,
    startedAt: Date.now(),
    layout: config.registryLayout ?? NEWEST_LAYOUT,
  };
  logger.info({ machine: machine.id, ip: machine.ip, endpoints: config.endpoints }, 'flotilla agent starting');
  const etcd = await EtcdRegistry.connect(registryOptions(config));
  // Every failed registry call counts in flotilla_etcd_request_errors_total; the event log keeps the configured retention.
  const registry = withRequestErrorReports(withEventRetention(etcd, config.eventRetention), reportEtcdRequestError);
  const api = await startDaemonApi(config.api, registry, logger.child({ component: 'api' }), FLOTILLA_VERSION);
  api.server.startOpsMetrics(); // placement latency and leader changes count from agent start, not the first scrape
  const tcp = api.server.addresses.find((a) => a.kind === 'tcp');
  if (tcp) machine.apiUrl = apiUrlFor({ host: config.api.tcp?.host ?? tcp.host, port: tcp.port }, machine.ip, tcp.tls);
  // Before the agent, so the first containers it starts can already resolve (docs/discovery.md).
  const dnsAddress = config.dns.address || machine.ip;
  const dns = config.dns.enabled
    ? await startDiscoveryDns({ registry, logger, address: dnsAddress, port: config.dns.port })
    : undefined;
  // resolv.conf and `docker run --dns` name no port: containers are pointed at the DNS only on 53.
  const dnsServer = dns && config.dns.port === 53 ? { dnsServer: dnsAddress } : {};
  const agent = await startAgent({
    registry,
    machine,
    ttlSec: config.ttlSec,
    unitsDir: config.unitsDir,
    unitRenderers: [containerUnitRenderer({ machineId: machine.id, unitsDir: config.unitsDir, defaultEngine: process.env.FLOTILLA_CONTAINER_ENGINE, ...dnsServer })],
    logger: logger.child({ component: 'agent' }),
    reconcileTimer: reconcileDuration,
  });
  api.attach(introspectionOf(agent));
  // registry.flotilla → the machine running the image registry, for the engines' pulls (docs/registry-images.md).
  const registryHosts = new RegistryHosts({ registry, logger: logger.child({ component: 'registry-hosts' }), hostsFile: process.env.FLOTILLA_HOSTS_FILE });
  registryHosts.start();
  const scheduler = config.disableEngine
    ? undefined
    : await startScheduler({
        registry,
        candidateId: machine.id,
        ttlSec: config.electionTtlSec,
        rebalance: { intervalMs: config.rebalanceIntervalMs },
        logger: logger.child({ component: 'scheduler' }),
      });
  return {
    apiAddresses: api.server.addresses,
    async stop(mode: AgentStopMode = 'leave') {
      logger.info({ mode }, 'flotilla agent stopping');
      await api.server.close();
      // Resign first: another machine's candidate leads (and places this machine's units once it has left).
      await scheduler?.stop();
      const report = await agent.stop({ mode });
      await registryHosts.stop();
      await dns?.stop();
      await etcd.close();
      return report;
    },
    updateMachine({ metadata, publicIp }) {
      const ip = publicIp || guessPublicIp();
      const apiUrl = tcp && apiUrlFor({ host: config.api.tcp?.host ?? tcp.host, port: tcp.port }, ip, tcp.tls);
      return agent.updateMachine({ metadata, ip, ...(apiUrl ? { apiUrl } : {}) });
    },
    setRebalanceInterval: (intervalMs) => scheduler?.setRebalanceInterval(intervalMs),
  };
}
