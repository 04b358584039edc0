/**
 * Canonical unit text and its hash (fleet §3.9): sections in order of first appearance, `[Section]` then one
 * `Name=Value` line per option in original order, one blank line between sections, no trailing blank line.
 * TODO: switch to core's canonical/hash functions once they land; the agent writes exactly this text to disk,
 * so the hash of a file on disk and the hash of the desired text agree as long as both come from here.
 */
import { createHash } from 'node:crypto';
import type { UnitOption } from '@flotilla/core';

export function canonicalUnitText(options: readonly UnitOption[]): string {
  const sections = new Map<string, string[]>();
  for (const opt of options) {
    let lines = sections.get(opt.section);
    if (lines === undefined) sections.set(opt.section, (lines = []));
    lines.push(`${opt.name}=${opt.value}\n`);
  }
  return [...sections].map(([section, lines]) => `[${section}]\n${lines.join('')}`).join('\n');
}

/** SHA1 of the text, lower-case hex (40 chars). */
export function unitTextHash(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}
