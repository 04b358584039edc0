/**
 * The API server against a real etcd, driven the way fleetctl's generated client drives fleet (`?alt=json` on
 * every request, page tokens followed, PUT name+options to create, PUT name+desiredState to change state).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { beforeEach, describe, expect, test } from 'vitest';
import { keyedRecord, sleep, withDeadline, type EtcdRegistry, type MachineRecord, type PresenceLease } from '@flotilla/core';
import { useApiServer } from '../test-support/api-server-fixture.js';
import { selfSigned } from '../test-support/certs.js';
import { request, type Target } from '../test-support/http.js';
import { HOLD_MAX_MS } from './recent-stops.js';
import { startApiServer } from './server.js';

const logger = pino({ level: 'silent' });
const OPTIONS = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];
const machine = (id: string, metadata: Record<string, string> = {}): MachineRecord =>
  ({ id, hostname: id, ip: `10.0.0.${id.length}`, metadata, version: 't', startedAt: 1 });

let registry: EtcdRegistry;
let dir: string;
let sock: Target;
let ready = true;

beforeEach(() => {
  ready = true;
});
useApiServer((f) => {
  ({ registry, target: sock } = f);
  dir = f.dir!;
}, {
  listen: 'unix', server: () => ({ version: '9.9.9', ready: () => ready }),
});

const get = (p: string) => request(sock, 'GET', `${p}${p.includes('?') ? '&' : '?'}alt=json`);
const put = (p: string, body: unknown) => request(sock, 'PUT', `${p}?alt=json`, body);
const error = (code: number, message: string) => ({ error: { code, message } });

/** fleetctl's List loop: follow nextPageToken until absent; returns every item and the tokens seen. */
async function listAll(resource: string, key: string): Promise<{ items: unknown[]; tokens: string[] }> {
  const items: unknown[] = [];
  const tokens: string[] = [];
  let token: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const reply = await get(`/fleet/v1/${resource}${token ? `?nextPageToken=${encodeURIComponent(token)}` : ''}`);
    expect(reply.status).toBe(200);
    const page = reply.json as Record<string, unknown>;
    items.push(...((page[key] as unknown[] | undefined) ?? []));
    token = page.nextPageToken as string | undefined;
    if (!token) return { items, tokens };
    tokens.push(token);
  }
  throw new Error('pagination did not end');
}

