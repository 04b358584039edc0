/**
 * POSTs to etcd's JSON gateway (`/v3/...`) with node:http(s): one keep-alive agent per transport (so leases can
 * have a connection of their own), TLS material from RegistryOptions, a deadline on every request, failover across
 * endpoints (a connection-level failure moves on to the next endpoint at once; each endpoint is tried once), and
 * the auth token exchange (`/v3/auth/authenticate`, then the token in `Authorization`, renewed once when etcd says
 * it is invalid; with a token cache, a saved token is tried before authenticating and a new one is saved). Gateway errors (`{"error","message","code"}`, `code` being the gRPC status) become
 * EtcdRequestError with a kind. The JSON shape: bytes base64, int64 as strings (etcd accepts both forms).
 */
import http from 'node:http';
import https from 'node:https';
import { EtcdRequestError, kindOfStatus } from './etcd-port.js';
import type { EtcdTokenCache } from './types.js';

export interface HttpTransportOptions {
  endpoints: string[];
  timeoutMs: number;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  auth?: { username: string; password: string };
  /** Consulted once, before the first authentication; every token etcd issues is saved to it. */
  tokenCache?: EtcdTokenCache;
  /** Pooled requests share one keep-alive connection (queued): one TLS handshake for a short-lived command. */
  oneConnection?: boolean;
}

/**
 * etcd's answers to a token it no longer takes: "invalid auth token" (a simple token past its TTL, or dropped when
 * its user's password changed) and "revision of auth store is old" (a JWT from before a change to users or roles;
 * etcd's clientv3 re-authenticates on both: client/v3/retry_interceptor.go, shouldRefreshToken).
 */
export function isStaleTokenError(err: unknown): boolean {
  return err instanceof EtcdRequestError && /invalid auth token|revision of auth store is old/i.test(err.message);
}

/** TCP keepalive idle time of watch sockets. */
export const WATCH_KEEPALIVE_IDLE_MS = 10_000;

/** A pooled keep-alive socket the server closed while idle fails like this: retried once on a fresh socket. */
const STALE_SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE']);

/** JSON.stringify with Buffers as base64 (etcd's JSON form of protobuf bytes). */
export function encodeJson(body: unknown): string {
  return JSON.stringify(body, function (this: Record<string, unknown>, key, value: unknown) {
    const original = this[key];
    return Buffer.isBuffer(original) ? original.toString('base64') : value;
  });
}

export class HttpTransport {
  private readonly urls: URL[];
  /** The endpoint that answered last; requests start there. */
  private current = 0;
  /** Keep-alive pools, made on first use: a plain-HTTP endpoint never builds TLS options or loads TLS. */
  private readonly agents: { http?: http.Agent; https?: https.Agent } = {};
  private readonly maxSockets: number;
  private token: string | undefined;
  private authenticating: Promise<string> | undefined;
  /** The token cache is read once: after etcd rejects its token, only a fresh authentication helps. */
  private cacheRead = false;
  /** etcd answered a request of the auth exchange (Status or Authenticate): see connectCheck(). */
  private reached = false;
  private closed = false;
  private readonly open = new Set<http.ClientRequest>();

  constructor(private readonly options: HttpTransportOptions) {
    this.urls = options.endpoints.map((e) => new URL(e));
    this.maxSockets = options.oneConnection ? 1 : 16;
  }

  private agentFor(secure: boolean): http.Agent {
    const { maxSockets } = this;
    if (secure) return (this.agents.https ??= new https.Agent({ keepAlive: true, keepAliveMsecs: 10_000, maxSockets, ...tlsOptions(this.options.tls ?? {}) }));
    return (this.agents.http ??= new http.Agent({ keepAlive: true, keepAliveMsecs: 10_000, maxSockets }));
  }

  /** POSTs `body` to `path` on the current endpoint, failing over; resolves with the parsed JSON answer. */
  async post<T>(path: string, body: unknown): Promise<T> {
    const payload = encodeJson(body);
    const headers = await this.authHeaders();
    try {
      return await this.postAnywhere<T>(path, payload, headers);
    } catch (err) {
      if (!(this.options.auth && isStaleTokenError(err))) throw err;
      this.tokenRejected(headers.authorization);
      return this.postAnywhere<T>(path, payload, await this.authHeaders());
    }
  }

