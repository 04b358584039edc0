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

/** In esbuild's output, parsed (TypeScript's parser, a dev dependency already; a text search would also match
 * strings and comments): where each dynamic import's `import` keyword starts, and the template literals' ranges. */
function parseOutput(code) {
  const file = ts.createSourceFile('bundle.cjs', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const imports = [];
  const templates = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) imports.push(node.expression.getStart(file));
    if (ts.isTemplateLiteralToken(node)) templates.push([node.getStart(file), node.end]);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { imports, templates };
}

/**
 * `code` ready for bin/flotilla: every `import(x)` turned into `flotillaImport(x)` (same arguments, same promise),
 * and every non-ASCII character (esbuild leaves them in comments and regular expressions) as a `\uXXXX` escape,
 * which means the same there: Node reads an all-ASCII file into a one-byte string, ~3 ms sooner for this one than a
 * UTF-8 file into a two-byte string. Template literals keep theirs: a tag sees the raw text.
 */
function forLauncher(code) {
  const { imports, templates } = parseOutput(code);
  const edits = imports.map((at) => ({ at, length: 'import'.length, text: 'flotillaImport' }));
  for (const match of code.matchAll(/[^\x00-\x7f]/g)) {
    if (templates.some(([from, to]) => match.index >= from && match.index < to)) continue;
    edits.push({ at: match.index, length: 1, text: `\\u${match[0].charCodeAt(0).toString(16).padStart(4, '0')}` });
  }
  const parts = [];
  let done = 0;
  for (const edit of edits.sort((a, b) => a.at - b.at)) {
    parts.push(code.slice(done, edit.at), edit.text);
    done = edit.at + edit.length;
  }
  parts.push(code.slice(done));
  return parts.join('');
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

/** Node's modules that the commands' code imports at its top but most commands never call: crypto (unit hashes, the
 * token cache), https and tls (HTTPS endpoints). Loading them costs a `list-units` ~40 of Node's internal modules. */
const LAZY_BUILTINS = ['crypto', 'https', 'tls'];

/**
 * Each of LAZY_BUILTINS becomes an object of getters, one per export (listed from this Node), which loads the
 * module on the first use of any: what an import of it gives, unchanged, only later (docs/benchmarks.md, "CLI cold
 * start, fifth pass"). The daemon, unbundled, imports them as usual.
 */
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (args) =>
      args.namespace === 'flotilla-lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'flotilla-lazy-builtin' });
    b.onLoad({ filter: /.*/, namespace: 'flotilla-lazy-builtin' }, (args) => {
      const getters = Object.keys(require(`node:${args.path}`)).map((key) => `  get ${JSON.stringify(key)}() { return load()[${JSON.stringify(key)}]; },`);
      return {
        contents: `let loaded;\nconst load = () => (loaded ??= require('node:${args.path}'));\nmodule.exports = {\n${getters.join('\n')}\n};\n`,
        loader: 'js',
      };
    });
  },
};

/** Replaces `file` whole (a temp file renamed over it): a CLI started meanwhile runs the old file or the new one. */
function writeWhole(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '../packages/cli/dist');
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
  plugins: [daemonPackagesOutside, msgpackrPackOnly, commanderLazyChildProcess, lazyBuiltins],
  // msgpackr's native decoder is a native addon found through child_process (detect-libc): slower to load than
  // a CLI's few records take to decode in JavaScript.
  define: { 'process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED': '"true"', 'import.meta.url': 'flotillaBundleUrl' },
  logLevel: 'warning',
});
// The importer first: a bundle on disk always has its importer.
const files = { 'flotilla.bundle-import.cjs': IMPORTER, 'flotilla.bundle.cjs': PRELUDE + forLauncher(result.outputFiles[0].text) };
// Earlier builds' ESM bundle and chunks too: bin/flotilla must never find a stale one.
for (const file of fs.readdirSync(dist)) if (file.startsWith('flotilla.bundle') && /\.c?js$/.test(file) && !(file in files)) fs.rmSync(path.join(dist, file));
for (const [name, text] of Object.entries(files)) writeWhole(path.join(dist, name), text);
