/** `flotilla image` errors: each names the image and/or the registry, with a hint (docs/registry-images.md). */
import { FlotillaError } from '@flotilla/core';

export type ImageErrorCode =
  | 'IMAGE_REFERENCE_INVALID'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_ARCHIVE_INVALID'
  | 'IMAGE_ENGINE'
  | 'IMAGE_REGISTRY_UNKNOWN'
  | 'IMAGE_REGISTRY_UNREACHABLE'
  | 'IMAGE_REGISTRY_REFUSED';

const HINTS: Record<ImageErrorCode, string> = {
  IMAGE_REFERENCE_INVALID: 'image references look like NAME[:TAG], NAME being lower-case path components (fl/web:1)',
  IMAGE_NOT_FOUND: 'list local images with `docker images` (or `podman images`); build or pull it first',
  IMAGE_ARCHIVE_INVALID: 'pass the output of `docker save IMAGE -o FILE` (or `podman save --format docker-archive`)',
  IMAGE_ENGINE: 'check that the engine runs and this user may use it (--engine docker|podman)',
  IMAGE_REGISTRY_UNKNOWN: 'start the registry (`flotilla start units/registry.service`) or pass --registry HOST:PORT',
  IMAGE_REGISTRY_UNREACHABLE: 'check that registry.service is active (`flotilla list-units`) and that its port is reachable; TLS uses the cluster CA (FLOTILLA_CA_FILE) and the CLI certificate (FLOTILLA_CERT_FILE/KEY_FILE)',
  IMAGE_REGISTRY_REFUSED: 'the registry\'s own reason is above (see docs/registry-images.md)',
};

export class ImageError extends FlotillaError {
  constructor(code: ImageErrorCode, message: string, opts: { cause?: unknown; hint?: string } = {}) {
    super(code, message, { hint: opts.hint ?? HINTS[code], ...(opts.cause === undefined ? {} : { cause: opts.cause }) });
  }
}
