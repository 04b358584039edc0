/**
 * A throwaway ssh bastion on loopback for `--tunnel` tests: Debian's sshd on 127.0.0.1 (a free port) with its own
 * host key, config and authorized_keys in a temp dir, plus an ssh-agent holding the client key (fleetctl, like
 * ssh, takes keys from the agent). `known_hosts` lists the host key, so strict host key checking stays on.
 * `stop()` kills both daemons and removes the dir; nothing else is touched except sshd's privilege-separation
 * directory /run/sshd, which sshd insists on.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, runOk } from './exec.js';
import { freePort, waitForPort } from './ports.js';
import { sleep } from '../../packages/core/src/timing.js';

const BASTION_DIR_PREFIX = 'flotilla-sshd-';

/** End of a test run: kills the bastions (sshd, ssh-agent) a crashed worker of run `runId` left, removes their dirs. */
export async function sweepBastions(runId: string): Promise<void> {
  const marker = `${BASTION_DIR_PREFIX}${runId}-`;
  await run('pkill', ['-KILL', '-f', marker]);
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (name.startsWith(marker)) fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}

export interface Bastion {
  /** `127.0.0.1:PORT` for `--tunnel`. */
  tunnel: string;
  port: number;
  knownHostsFile: string;
  /** SSH_AUTH_SOCK for the client. */
  agentSocket: string;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startBastion(): Promise<Bastion> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${BASTION_DIR_PREFIX}${process.env.FLOTILLA_TEST_RUN ?? 'norun'}-`));
  let sshd: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  const stop = async () => {
    await Promise.all([stopChild(sshd), stopChild(agent)]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const hostKey = path.join(dir, 'host_ed25519');
    const clientKey = path.join(dir, 'client_ed25519');
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
    fs.copyFileSync(`${clientKey}.pub`, path.join(dir, 'authorized_keys'));
    const port = await freePort();
    const config = path.join(dir, 'sshd_config');
    fs.writeFileSync(config, [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'AllowTcpForwarding yes',
      'X11Forwarding no',
      '',
    ].join('\n'));
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'sshd.log'), 'a')] });
    const agentSocket = path.join(dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
    await waitForPort('127.0.0.1', port, 10_000);
    for (let i = 0; !fs.existsSync(agentSocket); i++) {
      if (i > 100) throw new Error('ssh-agent did not create its socket within 5 s');
      await sleep(50);
    }
    await runOk('env', [`SSH_AUTH_SOCK=${agentSocket}`, 'ssh-add', '-q', clientKey]);
    const knownHostsFile = path.join(dir, 'known_hosts');
    const hostPub = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    fs.writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${hostPub}\n`);
    return { tunnel: `127.0.0.1:${port}`, port, knownHostsFile, agentSocket, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
