/** Runs one health probe from this machine, within its timeout: HTTP (2xx/3xx is healthy), TCP connect, exec (exit 0). */
import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { HealthProbe } from '@flotilla/core';
import type { ProbeOutcome } from './check-state.js';

export function runProbe(probe: HealthProbe, timeoutMs: number): Promise<ProbeOutcome> {
  switch (probe.kind) {
    case 'http':
      return httpProbe(probe.url, timeoutMs);
    case 'tcp':
      return tcpProbe(probe.host, probe.port, timeoutMs);
    case 'exec':
      return execProbe(probe.argv, timeoutMs);
  }
}

/**
 * node:http(s), not fetch: fetch's HTTP parser is WebAssembly, which a lean worker agent (`--lite-mode`,
 * docs/cloud-config.md) does not have. Redirects are not followed (3xx is healthy); the body is discarded.
 */
function httpProbe(url: string, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ ok: false, message: `no answer within ${timeoutMs} ms` }), timeoutMs);
    let req: http.ClientRequest | undefined;
    try {
      const client = url.startsWith('https:') ? https : http;
      req = client.get(url, { agent: false }, (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        done(status >= 200 && status < 400 ? { ok: true } : { ok: false, message: `HTTP ${status}` });
      });
      req.on('error', (err) => done({ ok: false, message: reason(err, timeoutMs) }));
    } catch (err) {
      done({ ok: false, message: reason(err, timeoutMs) });
    }
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (outcome: ProbeOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ ok: false, message: `no connection within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (err) => done({ ok: false, message: reason(err, timeoutMs) }));
  });
}

/**
 * What an exec probe gets instead of the agent's environment, which holds FLOTILLA_ETCD_PASSWORD and
 * FLOTILLA_API_TOKEN: systemd's default PATH and a locale, as systemd gives a service (systemd.exec(5),
 * "Environment Variables in Spawned Processes"), and `/` as working directory. docs/agent.md, "Health checks".
 */
export const PROBE_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
};

/** The published message (UnitStateRecord.health.message) carries at most this much of the probe's stderr. */
const MAX_STDERR_CHARS = 200;

function execProbe(argv: string[], timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const options = { timeout: timeoutMs, killSignal: 'SIGKILL' as const, maxBuffer: 64 * 1024, env: { ...PROBE_ENV }, cwd: '/' };
    execFile(argv[0] as string, argv.slice(1), options, (err, _out, stderr) => {
      if (err === null) return resolve({ ok: true });
      // err.message of a failed child is "Command failed: <argv>\n<all of stderr>": never published.
      const status = err.killed
        ? `killed after ${timeoutMs} ms`
        : typeof err.code === 'number'
          ? `exit ${err.code}`
          : err.signal
            ? `killed by ${err.signal}`
            : err.message.split('\n')[0]!.slice(0, MAX_STDERR_CHARS);
      const said = stderr.trim().split('\n').pop();
      resolve({ ok: false, message: said ? `${status}: ${said.slice(0, MAX_STDERR_CHARS)}` : status });
    });
  });
}

function reason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
