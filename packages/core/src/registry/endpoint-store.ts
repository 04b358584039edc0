/**
 * Published endpoints (docs/agent.md): `agent-endpoints/<unit>/<machineId>` = {unit, machineId, ip, port}, written by
 * the agent under its lease while the unit is active (machine-records.ts).
 */
import type { RegistryContext } from './context.js';
import { publishMachineRecord, readValues, removeMachineRecord, type MachineRecordKind } from './machine-records.js';
import type { EndpointRecord, PresenceLease, Subscription } from './types.js';
import { watchPrefix } from './watch.js';

export function isEndpointRecord(value: unknown): value is EndpointRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.unit === 'string' && typeof v.machineId === 'string' && typeof v.ip === 'string' &&
    typeof v.port === 'number' && Number.isInteger(v.port) && v.port > 0 && v.port < 65536 &&
    (v.service === undefined || typeof v.service === 'string') && (v.project === undefined || typeof v.project === 'string')
  );
}

const ENDPOINT = (ctx: RegistryContext): MachineRecordKind => ({ what: 'endpoint', key: (unit, machineId) => ctx.keys.endpoint(unit, machineId) });

export function publishEndpoint(ctx: RegistryContext, endpoint: EndpointRecord, lease: PresenceLease): Promise<void> {
  return publishMachineRecord(ctx, ENDPOINT(ctx), endpoint, lease, (e) => {
    if (!isEndpointRecord(e)) throw new RangeError(`publishEndpoint: invalid endpoint ${JSON.stringify(e)}`);
  });
}

export function removeEndpoint(ctx: RegistryContext, unitName: string, machineId: string): Promise<void> {
  return removeMachineRecord(ctx, ENDPOINT(ctx), unitName, machineId);
}

export function listEndpoints(ctx: RegistryContext): Promise<EndpointRecord[]> {
  return ctx.run('list endpoints', () => readValues(ctx, ctx.keys.endpointsRoot, isEndpointRecord));
}

export function watchEndpoints(ctx: RegistryContext, onChange: () => void): Promise<Subscription> {
  return watchPrefix(ctx, ctx.keys.endpointsRoot, isEndpointRecord, () => onChange());
}
