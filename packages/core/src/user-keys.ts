/**
 * Objects indexed by keys users choose: machine metadata (`FLOTILLA_METADATA`, PATCH /machines), MachineMetadata=
 * requirements, environment files. A plain `{}` inherits Object.prototype, so `o['constructor']` is a function
 * and `o['__proto__'] = v` sets the prototype instead of a key. keyedRecord builds null-prototype objects, where
 * every string is an ordinary key; ownValue reads only own keys, so it is also safe on the plain objects that
 * JSON and msgpack decode.
 */

/** A null-prototype record holding `entries` (later duplicates win). */
export function keyedRecord<V>(entries: Iterable<readonly [string, V]> = []): Record<string, V> {
  const record = Object.create(null) as Record<string, V>;
  for (const [key, value] of entries) record[key] = value;
  return record;
}

/** `record[key]` if `key` is the record's own, else undefined (never an inherited `constructor` or `toString`). */
export function ownValue<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
