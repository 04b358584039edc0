/**
 * One HTTP exchange: readiness (503 until the agent registered, as fleetd), authentication on TCP, body
 * reading with a size limit, routing, the handler, and writing fleet's reply or error body. The `Server`
 * header is `fleetd/<version>` on every reply but the 503 (fleet's 503 handler sat outside that middleware).
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { OpsRoutes } from '../dashboard/ops-routes.js';
import { queryToken, redactedUrl } from './access-token.js';
import { dispatch } from './dispatch.js';
import { apiError, errorReply } from './http-errors.js';
import type { ApiDeps, ApiReply, ApiRequest } from './request.js';
import { route } from './routes.js';

export const DEFAULT_BODY_LIMIT = 1 << 20;

export interface ExchangeOptions {
  deps: ApiDeps;
  logger: Logger;
  version: string;
  ready: () => boolean;
  /** Listener policy: a bearer token and/or verified client certificates; unix sockets pass neither. */
  auth?: { token?: string; clientCerts?: boolean };
  bodyLimit?: number;
  /** Read-only ops views (dashboard, health, events, metrics; docs/ops.md), tried before the API's router. */
  ops?: OpsRoutes;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * A client certificate that chains to the cluster's CA was presented on this connection (or on the one its TLS
 * session resumes). `authorized` alone is not enough: Node reports a resumed TLS 1.3 session as authorized when
 * no certificate was ever presented (nodejs/node src/crypto/crypto_common.cc, `VerifyPeerCertificate`), so a
 * browser's second connection read the API without a token. A resumed session keeps its peer certificate.
 */
function verifiedClientCertificate(socket: TLSSocket): boolean {
  if (socket.authorized !== true) return false;
  const peer = socket.getPeerCertificate();
  return peer !== null && typeof peer === 'object' && Object.keys(peer).length > 0;
}

function authorized(req: IncomingMessage, auth: ExchangeOptions['auth'], url: URL): boolean {
  if (!auth || (auth.token === undefined && !auth.clientCerts)) return true;
  if (auth.clientCerts && verifiedClientCertificate(req.socket as TLSSocket)) return true;
  // RFC 6750 §2.3 `access_token` query parameter, only where a browser cannot send the header (access-token.ts).
  const fromQuery = queryToken(url);
  return auth.token !== undefined && tokenMatches(fromQuery === null ? req.headers.authorization : `Bearer ${fromQuery}`, auth.token);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Over the limit: refuse and drop the rest. Destroying the request here closed the socket before the 413
      // was written, so the client saw the connection drop instead; the 413 closes it once written.
      if (size > limit) reject(apiError(413, `request body larger than ${limit} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // The client closed mid-body ('aborted'): its fault, not a failure of ours to log as a 500.
    req.on('error', () => reject(apiError(400, 'request body incomplete: the connection closed before it ended')));
  });
}

/**
 * The request target as a URL. An origin-form target is always a path (RFC 9112 §3.2.1): `//x[` resolved
 * against a base reads as an authority and threw 'Invalid URL', a 500. Any other unparsable target is a 400.
 */
function requestUrl(target: string | undefined): URL {
  const raw = target ?? '/';
  try {
    return raw.startsWith('/') ? new URL(`http://localhost${raw}`) : new URL(raw, 'http://localhost');
  } catch {
    throw apiError(400, `invalid request target ${JSON.stringify(raw.slice(0, 200))}`);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function sendReply(res: ServerResponse, reply: ApiReply, signal: AbortSignal): Promise<void> {
  if (reply.json !== undefined) return sendJson(res, reply.status, reply.json);
  if (reply.text !== undefined) {
    res.writeHead(reply.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(reply.text) });
    res.end(reply.text);
    return;
  }
  if (!reply.stream) {
    res.writeHead(reply.status);
    res.end();
    return;
  }
  res.writeHead(reply.status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  const write = (chunk: string) =>
    new Promise<void>((resolve) => {
      if (signal.aborted || res.writableEnded) return resolve();
      if (res.write(chunk)) resolve();
      else res.once('drain', () => resolve());
    });
  await reply.stream(write, signal);
  res.end();
}

function rootUrl(req: IncomingMessage): string {
  const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? 'localhost'}/`;
}

export async function handleExchange(opts: ExchangeOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  if (!opts.ready()) {
    sendJson(res, 503, { error: { code: 503, message: 'fleet server unable to communicate with etcd' } });
    return;
  }
  res.setHeader('Server', `fleetd/${opts.version}`);
  try {
    const url = requestUrl(req.url);
    // Once per request: the certificate check parses the peer certificate.
    const allowed = authorized(req, opts.auth, url);
    if (opts.ops && (await opts.ops.handle(req, res, url, allowed))) return;
    if (!allowed) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="flotilla"');
      throw apiError(401, 'missing or invalid bearer token');
    }
    const r = route(req.method ?? 'GET', url.pathname);
    const body = await readBody(req, opts.bodyLimit ?? DEFAULT_BODY_LIMIT);
    const request: ApiRequest = { query: url.searchParams, headers: req.headers, body, signal: controller.signal, rootUrl: rootUrl(req) };
    await sendReply(res, await dispatch(opts.deps, r, request, req.rawHeaders), controller.signal);
    opts.logger.debug({ method: req.method, url: redactedUrl(req.url), status: res.statusCode }, 'api request');
  } catch (err) {
    const reply = errorReply(err);
    if (reply.internal) opts.logger.error({ err, method: req.method, url: redactedUrl(req.url) }, 'api request failed');
    if (reply.status === 413) res.setHeader('Connection', 'close'); // the unread rest of the body ends with it
    if (!res.headersSent) sendJson(res, reply.status, reply.body);
    else res.destroy();
  }
}
