/**
 * Registry values: a 2-byte header, then msgpack (msgpackr, `useRecords: false`, so any msgpack reader can
 * decode the body). The header is 0xC1 — the one byte msgpack never uses, so no foreign msgpack, JSON or
 * fleet value can be mistaken for ours — followed by the schema version. Decoding checks header, version and
 * record shape; any failure is a CorruptRecordError naming the key and the reason.
 */
// `msgpackr/pack` is msgpackr's entry without its native string extractor (msgpackr-extract; node-index.js loads
// it, index.js does not). The extractor decodes a record's short strings as one string and returns slices of it,
// so each string a long-lived record keeps (a leader keeps 100,000 unit records) pins the whole extracted string;
// msgpackr's JavaScript reader makes each string on its own and shares map keys through its key cache, and
// decodes our small records as fast (docs/benchmarks.md, "Leader memory, second pass"). The extractor is switched
// on for the whole process once anything imports `msgpackr` itself: nothing in Flotilla does.
import { Packr } from 'msgpackr/pack';
import { CorruptRecordError } from '../errors.js';
import type { RecordGuard } from './record-guards.js';

/** msgpack's "never used" byte. */
export const VALUE_MAGIC = 0xc1;
/** Bumped when a record's shape changes incompatibly; readers reject versions they do not know. */
export const SCHEMA_VERSION = 1;

const packr = new Packr({ useRecords: false });
const HEADER = Buffer.from([VALUE_MAGIC, SCHEMA_VERSION]);

/**
 * msgpackr decodes a `__proto__` key as `__proto_` (its guard against prototype pollution), but metadata keys
 * are the user's (`FLOTILLA_METADATA=__proto__=x`, PATCH /machines), so such a key must come back as it went in.
 * A value whose bytes hold that string is decoded with maps as Maps, then rebuilt with every key an own property;
 * any other value takes the fast path.
 */
const PROTO_KEY = Buffer.from('__proto__');
const mapUnpackr = new Packr({ useRecords: false, mapsAsObjects: false });

function unpack(body: Buffer): unknown {
  return body.includes(PROTO_KEY) ? ownKeysFromMaps(mapUnpackr.unpack(body)) : packr.unpack(body);
}

function ownKeysFromMaps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ownKeysFromMaps);
  if (!(value instanceof Map)) return value;
  const object: Record<string, unknown> = {};
  for (const [key, item] of value) {
    Object.defineProperty(object, String(key), { value: ownKeysFromMaps(item), enumerable: true, writable: true, configurable: true });
  }
  return object;
}

export function encodeValue(value: unknown): Buffer {
  return Buffer.concat([HEADER, packr.pack(value)]);
}

export function decodeValue<T>(key: string, bytes: Buffer | Uint8Array, isValid: RecordGuard<T>): T {
  if (bytes.length < HEADER.length || bytes[0] !== VALUE_MAGIC) {
    throw new CorruptRecordError(key, { reason: 'not a Flotilla record (no schema header)' });
  }
  if (bytes[1] !== SCHEMA_VERSION) {
    throw new CorruptRecordError(key, { reason: `schema version ${bytes[1]} is not supported (this build reads ${SCHEMA_VERSION})` });
  }
  let decoded: unknown;
  try {
    const body = bytes.subarray(HEADER.length);
    decoded = unpack(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  } catch (err) {
    throw new CorruptRecordError(key, { cause: err, reason: 'value does not decode as msgpack' });
  }
  if (!isValid(decoded)) throw new CorruptRecordError(key, { reason: 'unexpected record shape' });
  return decoded;
}
