import { describe, expect, test } from 'vitest';
import { parseBytes, parseCpuQuota, parseRequests, usedShare } from './resources.js';

const service = (name: string, value: string) => ({ section: 'Service', name, value });

describe('parseBytes', () => {
  test.each([
    { name: 'plain bytes', value: '1024', want: 1024 },
    { name: 'K suffix', value: '4K', want: 4096 },
    { name: 'M suffix, lower case', value: '512m', want: 512 * 1024 ** 2 },
    { name: 'G with a fraction', value: '1.5G', want: 1.5 * 1024 ** 3 },
    { name: 'T suffix', value: '1T', want: 1024 ** 4 },
    { name: 'infinity requests nothing', value: 'infinity', want: undefined },
    { name: 'percent of RAM is not supported', value: '50%', want: undefined },
    { name: 'garbage', value: '12Q', want: undefined },
  ])('$name', ({ value, want }) => {
    expect(parseBytes(value)).toBe(want);
  });
});

describe('parseCpuQuota', () => {
  test.each([
    { name: '100% is one CPU', value: '100%', want: 1000 },
    { name: 'over one CPU', value: '250%', want: 2500 },
    { name: 'fraction', value: '12.5%', want: 125 },
    { name: 'no percent sign', value: '100', want: undefined },
  ])('$name', ({ value, want }) => {
    expect(parseCpuQuota(value)).toBe(want);
  });
});

describe('parseRequests', () => {
  test.each([
    { name: 'nothing requested', options: [], want: { cpuMillis: 0, memoryBytes: 0 } },
    { name: 'MemoryMax and CPUQuota', options: [service('MemoryMax', '1G'), service('CPUQuota', '50%')], want: { cpuMillis: 500, memoryBytes: 1024 ** 3 } },
    { name: 'MemoryLimit (older name)', options: [service('MemoryLimit', '2M')], want: { cpuMillis: 0, memoryBytes: 2 * 1024 ** 2 } },
    { name: 'the last assignment wins, across both names', options: [service('MemoryMax', '1G'), service('MemoryLimit', '1M')], want: { cpuMillis: 0, memoryBytes: 1024 ** 2 } },
    { name: 'only [Service] counts', options: [{ section: 'Unit', name: 'MemoryMax', value: '1G' }], want: { cpuMillis: 0, memoryBytes: 0 } },
    { name: 'malformed value requests nothing', options: [service('CPUQuota', 'lots')], want: { cpuMillis: 0, memoryBytes: 0 } },
  ])('$name', ({ options, want }) => {
    expect(parseRequests(options)).toEqual(want);
  });
});

describe('usedShare', () => {
  test.each([
    { name: 'unlimited machine', used: { cpuMillis: 5000, memoryBytes: 9 }, capacity: undefined, want: 0 },
    { name: 'the larger of CPU and memory', used: { cpuMillis: 500, memoryBytes: 750 }, capacity: { cpuMillis: 1000, memoryBytes: 1000 }, want: 0.75 },
    { name: 'zero capacity dimension ignored', used: { cpuMillis: 500, memoryBytes: 0 }, capacity: { cpuMillis: 0, memoryBytes: 1000 }, want: 0 },
  ])('$name', ({ used, capacity, want }) => {
    expect(usedShare(used, capacity)).toBe(want);
  });
});
