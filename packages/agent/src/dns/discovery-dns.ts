/**
 * The agent's discovery DNS (docs/discovery.md): the name table kept from etcd (name-watch.ts), a UDP+TCP server on the
 * machine's address (dns-server.ts) forwarding other names to the machine's resolvers, and the resolv.conf offered to
 * plain units. Wiring only. A bind that fails (the address not up yet, port 53 taken) is logged and retried every
 * BIND_RETRY_MS: the agent's units matter more than its DNS.
 */
import fs from 'node:fs';
import type { EndpointRegistry } from '@flotilla/core';
import type { Logger } from 'pino';
import { startDnsServer, type DnsServer } from './dns-server.js';
import type { NameTable } from './name-table.js';
import { NameWatch } from './name-watch.js';
import { DEFAULT_UNIT_RESOLV_CONF, writeUnitResolvConf } from './unit-resolv-conf.js';
import { upstreamResolvers } from './upstream.js';

export const DEFAULT_DNS_PORT = 53;
const BIND_RETRY_MS = 5_000;
const FIRST_TABLE_WAIT_MS = 1_000;

export interface DiscoveryDnsConfig {
  registry: Pick<EndpointRegistry, 'listEndpoints' | 'watchEndpoints'>;
  logger: Logger;
  /** The address to listen on: the machine's cluster address (containers reach it through their bridge too). */
  address: string;
  /** Default 53 (the only port resolv.conf and `docker run --dns` can name). */
  port?: number;
  ttlSec?: number;
  /** Where the machine's resolvers are listed; default /etc/resolv.conf. */
  resolvConf?: string;
  /** The file offered to plain units; default /run/flotilla/resolv.conf; '' writes none. */
  unitResolvConf?: string;
  forwardTimeoutMs?: number;
  upstreamPort?: number;
  resyncMs?: number;
}

export interface DiscoveryDns {
  table(): NameTable;
  /** Resolves once the server listens (tests). */
  listening(): Promise<DnsServer>;
  stop(): Promise<void>;
}

function readUpstreams(file: string, own: string): string[] {
  try {
    return upstreamResolvers(fs.readFileSync(file, 'utf8'), [own]);
  } catch {
    return [];
  }
}

export async function startDiscoveryDns(config: DiscoveryDnsConfig): Promise<DiscoveryDns> {
  const logger = config.logger.child({ component: 'dns' });
  const port = config.port ?? DEFAULT_DNS_PORT;
  const names = new NameWatch({ registry: config.registry, logger, ...(config.resyncMs ? { resyncMs: config.resyncMs } : {}) });
  // The first table, but the agent never waits long on etcd for it (it starts with etcd away, docs/agent.md).
  await Promise.race([names.start(), new Promise((resolve) => setTimeout(resolve, FIRST_TABLE_WAIT_MS).unref())]);
  const unitFile = config.unitResolvConf ?? DEFAULT_UNIT_RESOLV_CONF;
  if (unitFile !== '' && port === DEFAULT_DNS_PORT) {
    await writeUnitResolvConf(unitFile, config.address).catch((err: unknown) => logger.warn({ err, file: unitFile }, 'unit resolv.conf not written'));
  }
  const resolvConf = config.resolvConf ?? '/etc/resolv.conf';
  let stopped = false;
  let server: DnsServer | undefined;
  let retry: NodeJS.Timeout | undefined;
  let onListening: (s: DnsServer) => void = () => {};
  const listening = new Promise<DnsServer>((resolve) => (onListening = resolve));
  const bind = async (): Promise<void> => {
    try {
      server = await startDnsServer({
        address: config.address, port, logger,
        table: () => names.current(),
        upstreams: () => readUpstreams(resolvConf, config.address),
        ...(config.ttlSec ? { ttlSec: config.ttlSec } : {}),
        ...(config.forwardTimeoutMs ? { forwardTimeoutMs: config.forwardTimeoutMs } : {}),
        ...(config.upstreamPort ? { upstreamPort: config.upstreamPort } : {}),
      });
      if (stopped) return void (await server.close());
      logger.info({ address: server.address, port: server.port }, 'discovery dns listening');
      onListening(server);
    } catch (err) {
      logger.error({ err, address: config.address, port, retryInMs: BIND_RETRY_MS }, 'discovery dns cannot listen; retrying');
      if (!stopped) retry = setTimeout(() => void bind(), BIND_RETRY_MS).unref();
    }
  };
  await bind();
  return {
    table: () => names.current(),
    listening: () => listening,
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await server?.close();
      await names.stop();
    },
  };
}
