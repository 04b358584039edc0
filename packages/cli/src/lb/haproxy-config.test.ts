import type { EndpointRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { renderHaproxyConfig, serverName } from './haproxy-config.js';

const M1 = 'aaaaaaaa00000000000000000000000a';
const M2 = 'bbbbbbbb00000000000000000000000b';
const ep = (unit: string, machineId: string, ip: string, port: number): EndpointRecord => ({ unit, machineId, ip, port });

const HEAD = [
  '# Rendered by `flotilla lb haproxy`; rewritten on every endpoint change.',
  'global',
  '  maxconn 4096',
  '',
  'defaults',
  '  mode http',
  '  option redispatch',
  '  retries 2',
  '  timeout connect 2s',
  '  timeout client 30s',
  '  timeout server 30s',
  '',
  'frontend flotilla',
];

describe('renderHaproxyConfig', () => {
  test.each<[string, string, EndpointRecord[], string[]]>([
    ['no endpoints: a backend without servers (HAProxy answers 503)', '0.0.0.0:80', [], []],
    [
      'only the prefix, sorted by unit then machine',
      '127.0.0.1:8000',
      [ep('app@2.service', M2, '10.0.0.2', 8080), ep('db.service', M1, '10.0.0.1', 5432), ep('app@1.service', M1, '10.0.0.1', 8080), ep('application.service', M1, '10.0.0.1', 1)],
      [
        '  server app-1.service-aaaaaaaa 10.0.0.1:8080 check inter 1s fall 1 rise 1',
        '  server app-2.service-bbbbbbbb 10.0.0.2:8080 check inter 1s fall 1 rise 1',
      ],
    ],
  ])('%s', (_case, listen, endpoints, servers) => {
    const text = renderHaproxyConfig({ prefix: 'app@', listen }, endpoints);
    expect(text).toBe([...HEAD, `  bind ${listen}`, '  default_backend units', '', 'backend units', '  balance roundrobin', ...servers, ''].join('\n'));
  });

  test('the same set in another order renders the same text', () => {
    const a = [ep('app@1.service', M1, '10.0.0.1', 1), ep('app@1.service', M2, '10.0.0.2', 1)];
    expect(renderHaproxyConfig({ prefix: 'app@', listen: ':80' }, [...a].reverse())).toBe(renderHaproxyConfig({ prefix: 'app@', listen: ':80' }, a));
  });

  test.each([['app@1.service', M1, 'app-1.service-aaaaaaaa'], ['web.container', M2, 'web.container-bbbbbbbb']])('serverName(%s)', (unit, m, want) => {
    expect(serverName(ep(unit, m, '10.0.0.1', 1))).toBe(want);
  });
});
