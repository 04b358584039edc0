/**
 * Entry of the bundled CLI (dist/flotilla.bundle.cjs, built by scripts/bundle-cli.mjs; docs/benchmarks.md, "CLI
 * cold start" and its third pass): one CommonJS file instead of ~160 ESM modules to resolve, read and link. No
 * top-level await (CommonJS has none); `import.meta.url` is the bundle's own URL there (the bundler defines it). The daemon (`agent`) runs the unbundled
 * main.js instead: it loads @flotilla/agent and @flotilla/api, which must share one @flotilla/core with it
 * (errors are told apart by class) and find their files next to their own modules.
 */
import { mayBeDaemon } from './daemon-argv.js';

if (mayBeDaemon(process.argv.slice(2))) void import(new URL('./main.js', import.meta.url).href);
else void import('./main.js');
