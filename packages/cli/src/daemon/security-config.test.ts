/**
 * Safe defaults in the agent's configuration (docs/cloud-config.md, "Secure by default"): a TCP API needs a token
 * or client certificates unless FLOTILLA_API_INSECURE=1, which is then a warning at start; the etcd password may
 * come from a file (FLOTILLA_ETCD_PASSWORD_FILE), read when connecting.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { apiSecurityWarnings, readApiConfig, type ApiConfig } from './api-config.js';
import { DaemonConfigError, readDaemonConfig } from './config.js';
import { resolveEtcdAuth } from './etcd-auth.js';

const TCP = { FLOTILLA_API_LISTEN: '0.0.0.0:54728' };
const TLS = { FLOTILLA_API_TLS_CERT: '/pki/agent.pem', FLOTILLA_API_TLS_KEY: '/pki/agent.key' };
const REFUSED = 'FLOTILLA_API_LISTEN: tcp://0.0.0.0:54728 would serve the API without authentication; set FLOTILLA_API_TOKEN_FILE (or ' +
  'FLOTILLA_API_TOKEN) or client certificates (FLOTILLA_API_TLS_CERT, _KEY and _CA), or FLOTILLA_API_INSECURE=1 to accept the risk';

describe('a TCP API without authentication is refused', () => {
  test.each([
    ['TCP alone', { ...TCP }, REFUSED],
    ['TCP with TLS but no client CA (encrypted, yet anyone may call)', { ...TCP, ...TLS }, REFUSED],
    ['FLOTILLA_API_INSECURE=0', { ...TCP, FLOTILLA_API_INSECURE: '0' }, REFUSED],
    ['FLOTILLA_API_INSECURE that is no yes or no', { ...TCP, FLOTILLA_API_INSECURE: 'maybe' }, 'FLOTILLA_API_INSECURE: expected 1 or 0, got "maybe"'],
  ])('%s', (_name, env, message) => {
    let error: unknown;
    try {
      readApiConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DaemonConfigError);
    expect((error as DaemonConfigError).message).toBe(message);
    expect((error as DaemonConfigError).key).toBe(message.slice(0, message.indexOf(':')));
  });

  test('the whole daemon config is refused the same way', () => {
    expect(() => readDaemonConfig({ ...TCP })).toThrow(REFUSED);
  });
});

describe('what a TCP API may run with', () => {
  test.each<[string, NodeJS.ProcessEnv, Partial<ApiConfig>]>([
    ['a token', { ...TCP, FLOTILLA_API_TOKEN: 't' }, { token: 't' }],
    ['a token file', { ...TCP, FLOTILLA_API_TOKEN_FILE: '/pki/api.token' }, { tokenFile: '/pki/api.token' }],
    ['client certificates only', { ...TCP, ...TLS, FLOTILLA_API_TLS_CA: '/pki/ca.pem' }, { tls: { certFile: '/pki/agent.pem', keyFile: '/pki/agent.key', caFile: '/pki/ca.pem' } }],
    ['FLOTILLA_API_INSECURE=1', { ...TCP, FLOTILLA_API_INSECURE: '1' }, { insecure: true }],
    ['FLOTILLA_API_INSECURE=1 beside a token: not insecure', { ...TCP, FLOTILLA_API_INSECURE: '1', FLOTILLA_API_TOKEN: 't' }, { token: 't' }],
  ])('%s', (_name, env, expected) => {
    expect(readApiConfig(env)).toEqual({ sockets: ['/var/run/flotilla.sock'], tcp: { host: '0.0.0.0', port: 54728 }, ...expected });
  });

  test('the unix socket alone needs nothing (its file mode guards it), FLOTILLA_API_INSECURE or not', () => {
    expect(readApiConfig({})).toEqual({ sockets: ['/var/run/flotilla.sock'] });
    expect(readApiConfig({ FLOTILLA_API_INSECURE: '1' })).toEqual({ sockets: ['/var/run/flotilla.sock'] });
  });
});

describe('start-up warnings', () => {
  const tcp = { host: '0.0.0.0', port: 54728 };
  test.each<[string, ApiConfig, string[]]>([
    ['unix socket only', { sockets: ['/s'] }, []],
    ['token over TLS', { sockets: [], tcp, tokenFile: '/t', tls: { certFile: '/c', keyFile: '/k' } }, []],
    ['client certificates', { sockets: [], tcp, tls: { certFile: '/c', keyFile: '/k', caFile: '/ca' } }, []],
    ['FLOTILLA_API_INSECURE=1', { sockets: [], tcp, insecure: true }, [
      'FLOTILLA_API_INSECURE=1: the API on tcp://0.0.0.0:54728 takes requests without a token or client certificate; anyone who can reach it ' +
        'can submit, start, stop and destroy units on every machine of the cluster',
    ]],
    ['a token over plain HTTP', { sockets: [], tcp, token: 't' }, [
      'the API on tcp://0.0.0.0:54728 checks its bearer token over plain HTTP: the token crosses the network in clear text ' +
        '(set FLOTILLA_API_TLS_CERT and FLOTILLA_API_TLS_KEY)',
    ]],
  ])('%s', (_name, api, warnings) => {
    expect(apiSecurityWarnings(api)).toEqual(warnings);
  });
});

describe('etcd password from a file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-etcd-auth-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  test('read when connecting, trimmed', () => {
    const config = readDaemonConfig({ FLOTILLA_ETCD_USERNAME: 'flotilla-agent', FLOTILLA_ETCD_PASSWORD_FILE: file('pw', 's3cret\n') });
    expect(config.etcdAuth).toEqual({ username: 'flotilla-agent', password: '', passwordFile: path.join(dir, 'pw') });
    expect(resolveEtcdAuth(config.etcdAuth!)).toEqual({ username: 'flotilla-agent', password: 's3cret' });
  });

  test.each([
    ['without a user', { FLOTILLA_ETCD_PASSWORD_FILE: '/pw' }, 'FLOTILLA_ETCD_PASSWORD_FILE: needs FLOTILLA_ETCD_USERNAME'],
    ['beside a password', { FLOTILLA_ETCD_USERNAME: 'u', FLOTILLA_ETCD_PASSWORD: 'p', FLOTILLA_ETCD_PASSWORD_FILE: '/pw' },
      'FLOTILLA_ETCD_PASSWORD_FILE: set either it or FLOTILLA_ETCD_PASSWORD, not both'],
  ])('refused %s', (_name, env, message) => {
    expect(() => readDaemonConfig(env)).toThrow(message);
  });

  test.each([
    ['empty', () => file('empty', '\n'), (f: string) => `FLOTILLA_ETCD_PASSWORD_FILE: ${f} is empty`],
    ['missing', () => path.join(dir, 'absent'), (f: string) => `FLOTILLA_ETCD_PASSWORD_FILE: cannot read ${f}: ENOENT`],
  ])('a file that is %s is an error naming the key', (_name, make, message) => {
    const passwordFile = make();
    expect(() => resolveEtcdAuth({ username: 'u', password: '', passwordFile })).toThrow(message(passwordFile));
  });
});
