import { describe, expect, test } from 'vitest';
import { DaemonConfigError } from './config-error.js';
import { readDnsSettings, type DnsSettings } from './dns-config.js';

describe('readDnsSettings', () => {
  test.each<[string, NodeJS.ProcessEnv, DnsSettings]>([
    ['defaults: on, the machine address, port 53', {}, { enabled: true, address: '', port: 53 }],
    ['off', { FLOTILLA_DNS: 'off' }, { enabled: false, address: '', port: 53 }],
    ['0 is off', { FLOTILLA_DNS: '0' }, { enabled: false, address: '', port: 53 }],
    ['ON in capitals', { FLOTILLA_DNS: 'ON' }, { enabled: true, address: '', port: 53 }],
    ['address and port', { FLOTILLA_DNS_ADDRESS: '172.17.0.1', FLOTILLA_DNS_PORT: '5353' }, { enabled: true, address: '172.17.0.1', port: 5353 }],
    ['IPv6 address', { FLOTILLA_DNS_ADDRESS: 'fd00::1' }, { enabled: true, address: 'fd00::1', port: 53 }],
  ])('%s', (_case, env, want) => {
    expect(readDnsSettings(env)).toEqual(want);
  });

  test.each<[string, NodeJS.ProcessEnv, string]>([
    ['a word', { FLOTILLA_DNS: 'maybe' }, 'FLOTILLA_DNS: expected on or off, got "maybe"'],
    ['a name for the address', { FLOTILLA_DNS_ADDRESS: 'localhost' }, 'FLOTILLA_DNS_ADDRESS: "localhost" is not an IP address'],
    ['port 0', { FLOTILLA_DNS_PORT: '0' }, 'FLOTILLA_DNS_PORT: expected a port from 1 to 65535, got "0"'],
    ['port too big', { FLOTILLA_DNS_PORT: '65536' }, 'FLOTILLA_DNS_PORT: expected a port from 1 to 65535, got "65536"'],
    ['port not a number', { FLOTILLA_DNS_PORT: '53x' }, 'FLOTILLA_DNS_PORT: expected a port from 1 to 65535, got "53x"'],
  ])('refuses %s, naming the key', (_case, env, message) => {
    let caught: unknown;
    try {
      readDnsSettings(env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DaemonConfigError);
    expect((caught as Error).message).toBe(message);
  });
});