describe('units, as fleetctl drives them', () => {
  test('create with name+options, read, set state with name+desiredState, destroy', async () => {
    expect((await put('/fleet/v1/units/hello.service', { name: 'hello.service', options: OPTIONS })).status).toBe(201);
    const created = await get('/fleet/v1/units/hello.service');
    expect(created.status).toBe(200);
    expect(created.headers['content-type']).toBe('application/json');
    expect(created.headers.server).toBe('fleetd/9.9.9');
    expect(created.json).toEqual({ name: 'hello.service', options: OPTIONS, desiredState: 'inactive', currentState: 'inactive' });
    expect((await put('/fleet/v1/units/hello.service', { name: 'hello.service', desiredState: 'launched' })).status).toBe(204);
    expect(((await get('/v1-alpha/units/hello.service')).json as { desiredState: string }).desiredState).toBe('launched');
    expect((await request(sock, 'DELETE', '/fleet/v1/units/hello.service?alt=json')).status).toBe(204);
    const gone = await request(sock, 'DELETE', '/fleet/v1/units/hello.service?alt=json');
    expect([gone.status, gone.json]).toEqual([404, error(404, 'unit does not exist')]);
    expect((await get('/fleet/v1/units/hello.service')).json).toEqual(error(404, 'unit does not exist'));
  });

  test('listing 250 units follows fleet page tokens, in name order', async () => {
    const names = Array.from({ length: 250 }, (_, i) => `u${String(i).padStart(3, '0')}.service`);
    for (const name of names) await registry.submitUnit({ name, options: OPTIONS });
    const { items, tokens } = await listAll('units', 'units');
    expect(tokens).toEqual(['ZAACAA==', 'ZAADAA==']);
    expect(items.map((u) => (u as { name: string }).name)).toEqual(names);
    const all = (await get('/v2/units')).json as { units: unknown[] };
    expect(all.units).toEqual(items);
  });

  test('an exact multiple of the page size ends with one empty page', async () => {
    for (let i = 0; i < 100; i++) await registry.submitUnit({ name: `e${String(i).padStart(3, '0')}.service`, options: OPTIONS });
    const last = await get('/fleet/v1/units?nextPageToken=ZAACAA%3D%3D');
    expect([last.status, last.json]).toEqual([200, {}]);
  });

  test.each([
    ['no such unit, no options', 'new.service', { name: 'new.service', desiredState: 'launched' }, 409, 'unit does not exist and options field empty'],
    ['existing, no desiredState', 'old.service', { name: 'old.service' }, 409, 'must provide DesiredState to update existing unit'],
    ['template activation', 'tpl@.service', { desiredState: 'launched' }, 400, 'cannot activate template "tpl@.service"'],
    ['bad name', 'bad', { options: OPTIONS }, 400, 'unit name must contain "."'],
    ['conflicting options', 'c.service', { options: [{ section: 'X-Fleet', name: 'MachineID', value: 'a' }, { section: 'X-Fleet', name: 'Global', value: 'true' }] }, 400, 'MachineID cannot be used with Global'],
    ['names differ', 'old.service', { name: 'x.service' }, 400, 'name in URL "old.service" differs from unit name in request body "x.service"'],
    ['invalid state', 'old.service', { desiredState: 'up' }, 400, 'invalid desiredState "up": expected inactive, loaded or launched'],
  ])('PUT refused: %s', async (_n, name, body, status, message) => {
    await registry.submitUnit({ name: 'old.service', options: OPTIONS });
    await registry.submitUnit({ name: 'tpl@.service', options: OPTIONS });
    const reply = await put(`/fleet/v1/units/${encodeURIComponent(name)}`, body);
    expect([reply.status, reply.json]).toEqual([status, error(status, message)]);
  });

  // Names no unit may be created under (docs/fleetctl-compat.md, "Unit names"): fleet's 400 body, nothing written.
  test.each([
    ['238 bytes: the agent\'s files would not fit', `${'a'.repeat(230)}.service`, "unit name exceeds maximum length (237 bytes, so that the agent's file names fit in 255)"],
    ...['target', 'slice', 'scope', 'swap'].map((type) => [`a .${type}: never run by the agent`, `a.${type}`,
      `unit type "${type}" is not run by Flotilla: the accepted types are .service, .socket, .timer, .path, .device, .mount, .automount and .container`]),
    ['.service: a hidden file for the agent', '.service', 'unit name cannot start in "."'],
    ['.x.service', '.x.service', 'unit name cannot start in "."'],
  ])('PUT creating %s → 400, nothing written', async (_n, name, message) => {
    const reply = await put(`/fleet/v1/units/${encodeURIComponent(name)}`, { name, options: OPTIONS, desiredState: 'launched' });
    expect([reply.status, reply.json]).toEqual([400, error(400, message)]);
    expect(await registry.listUnits()).toEqual([]);
  });

  test('PUT with other contents replaces the unit and resets its state (201)', async () => {
    await registry.submitUnit({ name: 'r.service', options: OPTIONS }, { desiredState: 'launched' });
    const next = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 2000' }];
    expect((await put('/fleet/v1/units/r.service', { options: next })).status).toBe(201);
    expect((await get('/fleet/v1/units/r.service')).json).toMatchObject({ options: next, desiredState: 'inactive' });
  });

  test('PUT without JSON content type is 415', async () => {
    const reply = await request(sock, 'PUT', '/fleet/v1/units/a.service', '{}', { 'Content-Type': 'text/plain' });
    expect([reply.status, reply.json]).toEqual([415, error(415, 'only acceptable Content-Type is application/json')]);
  });
});

