import { describe, expect, test } from 'vitest';
import { resolveGlobalOptions, tokenCachePath, type GlobalOptions, type RawGlobalOptions } from './global-options.js';

const ssh = { user: 'core', timeoutSec: 10, knownHostsFile: '~/.fleetctl/known_hosts', strictHostKeyChecking: true };
const defaults: GlobalOptions = { driver: 'etcd', endpoints: ['http://127.0.0.1:2379'], prefix: '/flotilla/', requestTimeoutMs: 3000, ssh };

describe('resolveGlobalOptions', () => {
  test.each<{ name: string; cli: RawGlobalOptions; env: NodeJS.ProcessEnv; want: GlobalOptions }>([
    { name: 'defaults', cli: {}, env: {}, want: defaults },
    {
      name: 'FLOTILLA_ENDPOINT, comma list trimmed',
      cli: {},
      env: { FLOTILLA_ENDPOINT: 'http://a:2379, http://b:2379' },
      want: { ...defaults, endpoints: ['http://a:2379', 'http://b:2379'] },
    },
    {
      name: 'FLEETCTL_ENDPOINT when FLOTILLA_ENDPOINT is unset or empty',
      cli: {},
      env: { FLOTILLA_ENDPOINT: '', FLEETCTL_ENDPOINT: 'http://f:2379' },
      want: { ...defaults, endpoints: ['http://f:2379'] },
    },
    {
      name: 'FLOTILLA_ENDPOINT beats FLEETCTL_ENDPOINT',
      cli: {},
      env: { FLOTILLA_ENDPOINT: 'http://a:1', FLEETCTL_ENDPOINT: 'http://f:2379' },
      want: { ...defaults, endpoints: ['http://a:1'] },
    },
    {
      name: 'command line beats env',
      cli: { endpoint: 'http://cli:1', etcdKeyPrefix: '/x/', requestTimeout: '0.5' },
      env: { FLOTILLA_ENDPOINT: 'http://a:1', FLOTILLA_ETCD_KEY_PREFIX: '/env/', FLOTILLA_REQUEST_TIMEOUT: '9' },
      want: { driver: 'etcd', endpoints: ['http://cli:1'], prefix: '/x/', requestTimeoutMs: 500, ssh },
    },
    {
      name: 'fleet key prefix env is not ours',
      cli: {},
      env: { FLEETCTL_ETCD_KEY_PREFIX: '/_coreos.com/fleet/' },
      want: defaults,
    },
    {
      name: 'TLS files from env',
      cli: { keyFile: 'k.pem' },
      env: { FLEETCTL_CA_FILE: 'ca.pem', FLOTILLA_CERT_FILE: 'c.pem' },
      want: { ...defaults, caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'k.pem' },
    },
    {
      name: 'unix endpoint implies the API driver',
      cli: {},
      env: { FLEETCTL_ENDPOINT: 'unix:///var/run/fleet.sock' },
      want: { ...defaults, driver: 'api', endpoints: ['unix:///var/run/fleet.sock'] },
    },
    {
      name: "fleet's upper-case driver and a token from env",
      cli: {},
      env: { FLEETCTL_DRIVER: 'API', FLOTILLA_ENDPOINT: 'https://a:54728', FLOTILLA_API_TOKEN: 't' },
      want: { ...defaults, driver: 'api', endpoints: ['https://a:54728'], apiToken: 't' },
    },
    {
      name: 'fleetctl ssh settings from env, tunnel port defaulted',
      cli: { sshUsername: 'ops' },
      env: { FLEETCTL_TUNNEL: 'bastion', FLEETCTL_SSH_USERNAME: 'x', FLEETCTL_STRICT_HOST_KEY_CHECKING: 'false', FLEETCTL_SSH_TIMEOUT: '2.5' },
      want: { ...defaults, ssh: { ...ssh, user: 'ops', tunnel: 'bastion:22', strictHostKeyChecking: false, timeoutSec: 2.5 } },
    },
    {
      name: 'the API driver takes FLOTILLA_API_ENDPOINT before FLOTILLA_ENDPOINT (cluster.env of npm run up has both)',
      cli: { driver: 'api' },
      env: { FLOTILLA_ENDPOINT: 'https://127.0.0.1:2379', FLOTILLA_API_ENDPOINT: 'https://10.0.0.1:54728' },
      want: { ...defaults, driver: 'api', endpoints: ['https://10.0.0.1:54728'] },
    },
    {
      name: 'FLOTILLA_API_ENDPOINT from env with FLOTILLA_DRIVER=api',
      cli: {},
      env: { FLOTILLA_DRIVER: 'API', FLOTILLA_ENDPOINT: 'https://127.0.0.1:2379', FLOTILLA_API_ENDPOINT: 'https://10.0.0.1:54728' },
      want: { ...defaults, driver: 'api', endpoints: ['https://10.0.0.1:54728'] },
    },
    {
      name: '--endpoint beats FLOTILLA_API_ENDPOINT',
      cli: { driver: 'api', endpoint: 'unix:///x.sock' },
      env: { FLOTILLA_API_ENDPOINT: 'https://10.0.0.1:54728' },
      want: { ...defaults, driver: 'api', endpoints: ['unix:///x.sock'] },
    },
    {
      name: 'the etcd driver ignores FLOTILLA_API_ENDPOINT',
      cli: {},
      env: { FLOTILLA_ENDPOINT: 'https://127.0.0.1:2379', FLOTILLA_API_ENDPOINT: 'https://10.0.0.1:54728' },
      want: { ...defaults, endpoints: ['https://127.0.0.1:2379'] },
    },
    {
      name: 'explicit etcd driver beats the unix guess',
      cli: { driver: 'etcd', endpoint: 'unix:///x.sock' },
      env: {},
      want: { ...defaults, endpoints: ['unix:///x.sock'] },
    },
  ])('$name', ({ cli, env, want }) => {
    expect(resolveGlobalOptions(cli, env)).toEqual(want);
  });

  test.each([
    { name: 'endpoint without scheme', cli: { endpoint: '127.0.0.1:2379' }, want: 'invalid value "127.0.0.1:2379" for --endpoint: URL scheme undefined' },
    { name: 'empty endpoint list', cli: { endpoint: ',' }, want: 'invalid value "," for --endpoint' },
    { name: 'timeout not a number', cli: { requestTimeout: 'soon' }, want: 'invalid value "soon" for --request-timeout' },
    { name: 'unknown driver', cli: { driver: 'grpc' }, want: 'invalid value "grpc" for --driver: unrecognized driver "grpc"' },
    { name: 'timeout zero', cli: { requestTimeout: '0' }, want: 'invalid value "0" for --request-timeout' },
  ])('rejects $name', ({ cli, want }) => {
    expect(() => resolveGlobalOptions(cli, {})).toThrow(want);
  });
});

