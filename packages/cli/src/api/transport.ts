/**
 * HTTP to a Flotilla (or fleet) API endpoint: `unix:///path/to.sock`, `http://host:port` or `https://…`.
 * Every request has a deadline; TLS uses --ca-file/--cert-file/--key-file; a bearer token is sent when given.
 * Errors come back as fleet's body `{"error":{"code","message"}}` and are reported as fleetctl did
 * (`googleapi: Error <code>: <message>`).
 */
import http from 'node:http';
import https from 'node:https';
import { FlotillaError } from '@flotilla/core';

export interface TransportOptions {
  endpoint: string;
  timeoutMs: number;
  token?: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

export interface HttpReply {
  status: number;
  body: string;
}

interface Target {
  secure: boolean;
  base: http.RequestOptions;
}

export function parseEndpoint(endpoint: string): Target {
  const url = new URL(endpoint);
  if (url.protocol === 'unix:' || url.protocol === 'file:') {
    if (url.host !== '') {
      throw new FlotillaError('CLI_ENDPOINT', `Unable to initialize client: unable to connect to host "${url.host}" with scheme "${url.protocol.slice(0, -1)}"`);
    }
    return { secure: false, base: { socketPath: decodeURIComponent(url.pathname) } };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FlotillaError('CLI_ENDPOINT', `Unable to initialize client: unsupported URL scheme "${url.protocol.slice(0, -1)}"`);
  }
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { secure: url.protocol === 'https:', base: { host: url.hostname.replace(/^\[|\]$/g, ''), port } };
}

export function apiUnavailable(endpoint: string, cause: unknown): FlotillaError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new FlotillaError('API_UNAVAILABLE', `Unable to reach the fleet API at ${endpoint}: ${reason}`, {
    hint: 'check --endpoint, that the agent runs there (flotilla agent) and, for TCP, the token and TLS files',
    cause,
    retryable: true,
  });
}

export class Transport {
  private readonly target: Target;
  private readonly agent: http.Agent;

  constructor(private readonly opts: TransportOptions) {
    this.target = parseEndpoint(opts.endpoint);
    this.agent = this.target.secure
      ? new https.Agent({ keepAlive: true, ...(opts.tls ?? {}) })
      : new http.Agent({ keepAlive: true });
  }

  get endpoint(): string {
    return this.opts.endpoint;
  }

  /** The target's request options. Without TLS, an empty servername: Node's agent would otherwise work one out from
   * the host, and `net.isIP('localhost')` compiles its IPv6 expression on first use, ~3 ms of a command's start
   * (docs/benchmarks.md, "CLI cold start, fifth pass"). */
  private get base(): https.RequestOptions {
    return this.target.secure ? this.target.base : { ...this.target.base, servername: '' };
  }

  /** Sends one request; resolves with any status (callers decide), rejects on transport failure or deadline. */
  send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<HttpReply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { 'User-Agent': 'flotilla-cli', Accept: 'application/json' };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    if (this.opts.token) headers.Authorization = `Bearer ${this.opts.token}`;
    const options: https.RequestOptions = { ...this.base, method, path, headers, agent: this.agent, timeout: this.opts.timeoutMs };
    return new Promise((resolve, reject) => {
      const req = (this.target.secure ? https : http).request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => reject(apiUnavailable(this.endpoint, err)));
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', (err) => reject(apiUnavailable(this.endpoint, err)));
      signal?.addEventListener('abort', () => req.destroy(new Error('aborted')), { once: true });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** A streamed GET (journal -f): chunks go to `onChunk` until the server ends or `signal` aborts. */
  stream(path: string, onChunk: (text: string) => void, signal: AbortSignal): Promise<HttpReply> {
    const headers: Record<string, string> = { 'User-Agent': 'flotilla-cli' };
    if (this.opts.token) headers.Authorization = `Bearer ${this.opts.token}`;
    const options: https.RequestOptions = { ...this.base, method: 'GET', path, headers, agent: this.agent };
    return new Promise((resolve, reject) => {
      const req = (this.target.secure ? https : http).request(options, (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => (status < 300 ? onChunk(c.toString('utf8')) : chunks.push(c)));
        res.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status, body: '' }));
      });
      const connectTimer = setTimeout(() => req.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      req.on('response', () => clearTimeout(connectTimer));
      req.on('close', () => clearTimeout(connectTimer));
      req.on('error', (err) => (signal.aborted ? resolve({ status: 200, body: '' }) : reject(apiUnavailable(this.endpoint, err))));
      signal.addEventListener('abort', () => req.destroy(), { once: true });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** fleet's error body → its message ('' when absent). */
export function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    return typeof parsed.error?.message === 'string' ? parsed.error.message : '';
  } catch {
    return body.trim();
  }
}

export function googleApiError(status: number, body: string): FlotillaError {
  return new FlotillaError('API_ERROR', `googleapi: Error ${status}: ${errorMessage(body)}`, { retryable: status === 503 });
}
