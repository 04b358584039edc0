/**
 * The ops views mounted into the API server (docs/ops.md): `/` + its assets (the dashboard), `/v2/health`,
 * `/v2/events`, `/v2/events/stream` and `/metrics`. Read-only: only GET and HEAD are answered here; any other
 * method falls through to the API's router (405/404). The static shell carries no cluster data and is served
 * without credentials; every data route needs what the listener requires (bearer token, or a client
 * certificate; the stream also takes the `access_token` query parameter, for EventSource: api/access-token.ts),
 * decided by the API server and passed in.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceCatalog, Subscription } from '@flotilla/core';
import type { Logger } from 'pino';
import { HealthHub } from '../health/hub.js';
import { sendJson, serveEvents, serveHealth, serveStream } from '../health/http.js';
import type { OpsRegistry } from '../health/source.js';
import { OpsMetrics } from '../metrics/ops-metrics.js';
import { onEtcdRequestError } from '../metrics/etcd-errors.js';
import { followLeader } from '../metrics/leader-watch.js';
import { watchPlacements } from '../metrics/placement-watch.js';
import { serviceJson } from '../api/service-view.js';
import { loadAssets, serveAsset, type Asset } from './assets.js';

export interface OpsRoutes {
  /** Answers the request and resolves true, or resolves false when the path is not an ops route. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, authorized: boolean): Promise<boolean>;
  /** Starts the placement-latency and leader-change metrics now (the daemon: at agent start) instead of at the first scrape. */
  startMetrics(): void;
  close(): Promise<void>;
}

export interface OpsRoutesOptions {
  registry: OpsRegistry;
  logger: Logger;
  /** SSE keep-alive comment interval (default 15 s). */
  pingMs?: number;
}

/**
 * Event streams open at once on one agent: each holds a socket, a hub listener and up to 16 MiB of unsent
 * deltas, so an unbounded number is a way to exhaust the agent (docs/ops.md, "HTTP"). Beyond it: 429.
 */
export const MAX_EVENT_STREAMS = 64;

const DATA_PATHS = new Set(['/v2/health', '/v2/events', '/v2/events/stream', '/metrics']);

export function createOpsRoutes(opts: OpsRoutesOptions): OpsRoutes {
  const metrics = new OpsMetrics();
  const hub = new HealthHub({
    registry: opts.registry,
    logger: opts.logger,
    onReport: (r) => metrics.recordReport(r),
    onReadError: (err) => metrics.recordEtcdError(err),
  });
  const stopErrorCount = onEtcdRequestError((err) => metrics.recordEtcdError(err));
  let assets: Map<string, Asset> | undefined;
  let placements: Promise<Subscription> | undefined;
  let leader: Promise<Subscription | undefined> | undefined;
  let streams = 0;

  function startPlacements(): Promise<Subscription> {
    placements ??= watchPlacements(opts.registry, (ms) => metrics.observePlacement(ms), opts.logger).catch((err: unknown) => {
      placements = undefined;
      metrics.recordEtcdError(err);
      throw err;
    });
    return placements;
  }

  function startLeaderWatch(): void {
    const onReadError = (err: unknown) => metrics.recordEtcdError(err);
    leader ??= followLeader({ registry: opts.registry, onLeader: (l) => metrics.recordLeader(l), onReadError, logger: opts.logger }).catch((err: unknown) => {
      leader = undefined; // the next scrape's report still counts changes; startMetrics may be called again
      onReadError(err);
      opts.logger.warn({ err }, 'leader watch failed');
      return undefined;
    });
  }

  /** Services' desired and running counts; a registry without services (a test's) has none. */
  async function recordServices(): Promise<void> {
    const registry: OpsRegistry & Partial<Pick<ServiceCatalog, 'listServices'>> = opts.registry;
    if (!registry.listServices) return;
    try {
      const [services, states] = await Promise.all([registry.listServices(), registry.listStates()]);
      const active = new Set(states.filter((s) => s.activeState === 'active').map((s) => s.unit));
      metrics.recordServices(services.map((s) => serviceJson(s, active)));
    } catch (err) {
      metrics.recordEtcdError(err);
    }
  }

  async function serveMetrics(res: ServerResponse): Promise<void> {
    startPlacements();
    // Gauges come from the latest report; a failed read is counted and the rest is still served.
    await Promise.allSettled([hub.current(), placements, recordServices()]);
    const text = await metrics.render();
    res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(text);
  }

  async function serveData(path: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (path === '/v2/health') return serveHealth(hub, res);
    if (path === '/v2/events') return serveEvents(opts.registry, res, url.searchParams);
    if (path === '/v2/events/stream' && req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
      return void res.end();
    }
    if (path === '/v2/events/stream') return serveCappedStream(req, res);
    return serveMetrics(res);
  }

  async function serveCappedStream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (streams >= MAX_EVENT_STREAMS) {
      const message = `too many event streams: ${MAX_EVENT_STREAMS} open on this agent; close one (a dashboard tab) or try again later`;
      return sendJson(res, 429, { error: { code: 429, message } });
    }
    streams++;
    try {
      await serveStream(hub, req, res, opts.pingMs === undefined ? {} : { pingMs: opts.pingMs });
    } finally {
      streams--;
    }
  }

  return {
    async handle(req, res, url, authorized) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const path = url.pathname;
      assets ??= loadAssets();
      const asset = assets.get(path);
      if (asset) {
        serveAsset(asset, req, res);
        return true;
      }
      if (!DATA_PATHS.has(path)) return false;
      if (!authorized) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="flotilla"');
        sendJson(res, 401, { error: { code: 401, message: 'missing or invalid bearer token' } });
        return true;
      }
      await serveData(path, req, res, url);
      return true;
    },
    startMetrics() {
      startPlacements().catch((err: unknown) => opts.logger.warn({ err }, 'placement watch failed; retried at the next scrape'));
      startLeaderWatch();
    },
    async close() {
      stopErrorCount();
      await hub.close();
      await placements?.then((s) => s.close()).catch(() => undefined);
      await leader?.then((s) => s?.close());
    },
  };
}
