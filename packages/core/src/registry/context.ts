/**
 * What every registry module shares: the etcd3 client, the keyspace, the deadline/translation wrapper and the
 * report hook for corrupt records. Reads return values with their revisions, because transactions compare them.
 */
import type { Etcd3, Lease } from 'etcd3';
import { ConflictError, CorruptRecordError } from '../errors.js';
import { withDeadline } from './etcd-errors.js';
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
  /** Presence leases kept alive by this client; released (not revoked) on close. */
  readonly leases = new Set<Lease>();

  constructor(
    readonly client: Etcd3,
    readonly keys: Keyspace,
    readonly endpoints: string[],
    readonly timeoutMs: number,
    readonly report: CorruptRecordReporter = defaultReporter(),
    /** Leases (presence, election) and their keepalives: a connection apart from bulk reads, writes and watches. */
    readonly leaseClient: Etcd3 = client,
  ) {}

  /** Closes the client(s). */
  close(): void {
    this.client.close();
    if (this.leaseClient !== this.client) this.leaseClient.close();
  }

  /** Runs one public operation under the request deadline, translating any etcd error. */
  run<T>(operation: string, work: () => Promise<T>, onTimeout?: () => void): Promise<T> {
    return withDeadline(work(), { endpoints: this.endpoints, operation, timeoutMs: this.timeoutMs }, onTimeout);
  }

  /** One key; a corrupt value throws CorruptRecordError (the caller asked for exactly this record). */
  async readOne<T>(key: string, guard: RecordGuard<T>): Promise<Stored<T> | undefined> {
    const response = await this.client.get(key).exec();
    const kv = response.kvs[0];
    return kv ? checkRecord(this.keys, kv, guard) : undefined;
  }

  /** All valid records under `prefix` (corrupt ones reported and skipped), optionally at a past `revision`,
   * with the revision the read saw. */
  async readPrefix<T>(prefix: string, guard: RecordGuard<T>, revision?: string): Promise<{ records: Stored<T>[]; revision: string }> {
    const range = this.client.getAll().prefix(prefix);
    if (revision !== undefined) range.revision(revision);
    const response = await range.exec();
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
