import { describe, expect, test } from 'vitest';
import { errorReply } from './http-errors.js';
import { machineJson, unitJson, unitStateJson } from './json.js';
import { parseMachinePatch } from './machine-patch.js';
import { decodePageToken, encodePageToken, pageOf } from './pagination.js';
import { route } from './routes.js';
import { checkContentType, parseUnitPut } from './unit-put.js';
import { journalOptions } from './v2-units.js';

/** The outcome of a pure call: its value, or the HTTP error it maps to. */
function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    const r = errorReply(err);
    return { status: r.status, message: r.body.error.message };
  }
}

describe("page tokens, as fleet's api/pagination.go", () => {
  test.each([
    ['page 1', { limit: 100, page: 1 }, 'ZAABAA=='],
    ['page 2', { limit: 100, page: 2 }, 'ZAACAA=='],
    ['page 3', { limit: 100, page: 3 }, 'ZAADAA=='],
  ])('%s encodes as fleet', (_n, token, text) => {
    expect(encodePageToken(token)).toBe(text);
    expect(decodePageToken([text])).toEqual(token);
  });
  test.each([
    ['no token', [], { limit: 100, page: 1 }],
    ['two tokens', ['ZAABAA==', 'ZAACAA=='], { status: 400, message: 'too many values for page token' }],
    ['bad base64', ['!!!!'], { status: 400, message: 'illegal base64 data at input byte 0' }],
    ['short', ['ZAA='], { status: 400, message: 'unexpected EOF' }],
    ['other limit', [encodePageToken({ limit: 10, page: 1 })], { status: 400, message: 'token limit must be 100' }],
    ['page 0', [encodePageToken({ limit: 100, page: 0 })], { status: 400, message: 'token page must be greater than zero' }],
  ])('%s', (_n, values, expected) => {
    expect(outcome(() => decodePageToken(values))).toEqual(expected);
  });
  const items = (n: number) => Array.from({ length: n }, (_, i) => i);
  test.each([
    ['partial page: no token', 5, 1, { items: items(5) }],
    ['full page: token', 100, 1, { items: items(100), nextPageToken: 'ZAACAA==' }],
    ['exact multiple ends with an empty page', 100, 2, { items: [] }],
    ['second page of 150', 150, 2, { items: items(150).slice(100) }],
  ])('%s', (_n, total, page, expected) => {
    expect(pageOf(items(total), { limit: 100, page })).toEqual(expected);
  });
});

