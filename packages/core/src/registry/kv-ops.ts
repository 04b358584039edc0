/**
 * Builders for the port's compares and request ops, named for what the registry means by them (a key absent,
 * unchanged since a revision, holding a value, attached to a lease). Keys are strings in the registry, bytes
 * on the wire.
 */
import { type Compare, type RequestOp, prefixEnd, toBytes } from './etcd-port.js';

const key = (k: string) => Buffer.from(k);

export const is = {
  /** The key does not exist (etcd: create revision 0). */
  absent: (k: string): Compare => ({ key: key(k), target: 'CREATE', result: 'EQUAL', create_revision: '0' }),
  /** The key exists (etcd: create revision above 0). */
  present: (k: string): Compare => ({ key: key(k), target: 'CREATE', result: 'GREATER', create_revision: '0' }),
  /** The key was created at `revision` (a fence: the campaign key is still ours). */
  createdAt: (k: string, revision: string): Compare => ({ key: key(k), target: 'CREATE', result: 'EQUAL', create_revision: revision }),
  /** The key was last modified at `revision`. */
  modifiedAt: (k: string, revision: string): Compare => ({ key: key(k), target: 'MOD', result: 'EQUAL', mod_revision: revision }),
  /** The key holds exactly `value`. */
  holding: (k: string, value: Buffer): Compare => ({ key: key(k), target: 'VALUE', result: 'EQUAL', value }),
  /** The key is attached to lease `leaseId`. */
  leasedBy: (k: string, leaseId: string): Compare => ({ key: key(k), target: 'LEASE', result: 'EQUAL', lease: leaseId }),
};

export const op = {
  put: (k: string, value: Buffer | string, lease?: string): RequestOp => ({ request_put: { key: key(k), value: toBytes(value), ...(lease ? { lease } : {}) } }),
  delete: (k: string): RequestOp => ({ request_delete_range: { key: key(k) } }),
  get: (k: string): RequestOp => ({ request_range: { key: key(k) } }),
};

/** The range of every key under `prefix`. */
export function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  return { key: key(prefix), range_end: prefixEnd(prefix) };
}