  /**
   * Opens a streaming POST (a watch) on its own socket (never pooled: it lives as long as the watch). Returns the
   * request; `onResponse` gets the response once headers arrived. Starts at the current endpoint; the caller
   * reports a failure with `failed()` so the next stream goes elsewhere.
   */
  async stream(path: string, body: unknown, onResponse: (res: http.IncomingMessage) => void): Promise<http.ClientRequest> {
    if (this.closed) throw new EtcdRequestError('closed', 'the etcd client was closed');
    const headers = await this.authHeaders();
    const url = this.urls[this.current % this.urls.length] as URL;
    const req = this.request(url, path, headers, false);
    this.track(req);
    // A dead peer under a quiet watch: Node 20's libuv probes after 10 s idle, every 1 s, 10 times (~20 s), as
    // gRPC's 10 s pings with a 5 s timeout would. No request is spent on it (quiet agents: docs/agent.md).
    req.on('socket', (socket) => socket.setKeepAlive(true, WATCH_KEEPALIVE_IDLE_MS));
    req.on('response', onResponse);
    req.end(encodeJson(body));
    return req;
  }

  /**
   * Sets up authentication now (a saved token's Status call, else Authenticate) and says whether etcd answered a
   * request doing so: then it is known to answer and the connect probe (probe.ts) need not ask once more. False
   * without auth, or with a token already in hand.
   */
  async connectCheck(): Promise<boolean> {
    if (!this.options.auth || this.token !== undefined) return false;
    this.reached = false;
    await this.authHeaders();
    return this.reached;
  }

  /** etcd called the token invalid (simple tokens expire after --auth-token-ttl idle): the next call gets a new one.
   * With `rejected`, only if that is still the token in use (concurrent calls that failed with it renew it once). */
  tokenRejected(rejected?: string): void {
    if (rejected === undefined || rejected === this.token) this.token = undefined;
  }

  /** Moves the next requests and streams to the next endpoint. */
  failed(): void {
    this.current = (this.current + 1) % this.urls.length;
  }

  close(): void {
    this.closed = true;
    for (const req of this.open) req.destroy();
    this.open.clear();
    this.agents.http?.destroy();
    this.agents.https?.destroy();
  }