describe("routes, as fleet's api/mux.go", () => {
  test.each([
    ['units list', 'GET', '/fleet/v1/units', { kind: 'units.list' }],
    ['unit get, decoded name', 'GET', '/fleet/v1/units/web%401.service', { kind: 'units.get', name: 'web@1.service' }],
    ['unit put', 'PUT', '/v1-alpha/units/a.service', { kind: 'units.put', name: 'a.service' }],
    ['unit delete', 'DELETE', '/fleet/v1/units/a.service', { kind: 'units.delete', name: 'a.service' }],
    ['units POST', 'POST', '/fleet/v1/units', { status: 405, message: 'only GET supported against this resource' }],
    ['unit POST', 'POST', '/fleet/v1/units/a.service', { status: 405, message: 'only GET, PUT and DELETE supported against this resource' }],
    ['units trailing slash', 'GET', '/fleet/v1/units/', { status: 404, message: '' }],
    ['state list', 'GET', '/fleet/v1/state', { kind: 'state.list' }],
    ['state get', 'GET', '/fleet/v1/state/a.service', { kind: 'state.get', name: 'a.service' }],
    ['state PUT', 'PUT', '/fleet/v1/state', { status: 405, message: 'only GET supported against this resource' }],
    ['machines list', 'GET', '/fleet/v1/machines', { kind: 'machines.list' }],
    ['machines patch', 'PATCH', '/fleet/v1/machines', { kind: 'machines.patch' }],
    ['machines DELETE', 'DELETE', '/fleet/v1/machines', { status: 405, message: 'only GET and PATCH supported against this resource' }],
    ['machine item', 'GET', '/fleet/v1/machines/x', { status: 404, message: '' }],
    ['discovery', 'GET', '/fleet/v1/discovery', { kind: 'discovery' }],
    ['discovery POST', 'POST', '/fleet/v1/discovery', { status: 400, message: 'only HTTP GET supported against this resource' }],
    ['base', 'GET', '/fleet/v1', { status: 405, message: '' }],
    ['root', 'GET', '/', { status: 405, message: '' }],
    ['unknown', 'GET', '/nope', { status: 404, message: '' }],
    ['v2 machines', 'GET', '/v2/machines', { kind: 'v2.machines' }],
    ['v2 units', 'GET', '/v2/units', { kind: 'v2.units' }],
    ['v2 state', 'GET', '/v2/state', { kind: 'v2.state' }],
    ['v2 POST', 'POST', '/v2/units', { status: 405, message: 'only GET supported against this resource' }],
    ['v2 status', 'GET', '/v2/units/a.service/status', { kind: 'v2.status', name: 'a.service' }],
    ['v2 journal', 'GET', '/v2/units/a.service/journal', { kind: 'v2.journal', name: 'a.service' }],
    ['v2 scale, decoded name', 'PUT', '/v2/units/app%40.service/scale', { kind: 'v2.scale', name: 'app@.service' }],
    ['v2 scale GET', 'GET', '/v2/units/app@/scale', { status: 405, message: 'only PUT supported against this resource' }],
    ['v2 scale bad escape', 'PUT', '/v2/units/%E0%A4%A/scale', { status: 404, message: '' }],
  ])('%s', (_n, method, path, expected) => {
    expect(outcome(() => route(method, path))).toEqual(expected);
  });
});

describe("PUT /units body checks in fleet's order (Content-Type, JSON, name)", () => {
  const opts = [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }];
  test.each([
    ['name from URL', '{"options":[{"section":"Service","name":"ExecStart","value":"/bin/true"}]}', { name: 'a.service', options: opts }],
    ['state only', '{"name":"a.service","desiredState":"launched"}', { name: 'a.service', options: [], desiredState: 'launched' }],
    ['names differ', '{"name":"b.service"}', { status: 400, message: 'name in URL "a.service" differs from unit name in request body "b.service"' }],
    ['not JSON', '{', { status: 400, message: expect.stringMatching(/^unable to decode body: /) }],
    ['bad options', '{"options":{}}', { status: 400, message: 'unable to decode body: options must be a list of {section, name, value}' }],
    ['bad desiredState', '{"desiredState":"running"}', { status: 400, message: 'invalid desiredState "running": expected inactive, loaded or launched' }],
  ])('%s', (_n, body, expected) => {
    expect(outcome(() => parseUnitPut(body, 'a.service'))).toEqual(expected);
  });
  test.each([
    ['json', ['Content-Type', 'application/json'], undefined],
    ['json with charset', ['Content-Type', 'application/json; charset=utf-8'], undefined],
    ['missing', [], { status: 415, message: 'expected 1 Content-Type, got 0' }],
    ['twice', ['Content-Type', 'application/json', 'content-type', 'application/json'], { status: 415, message: 'expected 1 Content-Type, got 2' }],
    ['text', ['Content-Type', 'text/plain'], { status: 415, message: 'only acceptable Content-Type is application/json' }],
  ])('content type %s', (_n, raw, expected) => {
    const headers = raw.length ? { 'content-type': raw[raw.length - 1] } : {};
    expect(outcome(() => checkContentType(headers, raw))).toEqual(expected);
  });
});

