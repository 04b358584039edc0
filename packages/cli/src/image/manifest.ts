/**
 * What `image push` uploads, pure: an image manifest, Docker's schema 2 (distribution spec
 * `docs/spec/manifest-v2-2.md`: mediaType, config and layers as descriptors {mediaType, size, digest}), and the
 * reading of a `docker save` archive's manifest.json (`[{Config, RepoTags, Layers}]`, each a path in the archive).
 */
import { ImageError } from './errors.js';

export const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
export const IMAGE_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export interface Descriptor {
  mediaType: string;
  size: number;
  /** `sha256:<hex>`. */
  digest: string;
}

/** The manifest's exact bytes: the registry stores and digests what is sent. */
export function buildManifest(config: Descriptor, layers: readonly Descriptor[]): string {
  return JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST_V2, config, layers }, null, 2);
}

/** One image of a `docker save` archive: paths inside the archive. */
export interface ArchiveImage {
  repoTags: string[];
  config: string;
  layers: string[];
}

/** manifest.json of a `docker save` archive; `source` names the archive in errors. */
export function parseArchiveManifest(text: string, source: string): ArchiveImage[] {
  const bad = (why: string) => new ImageError('IMAGE_ARCHIVE_INVALID', `${source}: manifest.json ${why}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw bad(`is not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(json) || json.length === 0) throw bad('is not a non-empty list of images');
  return json.map((item: unknown, i) => {
    const o = item as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null) throw bad(`[${i}] is not an object`);
    if (typeof o.Config !== 'string') throw bad(`[${i}].Config is not a path`);
    if (!Array.isArray(o.Layers) || !o.Layers.every((l) => typeof l === 'string')) throw bad(`[${i}].Layers is not a list of paths`);
    const tags = o.RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw bad(`[${i}].RepoTags is not a list of names`);
    return { repoTags: tags as string[], config: o.Config, layers: o.Layers as string[] };
  });
}

/**
 * The image config must describe as many layers as the archive holds (`rootfs.diff_ids`, one per layer, in order):
 * a registry would take a mismatched image, and every pull of it would fail.
 */
export function checkImageConfig(text: string, layerCount: number, source: string): void {
  let config: { rootfs?: { diff_ids?: unknown } };
  try {
    config = JSON.parse(text) as typeof config;
  } catch (err) {
    throw new ImageError('IMAGE_ARCHIVE_INVALID', `${source}: the image config is not JSON (${(err as Error).message})`);
  }
  const ids = config.rootfs?.diff_ids;
  if (!Array.isArray(ids)) throw new ImageError('IMAGE_ARCHIVE_INVALID', `${source}: the image config has no rootfs.diff_ids`);
  if (ids.length !== layerCount) {
    throw new ImageError('IMAGE_ARCHIVE_INVALID', `${source}: the image config lists ${ids.length} layer(s), the archive holds ${layerCount}`);
  }
}
