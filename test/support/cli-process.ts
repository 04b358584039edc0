/**
 * The built CLI as a child process (`node packages/cli/dist/main.js`), for the CLI's tests against a real etcd
 * and API server: output collected, environment reduced to PATH (and the run's XDG_CACHE_HOME) plus what the test
 * gives, and helpers the blocking verbs' tests share (a fresh keyspace, machine A, waiting on a unit's desired state
 * by watching, not polling).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { EtcdRegistry, type ClusterRegistry, type DesiredState, type MachineRecord, type UnitRecord } from '@flotilla/core';
import { startEtcd, type EtcdHandle } from '../harness/etcd.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI_MAIN = path.join(REPO_ROOT, 'packages/cli/dist/main.js');
/** Two well-formed machine ids for machines the tests register by hand. */
export const MACHINE_A = '113f16a7b2c4d6e8f0a1b2c3d4e5f6a7';
export const MACHINE_B = '2c2e6f3d9a8b7c6d5e4f3a2b1c0d9e8f';

/** A unit file the tests submit: a long-running service. */
export const HELLO_UNIT = '[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/bin/sleep 1000\n';

/**
 * For a CLI test file: the CLI built (the tests run its dist/main.js), a real etcd, and a temporary directory
 * holding `files` (unit file text by name); etcd stopped and the directory removed afterwards.
 */
export function useCliEtcd(use: (fixture: { etcd: EtcdHandle; dir: string }) => void, files: Record<string, string> = {}): void {
  let etcd: EtcdHandle | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: REPO_ROOT, stdio: 'inherit' });
    etcd = await startEtcd();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cli-'));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    use({ etcd, dir });
  });
  afterAll(async () => {
    await etcd?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
}

/** Machine A as the tests register it by hand (the CLI shows it as `113f16a7.../10.0.0.1`). */
export function machineA(extra: Partial<MachineRecord> = {}): MachineRecord {
  return { id: MACHINE_A, hostname: 'a', ip: '10.0.0.1', metadata: {}, version: '0.1.0', startedAt: 0, ...extra };
}

let keyspaces = 0;

/** A fresh key prefix on etcd, the CLI flags that select it, and a registry client on it (the caller closes it). */
export async function freshKeyspace(endpoints: readonly string[], name: string): Promise<{ flags: string[]; registry: EtcdRegistry; prefix: string }> {
  const prefix = `/${name}-${++keyspaces}/`;
  const registry = await EtcdRegistry.connect({ endpoints: [...endpoints], prefix });
  return { flags: ['--endpoint', endpoints.join(','), '--etcd-key-prefix', prefix], registry, prefix };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end (callers bound it: every command has its own deadlines). */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // XDG_CACHE_HOME: the test run's (global-setup.ts), so the CLI's token cache stays out of the user's home.
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: opts.cwd ?? REPO_ROOT, env: { PATH: process.env.PATH, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves with the unit once its desired state is `state` (watching the scheduling keys, no polling). */
export function desiredStateReached(registry: ClusterRegistry, name: string, state: DesiredState): Promise<UnitRecord> {
  return new Promise((resolve, reject) => {
    let done = false;
    const check = async () => {
      const unit = await registry.getUnit(name);
      if (!done && unit?.desiredState === state) {
        done = true;
        await sub.then((s) => s.close());
        resolve(unit);
      }
    };
    const sub = registry.watchScheduling(() => void check().catch(reject));
    sub.then(check).catch(reject);
  });
}