describe("PATCH /machines body, as fleet's api/machines.go", () => {
  const op = (o: unknown) => JSON.stringify([o]);
  test.each([
    ['add', op({ op: 'add', path: '/m1/metadata/disk', value: { value: 'ssd' } }), [{ machineId: 'm1', key: 'disk', value: 'ssd' }]],
    ['replace', op({ op: 'replace', path: '/m1/metadata/a.b-c_d', value: { value: 'x' } }), [{ machineId: 'm1', key: 'a.b-c_d', value: 'x' }]],
    ['remove', op({ op: 'remove', path: '/m1/metadata/disk' }), [{ machineId: 'm1', key: 'disk' }]],
    ['bad op', op({ op: 'move', path: '/m1/metadata/disk' }), { status: 400, message: 'invalid op: expect add, remove, or replace' }],
    ['bad path', op({ op: 'add', path: '/m1/meta/disk', value: { value: 'x' } }), { status: 400, message: 'machine metadata path invalid' }],
    ['bad key', op({ op: 'add', path: '/m1/metadata/a/b', value: { value: 'x' } }), { status: 400, message: 'machine metadata path invalid' }],
    ['flat value', op({ op: 'add', path: '/m1/metadata/disk', value: 'ssd' }), { status: 400, message: 'invalid value: add and replace require a value' }],
    ['empty value', op({ op: 'add', path: '/m1/metadata/disk', value: { value: '' } }), { status: 400, message: 'invalid value: add and replace require a value' }],
  ])('%s', (_n, body, expected) => {
    expect(outcome(() => parseMachinePatch(body))).toEqual(expected);
  });
});

describe("JSON entities, as fleet's schema/v1.json (empty fields omitted)", () => {
  const unit = { name: 'a.service', options: [], hash: 'h', desiredState: 'launched' as const, global: false };
  const state = (activeState: string, machineId = 'm1') =>
    ({ unit: 'a.service', machineId, hash: 'h', loadState: 'loaded', activeState, subState: 'running', updatedAt: 1 });
  test.each([
    ['unscheduled: inactive, empties omitted', unit, [], undefined, { name: 'a.service', desiredState: 'launched', currentState: 'inactive' }],
    ['active on target: launched', unit, [state('active')], 'm1', { name: 'a.service', desiredState: 'launched', currentState: 'launched', machineID: 'm1' }],
    ['reported but inactive: loaded', unit, [state('inactive')], 'm1', { name: 'a.service', desiredState: 'launched', currentState: 'loaded', machineID: 'm1' }],
    ['state from another machine ignored', unit, [state('active', 'm2')], 'm1', { name: 'a.service', desiredState: 'launched', currentState: 'inactive', machineID: 'm1' }],
    ['global: no currentState', { ...unit, global: true }, [state('active')], undefined, { name: 'a.service', desiredState: 'launched' }],
  ])('%s', (_n, u, states, machineId, expected) => {
    expect(unitJson(u, states, machineId)).toEqual(expected);
  });
  test('unit state and machine field names', () => {
    expect(unitStateJson(state('active'))).toEqual({
      name: 'a.service', hash: 'h', machineID: 'm1', systemdLoadState: 'loaded', systemdActiveState: 'active', systemdSubState: 'running',
    });
    expect(machineJson({ id: 'm1', hostname: 'h', ip: '', metadata: {}, version: 'v', startedAt: 1 })).toEqual({ id: 'm1' });
  });
});

describe('journal query (/v2/units/<name>/journal)', () => {
  const modes = 'short, short-iso, json, cat, verbose';
  test.each([
    ['defaults', '', { lines: 10, follow: false, output: 'short' }],
    ['lines, follow, output', 'lines=50&follow=true&output=short-iso', { lines: 50, follow: true, output: 'short-iso' }],
    ['json', 'output=json', { lines: 10, follow: false, output: 'json' }],
    ['cat', 'output=cat', { lines: 10, follow: false, output: 'cat' }],
    ['verbose', 'output=verbose', { lines: 10, follow: false, output: 'verbose' }],
    ['empty output is the default', 'output=', { lines: 10, follow: false, output: 'short' }],
    ['other journalctl modes refused', 'output=export', { status: 400, message: `invalid output "export": expected one of ${modes}` }],
    ['no option smuggling', 'output=short%20--merge', { status: 400, message: `invalid output "short --merge": expected one of ${modes}` }],
    ['bad lines', 'lines=-1', { status: 400, message: 'invalid lines "-1": expected a whole number' }],
  ])('%s', (_n, query, expected) => {
    expect(outcome(() => journalOptions(new URLSearchParams(query)))).toEqual(expected);
  });
});
