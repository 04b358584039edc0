/**
 * `PUT /v2/units/<template>/scale` and `GET /v2/services` against a real etcd (docs/api.md, docs/services.md):
 * the count is recorded (the scheduler, absent here, makes it real), the template stored from the lowest
 * instance when the registry has none; bad input is a 4xx naming what is wrong (with a hint where there is one), never a 500, and writes nothing;
 * on TCP the token is needed as on every other route.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import type { EtcdRegistry } from '@flotilla/core';
import { useApiServer } from '../test-support/api-server-fixture.js';
import { request, type Target } from '../test-support/http.js';

const OPTIONS = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];
const TOKEN = 'scale-t0ken';

let registry: EtcdRegistry;
let sock: Target;
let tcp: Target;

useApiServer((f) => {
  ({ registry, target: sock } = f);
  tcp = { port: f.port! };
}, { listen: 'unix+tcp', token: TOKEN });
beforeEach(async () => {
  await registry.submitUnit({ name: 'app@.service', options: OPTIONS });
});

const units = async () => Object.fromEntries((await registry.listUnits()).map((u) => [u.name, u.desiredState]));

describe('scale', () => {
  test('records the count, changes it, keeps 0; GET /v2/services lists it with its active instances', async () => {
    await registry.submitUnit({ name: 'app@blue.service', options: OPTIONS }, { desiredState: 'launched' });
    await registry.submitUnit({ name: 'app@2.service', options: OPTIONS }, { desiredState: 'launched' });
    await registry.submitUnit({ name: 'app@5.service', options: OPTIONS }, { desiredState: 'launched' });
    const three = await request(sock, 'PUT', '/v2/units/app@/scale', { count: 3 });
    // What the count asks of the scheduler: create or launch app@1 and app@3, destroy app@5.
    expect([three.status, three.json]).toEqual([200, { template: 'app@.service', count: 3, launched: ['app@1.service', 'app@3.service'], destroyed: ['app@5.service'] }]);
    expect(await registry.getService('app@.service')).toEqual({ template: 'app@.service', count: 3 });
    const zero = await request(sock, 'PUT', `/v2/units/${encodeURIComponent('app@.service')}/scale`, { count: 0 });
    expect(zero.json).toEqual({ template: 'app@.service', count: 0, launched: [], destroyed: ['app@5.service', 'app@2.service'] });
    // The scheduler's to change: the API only recorded the count.
    expect(await units()).toEqual({ 'app@.service': 'inactive', 'app@2.service': 'launched', 'app@5.service': 'launched', 'app@blue.service': 'launched' });
    const listed = await request(sock, 'GET', '/v2/services');
    expect([listed.status, listed.json]).toEqual([200, { services: [{ template: 'app@.service', count: 0, running: 0 }] }]);
  });

  test('without the template in the registry, it is stored from the lowest-numbered instance (the CLI scaled from a file)', async () => {
    await registry.destroyUnit('app@.service');
    const other = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 2000' }];
    await registry.submitUnit({ name: 'web@2.service', options: other }, { desiredState: 'launched' });
    await registry.submitUnit({ name: 'web@10.service', options: OPTIONS }, { desiredState: 'launched' });
    const reply = await request(sock, 'PUT', '/v2/units/web@.service/scale', { count: 3 });
    expect(reply.json).toEqual({ template: 'web@.service', count: 3, launched: ['web@1.service', 'web@3.service'], destroyed: ['web@10.service'] });
    expect((await registry.getUnit('web@.service'))?.options).toEqual(other);
    expect(await registry.getService('web@.service')).toEqual({ template: 'web@.service', count: 3 });
  });

  test.each([
    ['no body', '', 'unable to decode body: Unexpected end of JSON input'],
    ['not an object', '[3]', 'body must be a JSON object like {"count": 3}'],
    ['misspelt field', '{"cuont": 3}', 'unknown field "cuont": expected count'],
    ['negative', '{"count": -1}', 'invalid count -1: expected a whole number 0..1000'],
    ['fraction', '{"count": 1.5}', 'invalid count 1.5: expected a whole number 0..1000'],
    ['string', '{"count": "3"}', 'invalid count "3": expected a whole number 0..1000'],
    ['too many', '{"count": 1001}', 'invalid count 1001: expected a whole number 0..1000'],
  ])('%s → 400, nothing written', async (_n, body, message) => {
    const before = await units();
    const reply = await request(sock, 'PUT', '/v2/units/app@/scale', body);
    expect([reply.status, reply.json]).toEqual([400, { error: { code: 400, message } }]);
    expect(await units()).toEqual(before);
    expect(await registry.listServices()).toEqual([]);
  });

  test('not a template → 400; a template not in the registry → 404 with a hint; GET → 405; nothing written', async () => {
    const before = await units();
    const plain = await request(sock, 'PUT', '/v2/units/hello.service/scale', { count: 2 });
    expect([plain.status, plain.json]).toEqual([400, { error: { code: 400, message: '"hello.service" is not a template (expected NAME@ or NAME@.service)' } }]);
    const missing = await request(sock, 'PUT', '/v2/units/web@/scale', { count: 2 });
    expect([missing.status, missing.json]).toEqual([
      404,
      { error: { code: 404, message: 'template "web@.service" is not in the registry, nor any instance of it', hint: 'submit it first: flotilla submit units/web@.service' } },
    ]);
    expect((await request(sock, 'GET', '/v2/units/app@/scale')).status).toBe(405);
    expect(await units()).toEqual(before);
  });

  test('on TCP: without the token 401 and nothing written; with it 200', async () => {
    const refused = await request(tcp, 'PUT', '/v2/units/app@/scale', { count: 2 });
    expect([refused.status, refused.json]).toEqual([401, { error: { code: 401, message: 'missing or invalid bearer token' } }]);
    expect(Object.keys(await units())).toEqual(['app@.service']);
    const ok = await request({ ...tcp, token: TOKEN }, 'PUT', '/v2/units/app@/scale', { count: 2 });
    expect(ok.status).toBe(200);
  });
});
