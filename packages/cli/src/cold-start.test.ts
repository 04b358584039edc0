/**
 * CLI cold start (docs/fleetctl-compat.md): the heavy packages load only for the commands that use them. Runs the built CLI
 * (dist/main.js) as a user does, with a preload that prints, at exit, which npm packages were loaded (all of
 * them are CommonJS, so require.cache lists them). For most commands no etcd is running: those that would connect
 * fail fast, which is enough to see what they loaded on the way; `health` reads an empty etcd to reach its model.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../../test/harness/etcd.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = path.join(ROOT, 'packages/cli/dist/main.js');
/** The bundled CLI that bin/flotilla runs (scripts/bundle-cli.mjs; the build makes it). */
const BUNDLE = path.join(ROOT, 'packages/cli/dist/flotilla.bundle.cjs');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cold-start-'));
const PROBE = path.join(dir, 'probe.mjs');
fs.writeFileSync(
  PROBE,
  `import { createRequire } from 'node:module';
const r = createRequire(import.meta.url);
process.on('exit', () => {
  const names = Object.keys(r.cache).map((k) => (/node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(k) ?? [])[1]).filter(Boolean);
  process.stderr.write('LOADED ' + [...new Set(names)].sort().join(' ') + '\\n');
});
`,
);
let etcd: EtcdHandle | undefined;
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await etcd?.stop();
});

function runCli(args: string[], main = MAIN): { status: number | null; stdout: string; stderr: string; loaded: string[] } {
  const run = spawnSync(process.execPath, ['--import', PROBE, main, ...args], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } });
  const line = run.stderr.split('\n').find((l) => l.startsWith('LOADED'));
  if (line === undefined) throw new Error(`no LOADED line: ${run.stderr}`);
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.split('\n').filter((l) => !l.startsWith('LOADED')).join('\n'), loaded: line.split(' ').slice(1).filter(Boolean) };
}

const loadedPackages = (args: string[]): string[] => runCli(args).loaded;

const HEAVY = ['etcd3', '@grpc/grpc-js', 'protobufjs', 'dbus-next', 'dockerode', 'prom-client', 'yaml'];

test.each([
  ['version', ['version'], []],
  ['help', ['help'], []],
  ['list-units over the API driver', ['--endpoint', `unix://${dir}/none.sock`, '--request-timeout', '1', 'list-units'], []],
  // The etcd driver talks to etcd's JSON gateway over node:http (docs/registry.md, "Transports"): no gRPC.
  ['list-units over etcd', ['--endpoint', 'http://127.0.0.1:1', '--request-timeout', '1', 'list-units'], []],
])('%s', (_name, args, heavy) => {
  expect(loadedPackages(args).filter((p) => HEAVY.includes(p))).toEqual(heavy);
});

describe('the bundled CLI', () => {
  test.each([
    ['version', ['version']],
    ['help', ['help']],
    ['list-units over the API driver', ['--endpoint', `unix://${dir}/none.sock`, '--request-timeout', '1', 'list-units']],
    ['list-units over etcd', ['--endpoint', 'http://127.0.0.1:1', '--request-timeout', '1', 'list-units']],
  ])('%s: the same output and exit as main.js, nothing heavy loaded', (_name, args) => {
    const [bundled, plain] = [runCli(args, BUNDLE), runCli(args)];
    expect([bundled.status, bundled.stdout, bundled.stderr]).toEqual([plain.status, plain.stdout, plain.stderr]);
    expect(bundled.loaded.filter((p) => HEAVY.includes(p))).toEqual([]);
  });
});

describe("the bundled CLI's use of Node's own modules", () => {
  const probe = path.join(dir, 'builtins-probe.mjs');
  fs.writeFileSync(probe, "process.on('exit', () => process.stderr.write('BUILTINS ' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ') + '\\n'));\n");

  // scripts/bundle-cli.mjs loads node:crypto, https and tls on first use: the API driver (a unix socket) uses none.
  test('list-units over the API driver loads no crypto, https or tls', () => {
    const run = spawnSync(process.execPath, ['--import', probe, BUNDLE, '--endpoint', `unix://${dir}/none.sock`, '--request-timeout', '1', 'list-units'], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } });
    const line = run.stderr.split('\n').find((l) => l.startsWith('BUILTINS '));
    expect(line).toBeDefined();
    expect(line!.split(' ').filter((m) => ['crypto', 'https', 'tls'].includes(m))).toEqual([]);
  });
});

describe('health over etcd', () => {
  beforeAll(async () => {
    etcd = await startEtcd();
  });

  // The report needs the health model only (@flotilla/api/health), not the agent (D-Bus, Docker) nor the
  // API server and its metrics (prom-client).
  test('loads the health model and nothing heavy', () => {
    const run = runCli(['--endpoint', etcd!.endpoints[0]!, '--request-timeout', '5', 'health']);
    expect([run.status, run.stdout]).toEqual([2, expect.stringContaining('no scheduler is elected')]);
    expect(run.loaded.filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  // A plain-HTTP etcd: the transport makes its TLS pool only for an https endpoint, and a command that only
  // reads never draws the event log's writer tag (crypto's random source).
  test('list-units over a plain-HTTP etcd loads no crypto, https or tls', () => {
    const probe = path.join(dir, 'builtins-probe.mjs');
    const run = spawnSync(process.execPath, ['--import', probe, BUNDLE, '--endpoint', etcd!.endpoints[0]!, '--request-timeout', '5', 'list-units'], { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } });
    expect(run.status).toBe(0);
    const line = run.stderr.split('\n').find((l) => l.startsWith('BUILTINS '));
    expect(line!.split(' ').filter((m) => ['crypto', 'https', 'tls'].includes(m))).toEqual([]);
  });
});
