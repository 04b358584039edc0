import { describe, expect, test } from 'vitest';
import { tunnelArgv, tunnelTarget } from './tunnel.js';

const ssh = { user: 'core', tunnel: 'bastion:2222', timeoutSec: 2.5, knownHostsFile: '/k/known_hosts', strictHostKeyChecking: true };
const base = ['-p', '2222', '-o', 'ConnectTimeout=3', '-o', 'StrictHostKeyChecking=yes', '-o', 'UserKnownHostsFile=/k/known_hosts', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'];

describe('tunnelTarget', () => {
  test.each([
    ['http://10.0.0.5:2379', { kind: 'tcp', host: '10.0.0.5', port: 2379 }],
    ['https://etcd.example', { kind: 'tcp', host: 'etcd.example', port: 443 }],
    ['http://[fd00::1]:2379', { kind: 'tcp', host: 'fd00::1', port: 2379 }],
    ['unix:///var/run/fleet.sock', { kind: 'unix', socketPath: '/var/run/fleet.sock' }],
  ])('%s', (endpoint, expected) => {
    expect(tunnelTarget(endpoint)).toEqual(expected);
  });
});

describe('tunnelArgv', () => {
  test.each([
    ['probe', 'probe' as const, undefined, [...base, 'core@bastion', 'true']],
    ['tcp endpoint: -W', { kind: 'tcp' as const, host: '10.0.0.5', port: 2379 }, undefined, [...base, '-W', '10.0.0.5:2379', 'core@bastion']],
    ['ipv6 endpoint bracketed', { kind: 'tcp' as const, host: 'fd00::1', port: 2379 }, undefined, [...base, '-W', '[fd00::1]:2379', 'core@bastion']],
    ['unix endpoint: fleetctl fd-forward on the bastion', { kind: 'unix' as const, socketPath: '/var/run/fleet.sock' }, undefined,
      [...base, 'core@bastion', "fleetctl fd-forward '/var/run/fleet.sock'"]],
    ['socket path quoted for the remote shell', { kind: 'unix' as const, socketPath: "/run/a b'c.sock" }, '/opt/bin/flotilla',
      [...base, 'core@bastion', "/opt/bin/flotilla fd-forward '/run/a b'\\''c.sock'"]],
  ])('%s', (_name, target, remoteCli, expected) => {
    expect(tunnelArgv(ssh, target, remoteCli)).toEqual(expected);
  });
});
