/**
 * `/v2/machines` with scheduling states and `/v2/machines/<id>/cordon` against a real etcd (docs/api.md,
 * docs/machine-lifecycle.md): cordon, drain with a deadline, drained once nothing is scheduled there,
 * uncordon; bad input is a 4xx naming what is wrong, never 500; fleet's PATCH cannot touch the reserved keys;
 * TCP needs the token as every other route.
 */
import { pino } from 'pino';
import { beforeEach, describe, expect, test } from 'vitest';
import type { EtcdRegistry, MachineRecord } from '@flotilla/core';
import { useApiServer } from '../test-support/api-server-fixture.js';
import { request, type Target } from '../test-support/http.js';
import { startApiServer } from './server.js';

const logger = pino({ level: 'silent' });
const ID_A = '113f16a7b2c4d6e8f0a1b2c3d4e5f6a7';
const ID_B = '2c2e6f3d9a8b7c6d5e4f3a2b1c0d9e8f';
const OPTIONS = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];
const machine = (id: string, hostname: string): MachineRecord => ({ id, hostname, ip: '10.0.0.1', metadata: { role: 'web' }, version: 't', startedAt: 1 });
const error = (code: number, message: unknown) => ({ error: { code, message } });

let registry: EtcdRegistry;
let sock: Target;

useApiServer((f) => ({ registry, target: sock } = f), { listen: 'unix' });
beforeEach(async () => {
  await registry.registerMachine(machine(ID_A, 'a'), 30);
  await registry.registerMachine(machine(ID_B, 'b'), 30);
});

type MachineEntry = { id: string; state: string; cordon?: { since: number; drain?: { startedAt: number; deadlineAt?: number } } };
const machinesV2 = async () => ((await request(sock, 'GET', '/v2/machines')).json as { machines: MachineEntry[] }).machines;
const stateOf = async (id: string) => (await machinesV2()).find((m) => m.id === id)?.state;

/** Schedules a launched unit on `machineId`, as the scheduler would. */
async function placeUnit(name: string, machineId: string, global = false): Promise<void> {
  const options = global ? [...OPTIONS, { section: 'X-Fleet', name: 'Global', value: 'true' }] : OPTIONS;
  await registry.submitUnit({ name, options }, { desiredState: 'launched' });
  if (global) return;
  const snapshot = await registry.snapshot();
  await registry.assign(snapshot.units.find((u) => u.name === name)!, snapshot.unitRevisions.get(name)!, machineId);
}

