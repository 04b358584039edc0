/**
 * The daemon's API wiring against a real etcd: config → listeners (unix socket + TLS TCP with a token file),
 * 503 until the agent is attached, the token required on TCP only, status served through the attached agent.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EtcdRegistry } from '@flotilla/core';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { readApiConfig } from './api-config.js';
import { apiToken, startDaemonApi, type DaemonApi } from './api-listeners.js';

let etcd: EtcdHandle;
let registry: EtcdRegistry;
let dir: string;
let api: DaemonApi;

function get(opts: http.RequestOptions & { ca?: Buffer }, secure: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).get({ timeout: 5000, ...opts }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

beforeAll(async () => {
  etcd = await startEtcd();
  registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: '/daemon-api/' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-daemon-api-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
  ], { stdio: 'ignore', timeout: 20_000 });
  fs.writeFileSync(path.join(dir, 'token'), 'from-a-file\n');
  const config = readApiConfig({
    FLOTILLA_API_SOCKET: path.join(dir, 'fleet.sock'),
    FLOTILLA_API_LISTEN: '127.0.0.1:0',
    FLOTILLA_API_TOKEN_FILE: path.join(dir, 'token'),
    FLOTILLA_API_TLS_CERT: path.join(dir, 'cert.pem'),
    FLOTILLA_API_TLS_KEY: path.join(dir, 'key.pem'),
  });
  api = await startDaemonApi(config, registry, pino({ level: 'silent' }), '0.1.0');
});

afterAll(async () => {
  await api?.server.close();
  await registry?.close();
  await etcd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('daemon API listeners', () => {
  test('503 before the agent runs; then the token on TCP only; status through the agent', async () => {
    const ca = fs.readFileSync(path.join(dir, 'cert.pem'));
    const port = (api.server.addresses.find((a) => a.kind === 'tcp') as { port: number }).port;
    const tcp = (p: string, token?: string) =>
      get({ host: '127.0.0.1', port, path: p, ca, headers: token ? { Authorization: `Bearer ${token}` } : {} }, true);
    const unix = (p: string) => get({ socketPath: path.join(dir, 'fleet.sock'), path: p }, false);

    expect(await unix('/fleet/v1/units')).toEqual({ status: 503, body: '{"error":{"code":503,"message":"fleet server unable to communicate with etcd"}}' });
    api.attach({
      unitStatus: async (name) => `● ${name}\n`,
      unitJournal: async function* () {},
    });
    expect(await unix('/fleet/v1/units')).toEqual({ status: 200, body: '{}' });
    expect((await tcp('/fleet/v1/units')).status).toBe(401);
    expect(await tcp('/fleet/v1/units', 'from-a-file')).toEqual({ status: 200, body: '{}' });
    expect(await tcp('/v2/units/a.service/status', 'from-a-file')).toEqual({ status: 200, body: '● a.service\n' });
  });

  test('FLOTILLA_API_INSECURE=1: TCP without a token is served, and the log warns naming the risk', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
    const insecure = await startDaemonApi(readApiConfig({ FLOTILLA_API_SOCKET: 'none', FLOTILLA_API_LISTEN: '127.0.0.1:0', FLOTILLA_API_INSECURE: '1' }), registry, logger, '0.1.0');
    try {
      insecure.attach(undefined);
      const port = (insecure.server.addresses[0] as { port: number }).port;
      expect((await get({ host: '127.0.0.1', port, path: '/fleet/v1/units' }, false)).status).toBe(200);
      expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
        `FLOTILLA_API_INSECURE=1: the API on tcp://127.0.0.1:0 takes requests without a token or client certificate; anyone who can reach it can submit, start, stop and destroy units on every machine of the cluster`,
      ]);
    } finally {
      await insecure.server.close();
    }
  });

  test('an empty token file is a config error naming the key', () => {
    fs.writeFileSync(path.join(dir, 'empty'), '\n');
    expect(() => apiToken({ sockets: [], tokenFile: path.join(dir, 'empty') })).toThrow(`FLOTILLA_API_TOKEN_FILE: ${path.join(dir, 'empty')} is empty`);
  });
});
