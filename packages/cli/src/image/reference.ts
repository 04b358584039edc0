/**
 * Image references, pure: `[HOST[:PORT]/]PATH[:TAG]` as the distribution spec names repositories and tags
 * (distribution/reference grammar: path components `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`, tags
 * `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`). Pushing keeps the path and tag and replaces the registry.
 */
import { ImageError } from './errors.js';

export interface ImageReference {
  /** The registry part as written (`localhost`, `docker.io`, `registry.flotilla:5000`), if any. */
  registry?: string;
  /** `fl/web`. */
  repository: string;
  tag: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/;

export function parseImageReference(text: string): ImageReference {
  const bad = (why: string) => new ImageError('IMAGE_REFERENCE_INVALID', `image "${text}": ${why}`);
  if (text.includes('@')) throw bad('digest references are not supported; name a tag');
  const slash = text.lastIndexOf('/');
  const colon = text.lastIndexOf(':');
  const [name, tag] = colon > slash ? [text.slice(0, colon), text.slice(colon + 1)] : [text, 'latest'];
  if (!TAG.test(tag)) throw bad(`tag "${tag}" is not a valid tag (letters, digits, _ . -, at most 128, not starting with . or -)`);
  const parts = name.split('/');
  // The first component is a registry when it looks like a host: a dot, a port, or localhost (docker's rule).
  const first = parts[0]!;
  const registry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : undefined;
  if (registry !== undefined && !HOST.test(registry)) throw bad(`"${registry}" is not a registry host[:port]`);
  const path = registry === undefined ? parts : parts.slice(1);
  if (path.length === 0 || path.some((c) => !COMPONENT.test(c))) {
    throw bad('the name must be lower-case components (letters, digits, separated by . _ __ or -) joined by /');
  }
  const repository = path.join('/');
  if (repository.length > 255) throw bad('the name is longer than 255 characters');
  return { ...(registry === undefined ? {} : { registry }), repository, tag };
}

/** `HOST/PATH:TAG`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry ? `${ref.registry}/` : ''}${ref.repository}:${ref.tag}`;
}

/**
 * Whether an archive's RepoTag names the image asked for: the same path and tag, with the registry ignored when
 * either side has none or it is `localhost`/`docker.io` (podman writes `localhost/fl/web:1` for docker's `fl/web:1`).
 */
export function sameImage(a: ImageReference, b: ImageReference): boolean {
  const implicit = (r?: string) => r === undefined || r === 'localhost' || r === 'docker.io';
  const strip = (ref: ImageReference) => (ref.registry === 'docker.io' && ref.repository.startsWith('library/') ? ref.repository.slice(8) : ref.repository);
  const registriesMatch = a.registry === b.registry || (implicit(a.registry) && implicit(b.registry));
  return registriesMatch && strip(a) === strip(b) && a.tag === b.tag;
}
