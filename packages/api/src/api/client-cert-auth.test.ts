/**
 * Client-certificate authentication on the TCP API (server.ts with a CA, handler.ts `authorized`), over real TLS:
 * a certificate from the cluster's CA is enough without a token; no certificate, or one from another CA, is refused.
 * Also over TLS 1.3 session resumption, which browsers and the CLI's keep-alive use: a resumed session counts only
 * if the connection it resumes presented a verified certificate. Node reports every resumed TLS 1.3 session
 * without a certificate as authorized (src/crypto/crypto_common.cc `VerifyPeerCertificate`), which let a browser's
 * second connection read the API without a token.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useServedRegistry, silentLogger } from '../test-support/api-server-fixture.js';
import { issue, selfSigned, type Pem } from '../test-support/certs.js';
import type { EtcdRegistry } from '@flotilla/core';
import { startApiServer, type ApiServer } from './server.js';

interface Exchange {
  status: number;
  reused: boolean;
  /** The last session ticket the server sent, to resume with. */
  session: Buffer | undefined;
}

/** One GET on its own TLS 1.3 connection (optionally resuming `session`, optionally with a client certificate). */
function get(port: number, ca: Buffer, urlPath: string, opts: { client?: Pem; session?: Buffer } = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    let session: Buffer | undefined;
    let reply = '';
    let reused = false;
    const socket = tls.connect({
      host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: 'TLSv1.3',
      ...(opts.client ? { cert: opts.client.cert, key: opts.client.key } : {}),
      ...(opts.session ? { session: opts.session } : {}),
    });
    socket.setTimeout(5000, () => socket.destroy(new Error(`GET ${urlPath}: no answer within 5 s`)));
    socket.on('session', (s: Buffer) => (session = s));
    socket.on('secureConnect', () => {
      reused = socket.isSessionReused();
      socket.write(`GET ${urlPath} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
      resolve({ status, reused, session });
    });
  });
}

describe('client certificates on the TCP API', () => {
  let registry: EtcdRegistry;
  useServedRegistry((r) => (registry = r), 'file');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-api-client-cert-'));
  let server: ApiServer;
  let port: number;
  let ca: ReturnType<typeof selfSigned>;
  let member: Pem;
  let stranger: Pem;

  beforeAll(async () => {
    ca = selfSigned(dir, 'cluster-ca');
    const other = selfSigned(dir, 'other-ca');
    const serving = issue(dir, ca, 'agent', 'DNS:localhost,IP:127.0.0.1');
    member = issue(dir, ca, 'member');
    stranger = issue(dir, other, 'stranger');
    server = await startApiServer({
      registry, logger: silentLogger, version: 't', token: 's3cret',
      listen: [{ kind: 'tcp', host: '127.0.0.1', port: 0, tls: { cert: serving.cert, key: serving.key, ca: ca.cert } }],
    });
    port = (server.addresses[0] as { port: number }).port;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a certificate from the cluster\'s CA authenticates; none, or another CA\'s, gets a 401', async () => {
    expect((await get(port, ca.cert, '/fleet/v1/units', { client: member })).status).toBe(200);
    expect((await get(port, ca.cert, '/fleet/v1/units')).status).toBe(401);
    expect((await get(port, ca.cert, '/fleet/v1/units', { client: stranger })).status).toBe(401);
    expect((await get(port, ca.cert, '/v2/events')).status).toBe(401);
  });

  test('a resumed session without a certificate is refused, on the API and the ops views', async () => {
    const first = await get(port, ca.cert, '/fleet/v1/units');
    expect([first.status, first.session !== undefined]).toEqual([401, true]);
    for (const urlPath of ['/fleet/v1/units', '/v2/events', '/v2/health']) {
      const resumed = await get(port, ca.cert, urlPath, { session: first.session! });
      expect([urlPath, resumed.reused, resumed.status]).toEqual([urlPath, true, 401]);
    }
  });

  test('a resumed session of a certificate holder still authenticates', async () => {
    const first = await get(port, ca.cert, '/fleet/v1/units', { client: member });
    expect(first.status).toBe(200);
    const resumed = await get(port, ca.cert, '/fleet/v1/units', { client: member, session: first.session! });
    expect([resumed.reused, resumed.status]).toEqual([true, 200]);
  });
});
