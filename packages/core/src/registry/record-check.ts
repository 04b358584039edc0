/**
 * Turns one etcd key-value into a checked record: the key must name valid units/machines (keyspace.parse),
 * the value must decode (codec) and agree with its key (a unit record stored under another unit's key is as
 * foreign as garbage). Every failure is a CorruptRecordError; list and watch code report it and skip the key.
 */
import type { KeyValue } from './etcd-port.js';
import { CorruptRecordError } from '../errors.js';
import { decodeValue } from './codec.js';
import { isKeyProblem, type Keyspace, type ParsedKey } from './keyspace.js';
import type { RecordGuard } from './record-guards.js';

export interface Stored<T> {
  key: string;
  value: T;
  modRevision: string;
  createRevision: string;
  parsed: ParsedKey;
}

export function checkKey(keys: Keyspace, key: string): ParsedKey {
  const parsed = keys.parse(key);
  if (isKeyProblem(parsed)) throw new CorruptRecordError(key, { reason: parsed.reason });
  return parsed;
}

export function checkRecord<T>(keys: Keyspace, kv: KeyValue, guard: RecordGuard<T>): Stored<T> {
  const key = kv.key.toString();
  return checkValue(key, checkKey(keys, key), kv, guard);
}

/** checkRecord for a key already checked (`parsed` is checkKey's answer for `key`, kv's key as a string): the
 * cluster watch classifies every key first, and parsing it twice was ~2% of a leader's CPU while it placed
 * 100,000 units (docs/benchmarks.md, "Where a placing leader's CPU goes"). */
export function checkValue<T>(key: string, parsed: ParsedKey, kv: KeyValue, guard: RecordGuard<T>): Stored<T> {
  const value = decodeValue(key, kv.value, guard);
  const mismatch = keyMismatch(parsed, value);
  if (mismatch !== undefined) throw new CorruptRecordError(key, { reason: mismatch });
  return { key, value, modRevision: kv.mod_revision, createRevision: kv.create_revision, parsed };
}

/** Names inside the record that disagree with the names in its key. */
export function keyMismatch(parsed: ParsedKey, value: unknown): string | undefined {
  const fields = value as Record<string, unknown>;
  const want: [string, string][] = [];
  switch (parsed.kind) {
    case 'unit':
      want.push(['name', parsed.unit]);
      break;
    case 'machine':
      want.push(['id', parsed.machineId]);
      break;
    case 'assignment':
    case 'state':
      want.push(['unit', parsed.unit], ['machineId', parsed.machineId]);
      break;
    default:
      return undefined;
  }
  const wrong = want.find(([field, expected]) => fields[field] !== expected);
  return wrong ? `record's ${wrong[0]} ${JSON.stringify(fields[wrong[0]])} does not match its key` : undefined;
}
