/**
 * Collects what reading a compose file finds, each at its line, and checks maps against the keys Flotilla
 * converts. Keys starting with `x-` are extensions, which the Compose Specification lets any tool ignore.
 */
import type { ComposeProblem, ComposeProblemKind } from './errors.js';
import type { ComposeSource, Path } from './source.js';

/** Allowed keys of a map: `true` for a leaf, a nested table for a map checked in turn. */
export interface KeyTable {
  [key: string]: true | KeyTable;
}

export class Findings {
  readonly problems: ComposeProblem[] = [];

  constructor(readonly source: ComposeSource) {}

  add(kind: ComposeProblemKind, path: Path, service: string | undefined, message: string): void {
    const problem: ComposeProblem = { kind, file: this.source.file, line: this.source.lineOf(path), message };
    if (service !== undefined) problem.service = service;
    this.problems.push(problem);
  }

  /** `key K is not supported`, K relative to the service (`deploy.restart_policy`) or the file. */
  unsupportedKey(path: Path, service: string | undefined, key: string): void {
    this.add('unsupported', path, service, `key ${key} is not supported`);
  }

  /**
   * Reports every key of `value` that `table` lacks (recursing into nested tables whose value is a map) and
   * returns the keys that are allowed. `prefix` names the key's place for the message (`deploy.`).
   */
  checkKeys(value: Record<string, unknown>, table: KeyTable, path: Path, service: string | undefined, prefix = ''): void {
    for (const key of Object.keys(value)) {
      if (key.startsWith('x-') && !Object.hasOwn(table, key)) continue;
      const rule = Object.hasOwn(table, key) ? table[key] : undefined;
      if (rule === undefined) {
        this.unsupportedKey([...path, key], service, `${prefix}${key}`);
      } else if (rule !== true && isRecord(value[key])) {
        this.checkKeys(value[key] as Record<string, unknown>, rule, [...path, key], service, `${prefix}${key}.`);
      }
    }
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
