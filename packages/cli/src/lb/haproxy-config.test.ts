import type { EndpointRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { renderHaproxyConfig, serverName } from './haproxy-config.js';

const M1 = 'aaaaaaaa00000000000000000000000a';
const M2 = 'bbbbbbbb00000000000000000000000b';
const ep = (unit: string, machineId: string, ip: string, port: number): EndpointRecord => ({ unit, machineId, ip, port });

/** HAProxy's whole configuration as `flotilla lb haproxy` writes it, for one listen address and server list. */
const expected = (listen: string, servers: string) => `# Rendered by \`flotilla lb haproxy\`; rewritten on every endpoint change.
global
  maxconn 4096

defaults
  mode http
  option redispatch 1
  retries 3
  retry-on conn-failure empty-response response-timeout
  timeout connect 2s
  timeout client 30s
  timeout server 30s

frontend flotilla
  bind ${listen}
  default_backend units

backend units
  balance roundrobin
  http-request disable-l7-retry if !METH_GET !METH_HEAD
${servers}`;

describe('renderHaproxyConfig', () => {
  test('no endpoints: a backend without servers (HAProxy answers 503)', () => {
    expect(renderHaproxyConfig({ prefix: 'app@', listen: '0.0.0.0:80' }, [])).toBe(expected('0.0.0.0:80', ''));
  });

  test('only the prefix, sorted by unit then machine', () => {
    const endpoints = [ep('app@2.service', M2, '10.0.0.2', 8080), ep('db.service', M1, '10.0.0.1', 5432), ep('app@1.service', M1, '10.0.0.1', 8080), ep('application.service', M1, '10.0.0.1', 1)];
    expect(renderHaproxyConfig({ prefix: 'app@', listen: '127.0.0.1:8000' }, endpoints)).toBe(expected('127.0.0.1:8000', `\
  server app-1.service-aaaaaaaa 10.0.0.1:8080 check inter 1s downinter 250ms fall 1 rise 1
  server app-2.service-bbbbbbbb 10.0.0.2:8080 check inter 1s downinter 250ms fall 1 rise 1
`));
  });

  test('the same set in another order renders the same text', () => {
    const a = [ep('app@1.service', M1, '10.0.0.1', 1), ep('app@1.service', M2, '10.0.0.2', 1)];
    expect(renderHaproxyConfig({ prefix: 'app@', listen: ':80' }, [...a].reverse())).toBe(renderHaproxyConfig({ prefix: 'app@', listen: ':80' }, a));
  });

  test('tcp mode: connections retried and redispatched, no HTTP retry rules (HAProxy refuses them in tcp mode)', () => {
    const text = renderHaproxyConfig({ prefix: 'db', listen: ':5432', mode: 'tcp' }, [ep('db.service', M1, '10.0.0.1', 5432)]);
    expect(text).toContain('  mode tcp\n  option redispatch 1\n  retries 3\n  timeout connect 2s\n');
    expect(text).not.toMatch(/retry-on|http-request/);
  });

  test.each([['app@1.service', M1, 'app-1.service-aaaaaaaa'], ['web.container', M2, 'web.container-bbbbbbbb']])('serverName(%s)', (unit, m, want) => {
    expect(serverName(ep(unit, m, '10.0.0.1', 1))).toBe(want);
  });
});
