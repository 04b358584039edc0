/**
 * `PATCH /machines` body (fleet's `api/machines.go`), pure: a JSON array of
 * `{op, path: "/<id>/metadata/<key>", value: {value}}`.
 * Every op is checked before any is applied; `remove` becomes an op without a value (a tombstone). Machine ids
 * follow core's rule (machine-id.ts); Flotilla's reserved keys (`_flotilla.*`) are refused, whatever the op.
 */
import { isReservedMetadataKey, machineIdProblem, type MachineMetadataOp } from '@flotilla/core';
import { badRequest } from './http-errors.js';

const PATH = /^\/([^/]+)\/metadata\/([A-Za-z0-9_.-]+$)/;

export function parseMachinePatch(body: string): MachineMetadataOp[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw badRequest(err instanceof Error ? err.message : String(err));
  }
  if (!Array.isArray(parsed)) throw badRequest('json: cannot unmarshal non-array into a list of machine operations');
  return parsed.map((raw: unknown) => {
    const op = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    if (op.op !== 'add' && op.op !== 'remove' && op.op !== 'replace') throw badRequest('invalid op: expect add, remove, or replace');
    const match = typeof op.path === 'string' ? PATH.exec(op.path) : null;
    if (!match) throw badRequest('machine metadata path invalid');
    const machineId = match[1] as string;
    const key = match[2] as string;
    // The id becomes part of an etcd key: core's machine-id rule, checked before any op is applied (fleet's 400 body).
    const idProblem = machineIdProblem(machineId);
    if (idProblem !== undefined) throw badRequest(`machine metadata path invalid: ${idProblem}`);
    // The cordon lives in this keyspace (core/registry/machine-metadata-store.ts); only its own routes write it.
    if (isReservedMetadataKey(key)) throw badRequest(`machine metadata key "${key}" is reserved for Flotilla (cordon with PUT /v2/machines/<id>/cordon)`);
    if (op.op === 'remove') return { machineId, key };
    const value = (op.value as { value?: unknown } | undefined)?.value;
    if (typeof value !== 'string' || value === '') throw badRequest('invalid value: add and replace require a value');
    return { machineId, key, value };
  });
}
