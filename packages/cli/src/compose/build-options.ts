/** Options of `compose build` and `compose up` for services with `build:` (the same as `image push`'s where shared). */
import type { Command, OptionValues } from 'commander';
import { badOptionValue } from '../cli-errors.js';
import type { BuildOptions } from './build.js';

const DEFAULT_BUILD_TIMEOUT_SEC = 1800;
const DEFAULT_REQUEST_TIMEOUT_SEC = 30;

export function addBuildOptions(cmd: Command): Command {
  return cmd
    .option('--engine <engine>', 'the local engine that builds: docker or podman', 'docker')
    .option('--registry <host:port>', 'the registry to push to (default: where registry.service runs, from etcd)')
    .option('--build-timeout <seconds>', `deadline for one service's build (default ${DEFAULT_BUILD_TIMEOUT_SEC})`);
}

export function buildOptions(raw: OptionValues): BuildOptions {
  const engine = String(raw.engine ?? 'docker');
  if (engine !== 'docker' && engine !== 'podman') throw badOptionValue('--engine', engine, 'expected docker or podman');
  const text = String(raw.buildTimeout ?? DEFAULT_BUILD_TIMEOUT_SEC);
  const sec = Number(text);
  if (!Number.isFinite(sec) || sec <= 0) throw badOptionValue('--build-timeout', text, 'expected a positive number of seconds');
  return {
    engine, buildTimeoutMs: sec * 1000, requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_SEC * 1000,
    ...(typeof raw.registry === 'string' ? { registry: raw.registry } : {}),
  };
}
