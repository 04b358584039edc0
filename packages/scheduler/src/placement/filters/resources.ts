/**
 * Resources: a unit fits a machine only if its requests (resources.ts) plus what the machine's units already
 * request stay within the machine's capacity, so the scheduler never overcommits. A machine that reports no
 * capacity is treated as unlimited (older agents do not report it); a unit requesting nothing skips
 * the rule.
 */
import type { UnitRecord } from '@flotilla/core';
import { requestsOf } from '../resources.js';
import { doesNotFit, FITS, type FilterRule } from '../types.js';
import { ofMachines } from '../wording.js';

export const RESOURCES_FILTER = 'resources';
export const REASON_CPU = 'not enough CPU left (CPUQuota)';
export const REASON_MEMORY = 'not enough memory left (MemoryMax)';

function formatRequests(unit: UnitRecord): string {
  const { cpuMillis, memoryBytes } = requestsOf(unit);
  const parts = [];
  if (memoryBytes > 0) parts.push(`MemoryMax=${Math.round(memoryBytes / 1024 ** 2)}M`);
  if (cpuMillis > 0) parts.push(`CPUQuota=${cpuMillis / 10}%`);
  return parts.join(' ');
}

export const resourcesFilter: FilterRule = {
  name: RESOURCES_FILTER,
  judgesGlobalUnits: true,
  prepare(unit) {
    const wanted = requestsOf(unit);
    if (wanted.cpuMillis === 0 && wanted.memoryBytes === 0) return undefined;
    return (machine, state) => {
      const capacity = machine.capacity;
      if (!capacity) return FITS;
      const used = state.used.get(machine.id);
      if ((used?.memoryBytes ?? 0) + wanted.memoryBytes > capacity.memoryBytes) return doesNotFit(REASON_MEMORY);
      if ((used?.cpuMillis ?? 0) + wanted.cpuMillis > capacity.cpuMillis) return doesNotFit(REASON_CPU);
      return FITS;
    };
  },
  label: (unit) => `Resources ${formatRequests(unit)}`,
  outcome: (excluded, total) => `${ofMachines(excluded, total)} without room`,
};
