/**
 * The container engine through dockerode: Docker's API, which podman's API service (`podman.socket`) also
 * speaks, so one adapter serves both engines. Thin: image check and pull, inspect, remove, list by label. Every
 * call has a deadline; engine failures become ContainerEngineError (retryable when the engine is unreachable),
 * failed pulls ContainerImagePullError with the engine's own reason.
 *
 * dockerode (~29 MiB RSS with its dependencies) is loaded on the first engine call, not when this module is
 * imported: an agent that never sees a container unit never loads it. It loads without ssh2 (load-dockerode.ts).
 */
import type Docker from 'dockerode';
import { ContainerEngineError, ContainerImagePullError } from '@flotilla/core';
import { LABEL_MACHINE, LABEL_UNIT } from './run-command.js';
import { loadDockerode } from './load-dockerode.js';
import type { ContainerEngineName } from './spec.js';

export const ENGINE_SOCKETS: Record<ContainerEngineName, string> = {
  docker: '/run/docker.sock',
  podman: '/run/podman/podman.sock',
};
export const DEFAULT_ENGINE_TIMEOUT_MS = 10_000;
export const DEFAULT_PULL_TIMEOUT_MS = 120_000;

/** What the registry and `list-units` need to know about a container. */
export interface ContainerStatus {
  id: string;
  name: string;
  /** The engine's state: created, running, paused, restarting, exited, dead. */
  state: string;
  running: boolean;
  exitCode: number;
  /** healthy, unhealthy, starting; undefined without a health check. */
  health?: string;
  /** The registry unit it belongs to (label), if the agent started it. */
  unit?: string;
  machineId?: string;
}

export interface EngineClientOptions {
  socketPath?: string;
  timeoutMs?: number;
}

/** dockerode's constructor, imported once on first use. */
let dockerModule: Promise<typeof Docker> | undefined;
function loadDocker(): Promise<typeof Docker> {
  dockerModule ??= loadDockerode();
  return dockerModule;
}

export class ContainerEngineClient {
  private client: Promise<Docker> | undefined;
  private readonly timeoutMs: number;
  private readonly socketPath: string;

  constructor(readonly engine: ContainerEngineName, opts: EngineClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS;
    this.socketPath = opts.socketPath ?? ENGINE_SOCKETS[engine];
  }

  /** The dockerode client, created (and dockerode loaded) on the first call. */
  private docker(): Promise<Docker> {
    this.client ??= loadDocker().then(
      (DockerClient) => new DockerClient({ socketPath: this.socketPath, timeout: this.timeoutMs }),
      (err: unknown) => {
        this.client = undefined;
        throw new ContainerEngineError(this.engine, `cannot load dockerode: ${String(err)}`, { cause: err, retryable: false });
      },
    );
    return this.client;
  }

  async hasImage(ref: string): Promise<boolean> {
    const docker = await this.docker();
    return (await this.call('inspect image', () => docker.getImage(ref).inspect(), true)) !== undefined;
  }

  /** Pulls `ref`; resolves once the engine has it, throws ContainerImagePullError with the engine's reason. */
  async pullImage(ref: string, timeoutMs = DEFAULT_PULL_TIMEOUT_MS): Promise<void> {
    const docker = await this.docker();
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await docker.pull(ref)) as NodeJS.ReadableStream;
    } catch (err) {
      throw this.pullError(ref, err);
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
        reject(new ContainerImagePullError(ref, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      docker.modem.followProgress(stream, (err: Error | null, events: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
        clearTimeout(timer);
        const failed = events?.find((e) => e.error !== undefined || e.errorDetail !== undefined);
        if (err) reject(this.pullError(ref, err));
        else if (failed) reject(new ContainerImagePullError(ref, failed.errorDetail?.message ?? failed.error ?? 'unknown error'));
        else resolve();
      });
    });
  }

  /** The container's status, or undefined if there is none of that name. */
  async inspect(name: string): Promise<ContainerStatus | undefined> {
    const docker = await this.docker();
    const info = await this.call(`inspect ${name}`, () => docker.getContainer(name).inspect(), true);
    if (info === undefined) return undefined;
    const labels = info.Config?.Labels ?? {};
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      state: normalState(info.State.Status),
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      ...(info.State.Health?.Status ? { health: info.State.Health.Status } : {}),
      ...(labels[LABEL_UNIT] ? { unit: labels[LABEL_UNIT] } : {}),
      ...(labels[LABEL_MACHINE] ? { machineId: labels[LABEL_MACHINE] } : {}),
    };
  }

  /**
   * Removes the container (killing it first if `force`); one that is already gone is fine. The kill is explicit
   * because podman's forced remove stops with the container's stop timeout first, and a leftover gets no grace.
   */
  async remove(name: string, force: boolean): Promise<void> {
    const container = (await this.docker()).getContainer(name);
    if (force) {
      try {
        await container.kill();
      } catch (err) {
        const status = statusCode(err);
        if (status !== 404 && status !== 409 && status !== 500) throw this.engineError(`kill ${name}`, err); // 409/500: not running
      }
    }
    await this.call(`remove ${name}`, () => container.remove({ force, v: true }), true);
  }

  /** Every container (running or not) the agent of `machineId` started. */
  async listOfMachine(machineId: string): Promise<ContainerStatus[]> {
    const docker = await this.docker();
    const list = await this.call('list containers', () =>
      docker.listContainers({ all: true, filters: { label: [`${LABEL_MACHINE}=${machineId}`] } }));
    return (list ?? []).map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      state: normalState(c.State),
      running: c.State === 'running',
      exitCode: Number(/Exited \((\d+)\)/.exec(c.Status)?.[1] ?? 0),
      ...(c.Labels[LABEL_UNIT] ? { unit: c.Labels[LABEL_UNIT] } : {}),
      machineId,
    }));
  }

  /** Runs an engine call; a 404 gives undefined when `notFoundOk`, anything else a typed error. */
  private async call<T>(what: string, fn: () => Promise<T>, notFoundOk = false): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (notFoundOk && statusCode(err) === 404) return undefined;
      throw this.engineError(what, err);
    }
  }

  private engineError(what: string, err: unknown): ContainerEngineError {
    const code = (err as NodeJS.ErrnoException).code;
    const unreachable = code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ESOCKETTIMEDOUT' || /timeout/i.test(String(err));
    const reason = unreachable ? `unreachable at its socket (${code ?? 'timeout'})` : engineMessage(err);
    return new ContainerEngineError(this.engine, `${what}: ${reason}`, { cause: err, retryable: unreachable });
  }

  private pullError(ref: string, err: unknown): ContainerImagePullError | ContainerEngineError {
    if (statusCode(err) === undefined) return this.engineError(`pull ${ref}`, err);
    return new ContainerImagePullError(ref, engineMessage(err), { cause: err });
  }
}

/** Docker's state words; podman says `stopped` between a container's exit and its cleanup, `configured` before start. */
function normalState(state: string): string {
  return state === 'stopped' ? 'exited' : state === 'configured' ? 'created' : state;
}

function statusCode(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The engine's own message (`json.message` in dockerode errors), without dockerode's "(HTTP code …)" prefix. */
function engineMessage(err: unknown): string {
  const json = (err as { json?: { message?: string } }).json;
  if (json?.message) return json.message.trim();
  return String((err as Error).message ?? err).replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();
}
