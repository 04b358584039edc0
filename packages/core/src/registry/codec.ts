/**
 * Registry values are msgpackr-encoded plain maps (`useRecords: false`, so any msgpack reader can decode
 * them). Decoding checks the shape; a value that does not decode is a CorruptRecordError naming its key.
 */
import { Packr } from 'msgpackr';
import { CorruptRecordError } from '../errors.js';
import type { RecordGuard } from './record-guards.js';

const packr = new Packr({ useRecords: false });

export function encodeValue(value: unknown): Buffer {
  return packr.pack(value);
}

export function decodeValue<T>(key: string, bytes: Buffer | Uint8Array, isValid: RecordGuard<T>): T {
  let decoded: unknown;
  try {
    decoded = packr.unpack(bytes);
  } catch (err) {
    throw new CorruptRecordError(key, { cause: err });
  }
  if (!isValid(decoded)) throw new CorruptRecordError(key, { cause: new TypeError('unexpected record shape') });
  return decoded;
}
