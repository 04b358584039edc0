import { describe, expect, test } from 'vitest';
import { apiUrlFor, readApiConfig } from './api-config.js';
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

  // Keys are the user's, Object.prototype's member names too (core user-keys.ts).
  test('__proto__, constructor, toString and hasOwnProperty are ordinary keys', () => {
    const metadata = parseMetadata('__proto__=a, constructor=b, toString=c, hasOwnProperty=d');
    expect(Object.entries(metadata)).toEqual([['__proto__', 'a'], ['constructor', 'b'], ['toString', 'c'], ['hasOwnProperty', 'd']]);
    expect(JSON.parse(JSON.stringify(metadata))).toEqual(metadata);
  });
});

describe('readDaemonConfig', () => {
  test('defaults', () => {
    expect(readDaemonConfig({})).toEqual({
      endpoints: ['http://127.0.0.1:2379'],
      keyPrefix: '/flotilla/',
      ttlSec: 10,
      electionTtlSec: 2,
      rebalanceIntervalMs: 30_000,
      publicIp: '',
      metadata: {},
      unitsDir: '/run/flotilla/units',
      disableEngine: false,
      requestTimeoutMs: 5000,
      logLevel: 'info',
      api: { sockets: ['/var/run/flotilla.sock'] },
      stopMode: 'auto',
      dns: { enabled: true, address: '', port: 53 },
    });
  });
  test('fleet-style endpoint list and TTL with unit', () => {
    const config = readDaemonConfig({ FLOTILLA_ENDPOINT: '["http://a:1","http://b:2"]', FLOTILLA_AGENT_TTL: '3s' });
    expect(config.endpoints).toEqual(['http://a:1', 'http://b:2']);
    expect(config.ttlSec).toBe(3);
  });
  test('election TTL and rebalancing interval apart from the presence TTL', () => {
    const config = readDaemonConfig({ FLOTILLA_AGENT_TTL: '10', FLOTILLA_ELECTION_TTL: '3s', FLOTILLA_REBALANCE_INTERVAL: '5' });
    expect([config.ttlSec, config.electionTtlSec, config.rebalanceIntervalMs]).toEqual([10, 3, 5000]);
  });
  test('etcd\'s --max-txn-ops for placement transactions: unset leaves the default, a whole number is taken', () => {
    expect(readDaemonConfig({}).etcdMaxTxnOps).toBeUndefined();
    expect(readDaemonConfig({ FLOTILLA_ETCD_MAX_TXN_OPS: '512' }).etcdMaxTxnOps).toBe(512);
  });
  test('registry layout: unset says the newest, 1 holds the cluster at layout 1', () => {
    expect([readDaemonConfig({}).registryLayout, readDaemonConfig({ FLOTILLA_REGISTRY_LAYOUT: '1' }).registryLayout]).toEqual([undefined, 1]);
  });
  test.each([
    ['unknown registry layout', { FLOTILLA_REGISTRY_LAYOUT: '3' }, 'FLOTILLA_REGISTRY_LAYOUT: expected 1 or 2, got "3"'],
    ['max txn ops below etcd\'s default', { FLOTILLA_ETCD_MAX_TXN_OPS: '64' }, 'FLOTILLA_ETCD_MAX_TXN_OPS: expected a whole number from 128 (etcd\'s default --max-txn-ops) to 65536, got "64"'],
    ['max txn ops not a number', { FLOTILLA_ETCD_MAX_TXN_OPS: '5e2' }, 'FLOTILLA_ETCD_MAX_TXN_OPS: expected a whole number from 128 (etcd\'s default --max-txn-ops) to 65536, got "5e2"'],
    ['bad TTL', { FLOTILLA_AGENT_TTL: 'soon' }, 'FLOTILLA_AGENT_TTL: expected a positive number of seconds, got "soon"'],
    ['bad election TTL', { FLOTILLA_ELECTION_TTL: '0' }, 'FLOTILLA_ELECTION_TTL: expected a positive number of seconds, got "0"'],
    ['bad endpoint', { FLOTILLA_ENDPOINT: 'etcd:2379' }, 'FLOTILLA_ENDPOINT: "etcd:2379" is not an http(s) URL'],
    ['bad API listen', { FLOTILLA_API_LISTEN: '54728' }, 'FLOTILLA_API_LISTEN: expected host:port (e.g. 0.0.0.0:54728), got "54728"'],
    ['relative socket', { FLOTILLA_API_SOCKET: 'fleet.sock' }, 'FLOTILLA_API_SOCKET: "fleet.sock" is not an absolute path'],
    ['TLS cert without key', { FLOTILLA_API_LISTEN: ':1', FLOTILLA_API_TLS_CERT: '/c' }, 'FLOTILLA_API_TLS_KEY: TLS needs both'],
    ['token without TCP', { FLOTILLA_API_TOKEN: 't' }, 'FLOTILLA_API_LISTEN: a token or TLS was configured but no TCP listener'],
    ['unknown log level', { FLOTILLA_LOG_LEVEL: 'verbose' }, 'FLOTILLA_LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent, got "verbose"'],
    ['unknown stop mode', { FLOTILLA_STOP_MODE: 'drain' }, 'FLOTILLA_STOP_MODE: expected one of auto, leave, restart, got "drain"'],
    ['relative units dir', { FLOTILLA_UNITS_DIR: 'units' }, 'FLOTILLA_UNITS_DIR: "units" is not an absolute path'],
    ...([
      ['/etc/systemd/system', 'is', '/etc/systemd/system'],
      ['/run/systemd/system', 'is', '/run/systemd/system'],
      ['/usr/lib/systemd/system', 'is', '/usr/lib/systemd/system'],
      ['/lib/systemd/system/', 'is', '/lib/systemd/system'],
      ['/run/systemd/transient', 'is', '/run/systemd/transient'],
      ['/etc/systemd', 'contains', '/etc/systemd/system.control'],
      ['/run', 'contains', '/run/systemd/system.control'],
      ['/etc/systemd/system/flotilla', 'is inside', '/etc/systemd/system'],
    ] as const).map(([dir, relation, systemdPath]): [string, NodeJS.ProcessEnv, string] => [`units dir ${dir}`, { FLOTILLA_UNITS_DIR: dir },
      `FLOTILLA_UNITS_DIR: "${dir}" ${relation} systemd's unit directory ${systemdPath}: the agent deletes the unit files there that it does not run`]),
  ])('%s is rejected naming the key', (_name, env, message) => {
    expect(() => readDaemonConfig(env)).toThrow(message);
  });
});

