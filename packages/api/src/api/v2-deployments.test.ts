/**
 * `/v2/deployments` against a real etcd (docs/api.md, docs/deployments.md): start, read with history, promote; bad
 * input is a 4xx naming what is wrong, never a 500, and writes nothing; a second deployment is a 409 naming the
 * running one. Rollback (the same core function as `flotilla rollback`): the last healthy version or `to`, gated the
 * same way; global units are named as themselves.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import type { DeploymentRecord, EtcdRegistry, Leadership } from '@flotilla/core';
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

/** What the leader's step writes when a deployment ends (no scheduler runs here). */
let leadership: Leadership | undefined;
beforeEach(() => void (leadership = undefined));
async function finish(state: 'succeeded' | 'failed'): Promise<void> {
  leadership ??= await registry.campaign('test', 10, new AbortController().signal);
  const [read] = await registry.readDeployments();
  const d = read!.deployment;
  const written = await registry.applyDeploymentStep({ read: read!, deployment: { ...d, state }, replace: [], revertTemplate: false, results: [{ hash: d.toHash, result: state === 'succeeded' ? 'healthy' : 'failed' }] }, leadership.fence);
  expect(written).toBe(true);
}

describe('POST /v2/deployments/<template>/rollback', () => {
  test('goes back to the last healthy version; 409 naming the running one; then to a version by prefix', async () => {
    const first = (await registry.getUnit('app@.service'))!.hash;
    const started = await request(sock, 'POST', '/v2/deployments', { name: 'app@', options: v('2') });
    const d = (started.json as { deployment: DeploymentRecord }).deployment;
    const busy = await request(sock, 'POST', '/v2/deployments/app@/rollback');
    expect(busy.status).toBe(409);
    expect(JSON.stringify(busy.json)).toContain(d.id);
    await finish('succeeded');
    const back = await request(sock, 'POST', '/v2/deployments/app@.service/rollback');
    expect(back.status).toBe(201);
    const r = (back.json as { deployment: DeploymentRecord; target: { hash: string } });
    expect([r.deployment.rollback, r.deployment.toHash, r.target.hash]).toEqual([true, first, first]);
    expect((await registry.getUnit('app@.service'))?.hash).toBe(first);
    await finish('succeeded');
    const to = await request(sock, 'POST', '/v2/deployments/app@/rollback', { to: d.toHash.slice(0, 7) });
    expect(to.status).toBe(201);
    expect((await registry.getUnit('app@.service'))?.hash).toBe(d.toHash);
  });

  test('a global unit is rolled back by its name', async () => {
    const g = (n: string) => [...v(n), { section: 'X-Fleet', name: 'Global', value: 'true' }];
    await registry.submitUnit({ name: 'g.service', options: g('1') }, { desiredState: 'launched' });
    const first = (await registry.getUnit('g.service'))!.hash;
    expect((await request(sock, 'POST', '/v2/deployments', { name: 'g.service', options: g('2') })).status).toBe(201);
    expect((await request(sock, 'GET', '/v2/deployments/g')).status).toBe(200);
    await finish('failed');
    const back = await request(sock, 'POST', '/v2/deployments/g.service/rollback', {});
    expect(back.status).toBe(201);
    expect((await registry.getUnit('g.service'))?.hash).toBe(first);
  });

  test.each([
    ['unknown service', '/v2/deployments/web@/rollback', undefined, 404],
    ['an instance', '/v2/deployments/app@1.service/rollback', undefined, 400],
    ['not JSON', '/v2/deployments/app@/rollback', 'nope', 400],
    ['unknown field', '/v2/deployments/app@/rollback', { version: 'abc' }, 400],
    ['to not a hash', '/v2/deployments/app@/rollback', { to: 'zz top' }, 400],
    ['to a number', '/v2/deployments/app@/rollback', { to: 7 }, 400],
    ['no such version', '/v2/deployments/app@/rollback', { to: 'abcdef' }, 400],
    ['no earlier version', '/v2/deployments/app@/rollback', undefined, 400],
  ])('refused: %s → %i, nothing written', async (_n, path, body, status) => {
    const res = await request(sock, 'POST', path, body);
    expect(res.status).toBe(status);
    expect(await registry.listDeployments()).toEqual([]);
    expect((await registry.getUnit('app@.service'))?.options).toEqual(v('1'));
  });

  test('GET is not allowed', async () => {
    expect((await request(sock, 'GET', '/v2/deployments/app@/rollback')).status).toBe(405);
  });
});