describe('the etcd token cache', () => {
  const creds = { etcdUsername: 'flotilla-cli', etcdPassword: 'pw' };
  const home = { HOME: '/home/u' };

  test('with etcd auth it is on, filed under the endpoints given', () => {
    const g = resolveGlobalOptions({ ...creds, endpoint: 'https://a:2379,https://b:2379' }, home);
    expect(g.etcdTokenCache).toEqual({ file: '/home/u/.cache/flotilla/etcd-tokens', endpoints: ['https://a:2379', 'https://b:2379'] });
  });

  test.each([
    { name: 'without etcd auth', cli: {}, env: home },
    { name: 'with FLOTILLA_ETCD_TOKEN_CACHE=off', cli: creds, env: { ...home, FLOTILLA_ETCD_TOKEN_CACHE: 'off' } },
    { name: 'with FLOTILLA_ETCD_TOKEN_CACHE=OFF', cli: creds, env: { ...home, FLOTILLA_ETCD_TOKEN_CACHE: 'OFF' } },
  ])('it is off $name', ({ cli, env }) => {
    expect(resolveGlobalOptions(cli, env).etcdTokenCache).toBeUndefined();
  });

  test('FLOTILLA_ETCD_TOKEN_CACHE takes on or off only', () => {
    expect(resolveGlobalOptions(creds, { ...home, FLOTILLA_ETCD_TOKEN_CACHE: 'on' }).etcdTokenCache).toBeDefined();
    expect(() => resolveGlobalOptions(creds, { FLOTILLA_ETCD_TOKEN_CACHE: 'no' })).toThrow('invalid value "no" for FLOTILLA_ETCD_TOKEN_CACHE: expected on or off');
  });

  test.each([
    { name: 'XDG_CACHE_HOME', env: { XDG_CACHE_HOME: '/xdg', HOME: '/home/u' }, want: '/xdg/flotilla/etcd-tokens' },
    { name: 'HOME when XDG_CACHE_HOME is relative (XDG: ignored)', env: { XDG_CACHE_HOME: 'rel', HOME: '/home/u' }, want: '/home/u/.cache/flotilla/etcd-tokens' },
    { name: "the passwd entry's home without HOME", env: {}, want: '/passwd/.cache/flotilla/etcd-tokens' },
  ])('its file: $name', ({ env, want }) => {
    expect(tokenCachePath(env, () => '/passwd')).toBe(want);
  });
});