describe('API listeners', () => {
  test.each([
    ['fleet socket path and TCP', { FLOTILLA_API_SOCKET: '/var/run/fleet.sock', FLOTILLA_API_LISTEN: '0.0.0.0:54728', FLOTILLA_API_TOKEN_FILE: '/t' },
      { sockets: ['/var/run/fleet.sock'], tcp: { host: '0.0.0.0', port: 54728 }, tokenFile: '/t' }],
    ['no socket, TCP on any address with token and TLS', {
      FLOTILLA_API_SOCKET: 'none', FLOTILLA_API_LISTEN: ':54728', FLOTILLA_API_TOKEN: 't',
      FLOTILLA_API_TLS_CERT: '/c.pem', FLOTILLA_API_TLS_KEY: '/k.pem', FLOTILLA_API_TLS_CA: '/ca.pem',
    }, { sockets: [], tcp: { host: '0.0.0.0', port: 54728 }, token: 't', tls: { certFile: '/c.pem', keyFile: '/k.pem', caFile: '/ca.pem' } }],
    ['IPv6 host, two sockets', { FLOTILLA_API_SOCKET: '/a.sock,/b.sock', FLOTILLA_API_LISTEN: '[::1]:80', FLOTILLA_API_INSECURE: '1' },
      { sockets: ['/a.sock', '/b.sock'], tcp: { host: '::1', port: 80 }, insecure: true }],
  ])('%s', (_name, env, expected) => {
    expect(readApiConfig(env)).toEqual(expected);
  });
  test.each([
    ['any address → public IP', { host: '0.0.0.0', port: 54728 }, false, 'http://10.0.0.5:54728'],
    ['named host kept, TLS', { host: '10.1.1.1', port: 443 }, true, 'https://10.1.1.1:443'],
    ['IPv6 bracketed', { host: '::1', port: 80 }, false, 'http://[::1]:80'],
  ])('apiUrl: %s', (_name, tcp, tls, url) => {
    expect(apiUrlFor(tcp, '10.0.0.5', tls)).toBe(url);
  });
  test('etcd TLS and auth', () => {
    const config = readDaemonConfig({ FLOTILLA_ETCD_CA_FILE: '/ca', FLOTILLA_ETCD_USERNAME: 'root', FLOTILLA_ETCD_PASSWORD: 'pw' });
    expect([config.etcdTls, config.etcdAuth]).toEqual([{ caFile: '/ca' }, { username: 'root', password: 'pw' }]);
  });
});
