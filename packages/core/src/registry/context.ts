/**
 * What every registry module shares: the etcd3 client, the keyspace, and the deadline/translation wrapper.
 * Reads return values with their revisions, because transactions compare them.
 */
import type { Etcd3, IKeyValue, Lease } from 'etcd3';
import { ConflictError } from '../errors.js';
import { decodeValue } from './codec.js';
import { withDeadline } from './etcd-errors.js';
import type { Keyspace } from './keyspace.js';
import type { RecordGuard } from './record-guards.js';

export interface Stored<T> {
  key: string;
  value: T;
  modRevision: string;
  createRevision: string;
}

/** How often setDesiredState / destroyUnit / replace re-read and retry after losing a race. */
export const MAX_TRANSACTION_ATTEMPTS = 5;

export class RegistryContext {
  /** Presence leases kept alive by this client; released (not revoked) on close. */
  readonly leases = new Set<Lease>();

  constructor(
    readonly client: Etcd3,
    readonly keys: Keyspace,
    readonly endpoints: string[],
    readonly timeoutMs: number,
  ) {}

  /** Runs one public operation under the request deadline, translating any etcd error. */
  run<T>(operation: string, work: () => Promise<T>, onTimeout?: () => void): Promise<T> {
    return withDeadline(work(), { endpoints: this.endpoints, operation, timeoutMs: this.timeoutMs }, onTimeout);
  }

  async readOne<T>(key: string, guard: RecordGuard<T>): Promise<Stored<T> | undefined> {
    const response = await this.client.get(key).exec();
    const kv = response.kvs[0];
    return kv ? decodeStored(kv, guard) : undefined;
  }

  /** All records under `prefix`, optionally at a past `revision`, with the revision the read saw. */
  async readPrefix<T>(prefix: string, guard: RecordGuard<T>, revision?: string): Promise<{ records: Stored<T>[]; revision: string }> {
    const range = this.client.getAll().prefix(prefix);
    if (revision !== undefined) range.revision(revision);
    const response = await range.exec();
    return { records: response.kvs.map((kv) => decodeStored(kv, guard)), revision: response.header.revision };
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

export function decodeStored<T>(kv: IKeyValue, guard: RecordGuard<T>): Stored<T> {
  const key = kv.key.toString();
  return {
    key,
    value: decodeValue(key, kv.value, guard),
    modRevision: kv.mod_revision,
    createRevision: kv.create_revision,
  };
}
