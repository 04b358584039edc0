import type { UnitOption } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { endpointPort } from './endpoint-port.js';

const opt = (section: string, name: string, value: string): UnitOption => ({ section, name, value });

describe('endpointPort', () => {
  test.each<[string, UnitOption[], number | undefined]>([
    ['X-Flotilla Port', [opt('Service', 'ExecStart', '/x'), opt('X-Flotilla', 'Port', '8080')], 8080],
    ['no port', [opt('Service', 'ExecStart', '/x')], undefined],
    ['Port wins over PublishPort', [opt('Container', 'PublishPort', '9000:80'), opt('X-Flotilla', 'Port', '81')], 81],
    ['PublishPort HOST:CONTAINER', [opt('Container', 'PublishPort', '9000:80')], 9000],
    ['PublishPort IP:HOST:CONTAINER/tcp', [opt('Container', 'PublishPort', '0.0.0.0:9001:80/tcp')], 9001],
    ['PublishPort with a random host port', [opt('Container', 'PublishPort', '80')], undefined],
    ['Port out of range', [opt('X-Flotilla', 'Port', '70000')], undefined],
    ['Port not a number', [opt('X-Flotilla', 'Port', 'http')], undefined],
    ['Port in another section', [opt('Service', 'Port', '80')], undefined],
  ])('%s', (_case, options, want) => {
    expect(endpointPort(options)).toBe(want);
  });
});
