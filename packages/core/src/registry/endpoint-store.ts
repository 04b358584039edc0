/**
 * Published endpoints (docs/agent.md): `agent-endpoints/<unit>/<machineId>` = {unit, machineId, ip, port}, written by
 * the agent under its lease while the unit is active, so a dead machine's endpoints vanish with its lease.
 */
import { assertValidMachineId } from '../machine-id.js';
import { assertValidUnitName } from '../unit/name.js';
import { encodeValue } from './codec.js';
import type { RegistryContext } from './context.js';
import type { EndpointRecord, PresenceLease, Subscription } from './types.js';
import { watchPrefix } from './watch.js';

export function isEndpointRecord(value: unknown): value is EndpointRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.unit === 'string' && typeof v.machineId === 'string' && typeof v.ip === 'string' &&
    typeof v.port === 'number' && Number.isInteger(v.port) && v.port > 0 && v.port < 65536
  );
}

export async function publishEndpoint(ctx: RegistryContext, endpoint: EndpointRecord, lease: PresenceLease): Promise<void> {
  assertValidUnitName(endpoint.unit);
  assertValidMachineId(endpoint.machineId);
  if (!isEndpointRecord(endpoint)) throw new RangeError(`publishEndpoint: invalid endpoint ${JSON.stringify(endpoint)}`);
  return ctx.run(`publish endpoint of ${endpoint.unit}`, async () => {
    await ctx.port.put({ key: Buffer.from(ctx.keys.endpoint(endpoint.unit, endpoint.machineId)), value: encodeValue(endpoint), lease: lease.leaseId });
  });
}

export async function removeEndpoint(ctx: RegistryContext, unitName: string, machineId: string): Promise<void> {
  assertValidUnitName(unitName);
  assertValidMachineId(machineId);
  return ctx.run(`remove endpoint of ${unitName}`, async () => {
    await ctx.port.deleteRange({ key: Buffer.from(ctx.keys.endpoint(unitName, machineId)) });
  });
}

export function listEndpoints(ctx: RegistryContext): Promise<EndpointRecord[]> {
  return ctx.run('list endpoints', async () => (await ctx.readPrefix(ctx.keys.endpointsRoot, isEndpointRecord)).records.map((r) => r.value));
}

export function watchEndpoints(ctx: RegistryContext, onChange: () => void): Promise<Subscription> {
  return watchPrefix(ctx, ctx.keys.endpointsRoot, isEndpointRecord, () => onChange());
}
