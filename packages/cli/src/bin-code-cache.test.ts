/**
 * bin/flotilla's code cache (docs/benchmarks.md, "CLI cold start, fifth pass"): the bundle compiled from V8's code
 * cache still imports (Node 20 gives code compiled from a cache no `import()`: the build routes the bundle's imports
 * through the launcher), a cache that is not this bundle's (corrupt, another build's) is ignored and replaced, and
 * a cache directory that cannot be written costs the cache, not the command. Every run keeps its cache under
 * FLOTILLA_CLI_CACHE_DIR in a temp dir. The real bundle's tests run a copy of it in a throwaway checkout (its
 * node_modules and main.js linked to this one's), so the launcher runs it whatever the checkout's build state.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BUILT = path.join(ROOT, 'packages/cli/dist');
let checkout: string;
let cacheDir: string;

const dist = () => path.join(checkout, 'packages/cli/dist');
const bundlePath = () => path.join(dist(), 'flotilla.bundle.cjs');

beforeEach(() => {
  checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-code-cache-'));
  cacheDir = path.join(checkout, 'cache');
  fs.mkdirSync(path.join(checkout, 'bin'));
  for (const file of ['flotilla', 'package.json']) fs.copyFileSync(path.join(ROOT, 'bin', file), path.join(checkout, 'bin', file));
  fs.mkdirSync(dist(), { recursive: true });
  fs.copyFileSync(path.join(BUILT, 'flotilla.bundle-import.cjs'), path.join(dist(), 'flotilla.bundle-import.cjs'));
});
afterEach(() => fs.rmSync(checkout, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv = { FLOTILLA_CLI_CACHE_DIR: cacheDir }) {
  return spawnSync(path.join(checkout, 'bin/flotilla'), args, { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: checkout, ...env }, timeout: 30_000 });
}

/** The cache files in `dir`, with what tells a rewritten file from the same one. */
function cacheFiles(dir = cacheDir): { name: string; ino: number; mtimeMs: number }[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).map((name) => {
    const st = fs.statSync(path.join(dir, name));
    return { name, ino: st.ino, mtimeMs: st.mtimeMs };
  });
}

function cacheFile(): string {
  const files = cacheFiles();
  expect(files.map((f) => f.name)).toEqual([expect.stringMatching(/^flotilla-cli-[0-9a-f]{8}\.code-cache$/)]);
  return path.join(cacheDir, files[0]!.name);
}