describe('state and machines', () => {
  let leases: PresenceLease[];
  beforeEach(async () => {
    leases = [await registry.registerMachine(machine('m1', { region: 'eu' }), 10), await registry.registerMachine(machine('m22'), 10)];
    const publish = (unit: string, machineId: string, lease: PresenceLease) =>
      registry.publishState({ unit, machineId, hash: 'h', loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: 1 }, lease);
    await publish('b.service', 'm22', leases[1] as PresenceLease);
    await publish('a.service', 'm22', leases[1] as PresenceLease);
    await publish('a.service', 'm1', leases[0] as PresenceLease);
  });

  test.each([
    ['all, by unit then machine', '', [['a.service', 'm1'], ['a.service', 'm22'], ['b.service', 'm22']]],
    ['unitName filter', '?unitName=a.service', [['a.service', 'm1'], ['a.service', 'm22']]],
    ['machineID filter', '?machineID=m22', [['a.service', 'm22'], ['b.service', 'm22']]],
    ['both filters', '?machineID=m1&unitName=b.service', []],
  ])('GET /state %s', async (_n, query, expected) => {
    const reply = await get(`/fleet/v1/state${query}`);
    const states = ((reply.json as { states?: { name: string; machineID: string }[] }).states ?? []).map((s) => [s.name, s.machineID]);
    expect(states).toEqual(expected);
  });

  test('GET /v2/state: the same states in one response', async () => {
    const paged = ((await get('/fleet/v1/state?machineID=m22')).json as { states: unknown[] }).states;
    expect(((await get('/v2/state?machineID=m22')).json as { states: unknown[] }).states).toEqual(paged);
  });

  test('GET /state/<name>: first state, field names; 404', async () => {
    expect((await get('/fleet/v1/state/a.service')).json).toEqual({
      name: 'a.service', hash: 'h', machineID: 'm1', systemdLoadState: 'loaded', systemdActiveState: 'active', systemdSubState: 'running',
    });
    expect((await get('/fleet/v1/state/none.service')).json).toEqual(error(404, 'unit state does not exist'));
  });

  test('PATCH /machines sets and removes dynamic metadata', async () => {
    const patch = [
      { op: 'add', path: '/m1/metadata/disk', value: { value: 'ssd' } },
      { op: 'remove', path: '/m1/metadata/region' },
    ];
    expect((await request(sock, 'PATCH', '/fleet/v1/machines?alt=json', patch)).status).toBe(204);
    expect((await get('/fleet/v1/machines')).json).toEqual({
      machines: [{ id: 'm1', primaryIP: '10.0.0.2', metadata: { disk: 'ssd' } }, { id: 'm22', primaryIP: '10.0.0.3' }],
    });
    const bad = await request(sock, 'PATCH', '/fleet/v1/machines', [{ op: 'add', path: '/m1/metadata/x', value: 'flat' }]);
    expect([bad.status, bad.json]).toEqual([400, error(400, 'invalid value: add and replace require a value')]);
  });

  // Metadata keys are the user's: names of Object.prototype's members are ordinary keys (core user-keys.ts).
  test('metadata keys __proto__, constructor, toString, hasOwnProperty: set by PATCH or by the machine, read back as set', async () => {
    leases.push(await registry.registerMachine(machine('m333', keyedRecord([['__proto__', 'own'], ['constructor', 'own']])), 10));
    const patch = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'].map((key) => ({ op: 'add', path: `/m1/metadata/${key}`, value: { value: `${key}-v` } }));
    expect((await request(sock, 'PATCH', '/fleet/v1/machines?alt=json', patch)).status).toBe(204);
    const m1 = '{"region":"eu","__proto__":"__proto__-v","constructor":"constructor-v","toString":"toString-v","hasOwnProperty":"hasOwnProperty-v"}';
    expect((await get('/fleet/v1/machines')).json).toEqual(JSON.parse(
      `{"machines":[{"id":"m1","primaryIP":"10.0.0.2","metadata":${m1}},{"id":"m22","primaryIP":"10.0.0.3"},{"id":"m333","primaryIP":"10.0.0.4","metadata":{"__proto__":"own","constructor":"own"}}]}`,
    ));
    const snapshot = await registry.snapshot();
    expect(snapshot.machines.map((m) => [m.id, Object.entries(m.metadata).sort()])).toEqual([
      ['m1', Object.entries(JSON.parse(m1) as object).sort()],
      ['m22', []],
      ['m333', [['__proto__', 'own'], ['constructor', 'own']]],
    ]);
  });

  test.each([
    ['scheduled to m1 while m22 publishes: the target (as fleet)', 'm1', { currentState: 'inactive', machineID: 'm1' }],
    ['scheduled to m22, which publishes', 'm22', { currentState: 'launched', machineID: 'm22' }],
    ['not scheduled: no machineID', undefined, { currentState: 'launched' }],
  ])('GET /units/<name> machineID: %s; the same entity as in the list', async (_n, target, expected) => {
    const unit = await registry.submitUnit({ name: 'b.service', options: OPTIONS }, { desiredState: 'launched' });
    if (target) await registry.assign(unit, (await registry.snapshot()).unitRevisions.get('b.service') as string, target);
    const one = (await get('/fleet/v1/units/b.service')).json;
    expect(one).toEqual({ name: 'b.service', options: OPTIONS, desiredState: 'launched', ...expected });
    expect(((await get('/v2/units')).json as { units: unknown[] }).units).toEqual([one]);
  });

  test('bad page token is a 400 JSON error', async () => {
    const reply = await get('/fleet/v1/machines?nextPageToken=ZAAAAA%3D%3D');
    expect([reply.status, reply.headers['content-type'], reply.json]).toEqual([400, 'application/json', error(400, 'token page must be greater than zero')]);
  });
});

