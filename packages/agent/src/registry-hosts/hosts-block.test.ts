import type { EndpointRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { HOSTS_BLOCK_BEGIN as B, HOSTS_BLOCK_END as E, registryEndpoint, withRegistryBlock, withoutBlock } from './hosts-block.js';

const N = 'registry.flotilla';

describe('withRegistryBlock', () => {
  test.each<[string, string, string, string]>([
    ['empty file', '', '10.0.0.5', `${B}\n10.0.0.5\t${N}\n${E}\n`],
    ['a file without the block keeps its lines', '127.0.0.1\tlocalhost\n', '10.0.0.5', `127.0.0.1\tlocalhost\n${B}\n10.0.0.5\t${N}\n${E}\n`],
    ['no final newline', '127.0.0.1 localhost', '10.0.0.5', `127.0.0.1 localhost\n${B}\n10.0.0.5\t${N}\n${E}\n`],
    ['the block is replaced, not added again', `127.0.0.1 localhost\n${B}\n10.0.0.5\t${N}\n${E}\n`, '10.0.0.6', `127.0.0.1 localhost\n${B}\n10.0.0.6\t${N}\n${E}\n`],
    ['lines after the block stay, the block moves to the end', `a\n${B}\n10.0.0.5\t${N}\n${E}\nb\n`, '10.0.0.6', `a\nb\n${B}\n10.0.0.6\t${N}\n${E}\n`],
    ['a block cut off before its end line is replaced whole', `a\n${B}\n10.0.0.5\t${N}\n`, '10.0.0.6', `a\n${B}\n10.0.0.6\t${N}\n${E}\n`],
    ['the same address gives the same file', `x\n${B}\n10.0.0.5\t${N}\n${E}\n`, '10.0.0.5', `x\n${B}\n10.0.0.5\t${N}\n${E}\n`],
  ])('%s', (_case, hosts, ip, want) => {
    expect(withRegistryBlock(hosts, ip, N)).toBe(want);
  });

  test('withoutBlock leaves a file without the block as it was', () => {
    expect(withoutBlock('127.0.0.1 localhost\n::1 localhost\n')).toBe('127.0.0.1 localhost\n::1 localhost\n');
  });
});

describe('registryEndpoint', () => {
  const ep = (unit: string, machineId: string, ip: string): EndpointRecord => ({ unit, machineId, ip, port: 5000 });
  test.each<[string, EndpointRecord[], string | undefined]>([
    ['none', [], undefined],
    ['another unit only', [ep('web.service', 'a', '10.0.0.1')], undefined],
    ['the registry unit', [ep('web.service', 'a', '10.0.0.1'), ep('registry.service', 'b', '10.0.0.2')], '10.0.0.2'],
    ['two machines: the lowest id, whatever the order', [ep('registry.service', 'c', '10.0.0.3'), ep('registry.service', 'b', '10.0.0.2')], '10.0.0.2'],
  ])('%s', (_case, endpoints, ip) => {
    expect(registryEndpoint(endpoints, 'registry.service')?.ip).toBe(ip);
  });
});
