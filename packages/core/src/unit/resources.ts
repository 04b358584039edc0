/**
 * A unit's resource requests, read from systemd's own directives in `[Service]` (pure):
 * `MemoryMax=` (or the older `MemoryLimit=`; bytes, or with a K/M/G/T suffix, base 1024) and `CPUQuota=NN%`
 * (100% = one CPU = 1000 milli-CPUs). `infinity`, percentages of RAM and malformed values request nothing.
 * The last assignment of a directive wins, as in systemd. Used by the scheduler (never overcommit) and the
 * health view (capacity in use).
 */
import type { MachineCapacity, UnitOption } from '../model.js';

const SUFFIX: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `512M` → 536870912; undefined for anything systemd would not read as a byte count. */
export function parseBytes(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)\s*$/i.exec(value);
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * (SUFFIX[(match[2] ?? '').toUpperCase()] ?? 1));
}

/** `150%` → 1500 milli-CPUs. */
export function parseCpuQuota(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)%\s*$/.exec(value);
  return match ? Math.round(Number(match[1]) * 10) : undefined;
}

function lastService(options: readonly UnitOption[], names: readonly string[]): string | undefined {
  let found: string | undefined;
  for (const o of options) if (o.section === 'Service' && names.includes(o.name)) found = o.value;
  return found;
}

export function parseRequests(options: readonly UnitOption[]): MachineCapacity {
  const memory = lastService(options, ['MemoryMax', 'MemoryLimit']);
  const cpu = lastService(options, ['CPUQuota']);
  return {
    cpuMillis: (cpu === undefined ? undefined : parseCpuQuota(cpu)) ?? 0,
    memoryBytes: (memory === undefined ? undefined : parseBytes(memory)) ?? 0,
  };
}