describe("fleetctl 1.0's restart: PUT loaded, look every 250 ms for launched, PUT launched (the test plays the agent)", () => {
  const NAME = 'r.service';
  const unitPath = `/fleet/v1/units/${NAME}`;
  let lease: PresenceLease;
  const publish = (activeState: string) =>
    registry.publishState({ unit: NAME, machineId: 'm1', hash: 'h', loadState: 'loaded', activeState, subState: '', updatedAt: 1 }, lease);
  const currentState = async (p: string) => ((await get(p)).json as { currentState?: string }).currentState;
  const listed = async (p: string) => ((await get(p)).json as { units: { currentState?: string }[] }).units[0]?.currentState;
  beforeEach(async () => {
    lease = await registry.registerMachine(machine('m1'), 10);
    const unit = await registry.submitUnit({ name: NAME, options: OPTIONS }, { desiredState: 'launched' });
    await registry.assign(unit, (await registry.snapshot()).unitRevisions.get(NAME) as string, 'm1');
    await publish('active');
  });

  test('once stopped, GET /units/<n> on this agent reads launched (nothing else does) until the next PUT', async () => {
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-api-other-'));
    const other = await startApiServer({ registry, logger, version: 't', listen: [{ kind: 'unix', path: path.join(otherDir, 'o.sock') }] });
    try {
      expect((await put(unitPath, { desiredState: 'loaded', name: NAME })).status).toBe(204);
      await publish('inactive');
      expect([await currentState(unitPath), await currentState(`/v1-alpha/units/${NAME}`)]).toEqual(['launched', 'launched']);
      expect([await listed('/fleet/v1/units'), await listed('/v2/units')]).toEqual(['loaded', 'loaded']);
      const otherAgent = await request({ socketPath: path.join(otherDir, 'o.sock') }, 'GET', `${unitPath}?alt=json`);
      expect((otherAgent.json as { currentState?: string }).currentState).toBe('loaded');
      expect((await put(unitPath, { desiredState: 'launched', name: NAME })).status).toBe(204);
      expect(await currentState(unitPath)).toBe('loaded');
    } finally {
      await other.close();
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });

  test('stop (launched → loaded) through the etcd registry, not this API: no echo', async () => {
    await registry.setDesiredState(NAME, 'loaded');
    await publish('inactive');
    expect(await currentState(unitPath)).toBe('loaded');
  });

  test('a start that overtakes its stop waits until no machine runs the unit, then is written', async () => {
    expect((await put(unitPath, { desiredState: 'loaded', name: NAME })).status).toBe(204);
    const sent = Date.now();
    const start = put(unitPath, { desiredState: 'launched', name: NAME });
    const early = await Promise.race([start.then(() => 'answered'), sleep(300).then(() => 'held')]);
    expect([early, (await registry.getUnit(NAME))?.desiredState]).toEqual(['held', 'loaded']);
    await publish('inactive');
    expect((await start).status).toBe(204);
    expect(Date.now() - sent).toBeLessThan(HOLD_MAX_MS);
    expect((await registry.getUnit(NAME))?.desiredState).toBe('launched');
  });

  test('a stop that never takes effect holds the start HOLD_MAX_MS at most', async () => {
    expect((await put(unitPath, { desiredState: 'loaded', name: NAME })).status).toBe(204);
    const sent = Date.now();
    expect((await put(unitPath, { desiredState: 'launched', name: NAME })).status).toBe(204);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(HOLD_MAX_MS);
    expect(Date.now() - sent).toBeLessThan(HOLD_MAX_MS + 1000);
    expect((await registry.getUnit(NAME))?.desiredState).toBe('launched');
  });
});

describe('serving', () => {
  test('405 bodies, discovery, 503 before registration (without Server header)', async () => {
    const wrong = await request(sock, 'POST', '/fleet/v1/units');
    expect([wrong.status, wrong.json]).toEqual([405, error(405, 'only GET supported against this resource')]);
    const discovery = await get('/fleet/v1/discovery');
    expect(discovery.json).toMatchObject({ id: 'fleet:v1', servicePath: 'fleet/v1/', rootUrl: 'http://localhost/' });
    ready = false;
    const unavailable = await get('/fleet/v1/units');
    expect([unavailable.status, unavailable.json, unavailable.headers.server]).toEqual([
      503, error(503, 'fleet server unable to communicate with etcd'), undefined,
    ]);
  });

  test('TCP with TLS and a token: refused without the token, served with it; the unix socket needs none', async () => {
    const tls = selfSigned(dir, 'localhost', 'DNS:localhost,IP:127.0.0.1');
    const tcp = await startApiServer({
      registry, logger, version: '9.9.9', token: 's3cret',
      listen: [{ kind: 'tcp', host: '127.0.0.1', port: 0, tls: { cert: tls.cert, key: tls.key } }],
    });
    try {
      const port = (tcp.addresses[0] as { port: number }).port;
      const anonymous = await request({ port, tls: { ca: tls.cert } }, 'GET', '/fleet/v1/units');
      expect([anonymous.status, anonymous.json, anonymous.headers['www-authenticate']]).toEqual([
        401, error(401, 'missing or invalid bearer token'), 'Bearer realm="flotilla"',
      ]);
      const wrong = await request({ port, tls: { ca: tls.cert }, token: 'guess' }, 'GET', '/fleet/v1/units');
      expect(wrong.status).toBe(401);
      const authed = await request({ port, tls: { ca: tls.cert }, token: 's3cret' }, 'GET', '/fleet/v1/units');
      expect([authed.status, authed.json]).toEqual([200, {}]);
      expect((await request(sock, 'GET', '/fleet/v1/units')).status).toBe(200);
    } finally {
      await tcp.close();
    }
  });
});

describe('journal follow', () => {

  test.each([
    ['output reaches the introspection', '?lines=3&output=json', [200, '{"lines":3,"follow":false,"output":"json"}\n']],
    ['unknown output refused', '?output=export', [400, { error: { code: 400, message: 'invalid output "export": expected one of short, short-iso, json, cat, verbose' } }]],
  ])('journal %s', async (_n, query, expected) => {
    const jdir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-api-journal-'));
    const jsock = path.join(jdir, 'j.sock');
    const api = await startApiServer({
      registry, logger, version: 't', listen: [{ kind: 'unix', path: jsock }],
      introspect: {
        unitStatus: async () => '',
        unitJournal: async function* (_name, { signal: _signal, ...opts }) {
          yield JSON.stringify(opts);
        },
      },
    });
    try {
      const reply = await request({ socketPath: jsock }, 'GET', `/v2/units/a.service/journal${query}`);
      expect([reply.status, reply.status === 200 ? reply.text : reply.json]).toEqual(expected);
    } finally {
      await api.close();
      fs.rmSync(jdir, { recursive: true, force: true });
    }
  });
  test('streams lines as they come and stops the source when the client goes away', async () => {
    let stopped!: () => void;
    const sourceStopped = new Promise<void>((resolve) => (stopped = resolve));
    const followDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-api-follow-'));
    const follow = await startApiServer({
      registry, logger, version: 't', listen: [{ kind: 'unix', path: path.join(followDir, 'f.sock') }],
      introspect: {
        unitStatus: async () => '',
        unitJournal: async function* (_name, opts) {
          try {
            for (let i = 1; !opts.signal.aborted; i++) {
              yield `line ${i}`;
              await sleep(20);
            }
          } finally {
            stopped();
          }
        },
      },
    });
    try {
      const firstLines = await new Promise<string>((resolve, reject) => {
        const req = http.get({ socketPath: path.join(followDir, 'f.sock'), path: '/v2/units/a.service/journal?follow=true&lines=1' }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => {
            text += d.toString();
            if (text.split('\n').length > 3) {
              req.destroy();
              resolve(text);
            }
          });
        });
        req.on('error', (err) => (err.message === 'socket hang up' ? undefined : reject(err)));
      });
      expect(firstLines.startsWith('line 1\nline 2\nline 3\n')).toBe(true);
      await withDeadline(sourceStopped, 5000, () => new Error('source never stopped'));
    } finally {
      await follow.close();
      fs.rmSync(followDir, { recursive: true, force: true });
    }
  });
});
