/**
 * Secure by default on real machines (docs/cloud-config.md): the cluster's etcd serves only TLS, wants a client
 * certificate from the cluster's CA and a user, and gives that user Flotilla's keyspace only; each agent's TCP API
 * wants the cluster's token (401 otherwise) over TLS. The agents themselves get in with their certificates and the
 * flotilla-agent user, over etcd's gateway (HTTP transport: the certificates carry no CommonName), and the CLI with
 * what `npm run up` writes to .flotilla/cluster.env (`cluster.cliEnv`) works: etcd driver, status and journal
 * through an agent's TCP API.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EtcdRegistry, type RegistryOptions } from '@flotilla/core';
import { REPO_DIR } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import { agentApiClient, type AgentApiClient } from '../support/agent-api.js';
import { cliFor, tableRows } from '../support/cli.js';
import { startRegisteredCluster, type RegisteredCluster } from '../support/registered-cluster.js';

const API_PORT = 54728;

/** What connecting with these options comes to: 'ok', or the error's code and message. */
async function attempt(options: RegistryOptions): Promise<string> {
  try {
    const registry = await EtcdRegistry.connect({ requestTimeoutMs: 3000, ...options });
    await registry.listMachines();
    await registry.close();
    return 'ok';
  } catch (err) {
    const e = err as { code?: string; message: string };
    return `${e.code}: ${e.message}`;
  }
}

describe('a secure cluster refuses what it should and takes what it should', () => {
  let rc: RegisteredCluster;
  let client: AgentApiClient;
  let cli: ReturnType<typeof cliFor>;
  const base = () => `https://${rc.cluster.machines[0]!.ip}:${API_PORT}`;

  beforeAll(async () => {
    rc = await startRegisteredCluster({ machines: 2, ttlSec: 5, secure: true, agentEnv: { FLOTILLA_API_LISTEN: `0.0.0.0:${API_PORT}` } });
    client = agentApiClient(rc.cluster);
    cli = cliFor(rc.cluster.cliEnv);
  });
  afterAll(async () => {
    await rc?.stop();
  });

  test('the agents registered over TLS with their user; the test\'s own client uses the gateway (http transport)', async () => {
    expect((await rc.registry.listMachines()).map((m) => m.id).sort()).toEqual(rc.cluster.machines.map((m) => m.id).sort());
    expect(rc.registry.transport).toEqual({ transport: 'http', bulk: 'http' });
    expect(rc.cluster.endpoints.every((e) => e.startsWith('https://127.0.0.1:'))).toBe(true);
  });

  test('etcd refuses plain HTTP, a client without a certificate, without a user, with a wrong password, and outside the keyspace', async () => {
    const good = rc.cluster.registryOptions;
    const endpoint = rc.cluster.endpoints[0]!;
    const results = {
      plainHttp: await attempt({ endpoints: [endpoint.replace('https://', 'http://')] }),
      noCertificate: await attempt({ ...good, tls: { ca: good.tls!.ca! } }),
      noUser: await attempt({ ...good, auth: undefined }),
      wrongPassword: await attempt({ ...good, auth: { username: good.auth!.username, password: 'nope' } }),
      otherKeyspace: await attempt({ ...good, prefix: '/elsewhere/' }),
      allowed: await attempt(good),
    };
    expect(results).toEqual({
      plainHttp: expect.stringMatching(/^REGISTRY_UNAVAILABLE: etcd unavailable at http:\/\/127\.0\.0\.1:\d+/),
      noCertificate: expect.stringMatching(/^REGISTRY_UNAVAILABLE: etcd unavailable at https:\/\/127\.0\.0\.1:\d+/),
      noUser: expect.stringMatching(/^REGISTRY_ERROR: .*permission denied/),
      wrongPassword: expect.stringMatching(/^REGISTRY_ERROR: .*authentication failed/),
      otherKeyspace: expect.stringMatching(/^REGISTRY_ERROR: .*permission denied/),
      allowed: 'ok',
    });
  });

  test('an agent\'s TCP API: 401 without the token or with another, 200 with it; nothing in plain HTTP', async () => {
    const url = `${base()}/fleet/v1/machines?alt=json`;
    const without = await client.request('GET', url, { token: null });
    expect([without.status, without.json]).toEqual([401, { error: { code: 401, message: 'missing or invalid bearer token' } }]);
    expect((await client.request('GET', url, { token: 'not-the-token' })).status).toBe(401);
    const withToken = await client.request('GET', url);
    expect(withToken.status).toBe(200);
    expect((withToken.json as { machines: unknown[] }).machines).toHaveLength(2);
    const plain = await fetch(url.replace('https://', 'http://'), { signal: AbortSignal.timeout(5000) }).then((r) => `HTTP ${r.status}`, (e: Error) => e.message);
    expect(plain).not.toMatch(/^HTTP 2/);
  });

  test('the CLI with the cluster\'s environment lists, starts, and reads status and journal through the TCP API', async () => {
    expect(tableRows((await cli(['list-machines', '--no-legend'])).stdout)).toHaveLength(2);
    const started = await cli(['start', path.join(REPO_DIR, 'units/hello.service')]);
    expect([started.code, started.stderr]).toEqual([0, '']);
    const status = await cli(['status', 'hello.service']);
    expect([status.code, status.stdout]).toEqual([0, expect.stringMatching(/hello\.service/)]);
    const journal = await waitUntil('hello.service journal lines', async () => {
      const j = await cli(['journal', '--lines', '5', 'hello.service']);
      return j.code === 0 && j.stdout.trim() !== '' ? j : undefined;
    }, { timeoutMs: 20_000, intervalMs: 500 });
    expect(journal.stderr).toBe('');
  });
});
