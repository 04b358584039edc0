/**
 * What this machine offers to units (MachineRecord.capacity): CPUs and memory, narrowed by a cgroup limit on
 * the machine (a container or VM slice) when there is one. `capacityFrom` is pure; `readCapacity` gathers the
 * inputs from the OS and /sys/fs/cgroup (v2 `cpu.max`/`memory.max`, else v1 CFS quota / memory limit).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import type { MachineCapacity } from '@flotilla/core';

export interface CapacityInputs {
  /** os.availableParallelism() */
  cpus: number;
  /** os.totalmem() */
  totalMemBytes: number;
  /** cgroup v2 `cpu.max` text, e.g. "max 100000" or "150000 100000". */
  cpuMax?: string;
  /** cgroup v2 `memory.max` text, e.g. "max" or "536870912". */
  memoryMax?: string;
  /** cgroup v1 `cpu.cfs_quota_us` (-1 = none) and `cpu.cfs_period_us`. */
  cfsQuotaUs?: string;
  cfsPeriodUs?: string;
  /** cgroup v1 `memory.limit_in_bytes` (a huge number = none). */
  memoryLimitBytes?: string;
}

export function capacityFrom(inputs: CapacityInputs): MachineCapacity {
  const hostCpuMillis = Math.max(1, Math.floor(inputs.cpus)) * 1000;
  const quota = cpuQuotaMillis(inputs);
  const memLimit = memoryLimit(inputs);
  return {
    cpuMillis: quota === undefined ? hostCpuMillis : Math.min(hostCpuMillis, quota),
    memoryBytes: memLimit === undefined ? inputs.totalMemBytes : Math.min(inputs.totalMemBytes, memLimit),
  };
}

function cpuQuotaMillis({ cpuMax, cfsQuotaUs, cfsPeriodUs }: CapacityInputs): number | undefined {
  if (cpuMax !== undefined) {
    const [quota, period] = cpuMax.trim().split(/\s+/);
    return ratioMillis(quota, period);
  }
  return ratioMillis(cfsQuotaUs?.trim(), cfsPeriodUs?.trim());
}

function ratioMillis(quota: string | undefined, period: string | undefined): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  if (!Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0) return undefined; // "max", -1, missing
  return Math.max(1, Math.floor((q / p) * 1000));
}

function memoryLimit({ memoryMax, memoryLimitBytes }: CapacityInputs): number | undefined {
  const text = (memoryMax ?? memoryLimitBytes)?.trim();
  const n = Number(text);
  // cgroup v1 reports "no limit" as a page-rounded 2^63-1; anything above 2^53 is no limit in practice.
  if (text === undefined || text === 'max' || !Number.isSafeInteger(n) || n <= 0) return undefined;
  return n;
}

export async function readCapacity(cgroupRoot = '/sys/fs/cgroup'): Promise<MachineCapacity> {
  const read = (p: string) => fs.readFile(`${cgroupRoot}/${p}`, 'utf8').catch(() => undefined);
  const [cpuMax, memoryMax, cfsQuotaUs, cfsPeriodUs, memoryLimitBytes] = await Promise.all([
    read('cpu.max'),
    read('memory.max'),
    read('cpu/cpu.cfs_quota_us'),
    read('cpu/cpu.cfs_period_us'),
    read('memory/memory.limit_in_bytes'),
  ]);
  return capacityFrom({
    cpus: os.availableParallelism(),
    totalMemBytes: os.totalmem(),
    ...defined({ cpuMax, memoryMax, cfsQuotaUs, cfsPeriodUs, memoryLimitBytes }),
  });
}

function defined<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>;
}
