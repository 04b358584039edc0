/**
 * The health views over HTTP (read-only GETs): `/v2/health` (the whole report), `/v2/events?limit=N` (the
 * newest log entries) and `/v2/events/stream` (server-sent events: `snapshot` with the whole report, then a
 * `delta` per change, driven by the hub's registry watch; a comment line every `pingMs` keeps proxies open).
 * A client that cannot keep up (more than `maxBufferedBytes` unsent) is dropped; EventSource reconnects and
 * gets a fresh snapshot.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HealthHub } from './hub.js';
import type { OpsRegistry } from './source.js';

export const MAX_EVENT_LIMIT = 1000;
const DEFAULT_PING_MS = 15_000;
const DEFAULT_MAX_BUFFERED = 16 << 20;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

export async function serveHealth(hub: HealthHub, res: ServerResponse): Promise<void> {
  sendJson(res, 200, await hub.current());
}

/** `limit` from the query: 1..1000, default 200; anything else is the default. */
export function eventLimit(query: URLSearchParams): number {
  const n = Number(query.get('limit') ?? '');
  return Number.isInteger(n) && n > 0 ? Math.min(n, MAX_EVENT_LIMIT) : 200;
}

export async function serveEvents(registry: OpsRegistry, res: ServerResponse, query: URLSearchParams): Promise<void> {
  sendJson(res, 200, { events: await registry.listEvents({ limit: eventLimit(query) }) });
}

export function sseMessage(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface StreamOptions {
  pingMs?: number;
  maxBufferedBytes?: number;
}

export async function serveStream(hub: HealthHub, req: IncomingMessage, res: ServerResponse, opts: StreamOptions = {}): Promise<void> {
  const first = await hub.current();
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
  const maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  const send = (text: string) => {
    if (res.writableEnded || res.destroyed) return;
    if (res.writableLength > maxBuffered) return void res.destroy();
    res.write(text);
  };
  send('retry: 2000\n' + sseMessage('snapshot', first));
  const unsubscribe = hub.subscribe((delta) => send(sseMessage('delta', delta)));
  const ping = setInterval(() => send(': ping\n\n'), opts.pingMs ?? DEFAULT_PING_MS);
  await new Promise<void>((resolve) => {
    const done = () => {
      clearInterval(ping);
      unsubscribe();
      resolve();
    };
    req.once('close', done);
    res.once('close', done);
  });
}
