/**
 * The port a unit declares it answers on (docs/agent.md), pure: `[X-Flotilla] Port=N` wins; else, for a container,
 * the host side of its first `[Container] PublishPort=` (`HOST:CONTAINER`, `IP:HOST:CONTAINER`, `/proto`
 * allowed). No valid port: no endpoint.
 */
import type { UnitOption } from '@flotilla/core';

function port(text: string): number | undefined {
  const n = Number(text);
  return /^\d+$/.test(text) && n > 0 && n < 65536 ? n : undefined;
}

/** Host port of a PublishPort value; undefined for a bare container port (the host side is random). */
function publishedHostPort(value: string): number | undefined {
  const parts = value.split('/')[0]!.split(':');
  return parts.length >= 2 ? port(parts[parts.length - 2]!) : undefined;
}

export function endpointPort(options: readonly UnitOption[]): number | undefined {
  const declared = options.find((o) => o.section === 'X-Flotilla' && o.name === 'Port');
  if (declared) return port(declared.value.trim());
  const published = options.find((o) => o.section === 'Container' && o.name === 'PublishPort');
  return published ? publishedHostPort(published.value.trim()) : undefined;
}