describe('the real bundle', () => {
  beforeEach(() => {
    fs.copyFileSync(path.join(BUILT, 'flotilla.bundle.cjs'), bundlePath());
    fs.symlinkSync(path.join(BUILT, 'main.js'), path.join(dist(), 'main.js'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
  });

  test('has no import() of its own left: each goes through the launcher', () => {
    const text = fs.readFileSync(bundlePath(), 'utf8');
    const [prelude, ...body] = text.split('\n');
    expect(prelude).toContain('flotillaLauncherImport');
    expect(body.join('\n')).not.toMatch(/[^\w.]import\(/);
    expect(body.join('\n')).toMatch(/flotillaImport\("pino"\)/);
  });

  // `lb haproxy` imports pino (a package) before it connects; `agent --help` imports the unbundled main.js (a URL).
  test.each([
    ['a package', ['--endpoint', 'http://127.0.0.1:1', '--request-timeout', '1', 'lb', 'haproxy', '--prefix', 'x@', '--listen', '127.0.0.1:1', '--config', 'h.cfg'], 1, /^etcd unavailable at http:\/\/127\.0\.0\.1:1/],
    ['the unbundled CLI', ['agent', '--help'], 0, /^$/],
  ])('imports %s from cached code as from a fresh compile', (_what, args, status, stderr) => {
    const cold = run(args);
    expect([cold.status, cold.stderr]).toEqual([status, expect.stringMatching(stderr)]);
    const written = cacheFiles();
    expect(written).toHaveLength(1);
    const cached = run(args);
    expect([cached.status, cached.stdout, cached.stderr]).toEqual([cold.status, cold.stdout, cold.stderr]);
    // Not written again: V8 took the cache, and the run saw no new command word.
    expect(cacheFiles()).toEqual(written);
  });
});

describe('the launcher', () => {
  /** A stand-in bundle behind the real bundle's first line (its `flotillaImport`): imports a file next to it, a
   * package (whose `import` and `require` entries differ) and a builtin, then prints what it got. */
  function writeStandIn(marker: string): void {
    const prelude = fs.readFileSync(path.join(BUILT, 'flotilla.bundle.cjs'), 'utf8').split('\n')[0];
    const body = `void Promise.all([flotillaImport('./dep.mjs'), flotillaImport('dual-pkg'), flotillaImport('node:os')]).then(([dep, pkg, os]) =>
  process.stdout.write(JSON.stringify({ marker: '${marker}', dep: dep.value, pkg: pkg.entry, os: typeof os.hostname, url: flotillaBundleUrl === require('node:url').pathToFileURL(__filename).href })));
`;
    fs.writeFileSync(bundlePath(), `${prelude}\n${body}`);
  }

  beforeEach(() => {
    fs.writeFileSync(path.join(dist(), 'dep.mjs'), 'export const value = 42;\n');
    const pkg = path.join(checkout, 'node_modules/dual-pkg');
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'dual-pkg', exports: { import: './esm.mjs', require: './cjs.cjs' } }));
    fs.writeFileSync(path.join(pkg, 'esm.mjs'), "export const entry = 'import';\n");
    fs.writeFileSync(path.join(pkg, 'cjs.cjs'), "exports.entry = 'require';\n");
    writeStandIn('one');
  });

  const expected = (marker: string) => ({ marker, dep: 42, pkg: 'import', os: 'function', url: true });
  function output(r: ReturnType<typeof run>): unknown {
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout);
  }

  test('resolves imports as import() from the bundle would, cold and from the cache; one cache file, written once', () => {
    expect(output(run(['version']))).toEqual(expected('one'));
    const written = cacheFiles();
    expect(output(run(['version']))).toEqual(expected('one'));
    expect(cacheFiles()).toEqual(written);
    // A new command word, then a new endpoint scheme (another driver): written again, with what the runs compiled.
    expect(output(run(['list-units']))).toEqual(expected('one'));
    expect(cacheFiles()).not.toEqual(written);
    expect(output(run(['--endpoint', 'unix:///run/none.sock', 'list-units']))).toEqual(expected('one'));
    expect(fs.readFileSync(cacheFile(), 'utf8').split('\n')[0]).toContain('"words":["version","list-units","unix:"]');
  });

  test('a corrupt cache is ignored and replaced', () => {
    run(['version']);
    const file = cacheFile();
    const good = fs.readFileSync(file);
    const eol = good.indexOf(10);
    const corruptions = [
      Buffer.from('not a cache\n'),
      // This bundle's header, garbage for V8's data: V8 rejects it.
      Buffer.concat([good.subarray(0, eol + 1), Buffer.alloc(good.length - eol - 1, 7)]),
      // Cut short.
      good.subarray(0, good.length - 100),
    ];
    for (const corrupt of corruptions) {
      fs.writeFileSync(file, corrupt, { mode: 0o600 });
      expect(output(run(['version']))).toEqual(expected('one'));
      expect(fs.readFileSync(file).equals(corrupt)).toBe(false);
      const replaced = cacheFiles();
      expect(output(run(['version']))).toEqual(expected('one'));
      expect(cacheFiles()).toEqual(replaced);
    }
  });

  test("a rebuilt bundle never runs the old bundle's cache", () => {
    run(['version']);
    const before = fs.readFileSync(cacheFile());
    writeStandIn('two');
    expect(output(run(['version']))).toEqual(expected('two'));
    expect(fs.readFileSync(cacheFile()).equals(before)).toBe(false);
    const rewritten = cacheFiles();
    expect(output(run(['version']))).toEqual(expected('two'));
    expect(cacheFiles()).toEqual(rewritten);
  });

  test('a cache file someone else may write is not used', () => {
    run(['version']);
    const file = cacheFile();
    fs.chmodSync(file, 0o666);
    expect(output(run(['version']))).toEqual(expected('one'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  test('stack traces name the bundle and its lines', () => {
    fs.writeFileSync(bundlePath(), "'use strict';\n\nthrow new Error('boom');\n");
    for (let i = 0; i < 2; i++) {
      const r = run(['version']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${bundlePath()}:3`);
    }
  });

  test('an unwritable cache directory costs the cache, not the command; nothing is left behind', () => {
    fs.writeFileSync(path.join(checkout, 'a-file'), '');
    for (let i = 0; i < 2; i++) expect(output(run(['version'], { FLOTILLA_CLI_CACHE_DIR: path.join(checkout, 'a-file/cache') }))).toEqual(expected('one'));
    expect(fs.readdirSync(checkout).sort()).toEqual(['a-file', 'bin', 'node_modules', 'packages']);
    expect(fs.readdirSync(dist()).sort()).toEqual(['dep.mjs', 'flotilla.bundle-import.cjs', 'flotilla.bundle.cjs']);
  });

  test('by default next to the bundle; FLOTILLA_CLI_CACHE_DIR=off: none', () => {
    expect(output(run(['version'], { FLOTILLA_CLI_CACHE_DIR: 'off' }))).toEqual(expected('one'));
    expect(fs.readdirSync(dist()).filter((f) => f.endsWith('.code-cache'))).toEqual([]);
    expect(output(run(['version'], {}))).toEqual(expected('one'));
    expect(cacheFiles(dist()).filter((f) => f.name.endsWith('.code-cache'))).toHaveLength(1);
  });
});
