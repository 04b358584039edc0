/**
 * EtcdPort over etcd's JSON gRPC gateway (etcd 3.4: `/v3/kv/*`, `/v3/watch`, `/v3/lease/*`). No gRPC, no
 * protobuf: node:http and JSON, so the agent and the CLI start fast and stay small (docs/registry.md). The gateway
 * omits default values (`more: false`, `succeeded: false`, a PUT event's type, zero revisions), so every answer
 * is normalised here to the port's complete shapes.
 */
import type http from 'node:http';
import {
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type EtcdPort,
  EtcdRequestError,
  type KeyValue,
  type LeaseGrantResponse,
  type PutRequest,
  type RangeRequest,
  type RangeResponse,
  type ResponseHeader,
  type ResponseOp,
  type TxnRequest,
  type TxnResponse,
  type WatchCreateRequest,
  type WatchEventRaw,
  type WatchHandle,
  type WatchHandlers,
} from './etcd-port.js';
import { HttpTransport, type HttpTransportOptions, gatewayError, isStaleTokenError } from './http-transport.js';

type Json = Record<string, unknown>;

const str = (v: unknown, fallback = '0'): string => (v === undefined || v === null ? fallback : String(v));
const bytes = (v: unknown): Buffer => (typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0));

function header(v: unknown): ResponseHeader {
  return { revision: str((v as Json | undefined)?.revision) };
}

function keyValue(v: Json): KeyValue {
  return {
    key: bytes(v.key),
    value: bytes(v.value),
    create_revision: str(v.create_revision),
    mod_revision: str(v.mod_revision),
    version: str(v.version),
    lease: str(v.lease),
  };
}

function rangeResponse(v: Json): RangeResponse {
  return { header: header(v.header), kvs: ((v.kvs as Json[] | undefined) ?? []).map(keyValue), more: v.more === true, count: str(v.count) };
}

function responseOp(v: Json): ResponseOp {
  if (v.response_range) return { response_range: rangeResponse(v.response_range as Json) };
  if (v.response_delete_range) {
    const d = v.response_delete_range as Json;
    return { response_delete_range: { header: header(d.header), deleted: str(d.deleted) } };
  }
  return { response_put: { header: header((v.response_put as Json | undefined)?.header) } };
}

export class HttpPort implements EtcdPort {
  private readonly transport: HttpTransport;

  constructor(private readonly options: HttpTransportOptions) {
    this.transport = new HttpTransport(options);
  }

  connectCheck(): Promise<boolean> {
    return this.transport.connectCheck();
  }

  async range(req: RangeRequest): Promise<RangeResponse> {
    return rangeResponse(await this.transport.post<Json>('/v3/kv/range', req));
  }

  async put(req: PutRequest): Promise<{ header: ResponseHeader }> {
    return { header: header((await this.transport.post<Json>('/v3/kv/put', req)).header) };
  }