  private async postAnywhere<T>(path: string, payload: string, headers: Record<string, string>): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.urls.length; attempt++) {
      if (this.closed) throw new EtcdRequestError('closed', 'the etcd client was closed');
      const index = (this.current + attempt) % this.urls.length;
      try {
        const result = await this.postOnce<T>(this.urls[index] as URL, path, payload, headers);
        this.current = index;
        return result;
      } catch (err) {
        if (!(err instanceof EtcdRequestError && err.kind === 'unavailable')) throw err;
        lastError = err;
      }
    }
    this.failed();
    throw lastError;
  }

  /** One request; a socket the server had closed while idle in the pool is retried once on a fresh one. */
  private async postOnce<T>(url: URL, path: string, payload: string, headers: Record<string, string>): Promise<T> {
    try {
      return await this.exchange<T>(url, path, payload, headers);
    } catch (err) {
      if (!(err instanceof StaleSocketError)) throw err;
      return this.exchange<T>(url, path, payload, headers);
    }
  }

  private exchange<T>(url: URL, path: string, payload: string, headers: Record<string, string>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = this.request(url, path, { ...headers, 'content-length': String(Buffer.byteLength(payload)) }, true);
      this.track(req);
      const timer = setTimeout(() => {
        req.destroy(new EtcdRequestError('deadline', `etcd request ${path} to ${url.origin} timed out after ${this.options.timeoutMs} ms`, { grpcCode: 4 }));
      }, this.options.timeoutMs);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => req.destroy(err));
        res.on('end', () => {
          clearTimeout(timer);
          try {
            resolve(parseAnswer<T>(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), path));
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        if (err instanceof EtcdRequestError) return reject(err);
        if (this.closed) return reject(new EtcdRequestError('closed', 'the etcd client was closed', { cause: err }));
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (req.reusedSocket && STALE_SOCKET_ERRORS.has(code)) return reject(new StaleSocketError());
        // A request error is a socket or TLS failure (etcd's own failures come back as HTTP answers): gRPC calls
        // these UNAVAILABLE too, and another endpoint may do better.
        reject(new EtcdRequestError('unavailable', `etcd ${url.origin}${path}: ${err.message}`, { cause: err, grpcCode: 14 }));
      });
      req.end(payload);
    });
  }

  private request(url: URL, path: string, headers: Record<string, string>, pooled: boolean): http.ClientRequest {
    const secure = url.protocol === 'https:';
    const options: https.RequestOptions = {
      method: 'POST',
      host: url.hostname,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname.replace(/\/$/, '')}${path}`,
      headers: { 'content-type': 'application/json', ...headers },
      agent: pooled ? this.agentFor(secure) : false,
      ...(secure && !pooled ? tlsOptions(this.options.tls ?? {}) : {}),
    };
    return (secure ? https : http).request(options);
  }

  private track(req: http.ClientRequest): void {
    this.open.add(req);
    req.once('close', () => this.open.delete(req));
  }

  private async authHeaders(): Promise<Record<string, string>> {
    if (!this.options.auth) return {};
    this.token ??= await (this.authenticating ??= this.authenticate().finally(() => (this.authenticating = undefined)));
    return { authorization: this.token };
  }

  private async authenticate(): Promise<string> {
    const cache = this.options.tokenCache;
    if (cache && !this.cacheRead) {
      this.cacheRead = true;
      const saved = cache.load();
      if (saved && (await this.mayPresent(saved))) return saved;
    }
    const auth = this.options.auth as { username: string; password: string };
    const answer = await this.postAnywhere<{ token?: string }>('/v3/auth/authenticate', JSON.stringify({ name: auth.username, password: auth.password }), {});
    this.reached = true;
    if (!answer.token) throw new EtcdRequestError('auth', 'etcd returned no auth token');
    cache?.save(answer.token);
    return answer.token;
  }

  /**
   * Whether a saved token can be sent without risk of hanging. etcd's simple tokens end in `.<raft index>` of their
   * Authenticate, and etcd holds a request until it has applied that index (server/auth/simple_token.go,
   * isValidSimpleToken): a token from an earlier etcd at the same address (a cluster re-created since) would stall
   * every call until the deadline. So one Status call (etcd answers it without a token) checks the member has
   * applied that index; a token it never issued is then refused at once ("invalid auth token") and renewed. Other
   * tokens (JWT) are checked by signature, at once. Any doubt: authenticate instead.
   */
  private async mayPresent(token: string): Promise<boolean> {
    const index = SIMPLE_TOKEN.exec(token)?.[1];
    if (index === undefined) return true;
    try {
      const status = await this.postAnywhere<{ raftAppliedIndex?: string; raftIndex?: string }>('/v3/maintenance/status', '{}', {});
      this.reached = true;
      const applied = status.raftAppliedIndex ?? status.raftIndex;
      return applied !== undefined && BigInt(index) <= BigInt(applied);
    } catch {
      return false;
    }
  }
}

/** etcd's simple token: random letters, a dot, the raft index of the Authenticate that issued it (etcd waits for
 * any `<no dot>.<digits>`). */
const SIMPLE_TOKEN = /^[^.]*\.(\d+)$/;

class StaleSocketError extends Error {}

function tlsOptions(tls: { ca?: Buffer; cert?: Buffer; key?: Buffer }): https.AgentOptions {
  return { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}) };
}

interface GatewayError {
  error?: string | { message?: string; grpc_code?: number };
  message?: string;
  code?: number;
}

/** A gateway answer: 200 → the JSON; otherwise its gRPC status and message as EtcdRequestError. */
export function parseAnswer<T>(status: number, text: string, path: string): T {
  let json: unknown;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch (err) {
    throw new EtcdRequestError(status === 200 ? 'other' : 'unavailable', `etcd ${path}: HTTP ${status}, unreadable answer: ${text.slice(0, 200)}`, { cause: err });
  }
  if (status === 200) return json as T;
  throw gatewayError(json as GatewayError, status, path);
}

/** The error in a gateway body: unary `{"error","message","code"}` or a stream's `{"error":{"grpc_code","message"}}`. */
export function gatewayError(body: GatewayError, status: number, path: string): EtcdRequestError {
  const nested = typeof body.error === 'object' ? body.error : undefined;
  const message = nested?.message ?? body.message ?? (typeof body.error === 'string' ? body.error : `HTTP ${status}`);
  const code = nested?.grpc_code ?? body.code;
  const kind = status >= 500 && code === undefined ? 'unavailable' : kindOfStatus(code, message);
  return new EtcdRequestError(kind, message, { grpcCode: code, cause: new Error(`etcd ${path}: HTTP ${status}`) });
}
