// Bundles the built CLI (packages/cli/dist, from `tsc -b`) into one CommonJS file, dist/flotilla.bundle.cjs, which
// bin/flotilla requires while it is newer than every package's build (see there). Node resolves, reads and links
// ~160 ESM files for a `list-units`; one file saves most of that (docs/benchmarks.md, "CLI cold start"), and
// CommonJS saves the ESM loader's per-file work for the ~20 chunks an ESM bundle with splitting still had (its
// third pass). The commands' modules are still evaluated only when run: esbuild wraps a bundled module that is
// imported dynamically in a function called on the import. Heavy packages stay outside, loaded only by the commands that use them, as before.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

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

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '../packages/cli/dist');
// Earlier builds' ESM bundle and chunks too: bin/flotilla must never find a stale one.
for (const file of fs.readdirSync(dist)) if (file.startsWith('flotilla.bundle') && /\.c?js$/.test(file)) fs.rmSync(path.join(dist, file));
await build({
  entryPoints: [path.join(dist, 'bundle-entry.js')],
  outfile: path.join(dist, 'flotilla.bundle.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // The heavy optional packages stay outside, loaded by the commands that use them.
  external: ['etcd3', '@grpc/*', 'protobufjs', 'dbus-next', 'dockerode', 'prom-client', 'pino', 'yaml'],
  plugins: [daemonPackagesOutside, msgpackrPackOnly, commanderLazyChildProcess],
  // msgpackr's native decoder is a native addon found through child_process (detect-libc): slower to load than
  // a CLI's few records take to decode in JavaScript.
  // `import.meta.url` (main.ts: ../package.json; bundle-entry.ts: the unbundled main.js) is the bundle's URL, which
  // sits where main.js does.
  define: { 'process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED': '"true"', 'import.meta.url': 'flotillaBundleUrl' },
  banner: { js: "const flotillaBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
