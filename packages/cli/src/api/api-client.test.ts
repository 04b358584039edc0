import { describe, expect, test } from 'vitest';
import type { UnitStateRecord, WatchEvent } from '@flotilla/core';
import { diffStates } from './api-registry.js';
import { machineFromJson, stateFromJson } from './records.js';
import { errorMessage, googleApiError, parseEndpoint } from './transport.js';

const state = (machineId: string, activeState: string): UnitStateRecord =>
  ({ unit: 'a.service', machineId, hash: 'h', loadState: 'loaded', activeState, subState: 's', updatedAt: 0 });

describe('diffStates (API driver watch by polling)', () => {
  test.each([
    ['first sight: put', new Map<string, string>(), [state('m1', 'active')], ['put m1']],
    ['unchanged: nothing', new Map([['m1', 'h|loaded|active|s']]), [state('m1', 'active')], []],
    ['changed: put', new Map([['m1', 'h|loaded|activating|s']]), [state('m1', 'active')], ['put m1']],
    ['vanished: delete', new Map([['m1', 'h|loaded|active|s']]), [], ['delete m1']],
  ])('%s', (_name, known, states, expected) => {
    const events: string[] = [];
    diffStates(known, states, (e: WatchEvent<UnitStateRecord>) => events.push(`${e.type} ${e.key}`));
    expect(events).toEqual(expected);
  });
});

describe('endpoints and errors', () => {
  test.each([
    ['unix socket', 'unix:///var/run/fleet.sock', { secure: false, base: { socketPath: '/var/run/fleet.sock' } }],
    ['http default port', 'http://10.0.0.1', { secure: false, base: { host: '10.0.0.1', port: 80 } }],
    ['https with port', 'https://[::1]:54728', { secure: true, base: { host: '::1', port: 54728 } }],
  ])('%s', (_name, endpoint, expected) => {
    expect(parseEndpoint(endpoint)).toEqual(expected);
  });
  test.each([
    ['unix with a host (missing slash)', 'unix://var/run/fleet.sock', 'Unable to initialize client: unable to connect to host "var" with scheme "unix"'],
    ['unknown scheme', 'ftp://x', 'Unable to initialize client: unsupported URL scheme "ftp"'],
  ])('refuses %s', (_name, endpoint, message) => {
    expect(() => parseEndpoint(endpoint)).toThrow(message);
  });
  test('fleet error bodies become googleapi errors', () => {
    expect(errorMessage('{"error":{"code":409,"message":"unit does not exist and options field empty"}}')).toBe('unit does not exist and options field empty');
    expect(googleApiError(404, '{"error":{"code":404,"message":"unit does not exist"}}').message).toBe('googleapi: Error 404: unit does not exist');
    expect(googleApiError(502, 'Bad Gateway\n').message).toBe('googleapi: Error 502: Bad Gateway');
  });
  test('API JSON becomes registry records', () => {
    expect(stateFromJson({ name: 'a.service', machineID: 'm1', systemdActiveState: 'active' })).toEqual({
      unit: 'a.service', machineId: 'm1', hash: '', loadState: '', activeState: 'active', subState: '', updatedAt: 0,
    });
    expect(machineFromJson({ id: 'm1', primaryIP: '10.0.0.1', apiUrl: 'http://10.0.0.1:54728' })).toEqual({
      id: 'm1', hostname: '', ip: '10.0.0.1', metadata: {}, version: '', startedAt: 0, apiUrl: 'http://10.0.0.1:54728',
    });
  });
});
