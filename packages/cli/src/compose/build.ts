/**
 * Builds the services that have `build:` with the local engine and pushes each result to the cluster's registry
 * (the image push code, docs/registry-images.md), before anything is submitted: a failed build or push stops
 * `compose up` with nothing written to etcd.
 */
import { spawn } from 'node:child_process';
import type { ServiceSpec } from '@flotilla/compose';
import { FlotillaError, IMAGE_REGISTRY_ADDRESS } from '@flotilla/core';
import type { CommandContext } from '../commands/verb.js';
import { buildArgv, tailLines } from './build-argv.js';

export type Engine = 'docker' | 'podman';

export interface BuildOptions {
  engine: Engine;
  /** `--registry HOST:PORT`; else where registry.service runs (etcd). */
  registry?: string;
  buildTimeoutMs: number;
  /** One registry request's timeout. */
  requestTimeoutMs: number;
}

/** Output kept from a build for its error message: the end is what names the failing step. */
const KEEP_BYTES = 64 * 1024;

export function composeBuildError(service: string, message: string, cause?: unknown): FlotillaError {
  return new FlotillaError('COMPOSE_BUILD_FAILED', `service ${service}: ${message}`, {
    hint: 'fix the build at the step the engine names; nothing was submitted', ...(cause === undefined ? {} : { cause }),
  });
}

/** Runs `ENGINE build …`; rejects with the engine's last lines on failure, or after the deadline (the build is killed). */
export function runBuild(engine: Engine, service: ServiceSpec, timeoutMs: number): Promise<void> {
  const argv = buildArgv(service.build!);
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawn(engine, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => { out = (out + chunk.toString()).slice(-KEEP_BYTES); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGTERM'); }, timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(composeBuildError(service.name, err.code === 'ENOENT' ? `${engine} is not installed (needed to build the image)` : `${engine} build: ${err.message}`, err));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      if (timedOut) return reject(composeBuildError(service.name, `${engine} build did not finish within ${timeoutMs / 1000} s`));
      reject(composeBuildError(service.name, `${engine} build failed (${code === null ? `signal ${signal}` : `exit ${code}`}):\n${tailLines(out)}`));
    });
  });
}

/** Builds then pushes every service with `build:`, in file order; returns the pushed references. */
export async function buildAndPush(ctx: CommandContext, services: readonly ServiceSpec[], opts: BuildOptions): Promise<string[]> {
  const built = services.filter((s) => s.build !== undefined);
  if (built.length === 0) return [];
  const [{ openRegistryClient }, { pushImage }] = await Promise.all([import('../image/locate.js'), import('../image/push.js')]);
  // The registry is found (and answers) before the first build, so a missing registry fails fast.
  const client = await openRegistryClient(ctx.globals, { timeoutMs: opts.requestTimeoutMs, ...(opts.registry === undefined ? {} : { registry: opts.registry }) });
  try {
    const pushed: string[] = [];
    for (const s of built) {
      ctx.emit({ kind: 'note', text: `Building ${s.name} (${opts.engine} build ${s.build!.context})` });
      await runBuild(opts.engine, s, opts.buildTimeoutMs);
      try {
        const result = await pushImage({ source: { kind: 'engine', engine: opts.engine, image: s.image }, client, registryName: IMAGE_REGISTRY_ADDRESS });
        ctx.emit({ kind: 'note', text: `Pushed ${result.reference} (registry ${client.address})` });
        pushed.push(result.reference);
      } catch (err) {
        throw composeBuildError(s.name, `pushing ${s.image} to registry ${client.address}: ${(err as Error).message}`, err);
      }
    }
    return pushed;
  } finally {
    client.close();
  }
}
