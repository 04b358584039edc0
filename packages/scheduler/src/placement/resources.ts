/**
 * A unit's resource requests (parsed by core's unit/resources.ts from MemoryMax=/MemoryLimit=/CPUQuota=,
 * memoized per unit record with its requirements: unit-memo.ts), and the arithmetic placement needs.
 */
import { parseBytes, parseCpuQuota, parseRequests } from '@flotilla/core';
import type { Resources } from './unit-memo.js';

export { NO_RESOURCES, requestsOf, type Resources } from './unit-memo.js';
export { parseBytes, parseCpuQuota, parseRequests };

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