  async deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    const answer = await this.transport.post<Json>('/v3/kv/deleterange', req);
    return { header: header(answer.header), deleted: str(answer.deleted) };
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    const answer = await this.transport.post<Json>('/v3/kv/txn', req);
    return { header: header(answer.header), succeeded: answer.succeeded === true, responses: ((answer.responses as Json[] | undefined) ?? []).map(responseOp) };
  }

  watch(req: WatchCreateRequest, handlers: WatchHandlers): WatchHandle {
    return new HttpWatch(this.transport, this.options.timeoutMs, req, handlers);
  }

  async leaseGrant(ttlSec: number): Promise<LeaseGrantResponse> {
    const answer = await this.transport.post<Json>('/v3/lease/grant', { TTL: ttlSec });
    if (answer.error) throw new EtcdRequestError('other', `lease grant: ${str(answer.error)}`);
    return { ID: str(answer.ID), TTL: str(answer.TTL) };
  }

  /** The gateway runs the bidirectional keepalive stream for one request: one line `{"result": …}` comes back. */
  async leaseKeepAlive(id: string): Promise<{ TTL: string }> {
    const answer = await this.transport.post<Json>('/v3/lease/keepalive', { ID: id });
    if (answer.error) throw gatewayError(answer, 200, '/v3/lease/keepalive');
    return { TTL: str((answer.result as Json | undefined)?.TTL) };
  }

  async leaseRevoke(id: string): Promise<void> {
    try {
      await this.transport.post('/v3/lease/revoke', { ID: id });
    } catch (err) {
      if (!(err instanceof EtcdRequestError && /lease not found/i.test(err.message))) throw err;
    }
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * One `/v3/watch` stream: the create request is the whole request body; the answer is newline-separated JSON,
 * `{"result": WatchResponse}` or `{"error": …}`. If etcd has not confirmed the watch within the request timeout
 * (a black-holed endpoint), the stream is dropped as broken.
 */
class HttpWatch implements WatchHandle {
  private req: http.ClientRequest | undefined;
  private ended = false;
  private created = false;
  private readonly createTimer: NodeJS.Timeout;

  constructor(
    private readonly transport: HttpTransport,
    timeoutMs: number,
    request: WatchCreateRequest,
    private readonly handlers: WatchHandlers,
  ) {
    this.createTimer = setTimeout(() => this.broken(new EtcdRequestError('deadline', `watch not confirmed by etcd within ${timeoutMs} ms`, { grpcCode: 4 })), timeoutMs);
    this.transport.stream('/v3/watch', { create_request: request }, (res) => this.read(res)).then(
      (req) => {
        if (this.ended) return void req.destroy();
        this.req = req;
        req.on('error', (err) => this.broken(err));
        req.on('close', () => this.broken(new EtcdRequestError('unavailable', 'watch stream closed', { grpcCode: 14 })));
      },
      (err: Error) => this.broken(err),
    );
  }

  cancel(): void {
    this.finish();
  }

  private read(res: http.IncomingMessage): void {
    if (res.statusCode !== 200) {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: Json = {};
        try {
          body = JSON.parse(text) as Json;
        } catch {
          // an unreadable error body: the status says enough
        }
        this.broken(gatewayError(body, res.statusCode ?? 0, '/v3/watch'));
      });
      return;
    }
    let buffered = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0 && !this.ended; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line !== '') this.onLine(line);
      }
    });
  }

  private onLine(line: string): void {
    let message: Json;
    try {
      message = JSON.parse(line) as Json;
    } catch (err) {
      return this.broken(new EtcdRequestError('other', `unreadable watch response: ${line.slice(0, 200)}`, { cause: err }));
    }
    if (message.error) return this.broken(gatewayError(message, 200, '/v3/watch'));
    const result = (message.result ?? {}) as Json;
    const head = header(result.header);
    if (result.created === true && !this.created) {
      this.created = true;
      clearTimeout(this.createTimer);
      this.handlers.onCreated(head);
    }
    const events = ((result.events as Json[] | undefined) ?? []).map(
      (e): WatchEventRaw => ({ type: e.type === 'DELETE' ? 'DELETE' : 'PUT', kv: keyValue((e.kv ?? {}) as Json) }),
    );
    if (events.length > 0) this.handlers.onEvents(events, head);
    if (result.canceled === true) {
      const end = { kind: 'cancelled' as const, compactRevision: str(result.compact_revision), reason: str(result.cancel_reason, '') };
      if (this.finish()) this.handlers.onEnd(end);
    }
  }

  private broken(cause: Error): void {
    // An expired token is not a refusal: drop it, and the re-opened stream authenticates again.
    const expired = isStaleTokenError(cause);
    if (expired) this.transport.tokenRejected();
    const error = expired ? new EtcdRequestError('unavailable', 'etcd auth token expired; re-authenticating', { cause }) : cause;
    if (this.finish()) {
      this.transport.failed();
      this.handlers.onEnd({ kind: 'broken', error });
    }
  }

  /** Ends the stream; true the first time. */
  private finish(): boolean {
    if (this.ended) return false;
    this.ended = true;
    clearTimeout(this.createTimer);
    this.req?.destroy();
    return true;
  }
}
