/**
 * `flotilla image push`: an image from the local engine (`docker save` / `podman save`) or a `docker save` archive
 * into the cluster's registry (docs/registry-images.md). Layers that are plain tarballs (what `docker save`
 * writes) are gzipped to a temp file first, so each blob's digest and size are known before it is sent; the
 * registry checks every digest. Blobs it already has are skipped. Order: reference, registry, local image, then
 * uploads, so bad input or a registry that is down fails before anything is sent.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { DockerArchive } from './archive.js';
import { ImageError } from './errors.js';
import { IMAGE_CONFIG, LAYER_GZIP, MANIFEST_V2, buildManifest, checkImageConfig, type ArchiveImage, type Descriptor } from './manifest.js';
import { formatReference, parseImageReference, sameImage, type ImageReference } from './reference.js';
import type { RegistryClient } from './registry-client.js';

export type Engine = 'docker' | 'podman';

export type PushSource = { kind: 'engine'; engine: Engine; image: string } | { kind: 'tar'; file: string; image?: string };

export type PushEvent =
  | { kind: 'saving'; engine: Engine; image: string }
  | { kind: 'blob'; index: number; count: number; what: 'layer' | 'config'; digest: string; size: number; state: 'exists' | 'pushing' | 'pushed'; sent: number };

export interface PushResult {
  /** `registry.flotilla:5000/fl/web:1`. */
  reference: string;
  digest?: string;
  blobs: number;
  /** Bytes sent (blobs the registry lacked). */
  sent: number;
}

/** How long `docker save` may take (a large image on a slow disk). */
const SAVE_TIMEOUT_MS = 10 * 60_000;

