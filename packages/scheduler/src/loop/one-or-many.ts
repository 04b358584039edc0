/**
 * A set of strings that is almost always one string: a unit's machines (one, unless it is a global unit). A
 * leader indexes 100,000s of units this way; a `Set` each costs ~200 bytes (object and hash table), the string
 * itself nothing (it is the machine id the cache already holds). docs/benchmarks.md, "Leader memory, second pass".
 */
export type OneOrMany = string | Set<string>;

export function holds(held: OneOrMany | undefined, value: string): boolean {
  return held === undefined ? false : typeof held === 'string' ? held === value : held.has(value);
}

export function members(held: OneOrMany | undefined): Iterable<string> {
  return held === undefined ? [] : typeof held === 'string' ? [held] : held;
}

/** `held` with `value` added (a Set is changed in place and returned). */
export function withMember(held: OneOrMany | undefined, value: string): OneOrMany {
  if (held === undefined || held === value) return value;
  if (typeof held === 'string') return new Set([held, value]);
  held.add(value);
  return held;
}

/** `held` without `value`; undefined once empty, back to a string once one is left. */
export function withoutMember(held: OneOrMany | undefined, value: string): OneOrMany | undefined {
  if (held === undefined || typeof held === 'string') return held === value ? undefined : held;
  held.delete(value);
  if (held.size > 1) return held;
  return held.size === 1 ? (held.values().next().value as string) : undefined;
}

export function addMember(index: Map<string, OneOrMany>, key: string, value: string): void {
  const held = index.get(key);
  const next = withMember(held, value);
  if (next !== held) index.set(key, next);
}

export function removeMember(index: Map<string, OneOrMany>, key: string, value: string): void {
  const held = index.get(key);
  const next = withoutMember(held, value);
  if (next === undefined) index.delete(key);
  else if (next !== held) index.set(key, next);
}
