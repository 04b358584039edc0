/**
 * The agent's HTTP API server: fleet's API v1 under `/fleet/v1` and `/v1-alpha`, extensions under `/v2`, on a
 * unix socket and/or TCP (optionally TLS). On TCP a bearer token and/or client certificates are required
 * when configured; the unix socket is guarded by file permissions, as fleet's.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createOpsRoutes } from '../dashboard/ops-routes.js';
import type { OpsRegistry } from '../health/source.js';
import { handleExchange, type ExchangeOptions } from './handler.js';
import { limitJournalFollows } from './journal-follows.js';
import { answerNodeLevelErrors } from './node-replies.js';
import { PageCache } from './page-cache.js';
import { RecentStops } from './recent-stops.js';
import type { Introspection, ServedRegistry } from './request.js';
import { listenUnixSocket, removeStaleSocket } from './unix-socket.js';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** CA that client certificates must chain to; when set, a verified client certificate also authenticates. */
  ca?: Buffer;
}

export type ListenSpec = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number; tls?: TlsMaterial };

export type BoundAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number; tls: boolean };

export interface ApiServerOptions {
  /** The API routes' registry, which also serves the ops views (health, events, dashboard, metrics). */
  registry: ServedRegistry & OpsRegistry;
  logger: Logger;
  version: string;
  listen: readonly ListenSpec[];
  /** Bearer token required on TCP listeners. */
  token?: string;
  /** False until the agent has registered: every request is 503 meanwhile (fleet). Default: always ready. */
  ready?: () => boolean;
  introspect?: Introspection;
  /** How long page 1 of a listing is reused for the following pages (default 10 s). */
  pageCacheTtlMs?: number;
}

export interface ApiServer {
  addresses: BoundAddress[];
  /** Starts the ops metrics that follow the cluster (placement latency, leader changes) now (docs/ops.md). */
  startOpsMetrics(): void;
  close(): Promise<void>;
}

async function listenOn(server: http.Server, spec: ListenSpec): Promise<BoundAddress> {
  if (spec.kind === 'unix') {
    await listenUnixSocket(server, spec.path);
    return { kind: 'unix', path: spec.path };
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, spec.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({ kind: 'tcp', host: address.address, port: address.port, tls: spec.tls !== undefined });
    });
  });
}

function createServer(spec: ListenSpec, exchange: ExchangeOptions): http.Server {
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void handleExchange(exchange, req, res);
  const server =
    spec.kind === 'tcp' && spec.tls
      ? https.createServer(
          { cert: spec.tls.cert, key: spec.tls.key, ...(spec.tls.ca ? { ca: spec.tls.ca, requestCert: true, rejectUnauthorized: false } : {}) },
          handler,
        )
      : http.createServer(handler);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  answerNodeLevelErrors(server);
  return server;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const deps = {
    registry: opts.registry,
    cache: new PageCache(opts.pageCacheTtlMs),
    stops: new RecentStops(),
    ...(opts.introspect ? { introspect: limitJournalFollows(opts.introspect) } : {}),
  };
  const ops = createOpsRoutes({ registry: opts.registry, logger: opts.logger });
  const base = { deps, logger: opts.logger, version: opts.version, ready: opts.ready ?? (() => true), ops };
  const servers: http.Server[] = [];
  const addresses: BoundAddress[] = [];
  try {
    for (const spec of opts.listen) {
      const tcpAuth = { ...(opts.token ? { token: opts.token } : {}), clientCerts: spec.kind === 'tcp' && spec.tls?.ca !== undefined };
      const server = createServer(spec, { ...base, ...(spec.kind === 'tcp' ? { auth: tcpAuth } : {}) });
      servers.push(server);
      addresses.push(await listenOn(server, spec));
    }
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    await ops.close();
    for (const a of addresses) if (a.kind === 'unix') removeStaleSocket(a.path);
    throw err;
  }
  opts.logger.info({ addresses }, 'api listening');
  return {
    addresses,
    startOpsMetrics: () => ops.startMetrics(),
    async close() {
      await Promise.all(servers.map(closeServer));
      await ops.close();
      for (const a of addresses) if (a.kind === 'unix') removeStaleSocket(a.path);
    },
  };
}
