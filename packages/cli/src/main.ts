#!/usr/bin/env node
/** Entry point of the `flotilla` CLI (bin/flotilla imports it, or requires the bundle made from it: bundle-entry.ts). Always
 * exits explicitly: an open etcd channel must not keep a finished command alive. */
import fs from 'node:fs';
import { CommanderError } from 'commander';
import { nodeWarningLine, routeNodeWarnings } from './node-warnings.js';
import { programFor, type Runtime } from './program.js';
import { reportError } from './report-error.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

// With FLOTILLA_ETCD_TRANSPORT=grpc, grpc-js (under etcd3) sets the TLS ServerName to the endpoint's IP address,
// and Node prints DEP0123 for it on every TLS connection to https://<ip>:2379. A CLI must not print noise its user
// cannot act on. (The default HTTP transport loads no gRPC.)
process.noDeprecation = true;

// No Node warning in the user's terminal unless asked for (node-warnings.ts). Before parsing: a warning may come
// from anything the command does, and --debug is a global flag.
const debugWarnings = process.argv.slice(2).includes('--debug');
routeNodeWarnings((warning) => {
  if (debugWarnings) process.stderr.write(nodeWarningLine(warning));
});

export async function main(argv: string[]): Promise<number> {
  const rt: Runtime = {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    version: packageVersion(),
    exitCode: 0,
  };
  const { program, argv: expanded } = await programFor(rt, argv);
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(expanded, { from: 'user' });
    return rt.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    return reportError(err, [], rt.stderr);
  }
}

/** Resolves once everything written so far has reached the OS: a pipe to a slow reader (`| less`, a test
 * harness) must not lose the tail of a 10,000-row table to process.exit. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => (stream.writableLength === 0 ? resolve() : stream.write('', () => resolve())));
}

// No top-level await: the bundle is CommonJS (scripts/bundle-cli.mjs), which has none. A rejection still ends the
// process with its stack (Node's unhandled-rejection default), as an awaited one did.
void main(process.argv.slice(2)).then(async (code) => {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
});
