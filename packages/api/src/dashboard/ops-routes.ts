/**
 * The ops views mounted into the API server (docs/ops.md): `/` + its assets (the dashboard), `/v2/health`,
 * `/v2/events`, `/v2/events/stream` and `/metrics`. Read-only: only GET and HEAD are answered here; any other
 * method falls through to the API's router (405/404). The static shell carries no cluster data and is served
 * without credentials; every data route needs what the listener requires (bearer token, or a client
 * certificate; the stream also takes the `access_token` query parameter, for EventSource: api/access-token.ts),
 * decided by the API server and passed in.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { HealthHub } from '../health/hub.js';
import { sendJson, serveEvents, serveHealth, serveStream } from '../health/http.js';
import { MetricsFeed, type MetricsRegistry } from '../metrics/metrics-feed.js';
import { loadAssets, serveAsset, type Asset } from './assets.js';

export interface OpsRoutes {
  /** Answers the request and resolves true, or resolves false when the path is not an ops route. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, authorized: boolean): Promise<boolean>;
  /** Starts the placement-latency and leader-change metrics now (the daemon: at agent start) instead of at the first scrape. */
  startMetrics(): void;
  close(): Promise<void>;
}

export interface OpsRoutesOptions {
  registry: MetricsRegistry;
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
  const feed = new MetricsFeed(opts.registry, opts.logger);
  const hub = new HealthHub({
    registry: opts.registry,
    logger: opts.logger,
    onReport: (r) => feed.metrics.recordReport(r),
    onReadError: (err) => feed.metrics.recordEtcdError(err),
  });
  const streams = new StreamCap(MAX_EVENT_STREAMS);
  let assets: Map<string, Asset> | undefined;

  async function serveData(path: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (path === '/v2/health') return serveHealth(hub, res);
    if (path === '/v2/events') return serveEvents(opts.registry, res, url.searchParams);
    if (path === '/v2/events/stream' && req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
      return void res.end();
    }
    if (path === '/v2/events/stream') return streams.run(res, () => serveStream(hub, req, res, opts.pingMs === undefined ? {} : { pingMs: opts.pingMs }));
    return feed.serve(res, hub.current());
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
    startMetrics: () => feed.start(),
    async close() {
      await hub.close();
      await feed.close();
    },
  };
}

/** Event streams open at once: beyond `max`, a 429 in fleet's error body. */
class StreamCap {
  private open = 0;

  constructor(private readonly max: number) {}

  async run(res: ServerResponse, serve: () => Promise<void>): Promise<void> {
    if (this.open >= this.max) {
      const message = `too many event streams: ${this.max} open on this agent; close one (a dashboard tab) or try again later`;
      return sendJson(res, 429, { error: { code: 429, message } });
    }
    this.open++;
    try {
      await serve();
    } finally {
      this.open--;
    }
  }
}
