/**
 * What every registry module shares: the etcd port (etcd-port.ts; HTTP or gRPC underneath), the keyspace, the
 * deadline/translation wrapper and the report hook for corrupt records. Reads return values with their
 * revisions, because transactions compare them.
 */
import { ConflictError, CorruptRecordError } from '../errors.js';
import { withRegistryDeadline } from './etcd-errors.js';
import type { Compare, EtcdPort, KeyValue, RangeRequest, RangeResponse, RequestOp, TxnResponse } from './etcd-port.js';
import { prefixRange } from './kv-ops.js';
import { MAX_TXN_OPS } from './schedule-batch.js';
import type { HeldLease } from './lease.js';
import type { LeaseConnection } from './lease-thread.js';
import type { Keyspace } from './keyspace.js';
import type { RecordGuard } from './record-guards.js';
import { type Stored, checkRecord } from './record-check.js';

export type { Stored } from './record-check.js';

/** How often setDesiredState / destroyUnit / replace re-read and retry after losing a race. */
export const MAX_TRANSACTION_ATTEMPTS = 5;

export type CorruptRecordReporter = (err: CorruptRecordError) => void;

/** Without a reporter, corrupt records still surface: as a process warning (stderr), once per key. */
export function defaultReporter(): CorruptRecordReporter {
  const seen = new Set<string>();
  return (err) => {
    if (seen.has(err.key)) return;
    seen.add(err.key);
    process.emitWarning(err.message, { code: err.code });
  };
}

export class RegistryContext {
  /** Leases (presence, election) kept alive by this registry; released (not revoked) on close. */
  readonly leases = new Set<HeldLease>();

  constructor(
    readonly port: EtcdPort,
    readonly keys: Keyspace,
    readonly endpoints: string[],
    readonly timeoutMs: number,
    readonly report: CorruptRecordReporter = defaultReporter(),
    /** Leases (presence, election) and their keepalives: a connection apart from bulk reads, writes and watches. */
    readonly leasePort: EtcdPort = port,
    /** Opens the port for the scheduler's bulk work (snapshot pages, schedule batches, the cluster watch); called
     * at most once, when this registry first wins the scheduler election. */
    private readonly openBulk: () => Promise<EtcdPort> = async () => port,
    /** How a lease's keepalive thread reaches etcd (lease-thread.ts); absent: leases are kept on this thread. */
    readonly leaseConnection?: LeaseConnection,
  ) {}

  private bulk: Promise<EtcdPort> | undefined;

  /** Operations per placement transaction (RegistryOptions.maxTxnOps); lowered to etcd's default if etcd refuses. */
  placementTxnOps = MAX_TXN_OPS;

  /** Opens the bulk port (once): this registry's scheduler leads from now on, or did. */
  openBulkPort(): Promise<EtcdPort> {
    this.bulk ??= this.openBulk();
    return this.bulk;
  }

  /** The port for bulk work: the bulk port once this registry has led, else the main port. So a daemon that never
   * leads never opens it, and its snapshots (API, health, metrics) stay on the main port. */
  async bulkPort(): Promise<EtcdPort> {
    return this.bulk ? this.bulk.catch(() => this.port) : this.port;
  }

  /** Closes the port(s). */
  close(): void {
    this.port.close();
    if (this.leasePort !== this.port) this.leasePort.close();
    void this.bulk?.then((bulk) => bulk !== this.port && bulk.close(), () => undefined);
  }

  /** One key's raw value, or undefined. */
  async get(key: string, revision?: string): Promise<KeyValue | undefined> {
    return (await this.port.range({ key: Buffer.from(key), ...(revision !== undefined ? { revision } : {}) })).kvs[0];
  }

  /** A raw range read of every key under `prefix`, with options (limit, sort, keys only, count only, revision). */
  range(prefix: string, opts: Omit<RangeRequest, 'key' | 'range_end'> = {}): Promise<RangeResponse> {
    return this.port.range({ ...prefixRange(prefix), ...opts });
  }

  /** Keys under `prefix` (keys only). */
  async keysUnder(prefix: string): Promise<string[]> {
    return (await this.range(prefix, { keys_only: true })).kvs.map((kv) => kv.key.toString());
  }

  /** One transaction: if every compare holds, `success`, else `failure`. No compares: always `success`. */
  txn(compare: Compare[], success: RequestOp[], failure: RequestOp[] = []): Promise<TxnResponse> {
    return this.port.txn({ compare, success, failure });
  }

  /** Runs one public operation under the request deadline, translating any etcd error. */
  run<T>(operation: string, work: () => Promise<T>, onTimeout?: () => void): Promise<T> {
    return withRegistryDeadline(work(), { endpoints: this.endpoints, operation, timeoutMs: this.timeoutMs }, onTimeout);
  }

  /** One key; a corrupt value throws CorruptRecordError (the caller asked for exactly this record). */
  async readOne<T>(key: string, guard: RecordGuard<T>): Promise<Stored<T> | undefined> {
    const kv = await this.get(key);
    return kv ? checkRecord(this.keys, kv, guard) : undefined;
  }

  /** All valid records under `prefix` (corrupt ones reported and skipped), optionally at a past `revision`,
   * with the revision the read saw. */
  async readPrefix<T>(prefix: string, guard: RecordGuard<T>, revision?: string): Promise<{ records: Stored<T>[]; revision: string }> {
    const response = await this.range(prefix, revision !== undefined ? { revision } : {});
    const records: Stored<T>[] = [];
    for (const kv of response.kvs) {
      const record = this.tryCheck(() => checkRecord(this.keys, kv, guard));
      if (record) records.push(record);
    }
    return { records, revision: response.header.revision };
  }

  /** Runs a check; a CorruptRecordError is reported and becomes undefined, anything else propagates. */
  tryCheck<T>(check: () => T): T | undefined {
    try {
      return check();
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      this.report(err);
      return undefined;
    }
  }

  /** Re-runs `attempt` while it reports a lost race (returns undefined); then gives up with ConflictError. */
  async retryOnRace<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < MAX_TRANSACTION_ATTEMPTS; i++) {
      const result = await attempt();
      if (result !== undefined) return result;
    }
    throw new ConflictError(`${what}: lost the race ${MAX_TRANSACTION_ATTEMPTS} times`);
  }
}
