/**
 * A unit's resource requests (parsed by core's unit/resources.ts from MemoryMax=/MemoryLimit=/CPUQuota=),
 * memoized per (immutable) unit record, and the arithmetic placement needs.
 */
import { parseBytes, parseCpuQuota, parseRequests, type MachineCapacity, type UnitRecord } from '@flotilla/core';

export type Resources = MachineCapacity;

export const NO_RESOURCES: Resources = Object.freeze({ cpuMillis: 0, memoryBytes: 0 });

export { parseBytes, parseCpuQuota, parseRequests };

const memo = new WeakMap<UnitRecord, Resources>();

export function requestsOf(unit: UnitRecord): Resources {
  let requests = memo.get(unit);
  if (!requests) {
    requests = parseRequests(unit.options);
    memo.set(unit, requests);
  }
  return requests;
}

export function addResources(a: Resources, b: Resources, sign: 1 | -1 = 1): Resources {
  return { cpuMillis: a.cpuMillis + sign * b.cpuMillis, memoryBytes: a.memoryBytes + sign * b.memoryBytes };
}

/** Share of the machine's capacity in use (the larger of CPU and memory), 0 for an unlimited machine. */
export function usedShare(used: Resources, capacity: Resources | undefined): number {
  if (!capacity) return 0;
  const cpu = capacity.cpuMillis > 0 ? used.cpuMillis / capacity.cpuMillis : 0;
  const memory = capacity.memoryBytes > 0 ? used.memoryBytes / capacity.memoryBytes : 0;
  return Math.max(cpu, memory);
}
