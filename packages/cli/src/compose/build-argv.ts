/** The local engine's `build` command line for a compose service's `build:` (pure; docs/compose.md "Building images"). */
import path from 'node:path';
import type { BuildSpec } from '@flotilla/compose';

export function buildArgv(spec: BuildSpec): string[] {
  const argv = ['build', '-t', spec.image];
  // The engine reads -f against its working directory; compose means it against the context.
  if (spec.dockerfile !== undefined) argv.push('-f', path.resolve(spec.context, spec.dockerfile));
  for (const [k, v] of spec.args) argv.push('--build-arg', `${k}=${v}`);
  if (spec.target !== undefined) argv.push('--target', spec.target);
  argv.push(spec.context);
  return argv;
}

/** The last lines of an engine's output: where docker and podman put the failing step and its error. */
export function tailLines(text: string, count = 12): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
