/**
 * The local commands behind status and journal: systemctl and journalctl on this machine, each with a
 * deadline (or, for a followed journal, until aborted). `prefix` runs them elsewhere (tests: nsenter into a
 * machine from the host).
 */
import { execFile, spawn } from 'node:child_process';
import readline from 'node:readline';
import { DEFAULT_JOURNAL_OUTPUT, type JournalOutputMode } from '@flotilla/core';
import { SystemdError } from '../systemd/errors.js';

const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** `systemctl status` text; its exit code only says how the unit is doing (3 = inactive), so any output is ok. */
export function systemctlStatus(prefix: readonly string[], systemdName: string, timeoutMs: number): Promise<string> {
  const argv = [...prefix, 'systemctl', 'status', '--no-pager', '--full', '--lines=10', '--', systemdName];
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs, maxBuffer: MAX_OUTPUT_BYTES, env: { ...process.env, SYSTEMD_COLORS: '0' } }, (err, stdout, stderr) => {
      if (stdout !== '') return resolve(stdout);
      const timedOut = (err as { killed?: boolean } | null)?.killed === true;
      const code = timedOut ? 'SYSTEMD_TIMEOUT' : 'SYSTEMD_CALL_FAILED';
      reject(new SystemdError(code, `systemctl status ${systemdName}: ${timedOut ? `no answer within ${timeoutMs} ms` : stderr.trim() || String(err)}`, { retryable: timedOut, cause: err }));
    });
  });
}

export interface JournalOptions {
  /** Last N lines (default 10, as fleetctl). */
  lines?: number;
  /** Keep following new lines until `signal` aborts. */
  follow?: boolean;
  /** journalctl `--output` mode (default short); only the validated modes fleetctl's `--output` offers. */
  output?: JournalOutputMode;
  signal?: AbortSignal;
}

/** Journal lines of one systemd unit; the journalctl process ends when the iteration ends or `signal` aborts. */
export async function* journalLines(prefix: readonly string[], systemdName: string, opts: JournalOptions): AsyncGenerator<string> {
  const lines = Math.max(0, Math.floor(opts.lines ?? 10));
  const argv = [...prefix, 'journalctl', '--no-pager', `--output=${opts.output ?? DEFAULT_JOURNAL_OUTPUT}`, `--lines=${lines}`, ...(opts.follow ? ['--follow'] : []), `--unit=${systemdName}`];
  if (opts.signal?.aborted) return;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, SYSTEMD_COLORS: '0' } });
  const reader = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
  // Closing the reader ends the iteration even if the process (or a wrapper's child) ignores the signal.
  const stop = () => {
    child.kill('SIGTERM');
    reader.close();
    child.stdout.destroy();
  };
  opts.signal?.addEventListener('abort', stop, { once: true });
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
    reader.close();
  });
  try {
    for await (const line of reader) {
      if (line.startsWith('-- ') && line.endsWith(' --')) continue; // "-- No entries --", "-- Boot ... --"
      yield line;
    }
    if (spawnError) throw new SystemdError('SYSTEMD_CALL_FAILED', `journalctl: ${spawnError.message}`, { cause: spawnError });
  } finally {
    opts.signal?.removeEventListener('abort', stop);
    if (child.exitCode === null && child.signalCode === null) stop();
  }
}
