/** Runs the real CLI (`bin/flotilla`) as a user would, against a given endpoint. */
import path from 'node:path';
import { REPO_DIR } from '../harness/cluster.js';
import { run, type ExecResult } from '../harness/exec.js';

export const FLOTILLA_BIN = path.join(REPO_DIR, 'bin/flotilla');

/** The CLI against etcd endpoints, or with a whole environment (a cluster's `cliEnv`: endpoint, TLS, user, API token). */
export function cliFor(target: string[] | Record<string, string>) {
  const env = Array.isArray(target) ? { FLOTILLA_ENDPOINT: target.join(',') } : target;
  const assignments = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  return (args: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> =>
    run('env', [...assignments, FLOTILLA_BIN, ...args], { timeoutMs: opts.timeoutMs ?? 90_000 });
}

/** Parses a list-* table printed with --no-legend into rows of whitespace-separated cells. */
export function tableRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => line.split(/\s+/));
}
