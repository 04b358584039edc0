/**
 * Entry of the bundled CLI (dist/flotilla.bundle.js, built by scripts/bundle-cli.mjs; docs/benchmarks.md, "CLI
 * cold start"): one file instead of ~160 modules to resolve and read. The daemon (`agent`) runs the unbundled
 * main.js instead: it loads @flotilla/agent and @flotilla/api, which must share one @flotilla/core with it
 * (errors are told apart by class) and find their files next to their own modules.
 */
import { mayBeDaemon } from './daemon-argv.js';

if (mayBeDaemon(process.argv.slice(2))) await import(new URL('./main.js', import.meta.url).href);
else await import('./main.js');
