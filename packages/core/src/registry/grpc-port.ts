/**
 * EtcdPort over gRPC through etcd3's raw service clients (KV, Watch, Lease), for bulk work at scale (the
 * scheduler's placement at 10k × 100k). This module imports etcd3 as a value, so it is only ever loaded with
 * `await import('./grpc-port.js')` (transport 'grpc'); the HTTP transport never loads gRPC or protobufjs.
 * etcd3's errors are translated here, once, into EtcdRequestError.
 */
import {
  ClientClosedError,
  CompareResult,
  CompareTarget,
  EtcdAuthenticationFailedError,
  EtcdInvalidAuthTokenError,
  EtcdPermissionDeniedError,
  type Etcd3,
  GRPCDeadlineExceededError,
  GRPCUnauthenticatedError,
  GRPCUnavailableError,
  type ICompare,
  type IRequestOp,
  type IResponseOp,
  type IWatchResponse,
  SortOrder,
  SortTarget,
  castGrpcError,
  isRecoverableError,
} from 'etcd3';
import { createEtcdClient } from './client.js';
import {
  type Compare,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type EtcdPort,
  EtcdRequestError,
  type LeaseGrantResponse,
  type PutRequest,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseHeader,
  type ResponseOp,
  type TxnRequest,
  type TxnResponse,
  type WatchCreateRequest,
  type WatchHandle,
  type WatchHandlers,
} from './etcd-port.js';
import type { RegistryOptions } from './types.js';

/** An etcd3 (or grpc) error as the port's EtcdRequestError. */
export function fromEtcd3Error(raw: unknown): EtcdRequestError {
  if (raw instanceof EtcdRequestError) return raw;
  const err = raw instanceof Error ? castGrpcError(raw) : new Error(String(raw));
  const make = (kind: EtcdRequestError['kind']) => new EtcdRequestError(kind, err.message, { cause: err });
  if (/compacted/i.test(err.message)) return make('compacted');
  if (err instanceof GRPCDeadlineExceededError) return make('deadline');
  if (err instanceof GRPCUnavailableError) return make('unavailable');
  if (err instanceof ClientClosedError) return make('closed');
  if (
    err instanceof EtcdAuthenticationFailedError ||
    err instanceof EtcdPermissionDeniedError ||
    err instanceof EtcdInvalidAuthTokenError ||
    err instanceof GRPCUnauthenticatedError
  ) {
    return make('auth');
  }
  return make(isRecoverableError(err) ? 'unavailable' : 'other');
}

async function translated<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw fromEtcd3Error(err);
  }
}

const header = (h: { revision: string } | undefined): ResponseHeader => ({ revision: h?.revision ?? '0' });

function rangeRequest(req: RangeRequest) {
  return {
    key: req.key,
    ...(req.range_end ? { range_end: req.range_end } : {}),
    ...(req.limit !== undefined ? { limit: req.limit } : {}),
    ...(req.revision !== undefined ? { revision: req.revision } : {}),
    ...(req.sort_order ? { sort_order: SortOrder[capitalised(req.sort_order) as keyof typeof SortOrder] } : {}),
    ...(req.sort_target ? { sort_target: SortTarget[capitalised(req.sort_target) as keyof typeof SortTarget] } : {}),
    ...(req.keys_only ? { keys_only: true } : {}),
    ...(req.count_only ? { count_only: true } : {}),
    ...(req.max_create_revision !== undefined ? { max_create_revision: req.max_create_revision } : {}),
  };
}

const capitalised = (s: string) => s.charAt(0) + s.slice(1).toLowerCase();
const RESULTS: Record<Compare['result'], CompareResult> = {
  EQUAL: CompareResult.Equal,
  GREATER: CompareResult.Greater,
  LESS: CompareResult.Less,
  NOT_EQUAL: CompareResult.NotEqual,
};

function compare(c: Compare): ICompare {
  const target = CompareTarget[capitalised(c.target) as keyof typeof CompareTarget];
  return { ...c, target, result: RESULTS[c.result] };
}

function requestOp(op: RequestOp): IRequestOp {
  if ('request_range' in op) return { request_range: rangeRequest(op.request_range) };
  return op;
}

function responseOp(r: IResponseOp): ResponseOp {
  if (r.response_range) return { response_range: rangeResponse(r.response_range) };
  if (r.response_delete_range) return { response_delete_range: { header: header(r.response_delete_range.header), deleted: r.response_delete_range.deleted } };
  return { response_put: { header: header(r.response_put?.header) } };
}

