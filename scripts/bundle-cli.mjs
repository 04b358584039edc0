// Bundles the built CLI (packages/cli/dist, from `tsc -b`) into one CommonJS file, dist/flotilla.bundle.cjs, which
// bin/flotilla runs while it is newer than every package's build (see there). Node resolves, reads and links
// ~160 ESM files for a `list-units`; one file saves most of that (docs/benchmarks.md, "CLI cold start"), and
// CommonJS saves the ESM loader's per-file work for the ~20 chunks an ESM bundle with splitting still had (its
// third pass). The commands' modules are still evaluated only when run: esbuild wraps a bundled module that is
// imported dynamically in a function called on the import. Heavy packages stay outside, loaded only by the commands that use them, as before.
// bin/flotilla compiles the bundle with V8's code cache, and on Node 20 code compiled from a cache has no `import()`
// (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING): every `import(x)` left in esbuild's output becomes `flotillaImport(x)`,
// the launcher's import done by Node's own loader from next to the bundle (docs/benchmarks.md, "CLI cold start,
// fifth pass").
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import ts from 'typescript';

const require = createRequire(import.meta.url);

/** The daemon's packages, never run from the bundle (bundle-entry.ts). Only these exact names: a subpath such as
 * `@flotilla/api/health` (the `health` command's model) is bundled, so it shares the bundle's @flotilla/core. */
const daemonPackagesOutside = {
  name: 'daemon-packages-outside',
  setup(b) {
    b.onResolve({ filter: /^@flotilla\/(agent|api)$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * msgpackr's Node entry (`node-index.js`) adds its record structures (struct.js), streams, iterators and the native
 * decoder's lookup (node-gyp-build, detect-libc) to the codec's Packr; `pack.js` is the same Packr and Unpackr
 * alone (the codec packs and unpacks with `useRecords: false`: core/registry/codec.ts). ~45 KB less for every
 * command that reads etcd. The daemon, unbundled, keeps the full entry.
 */
const msgpackrPackOnly = {
  name: 'msgpackr-pack-only',
  setup(b) {
    // Not in msgpackr's `exports` for Node: found next to its CommonJS build (dist/node.cjs).
    b.onResolve({ filter: /^msgpackr(\/pack)?$/ }, () => ({ path: path.join(path.dirname(require.resolve('msgpackr')), '../pack.js') }));
  },
};

/**
 * commander loads node:child_process at its start, for executable subcommands (`.command(name, description)`),
 * which the CLI never declares; child_process pulls in dgram, process wrappers and more of Node's internals. Its
 * `require` of it becomes a getter that loads the module on first use, which never comes.
 */
const commanderLazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'flotilla-lazy' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'flotilla-lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

/** Where each `import(...)` call of `code` starts: the `import` keyword of every dynamic import, found by a parser
 * (TypeScript's, a dev dependency already), not a text search, which would also match strings and comments. */
function dynamicImportsIn(code) {
  const file = ts.createSourceFile('bundle.cjs', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const starts = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) starts.push(node.expression.getStart(file));
    ts.forEachChild(node, visit);
  };
  visit(file);
  return starts;
}

/** `code` with every `import(x)` turned into `flotillaImport(x)` (same arguments, same promise). */
function importsThroughLauncher(code) {
  let out = code;
  for (const start of dynamicImportsIn(code).sort((a, b) => b - a)) out = `${out.slice(0, start)}flotillaImport${out.slice(start + 'import'.length)}`;
  return out;
}

/**
 * The bundle's first line. `import.meta.url` (main.ts: ../package.json; bundle-entry.ts: the unbundled main.js) is
 * the bundle's URL, which sits where main.js does. `flotillaImport` is bin/flotilla's import (a parameter of its
 * wrapper) when it runs the bundle, else Node's own: `node flotilla.bundle.cjs` (the benches, cold-start.test.ts)
 * compiles it without a code cache.
 */
const PRELUDE =
  "const flotillaBundleUrl = require('node:url').pathToFileURL(__filename).href; " +
  "const flotillaImport = typeof flotillaLauncherImport === 'function' ? flotillaLauncherImport : (specifier, options) => import(specifier, options);\n";

/** Next to the bundle: the import bin/flotilla hands the bundle. Node's CommonJS loader compiles it, so its `import()`
 * works; from the bundle's directory it resolves every specifier (relative, package, `node:`) as the bundle's would. */
const IMPORTER = "'use strict';\n// bin/flotilla's import for the bundle next to this file (scripts/bundle-cli.mjs).\nmodule.exports = (specifier, options) => import(specifier, options);\n";

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '../packages/cli/dist');
// Earlier builds' ESM bundle and chunks too: bin/flotilla must never find a stale one.
for (const file of fs.readdirSync(dist)) if (file.startsWith('flotilla.bundle') && /\.c?js$/.test(file)) fs.rmSync(path.join(dist, file));
const result = await build({
  entryPoints: [path.join(dist, 'bundle-entry.js')],
  outfile: path.join(dist, 'flotilla.bundle.cjs'),
  write: false,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // The heavy optional packages stay outside, loaded by the commands that use them.
  external: ['etcd3', '@grpc/*', 'protobufjs', 'dbus-next', 'dockerode', 'prom-client', 'pino', 'yaml'],
  plugins: [daemonPackagesOutside, msgpackrPackOnly, commanderLazyChildProcess],
  // msgpackr's native decoder is a native addon found through child_process (detect-libc): slower to load than
  // a CLI's few records take to decode in JavaScript.
  define: { 'process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED': '"true"', 'import.meta.url': 'flotillaBundleUrl' },
  logLevel: 'warning',
});
const [output] = result.outputFiles;
// The importer first: a bundle on disk always has its importer.
fs.writeFileSync(path.join(dist, 'flotilla.bundle-import.cjs'), IMPORTER);
fs.writeFileSync(output.path, PRELUDE + importsThroughLauncher(output.text));
