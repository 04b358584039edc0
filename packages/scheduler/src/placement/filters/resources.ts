/**
 * Resources: a unit fits a machine only if its requests (resources.ts) plus what the machine's units already
 * request stay within the machine's capacity, so the scheduler never overcommits. A machine that reports no
 * capacity is treated as unlimited (older agents do not report it); a unit requesting nothing skips
 * the rule.
 */
import { requestsOf } from '../resources.js';
import { doesNotFit, FITS, type FilterRule } from '../types.js';

export const RESOURCES_FILTER = 'resources';
export const REASON_CPU = 'not enough CPU left (CPUQuota)';
export const REASON_MEMORY = 'not enough memory left (MemoryMax)';

export const resourcesFilter: FilterRule = {
  name: RESOURCES_FILTER,
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
};
