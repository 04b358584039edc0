/**
 * The registry's name in /etc/hosts, pure: machines reach the cluster's image registry as `registry.flotilla`
 * (the name its certificate carries, docs/registry-images.md) at the address of the machine that runs it. The
 * agent keeps one marked block in the file and never touches the rest.
 */
import type { EndpointRecord } from '@flotilla/core';

export const HOSTS_BLOCK_BEGIN = '# BEGIN flotilla image registry (kept by flotilla-agent, docs/registry-images.md)';
export const HOSTS_BLOCK_END = '# END flotilla image registry';

/**
 * The endpoint machines use: the unit's, and of several (a registry unit does not run twice, but a machine that
 * left may still hold its key until its lease ends) the one with the lowest machine id, so every agent picks the same.
 */
export function registryEndpoint(endpoints: readonly EndpointRecord[], unit: string): EndpointRecord | undefined {
  return endpoints.filter((e) => e.unit === unit).sort((a, b) => (a.machineId < b.machineId ? -1 : a.machineId > b.machineId ? 1 : 0))[0];
}

/** `hosts` without any block of ours (a half-written one, begin without end, is dropped to the end of the file). */
export function withoutBlock(hosts: string): string {
  const lines = hosts.split('\n');
  const out: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (line === HOSTS_BLOCK_BEGIN) inside = true;
    else if (inside && line === HOSTS_BLOCK_END) inside = false;
    else if (!inside) out.push(line);
  }
  return out.join('\n');
}

/** `hosts` with exactly one block mapping `name` to `ip`, at the end; the rest of the file is kept as it was. */
export function withRegistryBlock(hosts: string, ip: string, name: string): string {
  const rest = withoutBlock(hosts);
  const head = rest === '' || rest.endsWith('\n') ? rest : `${rest}\n`;
  return `${head}${HOSTS_BLOCK_BEGIN}\n${ip}\t${name}\n${HOSTS_BLOCK_END}\n`;
}
