import { describe, expect, test } from 'vitest';
import { sshArgv } from './ssh.js';

const ssh = { user: 'core', timeoutSec: 10, knownHostsFile: '/k/known_hosts', strictHostKeyChecking: true };
const base = ['-p', '22', '-o', 'ConnectTimeout=10', '-o', 'StrictHostKeyChecking=yes', '-o', 'UserKnownHostsFile=/k/known_hosts'];

describe('sshArgv', () => {
  test.each([
    ['interactive shell', ssh, { forwardAgent: false, port: 22 }, [], [...base, 'core@10.0.0.1']],
    ['command words joined', ssh, { forwardAgent: false, port: 22 }, ['systemctl', 'status', 'a'], [...base, 'core@10.0.0.1', 'systemctl status a']],
    ['agent forwarding, other port, tunnel, no strict checking, fractional timeout',
      { ...ssh, tunnel: 'bastion:2222', strictHostKeyChecking: false, timeoutSec: 2.5, user: 'ops' },
      { forwardAgent: true, port: 2200 }, [],
      ['-p', '2200', '-o', 'ConnectTimeout=3', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/k/known_hosts', '-A', '-J', 'ops@bastion:2222', 'ops@10.0.0.1']],
  ])('%s', (_name, options, opts, command, expected) => {
    expect(sshArgv(options, opts, '10.0.0.1', command)).toEqual(expected);
  });
});
