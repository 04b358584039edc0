/**
 * bin/flotilla and bin/fleetctl (the launchers a user types) in a throwaway checkout whose CLI is a stand-in that
 * prints what it was given: which build they start (the bundle only while it is newer than every package's last
 * `tsc -b`), the cluster.env they read (only without an endpoint, never over a variable already set), the argv and
 * fleetctl's name.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, test } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let checkout: string;

/** A stand-in CLI entry: prints its name, argv and the settings bin/flotilla may have set. */
const standIn = (name: string) => `process.stdout.write(JSON.stringify({ entry: '${name}', argv: process.argv.slice(2), prog: process.env.FLOTILLA_PROG_NAME ?? null,
  endpoint: process.env.FLOTILLA_ENDPOINT ?? null, user: process.env.FLOTILLA_ETCD_USERNAME ?? null, timeout: process.env.FLOTILLA_REQUEST_TIMEOUT ?? null }));\n`;

beforeEach(() => {
  checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bin-'));
  fs.mkdirSync(path.join(checkout, 'bin'));
  for (const file of ['flotilla', 'fleetctl', 'package.json']) fs.copyFileSync(path.join(ROOT, 'bin', file), path.join(checkout, 'bin', file));
  fs.writeFileSync(path.join(checkout, 'package.json'), '{ "type": "module" }\n');
  const dist = path.join(checkout, 'packages/cli/dist');
  fs.mkdirSync(dist, { recursive: true });
  fs.mkdirSync(path.join(checkout, 'packages/core'));
  fs.writeFileSync(path.join(dist, 'main.js'), standIn('main'));
  fs.writeFileSync(path.join(dist, 'flotilla.bundle.cjs'), standIn('bundle'));
  setMtime('packages/core/tsconfig.tsbuildinfo', 1000);
  setMtime('packages/cli/dist/flotilla.bundle.cjs', 2000);
});
afterEach(() => fs.rmSync(checkout, { recursive: true, force: true }));

function setMtime(file: string, seconds: number): void {
  const p = path.join(checkout, file);
  if (!fs.existsSync(p)) fs.writeFileSync(p, '');
  fs.utimesSync(p, seconds, seconds);
}

function run(bin: 'flotilla' | 'fleetctl', args: string[], env: NodeJS.ProcessEnv = {}): Record<string, unknown> {
  const r = spawnSync(path.join(checkout, 'bin', bin), args, { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 20_000 });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('the bundle while it is newer than every tsbuildinfo, else main.js; the arguments as given', () => {
  expect(run('flotilla', ['list-units', '--no-legend'])).toMatchObject({ entry: 'bundle', argv: ['list-units', '--no-legend'] });
  setMtime('packages/core/tsconfig.tsbuildinfo', 3000);
  expect(run('flotilla', ['version'])).toMatchObject({ entry: 'main', argv: ['version'] });
  fs.rmSync(path.join(checkout, 'packages/cli/dist/flotilla.bundle.cjs'));
  expect(run('flotilla', ['version'])).toMatchObject({ entry: 'main' });
});

test('.flotilla/cluster.env is read without an endpoint set; variables already set win', () => {
  fs.mkdirSync(path.join(checkout, '.flotilla'));
  fs.writeFileSync(path.join(checkout, '.flotilla/cluster.env'), '# npm run up\nFLOTILLA_ENDPOINT=https://10.0.0.1:2379\nFLOTILLA_ETCD_USERNAME=flotilla-cli\n\nFLOTILLA_REQUEST_TIMEOUT=9');
  expect(run('flotilla', ['version'], { FLOTILLA_REQUEST_TIMEOUT: '2' })).toMatchObject({ endpoint: 'https://10.0.0.1:2379', user: 'flotilla-cli', timeout: '2' });
  expect(run('flotilla', ['version'], { FLEETCTL_ENDPOINT: 'http://other:2379' })).toMatchObject({ endpoint: null, user: null, timeout: null });
  expect(run('flotilla', ['version'], { FLOTILLA_ENDPOINT: 'http://other:2379' })).toMatchObject({ endpoint: 'http://other:2379', user: null });
});

test('bin/fleetctl is the same CLI under fleet\'s name, through a symlink too', () => {
  expect(run('fleetctl', ['version'])).toMatchObject({ entry: 'bundle', prog: 'fleetctl', argv: ['version'] });
  const link = path.join(checkout, 'fleetctl-link');
  fs.symlinkSync(path.join(checkout, 'bin/fleetctl'), link);
  const r = spawnSync(link, ['version'], { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 20_000 });
  expect(JSON.parse(r.stdout)).toMatchObject({ entry: 'bundle', prog: 'fleetctl' });
});

test('a checkout that was never built says so', () => {
  fs.rmSync(path.join(checkout, 'packages/cli/dist'), { recursive: true });
  const r = spawnSync(path.join(checkout, 'bin/flotilla'), ['version'], { encoding: 'utf8', env: { PATH: process.env.PATH }, cwd: checkout, timeout: 20_000 });
  expect([r.status, r.stdout]).toEqual([1, '']);
  expect(r.stderr).toBe(`flotilla: packages/cli/dist/main.js is missing: run \`npm run build\` in ${checkout}\n`);
});
