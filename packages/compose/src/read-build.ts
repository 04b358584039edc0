/**
 * `build:` of a service (Compose Specification's build section: a context string, or a map with context,
 * dockerfile, args, target; other sub-keys are reported as unsupported by the key table). The unit runs the
 * build pushed to the cluster's registry as `registry.flotilla:5000/P/S:TAG`, TAG being `image:`'s tag when it
 * gives one, else `latest` (docs/compose.md "Building images").
 */
import { IMAGE_REGISTRY_ADDRESS } from '@flotilla/core';
import { isRecord } from './findings.js';
import type { BuildSpec } from './model.js';
import type { ServiceReader } from './read-service.js';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The tag of an image reference (`app:2` → `2`, `localhost:5000/app` → undefined). */
export function tagOf(image: string): string | undefined {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
}

export function builtImageName(project: string, service: string, tag: string): string {
  return `${IMAGE_REGISTRY_ADDRESS}/${project}/${service}:${tag}`;
}

export function readBuild(r: ServiceReader, value: unknown, image: unknown, project: string): BuildSpec | undefined {
  const raw: Record<string, unknown> = typeof value === 'string' ? { context: value } : isRecord(value) ? value : {};
  if (typeof value !== 'string' && !isRecord(value)) {
    r.invalid(r.at('build'), 'key build: expected a context directory or a map (context, dockerfile, args, target)');
    return undefined;
  }
  const at = (k: string) => (typeof value === 'string' ? r.at('build') : r.at('build', k));
  const context = raw.context ?? '.';
  if (typeof context !== 'string' || context === '') {
    r.invalid(at('context'), 'key build.context: expected a directory');
    return undefined;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.startsWith('git@')) {
    r.unsupported(at('context'), `key build.context: ${context} is not supported (a local directory only)`);
    return undefined;
  }
  let tag = 'latest';
  if (typeof image === 'string' && image !== '') {
    const t = tagOf(image);
    if (t !== undefined && !TAG.test(t)) r.invalid(r.at('image'), `key image: tag "${t}" is not a valid tag (letters, digits, _ . -)`);
    else if (t !== undefined) tag = t;
  }
  const spec: BuildSpec = { context: r.resolvePath(context), args: buildArgs(r, raw.args), image: builtImageName(project, r.serviceName, tag) };
  for (const key of ['dockerfile', 'target'] as const) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string' && v !== '') spec[key] = v;
    else r.invalid(at(key), `key build.${key}: expected a string`);
  }
  return spec;
}

/** `args`: a map or a `KEY=VALUE` list; a bare KEY (or `KEY: null`) is left to the engine, which then uses the Dockerfile's default. */
function buildArgs(r: ServiceReader, value: unknown): [string, string][] {
  if (value === undefined || value === null) return [];
  const out: [string, string][] = [];
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === null) continue;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.push([k, String(v)]);
      else r.invalid(r.at('build', 'args', k), `key build.args.${k}: expected a string, number or boolean`);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (typeof item !== 'string') return r.invalid(r.at('build', 'args', i), 'key build.args: expected KEY=VALUE strings');
      const eq = item.indexOf('=');
      if (eq > 0) out.push([item.slice(0, eq), item.slice(eq + 1)]);
    });
  } else {
    r.invalid(r.at('build', 'args'), 'key build.args: expected a map or a list');
  }
  return out;
}
