/**
 * A unit's name in the cluster's DNS zone (docs/discovery.md): `[X-Flotilla] ServiceName=NAME` (default: the unit
 * name's prefix, `app@3.service` → `app`, `db.container` → `db`) and optional `Project=P`. The DNS answers
 * `NAME.P.flotilla.` or `NAME.flotilla.`. Pure. Labels compare case-insensitively (RFC 4343), so they are kept in
 * lower case.
 */
import type { UnitOption } from '../model.js';
import { unitNameInfo } from './name.js';

export const DISCOVERY_SECTION = 'X-Flotilla';
/** The zone every discovery name lives in (no trailing dot). */
export const DISCOVERY_ZONE = 'flotilla';

export interface DiscoveryName {
  service: string;
  project?: string;
}

/** A DNS label (RFC 1035 2.3.1, letters, digits, hyphens; `_` too, as compose service names use it), 1–63 long. */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

export function isDiscoveryLabel(text: string): boolean {
  return LABEL.test(text.toLowerCase());
}

/** The last value of `[X-Flotilla] KEY=` (systemd: the last assignment wins), trimmed; undefined when unset. */
function lastValue(options: readonly UnitOption[], key: string): string | undefined {
  for (let i = options.length - 1; i >= 0; i--) {
    const o = options[i] as UnitOption;
    if (o.section === DISCOVERY_SECTION && o.name === key) return o.value.trim();
  }
  return undefined;
}

/** Why the unit's ServiceName=/Project= cannot be DNS labels, else undefined (checked at submit). */
export function discoveryNameProblem(options: readonly UnitOption[]): string | undefined {
  for (const key of ['ServiceName', 'Project']) {
    const value = lastValue(options, key);
    if (value !== undefined && value !== '' && !isDiscoveryLabel(value)) {
      return `[${DISCOVERY_SECTION}] ${key}=${value}: not a DNS label (letters, digits, '-' and '_', at most 63, no '-' at either end)`;
    }
  }
  return undefined;
}

/** The unit's discovery name; undefined when it has none (no ServiceName= and a prefix that is no DNS label). */
export function discoveryName(unitName: string, options: readonly UnitOption[]): DiscoveryName | undefined {
  const service = (lastValue(options, 'ServiceName') || unitNameInfo(unitName).prefix).toLowerCase();
  if (!isDiscoveryLabel(service)) return undefined;
  const project = lastValue(options, 'Project')?.toLowerCase();
  if (project === undefined || project === '') return { service };
  return isDiscoveryLabel(project) ? { service, project } : undefined;
}

/** The unit's `Project=` as a DNS label (lower case), undefined when unset or not a label. */
export function discoveryProject(options: readonly UnitOption[]): string | undefined {
  const project = lastValue(options, 'Project')?.toLowerCase();
  return project && isDiscoveryLabel(project) ? project : undefined;
}

/** `NAME.P.flotilla` or `NAME.flotilla` (no trailing dot). */
export function discoveryFqdn(name: DiscoveryName): string {
  return [name.service, ...(name.project ? [name.project] : []), DISCOVERY_ZONE].join('.');
}

/** The search domains a unit's container gets: `P.flotilla` then `flotilla`, so a bare compose name resolves. */
export function discoverySearchDomains(project: string | undefined): string[] {
  return project ? [`${project}.${DISCOVERY_ZONE}`, DISCOVERY_ZONE] : [DISCOVERY_ZONE];
}