function rangeResponse(r: { header: { revision: string }; kvs: RangeResponse['kvs']; more: boolean; count: string }): RangeResponse {
  return { header: header(r.header), kvs: r.kvs ?? [], more: r.more === true, count: r.count ?? '0' };
}

export class GrpcPort implements EtcdPort {
  private readonly client: Etcd3;

  /** `dedicatedConnection`: a TCP connection of its own (the lease port), see client.ts. */
  constructor(options: RegistryOptions, timeoutMs: number, dedicatedConnection = false) {
    this.client = createEtcdClient(options, timeoutMs, dedicatedConnection);
  }

  range(req: RangeRequest): Promise<RangeResponse> {
    return translated(async () => rangeResponse(await this.client.kv.range(rangeRequest(req))));
  }

  put(req: PutRequest): Promise<{ header: ResponseHeader }> {
    return translated(async () => ({ header: header((await this.client.kv.put(req)).header) }));
  }

  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    return translated(async () => {
      const r = await this.client.kv.deleteRange(req);
      return { header: header(r.header), deleted: r.deleted };
    });
  }

  txn(req: TxnRequest): Promise<TxnResponse> {
    return translated(async () => {
      const r = await this.client.kv.txn({
        compare: req.compare.map(compare),
        success: req.success.map(requestOp),
        failure: (req.failure ?? []).map(requestOp),
      });
      return { header: header(r.header), succeeded: r.succeeded === true, responses: (r.responses ?? []).map(responseOp) };
    });
  }

  watch(req: WatchCreateRequest, handlers: WatchHandlers): WatchHandle {
    return new GrpcWatch(this.client, req, handlers);
  }

  leaseGrant(ttlSec: number): Promise<LeaseGrantResponse> {
    return translated(async () => {
      const r = await this.client.leaseClient.leaseGrant({ TTL: ttlSec });
      return { ID: r.ID, TTL: r.TTL };
    });
  }

  leaseKeepAlive(id: string): Promise<{ TTL: string }> {
    return translated(async () => {
      const stream = await this.client.leaseClient.leaseKeepAlive();
      try {
        return await new Promise<{ TTL: string }>((resolve, reject) => {
          stream.on('data', (res) => resolve({ TTL: res.TTL ?? '0' }));
          stream.on('error', reject);
          stream.on('end', () => reject(new EtcdRequestError('unavailable', 'lease keepalive stream ended')));
          stream.write({ ID: id });
        });
      } finally {
        stream.end();
      }
    });
  }

  leaseRevoke(id: string): Promise<void> {
    return translated(async () => {
      try {
        await this.client.leaseClient.leaseRevoke({ ID: id });
      } catch (err) {
        if (!/lease not found/i.test((err as Error).message)) throw err;
      }
    });
  }

  close(): void {
    this.client.close();
  }
}

/** One gRPC watch stream with one watcher on it. */
class GrpcWatch implements WatchHandle {
  private stream: { cancel(): void; end(): void } | undefined;
  private ended = false;
  private created = false;

  constructor(client: Etcd3, req: WatchCreateRequest, private readonly handlers: WatchHandlers) {
    client.watchClient.watch().then(
      (stream) => {
        if (this.ended) return void stream.cancel();
        this.stream = stream;
        stream.on('data', (res) => this.onResponse(res));
        stream.on('error', (err) => this.broken(fromEtcd3Error(err)));
        stream.on('end', () => this.broken(new EtcdRequestError('unavailable', 'watch stream ended')));
        stream.write({ create_request: req });
      },
      (err: unknown) => this.broken(fromEtcd3Error(err)),
    );
  }

  cancel(): void {
    this.finish();
  }

  private onResponse(res: IWatchResponse): void {
    if (this.ended) return;
    const head = header(res.header);
    if (res.created && !this.created) {
      this.created = true;
      this.handlers.onCreated(head);
    }
    const events = (res.events ?? []).map((e) => ({ type: e.type === 'Delete' ? ('DELETE' as const) : ('PUT' as const), kv: e.kv }));
    if (events.length > 0) this.handlers.onEvents(events, head);
    if (res.canceled && this.finish()) {
      this.handlers.onEnd({ kind: 'cancelled', compactRevision: res.compact_revision ?? '0', reason: res.cancel_reason ?? '' });
    }
  }

  private broken(error: Error): void {
    if (this.finish()) this.handlers.onEnd({ kind: 'broken', error });
  }

  private finish(): boolean {
    if (this.ended) return false;
    this.ended = true;
    try {
      this.stream?.cancel();
    } catch {
      // already gone
    }
    return true;
  }
}
