import { describe, expect, test } from 'vitest';
import { parseMetadata, readDaemonConfig } from './config.js';

describe('parseMetadata', () => {
  test.each([
    ['empty', '', {}],
    ['pairs', 'region=us-east, disk = ssd', { region: 'us-east', disk: 'ssd' }],
    ['pair without = skipped', 'a=1,junk,b=2', { a: '1', b: '2' }],
    ['last duplicate wins', 'a=1,a=2', { a: '2' }],
  ])('%s', (_name, text, expected) => {
    expect(parseMetadata(text)).toEqual(expected);
  });
});

describe('readDaemonConfig', () => {
  test('defaults', () => {
    expect(readDaemonConfig({})).toEqual({
      endpoints: ['http://127.0.0.1:2379'],
      keyPrefix: '/flotilla/',
      ttlSec: 10,
      publicIp: '',
      metadata: {},
      unitsDir: '/run/flotilla/units',
      disableEngine: false,
      requestTimeoutMs: 5000,
      logLevel: 'info',
    });
  });
  test('fleet-style endpoint list and TTL with unit', () => {
    const config = readDaemonConfig({ FLOTILLA_ENDPOINT: '["http://a:1","http://b:2"]', FLOTILLA_AGENT_TTL: '3s' });
    expect(config.endpoints).toEqual(['http://a:1', 'http://b:2']);
    expect(config.ttlSec).toBe(3);
  });
  test.each([
    ['bad TTL', { FLOTILLA_AGENT_TTL: 'soon' }, 'FLOTILLA_AGENT_TTL: expected a positive number of seconds, got "soon"'],
    ['bad endpoint', { FLOTILLA_ENDPOINT: 'etcd:2379' }, 'FLOTILLA_ENDPOINT: "etcd:2379" is not an http(s) URL'],
  ])('%s is rejected naming the key', (_name, env, message) => {
    expect(() => readDaemonConfig(env)).toThrow(message);
  });
});
