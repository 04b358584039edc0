/**
 * The registry's HTTP API v2 (distribution spec, `docs/spec/api.md`), as much as pushing and listing need: blob
 * existence (HEAD), monolithic blob upload (POST, then PUT with `?digest=`; the registry checks the digest),
 * manifest PUT, `_catalog` and `tags/list` with `Link` pagination. TLS is verified against the cluster's CA, for
 * the registry's name (`registry.flotilla`) whatever address it is reached at, with the CLI's client certificate.
 * Every request has an idle timeout: a registry that stops answering fails the request, never hangs it.
 */
import https from 'node:https';
import type { Readable } from 'node:stream';
import { ImageError } from './errors.js';

export interface RegistryClientOptions {
  /** `host:port` to connect to (the registry's endpoint, or --registry). */
  address: string;
  /** The name its certificate is checked for (default: the host of `address`). */
  serverName?: string;
  ca: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
  /** Idle timeout of each request (no byte either way for this long); default 30 s. */
  timeoutMs?: number;
}

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string | Readable;
  /** Statuses that are an answer, not an error. */
  ok: number[];
  /** What the request is for, in errors (e.g. `upload of layer sha256:…`). */
  what: string;
}

/** The registry's error body: `{"errors":[{"code":"…","message":"…","detail":…}]}`. */
export function registryReason(status: number, body: Buffer): string {
  try {
    const json = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    const errors = (json.errors ?? []).map((e) => {
      const detail = e.detail === undefined || e.detail === null ? '' : ` (${typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)})`;
      return `${e.code ?? 'UNKNOWN'}: ${e.message ?? ''}${detail}`;
    });
    if (errors.length > 0) return `HTTP ${status} ${errors.join('; ')}`;
  } catch {
    /* not the registry's JSON */
  }
  const text = body.toString('utf8').trim().slice(0, 200);
  return `HTTP ${status}${text ? ` ${text}` : ''}`;
}

/** The next page of a paginated list: `Link: </v2/_catalog?last=x&n=100>; rel="next"`. */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  const match = value?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
  return match?.[1];
}

export class RegistryClient {
  readonly address: string;
  private readonly agent: https.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(private readonly opts: RegistryClientOptions) {
    this.address = opts.address;
    const at = opts.address.lastIndexOf(':');
    this.host = opts.address.slice(0, at).replace(/^\[|\]$/g, '');
    this.port = Number(opts.address.slice(at + 1));
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  }

  close(): void {
    this.agent.destroy();
  }

  /** The registry answers the v2 API (`GET /v2/`). */
  async ping(): Promise<void> {
    await this.request({ method: 'GET', path: '/v2/', ok: [200], what: 'API check' });
  }

  async blobExists(repository: string, digest: string): Promise<boolean> {
    const res = await this.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${digest}`, ok: [200, 404], what: `check of blob ${digest}` });
    return res.status === 200;
  }

  /** Uploads a blob in one PUT; the registry refuses it unless its bytes have `digest`. */
  async uploadBlob(repository: string, digest: string, size: number, body: () => Readable): Promise<void> {
    const started = await this.request({ method: 'POST', path: `/v2/${repository}/blobs/uploads/`, headers: { 'content-length': 0 }, ok: [202], what: `upload of ${digest}` });
    const location = started.headers.location;
    if (typeof location !== 'string') throw this.refused(`upload of ${digest}`, 'the registry gave no upload location');
    const url = new URL(location, `https://${this.opts.serverName ?? this.host}:${this.port}`);
    url.searchParams.set('digest', digest);
    await this.request({
      method: 'PUT', path: `${url.pathname}${url.search}`, body: body(), ok: [201], what: `upload of ${digest}`,
      headers: { 'content-type': 'application/octet-stream', 'content-length': size },
    });
  }

  /** Puts the manifest under `tag`; returns the registry's digest of it. */
  async putManifest(repository: string, tag: string, manifest: string, mediaType: string): Promise<string | undefined> {
    const res = await this.request({
      method: 'PUT', path: `/v2/${repository}/manifests/${tag}`, body: manifest, ok: [201], what: `manifest ${repository}:${tag}`,
      headers: { 'content-type': mediaType, 'content-length': Buffer.byteLength(manifest) },
    });
    const digest = res.headers['docker-content-digest'];
    return typeof digest === 'string' ? digest : undefined;
  }

  /** Every repository, following the registry's pagination. */
  async catalog(): Promise<string[]> {
    return this.paged('/v2/_catalog?n=1000', 'repositories', 'catalog');
  }

  /** A repository's tags. `missingIsEmpty`: a repository the catalog lists but that has no tag yet (blobs only) answers 404. */
  async tags(repository: string, opts: { missingIsEmpty?: boolean } = {}): Promise<string[]> {
    return this.paged(`/v2/${repository}/tags/list?n=1000`, 'tags', `tags of ${repository}`, opts.missingIsEmpty === true);
  }

  private async paged(first: string, field: 'repositories' | 'tags', what: string, missingIsEmpty = false): Promise<string[]> {
    const out: string[] = [];
    let path: string | undefined = first;
    for (let page = 0; path !== undefined && page < 10_000; page++) {
      const res = await this.request({ method: 'GET', path, ok: missingIsEmpty ? [200, 404] : [200], what });
      if (res.status === 404) return out;
      const json = JSON.parse(res.body.toString('utf8') || '{}') as Record<string, unknown>;
      const items = json[field];
      if (Array.isArray(items)) out.push(...items.filter((x): x is string => typeof x === 'string'));
      const next = nextLink(res.headers.link);
      path = next === undefined ? undefined : new URL(next, 'https://registry').pathname + new URL(next, 'https://registry').search;
    }
    return out;
  }

  private refused(what: string, reason: string): ImageError {
    return new ImageError('IMAGE_REGISTRY_REFUSED', `registry ${this.address}: ${what}: ${reason}`);
  }

  private request(spec: RequestSpec): Promise<Response> {
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    return new Promise<Response>((resolve, reject) => {
      const req = https.request({
        host: this.host, port: this.port, method: spec.method, path: spec.path, agent: this.agent,
        servername: this.opts.serverName ?? this.host, ca: this.opts.ca,
        ...(this.opts.cert ? { cert: this.opts.cert } : {}), ...(this.opts.key ? { key: this.opts.key } : {}),
        headers: { 'user-agent': 'flotilla-image', ...spec.headers }, timeout: timeoutMs,
      });
      const fail = (err: unknown) => {
        const e = err as NodeJS.ErrnoException;
        reject(new ImageError('IMAGE_REGISTRY_UNREACHABLE', `registry ${this.address}: ${spec.what}: ${e.code ? `${e.code} ` : ''}${e.message}`, { cause: err }));
      };
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          if (!spec.ok.includes(status)) reject(this.refused(spec.what, registryReason(status, body)));
          else resolve({ status, headers: res.headers, body });
        });
      });
      const body = spec.body;
      if (body === undefined) req.end();
      else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
      else {
        body.on('error', (err) => req.destroy(err));
        body.pipe(req);
      }
    });
  }
}
