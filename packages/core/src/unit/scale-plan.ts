/**
 * Scaling a template, pure: given the units in the registry, which numbered instances `TEMPLATE@1..N` to create
 * or launch and which numbered instances above N to stop and destroy. Instances that are not numbered
 * (`app@blue`) are not scale's business and are left alone. Shared by `flotilla scale` and the API's
 * `PUT /v2/units/<template>/scale` (the dashboard), so both plan alike.
 */

export const MAX_SCALE = 1000;

export interface ScaleTarget {
  /** Directory part of the argument, with its trailing slash ('' for a bare name). */
  dir: string;
  prefix: string;
  suffix: string;
}

export interface ScalePlan {
  /** Arguments for lazy creation, `dir/prefix@K.suffix` for K = 1..N, in order. */
  wanted: string[];
  /** Registry names of numbered instances above N (or 0), highest first. */
  remove: string[];
}

/** `app@` or `app@.service` (no directory) → the template's parts, else undefined. */
export function scaleTemplateParts(base: string): { prefix: string; suffix: string } | undefined {
  const match = /^([A-Za-z0-9:_.\\-]+)@(?:\.([A-Za-z]+))?$/.exec(base);
  return match ? { prefix: match[1]!, suffix: match[2] ?? 'service' } : undefined;
}

/** The instance of `prefix@K.suffix` when K is all digits, else undefined. */
function numberedInstance(target: ScaleTarget, name: string): string | undefined {
  const head = `${target.prefix}@`;
  const tail = `.${target.suffix}`;
  if (!name.startsWith(head) || !name.endsWith(tail)) return undefined;
  const instance = name.slice(head.length, name.length - tail.length);
  return /^\d+$/.test(instance) ? instance : undefined;
}

/** Keeps `prefix@1..N`; removes every other numbered instance (above N, `@0`, `@01`). */
export function planScale(target: ScaleTarget, count: number, existing: readonly string[]): ScalePlan {
  const wanted = Array.from({ length: count }, (_, i) => `${target.dir}${target.prefix}@${i + 1}.${target.suffix}`);
  const keep = (instance: string) => instance === String(Number(instance)) && Number(instance) >= 1 && Number(instance) <= count;
  const remove = existing
    .map((name) => ({ name, instance: numberedInstance(target, name) }))
    .filter((e): e is { name: string; instance: string } => e.instance !== undefined && !keep(e.instance))
    .sort((a, b) => Number(b.instance) - Number(a.instance) || a.name.localeCompare(b.name))
    .map((e) => e.name);
  return { wanted, remove };
}
