/**
 * The DNS zone's contents, built from the published endpoints (docs/discovery.md). Pure: endpoints in, table out.
 * Each endpoint names its unit's service (and project); a name maps to the distinct addresses of the machines where
 * an instance of it is active with a published endpoint. An endpoint from an agent that did not send a name gets
 * the unit prefix's, as its unit would.
 */
import net from 'node:net';
import { DISCOVERY_ZONE, discoveryFqdn, discoveryName, isDiscoveryLabel, type DiscoveryName, type EndpointRecord } from '@flotilla/core';

export interface NameTable {
  /** Lower-case name without the trailing dot (`db.shop.flotilla`) → its addresses, sorted, IPv4 and IPv6. */
  readonly addresses: ReadonlyMap<string, readonly string[]>;
  /** Names that exist only above others (`shop.flotilla` for `db.shop.flotilla`, and the zone itself): they exist,
   * with no address (RFC 8020: an empty non-terminal is not NXDOMAIN). */
  readonly parents: ReadonlySet<string>;
}

export const EMPTY_TABLE: NameTable = { addresses: new Map(), parents: new Set([DISCOVERY_ZONE]) };

function nameOf(endpoint: EndpointRecord): DiscoveryName | undefined {
  if (endpoint.service === undefined) return discoveryName(endpoint.unit, []);
  if (!isDiscoveryLabel(endpoint.service)) return undefined;
  if (endpoint.project !== undefined && !isDiscoveryLabel(endpoint.project)) return undefined;
  return { service: endpoint.service.toLowerCase(), ...(endpoint.project ? { project: endpoint.project.toLowerCase() } : {}) };
}

export function buildNameTable(endpoints: readonly EndpointRecord[]): NameTable {
  const sets = new Map<string, Set<string>>();
  const parents = new Set<string>([DISCOVERY_ZONE]);
  for (const endpoint of endpoints) {
    const name = nameOf(endpoint);
    if (name === undefined || net.isIP(endpoint.ip) === 0) continue;
    const fqdn = discoveryFqdn(name);
    if (name.project) parents.add(`${name.project}.${DISCOVERY_ZONE}`);
    const set = sets.get(fqdn) ?? new Set<string>();
    set.add(endpoint.ip);
    sets.set(fqdn, set);
  }
  const addresses = new Map([...sets].map(([fqdn, ips]) => [fqdn, [...ips].sort()] as const));
  for (const fqdn of addresses.keys()) parents.delete(fqdn);
  return { addresses, parents };
}
