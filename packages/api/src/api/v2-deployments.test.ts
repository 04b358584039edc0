/**
 * `/v2/deployments` against a real etcd (docs/api.md, docs/deployments.md): start, read with history, promote; bad
 * input is a 4xx naming what is wrong, never a 500, and writes nothing; a second deployment is a 409 naming the
 * running one.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import type { EtcdRegistry } from '@flotilla/core';
import { useApiServer } from '../test-support/api-server-fixture.js';
import { request, type Target } from '../test-support/http.js';

const v = (n: string, ...extra: { section: string; name: string; value: string }[]) => [{ section: 'Service', name: 'ExecStart', value: `/bin/sleep ${n}` }, ...extra];

let registry: EtcdRegistry;
let sock: Target;
useApiServer((f) => ({ registry, target: sock } = f), { listen: 'unix' });
beforeEach(async () => {
  await registry.scaleService('app@.service', 2, { name: 'app@.service', options: v('1') });
});

describe('/v2/deployments', () => {
  test('POST starts one; GET lists it and gives it with the history; a second is a 409 with the first id; promote', async () => {
    const started = await request(sock, 'POST', '/v2/deployments', { name: 'app@', options: v('2', { section: 'X-Flotilla', name: 'Canary', value: '1' }) });
    expect(started.status).toBe(201);
    const d = (started.json as { deployment: { id: string; state: string; toHash: string } }).deployment;
    expect(d.state).toBe('running');
    expect((await registry.getUnit('app@.service'))?.hash).toBe(d.toHash);
    const list = await request(sock, 'GET', '/v2/deployments');
    expect((list.json as { deployments: { id: string }[] }).deployments.map((x) => x.id)).toEqual([d.id]);
    const one = await request(sock, 'GET', '/v2/deployments/app@.service');
    expect((one.json as { history: { versions: { result: string }[] } }).history.versions.map((x) => x.result)).toEqual(['healthy', 'running']);
    const second = await request(sock, 'POST', '/v2/deployments', { name: 'app@.service', options: v('3') });
    expect(second.status).toBe(409);
    expect(JSON.stringify(second.json)).toContain(d.id);
    expect((await request(sock, 'POST', '/v2/deployments/app@/promote')).status).toBe(200);
    expect((await request(sock, 'POST', '/v2/deployments/app@/promote')).status).toBe(409);
  });

  test.each([
    ['not JSON', 'nope', 400],
    ['unknown field', { name: 'app@', options: v('2'), force: true }, 400],
    ['options not a list', { name: 'app@', options: 'x' }, 400],
    ['not a template', { name: 'app.service', options: v('2') }, 400],
    ['bad strategy key', { name: 'app@', options: v('2', { section: 'X-Flotilla', name: 'MaxParallel', value: 'lots' }) }, 400],
    ['no such service', { name: 'web@', options: v('2') }, 400],
  ])('bad input: %s → %i, nothing written', async (_n, body, status) => {
    const res = await request(sock, 'POST', '/v2/deployments', body);
    expect(res.status).toBe(status);
    expect(await registry.listDeployments()).toEqual([]);
    expect((await registry.getUnit('app@.service'))?.options).toEqual(v('1'));
  });

  test('unknown paths and methods', async () => {
    expect((await request(sock, 'GET', '/v2/deployments/web@')).status).toBe(404);
    expect((await request(sock, 'DELETE', '/v2/deployments')).status).toBe(405);
    expect((await request(sock, 'GET', '/v2/deployments/app@/promote')).status).toBe(405);
  });
});
