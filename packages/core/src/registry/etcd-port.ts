/**
 * The registry's narrow port to etcd, shaped like etcd's raw v3 RPCs (Range, Put, DeleteRange, Txn, Watch,
 * LeaseGrant, LeaseKeepAlive, LeaseRevoke) and named as etcd's protobuf names them (snake_case; bytes as Buffer,
 * int64 as decimal strings). Two adapters implement it: `http-port.ts` (etcd's JSON gateway over node:http, the
 * default: no gRPC loaded) and `grpc-port.ts` (etcd3's raw service clients, imported only when chosen). Every
 * registry module talks to etcd through this interface only, so behaviour (fences, resumable watches, leases,
 * election) is written once. Adapters throw `EtcdRequestError` (below), never their library's errors.
 */

export interface ResponseHeader {
  revision: string;
}

/** etcd's mvccpb.KeyValue (the same field names etcd3's IKeyValue uses). */
export interface KeyValue {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
  version: string;
  lease: string;
}

export interface RangeRequest {
  key: Buffer;
  /** End of the range, exclusive (`prefixEnd(key)` for a prefix); absent = the single key. */
  range_end?: Buffer;
  limit?: number;
  /** Read at this past revision. */
  revision?: string;
  sort_order?: 'NONE' | 'ASCEND' | 'DESCEND';
  sort_target?: 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
  keys_only?: boolean;
  count_only?: boolean;
  /** Only keys created at or before this revision (election: the predecessor). */
  max_create_revision?: string;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: string;
}

export interface PutRequest {
  key: Buffer;
  value: Buffer;
  lease?: string;
}

export interface DeleteRangeRequest {
  key: Buffer;
  range_end?: Buffer;
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: string;
}

export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';
export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';

export interface Compare {
  key: Buffer;
  target: CompareTarget;
  result: CompareResult;
  version?: string;
  create_revision?: string;
  mod_revision?: string;
  value?: Buffer;
  lease?: string;
}

export type RequestOp = { request_range: RangeRequest } | { request_put: PutRequest } | { request_delete_range: DeleteRangeRequest };

export interface ResponseOp {
  response_range?: RangeResponse;
  response_put?: { header: ResponseHeader };
  response_delete_range?: DeleteRangeResponse;
}

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface WatchCreateRequest {
  key: Buffer;
  range_end?: Buffer;
  /** First revision to deliver; absent = changes after "now". */
  start_revision?: string;
}

export interface WatchEventRaw {
  type: 'PUT' | 'DELETE';
  kv: KeyValue;
}

/** How a watch stream ended: etcd cancelled it (compaction when compact_revision > 0), or the stream broke. */
export type WatchEnd =
  | { kind: 'cancelled'; compactRevision: string; reason: string }
  | { kind: 'broken'; error: Error };

export interface WatchHandlers {
  /** etcd confirmed the watch; header.revision is "now" for a watch without start_revision. */
  onCreated(header: ResponseHeader): void;
  /** Events of one response, in revision order. */
  onEvents(events: WatchEventRaw[], header: ResponseHeader): void;
  /** Called at most once; no callback follows. Not called after `cancel()`. */
  onEnd(end: WatchEnd): void;
}

/** One watch, one stream: it never reconnects by itself (resumable-watch.ts does, from its own revision). */
export interface WatchHandle {
  cancel(): void;
}

export interface LeaseGrantResponse {
  ID: string;
  TTL: string;
}

export interface EtcdPort {
  range(req: RangeRequest): Promise<RangeResponse>;
  put(req: PutRequest): Promise<{ header: ResponseHeader }>;
  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse>;
  txn(req: TxnRequest): Promise<TxnResponse>;
  watch(req: WatchCreateRequest, handlers: WatchHandlers): WatchHandle;
  leaseGrant(ttlSec: number): Promise<LeaseGrantResponse>;
  /** One keepalive round trip; the remaining TTL, '0' when etcd no longer knows the lease. */
  leaseKeepAlive(id: string): Promise<{ TTL: string }>;
  /** Revokes; a lease etcd no longer knows is not an error. */
  leaseRevoke(id: string): Promise<void>;
  /** Ends every stream and connection; later calls fail with kind 'closed'. */
  close(): void;
  /** Optional: connects (authenticating if needed); true when etcd answered in doing so, so the connect probe
   * needs no read of its own (http-transport.ts, connectCheck). */
  connectCheck?(): Promise<boolean>;
}

export type EtcdRequestErrorKind = 'unavailable' | 'deadline' | 'auth' | 'closed' | 'compacted' | 'other';

/** The adapters' one error type: what went wrong, in terms the registry acts on (etcd-errors.ts translates it). */
export class EtcdRequestError extends Error {
  constructor(
    readonly kind: EtcdRequestErrorKind,
    message: string,
    options: { cause?: unknown; grpcCode?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EtcdRequestError';
    this.grpcCode = options.grpcCode;
  }
  readonly grpcCode: number | undefined;

  /** Unavailable and deadline failures may succeed on retry (or on another endpoint). */
  get recoverable(): boolean {
    return this.kind === 'unavailable' || this.kind === 'deadline';
  }
}

/** The kind of an etcd failure from its gRPC status code and message (both adapters see these). */
export function kindOfStatus(code: number | undefined, message: string): EtcdRequestErrorKind {
  if (/compacted/i.test(message)) return 'compacted';
  switch (code) {
    case 4:
      return 'deadline';
    case 14:
      return 'unavailable';
    case 7:
    case 16:
      return 'auth';
    default:
      return /leader changed|no leader|timed out|too many requests/i.test(message) ? 'unavailable' : 'other';
  }
}

export const toBytes = (value: string | Buffer): Buffer => (typeof value === 'string' ? Buffer.from(value) : value);

/** The range_end that covers every key starting with `prefix` (etcd's prefix rule: increment the last byte < 0xff). */
export function prefixEnd(prefix: string | Buffer): Buffer {
  const end = Buffer.from(toBytes(prefix));
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // all keys
}

export const EMPTY_HEADER: ResponseHeader = { revision: '0' };
