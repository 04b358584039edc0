/**
 * `--tunnel host[:port]` for the registry and API drivers, as fleetctl: every connection to an endpoint goes
 * through ssh to the bastion. fleetctl dialled TCP endpoints through its ssh connection and, for a unix-socket
 * endpoint, ran `fleetctl fd-forward SOCKET` on the bastion and spoke HTTP over that command's stdio.
 *
 * Here the system `ssh` client does the same per connection: a local proxy listens on 127.0.0.1 (an ephemeral
 * port, nothing on disk), and each connection it accepts becomes one `ssh -W host:port` (TCP endpoint) or one
 * `ssh ... <remote-cli> fd-forward SOCKET` (unix endpoint). The drivers then talk to `http://127.0.0.1:PORT`
 * unchanged. Before any of that, one `ssh ... true` proves the bastion is reachable and accepts us, so a bad
 * tunnel is reported as such (with ssh's own message) instead of as an unreachable endpoint.
 *
 * The remote command defaults to `fleetctl`, so a bastion with fleet's own fleetctl (or our `bin/fleetctl`) on its
 * PATH works; FLOTILLA_TUNNEL_REMOTE_CLI names another (e.g. an absolute path to `bin/flotilla`).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { FlotillaError } from '@flotilla/core';
import type { SshOptions } from './global-options.js';

export const DEFAULT_REMOTE_CLI = 'fleetctl';

/** Where one endpoint goes through the tunnel. */
export type TunnelTarget = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; socketPath: string };

export interface Tunnel {
  /** `http://127.0.0.1:PORT` (or https) standing in for each endpoint, in order. */
  endpoints: string[];
  close(): void;
}

const tunnelError = (tunnel: string, message: string) =>
  new FlotillaError('CLI_TUNNEL', `Unable to open the ssh tunnel through ${tunnel}: ${message}`, {
    hint: 'check --tunnel, --ssh-username, that your key is in ssh-agent and the bastion in --known-hosts-file',
  });

/** The endpoint's target as seen from the bastion (pure). */
export function tunnelTarget(endpoint: string): TunnelTarget {
  const url = new URL(endpoint);
  if (url.protocol === 'unix:' || url.protocol === 'file:') return { kind: 'unix', socketPath: decodeURIComponent(url.pathname) };
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { kind: 'tcp', host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

/** ssh's argv for one connection to the bastion (pure, tested as a table). */
export function tunnelArgv(ssh: SshOptions, target: TunnelTarget | 'probe', remoteCli = DEFAULT_REMOTE_CLI): string[] {
  const tunnel = ssh.tunnel as string;
  const colon = tunnel.lastIndexOf(':');
  const host = tunnel.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = tunnel.slice(colon + 1);
  const argv = [
    '-p', port,
    '-o', `ConnectTimeout=${Math.ceil(ssh.timeoutSec)}`,
    '-o', `StrictHostKeyChecking=${ssh.strictHostKeyChecking ? 'yes' : 'no'}`,
    '-o', `UserKnownHostsFile=${ssh.knownHostsFile.replace(/^~(?=\/)/, os.homedir())}`,
    // Never prompt: a CLI behind a pipe must fail, not wait for a password.
    '-o', 'BatchMode=yes',
    '-o', 'LogLevel=ERROR',
  ];
  if (target !== 'probe' && target.kind === 'tcp') argv.push('-W', `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`);
  argv.push(`${ssh.user}@${host}`);
  if (target === 'probe') argv.push('true');
  else if (target.kind === 'unix') argv.push(`${remoteCli} fd-forward '${target.socketPath.replace(/'/g, `'\\''`)}'`);
  return argv;
}

function probe(ssh: SshOptions): Promise<void> {
  const deadlineMs = Math.ceil(ssh.timeoutSec) * 1000 + 5000;
  return new Promise((resolve, reject) => {
    execFile('ssh', tunnelArgv(ssh, 'probe'), { timeout: deadlineMs }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const killed = (err as { killed?: boolean }).killed;
      const why = killed ? `no answer within ${deadlineMs} ms` : String(stderr).trim() || err.message;
      reject(tunnelError(ssh.tunnel as string, why));
    });
  });
}

/** A local listener whose every connection is piped through one ssh child to `target`. */
function listen(ssh: SshOptions, target: TunnelTarget, remoteCli: string, children: Set<ChildProcess>): Promise<net.Server> {
  const server = net.createServer((conn) => {
    const child = spawn('ssh', tunnelArgv(ssh, target, remoteCli), { stdio: ['pipe', 'pipe', 'ignore'] });
    children.add(child);
    child.on('exit', () => {
      children.delete(child);
      conn.destroy();
    });
    child.on('error', () => conn.destroy());
    child.stdin.on('error', () => conn.destroy());
    conn.on('error', () => child.kill());
    conn.on('close', () => child.kill());
    conn.pipe(child.stdin);
    child.stdout.pipe(conn);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Opens the tunnel for every endpoint; `close()` ends the listeners and every ssh child. */
export async function openTunnel(ssh: SshOptions, endpoints: string[], env: NodeJS.ProcessEnv = process.env): Promise<Tunnel> {
  await probe(ssh);
  const remoteCli = env.FLOTILLA_TUNNEL_REMOTE_CLI || DEFAULT_REMOTE_CLI;
  const children = new Set<ChildProcess>();
  const servers: net.Server[] = [];
  const close = () => {
    for (const server of servers) server.close();
    for (const child of children) child.kill();
    process.off('exit', close);
  };
  // A CLI may exit without closing its registry: ssh children must not outlive it.
  process.on('exit', close);
  try {
    const local: string[] = [];
    for (const endpoint of endpoints) {
      const server = await listen(ssh, tunnelTarget(endpoint), remoteCli, children);
      servers.push(server);
      server.unref();
      const { port } = server.address() as net.AddressInfo;
      local.push(`${endpoint.startsWith('https:') ? 'https' : 'http'}://127.0.0.1:${port}`);
    }
    return { endpoints: local, close };
  } catch (err) {
    close();
    throw tunnelError(ssh.tunnel as string, (err as Error).message);
  }
}