export async function pushImage(opts: {
  source: PushSource;
  client: RegistryClient;
  /** The registry's name in the printed reference (`registry.flotilla:5000`). */
  registryName: string;
  onEvent?: (event: PushEvent) => void;
}): Promise<PushResult> {
  const emit = opts.onEvent ?? (() => {});
  const asked = opts.source.image === undefined ? undefined : parseImageReference(opts.source.image);
  await opts.client.ping();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-image-'));
  try {
    let file: string;
    if (opts.source.kind === 'engine') {
      emit({ kind: 'saving', engine: opts.source.engine, image: opts.source.image });
      file = path.join(scratch, 'image.tar');
      await saveFromEngine(opts.source.engine, opts.source.image, file);
    } else {
      file = opts.source.file;
    }
    const archive = DockerArchive.open(file);
    try {
      const [image, ref] = pickImage(archive, asked, opts.source.kind === 'engine');
      const dest = { registry: opts.registryName, repository: ref.repository, tag: ref.tag };
      const configBytes = archive.readEntry(archive.entry(image.config));
      checkImageConfig(configBytes.toString('utf8'), image.layers.length, file);
      const config: Descriptor = { mediaType: IMAGE_CONFIG, size: configBytes.length, digest: sha256(configBytes) };
      const layers: { descriptor: Descriptor; body: () => Readable }[] = [];
      for (const [i, name] of image.layers.entries()) layers.push(await gzippedLayer(archive, name, path.join(scratch, `layer-${i}.gz`)));
      const blobs = [
        ...layers.map((l) => ({ ...l, what: 'layer' as const })),
        { descriptor: config, body: () => streamOf(configBytes), what: 'config' as const },
      ];
      let sent = 0;
      for (const [index, blob] of blobs.entries()) {
        const base = { kind: 'blob' as const, index, count: blobs.length, what: blob.what, digest: blob.descriptor.digest, size: blob.descriptor.size };
        if (await opts.client.blobExists(dest.repository, blob.descriptor.digest)) {
          emit({ ...base, state: 'exists', sent: 0 });
          continue;
        }
        let done = 0;
        emit({ ...base, state: 'pushing', sent: 0 });
        await opts.client.uploadBlob(dest.repository, blob.descriptor.digest, blob.descriptor.size, () => blob.body().pipe(counter((n) => {
          done += n;
          emit({ ...base, state: 'pushing', sent: done });
        })));
        sent += blob.descriptor.size;
        emit({ ...base, state: 'pushed', sent: blob.descriptor.size });
      }
      const manifest = buildManifest(config, layers.map((l) => l.descriptor));
      const digest = (await opts.client.putManifest(dest.repository, dest.tag, manifest, MANIFEST_V2)) ?? sha256(Buffer.from(manifest));
      return { reference: formatReference(dest), digest, blobs: blobs.length, sent };
    } finally {
      archive.close();
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The image of the archive to push, and the name it gets (the one asked for, else its first RepoTag). */
export function pickImage(archive: Pick<DockerArchive, 'file' | 'images'>, asked: ImageReference | undefined, savedForIt: boolean): [ArchiveImage, ImageReference] {
  const { images, file } = archive;
  if (savedForIt && asked) return [images[0]!, asked];
  if (asked) {
    const found = images.find((img) => img.repoTags.some((t) => sameImage(safeParse(t), asked)));
    if (!found) {
      throw new ImageError('IMAGE_NOT_FOUND', `image ${formatReference(asked)} is not in ${file} (it holds ${images.flatMap((i) => i.repoTags).join(', ') || 'untagged images only'})`);
    }
    return [found, asked];
  }
  if (images.length !== 1) {
    throw new ImageError('IMAGE_REFERENCE_INVALID', `${file} holds ${images.length} images (${images.flatMap((i) => i.repoTags).join(', ')}): name the one to push`);
  }
  const tag = images[0]!.repoTags[0];
  if (tag === undefined) throw new ImageError('IMAGE_REFERENCE_INVALID', `${file}: the image has no name (saved by id): name it, e.g. \`flotilla image push --from-tar ${file} NAME:TAG\``);
  return [images[0]!, parseImageReference(tag)];
}

function safeParse(text: string): ImageReference {
  try {
    return parseImageReference(text);
  } catch {
    return { repository: '', tag: '' };
  }
}

/** `docker save -o FILE IMAGE` (podman: as a docker archive); a missing image is IMAGE_NOT_FOUND. */
export function saveFromEngine(engine: Engine, image: string, file: string): Promise<void> {
  const args = engine === 'podman' ? ['save', '--format', 'docker-archive', '-o', file, image] : ['save', '-o', file, image];
  return new Promise<void>((resolve, reject) => {
    execFile(engine, args, { timeout: SAVE_TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      const reason = String(stderr).trim() || e.message;
      if (e.code === 'ENOENT') return reject(new ImageError('IMAGE_ENGINE', `${engine} is not installed (needed to read image ${image})`, { cause: err }));
      if (/no such image|image not known|does not exist|not found|unable to find/i.test(reason)) {
        return reject(new ImageError('IMAGE_NOT_FOUND', `image ${image} is not in the local ${engine} engine: ${reason}`, { cause: err }));
      }
      if (e.killed) return reject(new ImageError('IMAGE_ENGINE', `${engine} save ${image} did not finish within ${SAVE_TIMEOUT_MS / 60_000} min`, { cause: err }));
      reject(new ImageError('IMAGE_ENGINE', `${engine} save ${image}: ${reason}`, { cause: err }));
    });
  });
}

function sha256(data: Buffer): string {
  return `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
}

function streamOf(data: Buffer): Readable {
  return Readable.from([data]);
}

function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
}

/** A layer as a gzip blob: kept as it is when already gzip (1f 8b), else compressed into `tmp`. */
async function gzippedLayer(archive: DockerArchive, name: string, tmp: string): Promise<{ descriptor: Descriptor; body: () => Readable }> {
  const entry = archive.entry(name);
  const head = archive.head(entry, 2);
  const hash = crypto.createHash('sha256');
  if (head.length === 2 && head[0] === 0x1f && head[1] === 0x8b) {
    for await (const chunk of archive.stream(entry)) hash.update(chunk as Buffer);
    return { descriptor: { mediaType: LAYER_GZIP, size: entry.size, digest: `sha256:${hash.digest('hex')}` }, body: () => archive.stream(entry) };
  }
  const tee = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  // Level 6 (zlib's default): fast enough that a 50 MB layer costs about a second, and deterministic.
  await pipeline(archive.stream(entry), zlib.createGzip(), tee, fs.createWriteStream(tmp));
  return { descriptor: { mediaType: LAYER_GZIP, size: fs.statSync(tmp).size, digest: `sha256:${hash.digest('hex')}` }, body: () => fs.createReadStream(tmp) };
}
