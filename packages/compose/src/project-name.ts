/**
 * The project's name, in docker compose's order: `-p`, else the file's top-level `name:`, else the name of the
 * directory holding the file. It is a DNS label here (the services' names live under it: `db.P.flotilla`), so
 * it is normalised as compose does (lower case, only a-z 0-9 _ -).
 */
import path from 'node:path';
import type { Findings } from './findings.js';

export function normaliseProjectName(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[-_]+|-+$/g, '');
}

export function projectName(given: string | undefined, dir: string, declared: unknown, findings: Findings): string {
  const [raw, at] = given !== undefined
    ? [given, undefined]
    : typeof declared === 'string' ? [declared, ['name']] : [path.basename(dir), undefined];
  const name = normaliseProjectName(raw);
  if (name === '' || name.length > 63) {
    findings.add('invalid', at ?? [], undefined, `project name ${JSON.stringify(raw)} does not give a DNS label (a-z, 0-9, _, -; at most 63); pass -p NAME`);
  }
  return name;
}