describe('cordon and drain', () => {
  test('GET /v2/machines says each machine is schedulable, with hostname and no cordon', async () => {
    expect(await machinesV2()).toEqual([
      { id: ID_A, primaryIP: '10.0.0.1', metadata: { role: 'web' }, hostname: 'a', version: 't', startedAt: 1, state: 'schedulable' },
      { id: ID_B, primaryIP: '10.0.0.1', metadata: { role: 'web' }, hostname: 'b', version: 't', startedAt: 1, state: 'schedulable' },
    ]);
  });

  test('cordon, drain with a deadline, drained when nothing is left, uncordon', async () => {
    await placeUnit('web.service', ID_A);
    await placeUnit('everywhere.service', ID_A, true);
    const before = Date.now();
    const cordoned = await request(sock, 'PUT', `/v2/machines/${ID_A}/cordon`, {});
    expect(cordoned.status).toBe(200);
    expect(cordoned.json).toMatchObject({ id: ID_A, state: 'cordoned', cordon: { since: expect.any(Number) } });
    const since = (cordoned.json as MachineEntry).cordon!.since;
    expect(since).toBeGreaterThanOrEqual(before);
    expect((await registry.listMachines()).find((m) => m.id === ID_A)?.cordon).toEqual({ since });

    const draining = await request(sock, 'PUT', `/v2/machines/${ID_A}/cordon`, { drain: true, deadline: '5m' });
    expect(draining.status).toBe(200);
    const cordon = (draining.json as MachineEntry).cordon!;
    expect(draining.json).toMatchObject({ state: 'draining', cordon: { since } });
    expect(cordon.drain!.deadlineAt! - cordon.drain!.startedAt).toBeGreaterThanOrEqual(300_000);
    expect(cordon.drain!.deadlineAt! - cordon.drain!.startedAt).toBeLessThan(302_000);

    // A plain cordon leaves the drain running (the CLI's rule too: core's nextCordon).
    expect(((await request(sock, 'PUT', `/v2/machines/${ID_A}/cordon`, '')).json as MachineEntry).cordon).toEqual(cordon);
    expect(await stateOf(ID_B)).toBe('schedulable');

    await registry.unassign('web.service', ID_A);
    expect(await stateOf(ID_A)).toBe('drained');

    const uncordoned = await request(sock, 'DELETE', `/v2/machines/${ID_A}/cordon`);
    expect([uncordoned.status, (uncordoned.json as MachineEntry).state, (uncordoned.json as MachineEntry).cordon]).toEqual([200, 'schedulable', undefined]);
    expect((await registry.listMachines()).find((m) => m.id === ID_A)?.cordon).toBeUndefined();
  });

  test.each<[string, string, string, unknown, number, unknown]>([
    // The rest is V8's JSON.parse message, which differs between Node versions.
    ['not JSON', 'PUT', ID_A, '{drain', 400, expect.stringMatching(/^unable to decode body: \S/)],
    ['an array', 'PUT', ID_A, '[]', 400, 'body must be a JSON object like {} or {"drain": true, "deadline": "5m"}'],
    ['an unknown field', 'PUT', ID_A, { drain: true, deadLine: '5m' }, 400, 'unknown field "deadLine": expected drain, deadline'],
    ['drain not a boolean', 'PUT', ID_A, { drain: 'yes' }, 400, 'invalid drain "yes": expected true or false'],
    ['a bad deadline', 'PUT', ID_A, { drain: true, deadline: '5 parsecs' }, 400, 'invalid deadline "5 parsecs": expected a time span like 90s, 5m or 1h30m'],
    ['a numeric deadline', 'PUT', ID_A, { drain: true, deadline: 300 }, 400, 'invalid deadline 300: expected a time span like 90s, 5m or 1h30m'],
    ['a deadline without drain', 'PUT', ID_A, { deadline: '5m' }, 400, 'deadline needs "drain": true'],
    ['an unknown machine', 'PUT', 'ffffffffffffffffffffffffffffffff', {}, 404, 'machine "ffffffffffffffffffffffffffffffff" does not exist'],
    ['an unknown machine (DELETE)', 'DELETE', 'nope', undefined, 404, 'machine "nope" does not exist'],
    ['GET on the cordon', 'GET', ID_A, undefined, 405, 'only PUT and DELETE supported against this resource'],
    ['POST to the machines', 'POST', '', {}, 405, 'only GET supported against this resource'],
  ])('refused: %s', async (_name, method, id, body, status, message) => {
    const target = id === '' ? '/v2/machines' : `/v2/machines/${id}/cordon`;
    const reply = await request(sock, method, target, body);
    expect([reply.status, reply.json]).toEqual([status, error(status, message)]);
    expect((await registry.listMachines()).every((m) => m.cordon === undefined)).toBe(true);
  });

  test.each([
    ['add', { op: 'add', path: `/${ID_A}/metadata/_flotilla.cordon`, value: { value: '{"since":1}' } }, '_flotilla.cordon'],
    ['remove', { op: 'remove', path: `/${ID_A}/metadata/_flotilla.cordon` }, '_flotilla.cordon'],
    ['another reserved key', { op: 'replace', path: `/${ID_A}/metadata/_flotilla.x`, value: { value: 'y' } }, '_flotilla.x'],
  ])('PATCH /fleet/v1/machines refuses a reserved key (%s), and writes nothing of the batch', async (_name, op, key) => {
    await registry.setMachineCordon(ID_A, { since: 7 });
    const ok = { op: 'add', path: `/${ID_B}/metadata/zone`, value: { value: 'a' } };
    const reply = await request(sock, 'PATCH', '/fleet/v1/machines?alt=json', [ok, op]);
    expect([reply.status, reply.json]).toEqual([400, error(400, `machine metadata key "${key}" is reserved for Flotilla (cordon with PUT /v2/machines/<id>/cordon)`)]);
    const machines = await registry.listMachines();
    expect(machines.find((m) => m.id === ID_A)?.cordon).toEqual({ since: 7 });
    expect(machines.find((m) => m.id === ID_B)?.metadata).toEqual({ role: 'web' });
    // v1 never shows the reserved key as metadata.
    const v1 = (await request(sock, 'GET', '/fleet/v1/machines?alt=json')).json as { machines: { metadata: Record<string, string> }[] };
    expect(v1.machines.map((m) => m.metadata)).toEqual([{ role: 'web' }, { role: 'web' }]);
  });

  test.each([
    ['a space', 'a b', 'invalid character " " in machine id'],
    ['..', '..', 'machine id cannot be ".."'],
    ['a percent sign', 'a%2Fb', 'invalid character "%" in machine id'],
    ['non-ASCII', 'mé', 'invalid character "é" in machine id'],
    ['a control character', 'm\u0001', 'invalid character "\\u0001" in machine id'],
    ['129 characters', 'a'.repeat(129), 'machine id exceeds maximum length (128)'],
  ])('PATCH /fleet/v1/machines refuses a machine id with %s: 400, nothing of the batch written', async (_name, id, reason) => {
    const ok = { op: 'add', path: `/${ID_B}/metadata/zone`, value: { value: 'a' } };
    const reply = await request(sock, 'PATCH', '/fleet/v1/machines?alt=json', [ok, { op: 'add', path: `/${id}/metadata/zone`, value: { value: 'a' } }]);
    expect([reply.status, reply.json]).toEqual([400, error(400, `machine metadata path invalid: ${reason}`)]);
    expect((await registry.listMachines()).find((m) => m.id === ID_B)?.metadata).toEqual({ role: 'web' });
  });

  test('on TCP the cordon routes need the token, like every other route', async () => {
    const tcp = await startApiServer({ registry, logger, version: 't', token: 's3cret', listen: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }] });
    try {
      const port = (tcp.addresses[0] as { port: number }).port;
      const anonymous = await request({ port }, 'PUT', `/v2/machines/${ID_A}/cordon`, {});
      expect([anonymous.status, anonymous.json]).toEqual([401, error(401, 'missing or invalid bearer token')]);
      expect((await request({ port }, 'DELETE', `/v2/machines/${ID_A}/cordon`)).status).toBe(401);
      expect((await registry.listMachines()).every((m) => m.cordon === undefined)).toBe(true);
      const authed = await request({ port, token: 's3cret' }, 'PUT', `/v2/machines/${ID_A}/cordon`, { drain: true });
      expect([authed.status, (authed.json as MachineEntry).state]).toEqual([200, 'drained']);
    } finally {
      await tcp.close();
    }
  });
});
