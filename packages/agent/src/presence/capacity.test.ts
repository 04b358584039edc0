import { expect, test } from 'vitest';
import { capacityFrom, type CapacityInputs } from './capacity.js';

const GiB = 1024 ** 3;
const host = (more: Partial<CapacityInputs> = {}): CapacityInputs => ({ cpus: 4, totalMemBytes: 8 * GiB, ...more });

test.each([
  { name: '1 no cgroup files: the whole host', inputs: host(), want: { cpuMillis: 4000, memoryBytes: 8 * GiB } },
  { name: '2 v2 unlimited', inputs: host({ cpuMax: 'max 100000\n', memoryMax: 'max\n' }), want: { cpuMillis: 4000, memoryBytes: 8 * GiB } },
  { name: '3 v2 1.5 CPUs, 512 MiB', inputs: host({ cpuMax: '150000 100000\n', memoryMax: '536870912\n' }), want: { cpuMillis: 1500, memoryBytes: 512 * 1024 ** 2 } },
  { name: '4 v2 quota above the host: the host', inputs: host({ cpuMax: '800000 100000' }), want: { cpuMillis: 4000, memoryBytes: 8 * GiB } },
  { name: '5 v1 no quota (-1), no memory limit (2^63 rounded)', inputs: host({ cfsQuotaUs: '-1', cfsPeriodUs: '100000', memoryLimitBytes: '9223372036854771712' }), want: { cpuMillis: 4000, memoryBytes: 8 * GiB } },
  { name: '6 v1 quota 2 CPUs, 1 GiB', inputs: host({ cfsQuotaUs: '200000\n', cfsPeriodUs: '100000\n', memoryLimitBytes: `${GiB}\n` }), want: { cpuMillis: 2000, memoryBytes: GiB } },
  { name: '7 v2 wins over v1 when both present', inputs: host({ cpuMax: '50000 100000', cfsQuotaUs: '300000', cfsPeriodUs: '100000' }), want: { cpuMillis: 500, memoryBytes: 8 * GiB } },
  { name: '8 garbage is ignored', inputs: host({ cpuMax: 'what', memoryMax: '-3' }), want: { cpuMillis: 4000, memoryBytes: 8 * GiB } },
  { name: '9 zero CPUs reported still offers one', inputs: host({ cpus: 0 }), want: { cpuMillis: 1000, memoryBytes: 8 * GiB } },
])('capacityFrom case $name', ({ inputs, want }) => {
  expect(capacityFrom(inputs)).toEqual(want);
});
