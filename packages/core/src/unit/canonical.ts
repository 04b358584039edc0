/**
 * fleet's canonical unit text and hash (`UnitFile.Bytes`, `Hash` in `unit/unit.go`): sections in order of first
 * appearance, each `[Section]` then its `Name=Value` lines in original order, one blank line between sections. The
 * hash (SHA1 hex) is how units are compared everywhere (replace detection, agent reload detection).
 */
import { createHash } from 'node:crypto';
import type { UnitOption } from '../model.js';

export function canonicalText(options: readonly UnitOption[]): string {
  const bySection = new Map<string, UnitOption[]>();
  for (const option of options) {
    const list = bySection.get(option.section);
    if (list) list.push(option);
    else bySection.set(option.section, [option]);
  }
  const blocks = [...bySection].map(
    ([section, list]) => `[${section}]\n${list.map((o) => `${o.name}=${o.value}\n`).join('')}`,
  );
  return blocks.join('\n');
}

/** Lower-case SHA1 hex (40 chars) of the canonical text. */
export function unitHash(options: readonly UnitOption[]): string {
  return createHash('sha1').update(canonicalText(options), 'utf8').digest('hex');
}

/** fleet's short hash: the first 7 characters. */
export function shortHash(hash: string): string {
  return hash.slice(0, 7);
}
