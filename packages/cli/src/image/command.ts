/**
 * `flotilla image push IMAGE` and `flotilla image ls`: images into and out of the cluster's registry
 * (docs/registry-images.md). The implementation loads in the handlers (CLI cold start).
 */
import type { Command } from 'commander';
import { defineLocalCommand, NO_OUTPUT, type CommandGroup } from '../commands/local-command.js';
import type { Output } from '../commands/verb.js';
import { ImageError, type ImageErrorCode } from './errors.js';

const DEFAULT_TIMEOUT_SEC = 30;

interface Common {
  registry?: string;
  timeoutMs: number;
}

function commonOptions(cmd: Command): void {
  cmd.option('--registry <host:port>', 'the registry to use (default: where registry.service runs, from etcd); its certificate must be the cluster\'s registry.flotilla');
  cmd.option('--timeout <seconds>', 'how long one request may go without an answer', String(DEFAULT_TIMEOUT_SEC));
}

function parseCommon(raw: Record<string, unknown>): Common {
  const seconds = Number(raw.timeout ?? DEFAULT_TIMEOUT_SEC);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new ImageError('IMAGE_REGISTRY_UNKNOWN', `--timeout: "${String(raw.timeout)}" is not a positive number of seconds`, { hint: 'e.g. --timeout 60' });
  return { ...(typeof raw.registry === 'string' ? { registry: raw.registry } : {}), timeoutMs: seconds * 1000 };
}

interface PushOptions extends Common {
  fromTar?: string;
  engine: 'docker' | 'podman';
}

const push = defineLocalCommand({
  name: 'push',
  args: '[image]',
  summary: 'put an image from the local engine (or a `docker save` archive) into the cluster\'s registry',
  examples: [
    'flotilla image push fl/web:1                       # then Image=registry.flotilla:5000/fl/web:1',
    'flotilla image push --engine podman localhost/fl/web:1',
    'flotilla image push --from-tar web.tar',
  ],
  configure(cmd) {
    cmd.option('--from-tar <file>', 'read the image from this `docker save` archive instead of the engine');
    cmd.option('--engine <engine>', 'the local engine to take the image from: docker or podman', 'docker');
    commonOptions(cmd);
  },
  parseOptions(raw): PushOptions {
    const engine = raw.engine as string;
    if (engine !== 'docker' && engine !== 'podman') throw new ImageError('IMAGE_ENGINE', `--engine: "${engine}" is not docker or podman`);
    return { ...parseCommon(raw), engine, ...(typeof raw.fromTar === 'string' ? { fromTar: raw.fromTar } : {}) };
  },
  async handler(ctx, [image], opts) {
    const [{ IMAGE_REGISTRY_ADDRESS }, { openRegistryClient }, { pushImage }, { progressPrinter }] = await Promise.all([
      import('@flotilla/core'), import('./locate.js'), import('./push.js'), import('./progress.js'),
    ]);
    if (opts.fromTar === undefined && image === undefined) throw new ImageError('IMAGE_REFERENCE_INVALID', 'name the image to push (or --from-tar FILE)');
    // The reference is checked before the registry is looked for: a bad tag fails without a connection.
    if (image !== undefined) (await import('./reference.js')).parseImageReference(image);
    const client = await openRegistryClient(ctx.globals(), opts);
    try {
      const source = opts.fromTar !== undefined
        ? { kind: 'tar' as const, file: opts.fromTar, ...(image === undefined ? {} : { image }) }
        : { kind: 'engine' as const, engine: opts.engine, image: image! };
      const result = await pushImage({ source, client, registryName: IMAGE_REGISTRY_ADDRESS, onEvent: progressPrinter((t) => ctx.write(t), process.stdout.isTTY === true) });
      ctx.write(`pushed ${result.reference}${result.digest ? ` ${result.digest}` : ''} (registry ${client.address})\n`);
      return NO_OUTPUT;
    } catch (err) {
      // Every failure names the image and the registry.
      if (err instanceof ImageError && !err.message.includes(client.address)) {
        throw new ImageError(err.code as ImageErrorCode, `${err.message} (pushing ${image ?? opts.fromTar} to registry ${client.address})`, { cause: err, ...(err.hint ? { hint: err.hint } : {}) });
      }
      throw err;
    } finally {
      client.close();
    }
  },
  render: (out: Output) => out,
});

const ls = defineLocalCommand({
  name: 'ls',
  args: '[repository]',
  summary: 'list the images (repository:tag) the cluster\'s registry holds',
  examples: ['flotilla image ls', 'flotilla image ls fl/web'],
  configure: commonOptions,
  parseOptions: (raw) => parseCommon(raw),
  async handler(ctx, [repository], opts) {
    const [{ IMAGE_REGISTRY_ADDRESS }, { openRegistryClient }] = await Promise.all([import('@flotilla/core'), import('./locate.js')]);
    const client = await openRegistryClient(ctx.globals(), opts);
    try {
      const repositories = repository === undefined ? await client.catalog() : [repository];
      const lines: string[] = [];
      for (const repo of repositories) {
        // A repository the catalog lists may have blobs but no tag yet (a push cut off): it lists nothing.
        const tags = await client.tags(repo, { missingIsEmpty: repository === undefined });
        for (const tag of tags.sort()) lines.push(`${IMAGE_REGISTRY_ADDRESS}/${repo}:${tag}\n`);
      }
      return lines.join('');
    } finally {
      client.close();
    }
  },
  render: (text: string): Output => ({ stdout: text }),
});

export const imageCommands: CommandGroup = {
  name: 'image',
  summary: 'push images to the cluster\'s registry and list them (docs/registry-images.md)',
  commands: [push, ls],
};
