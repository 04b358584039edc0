/**
 * The machine image: a Debian rootfs made once by debootstrap and cached, keyed by its recipe, so every test
 * run and `npm run up` reuse it. Machines never write to it: each gets an overlayfs layer on top.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ENGINE_RECIPE, prepareEngines } from './engine-image.js';
import { runOk } from './exec.js';

export const IMAGE_CACHE_DIR = process.env.FLOTILLA_IMAGE_CACHE ?? '/var/cache/flotilla/images';
const SUITE = 'bookworm';
/** haproxy: units/lb.service runs it on a node (docs/scenarios.md); its own haproxy.service is masked below. */
const PACKAGES = ['systemd', 'dbus', 'systemd-sysv', 'iproute2', 'haproxy'];
/** Bump when the preparation below changes: a new key builds a new image. */
const RECIPE_VERSION = 1;

/**
 * `engines`: the base image plus dockerd and podman (container units, docs/containers.md), a separate image so machines
 * that run no containers stay small and keep their cache key. Engine settings: engine-image.ts.
 */
export type ImageVariant = 'base' | 'engines';

export function imageKey(variant: ImageVariant = 'base'): string {
  const base = { SUITE, PACKAGES, RECIPE_VERSION };
  const recipe = JSON.stringify(variant === 'base' ? base : { ...base, engines: ENGINE_RECIPE });
  const prefix = variant === 'base' ? SUITE : `${SUITE}-engines`;
  return `${prefix}-${crypto.createHash('sha256').update(recipe).digest('hex').slice(0, 12)}`;
}

/** Returns the cached rootfs path, building it first if needed (about 40 s; 80 s with engines). Safe to call concurrently. */
export async function ensureImage(log: (line: string) => void = () => {}, variant: ImageVariant = 'base'): Promise<string> {
  const key = imageKey(variant);
  const dir = path.join(IMAGE_CACHE_DIR, key);
  const rootfs = path.join(dir, 'rootfs');
  if (fs.existsSync(path.join(dir, 'ready'))) return rootfs;
  fs.mkdirSync(IMAGE_CACHE_DIR, { recursive: true });
  const building = fs.mkdtempSync(path.join(IMAGE_CACHE_DIR, `.build-${key}-`));
  try {
    log(`building machine image ${key} with debootstrap (once, cached in ${dir})`);
    const target = path.join(building, 'rootfs');
    const packages = variant === 'base' ? PACKAGES : [...PACKAGES, ...ENGINE_RECIPE.packages];
    await runOk('debootstrap', ['--variant=minbase', `--include=${packages.join(',')}`, SUITE, target], { timeoutMs: 15 * 60_000 });
    prepareRootfs(target);
    if (variant === 'engines') prepareEngines(target);
    fs.writeFileSync(path.join(building, 'ready'), `${new Date().toISOString()}\n`);
    try {
      fs.renameSync(building, dir);
    } catch (err) {
      // Another process finished first: use theirs.
      if (!fs.existsSync(path.join(dir, 'ready'))) throw err;
    }
  } finally {
    fs.rmSync(building, { recursive: true, force: true });
  }
  return rootfs;
}

/** Generic preparation; everything per machine (identity, network, agent) goes into its own layer. */
function prepareRootfs(rootfs: string): void {
  // Each machine writes its own id; an empty file here makes a forgotten one obvious.
  fs.writeFileSync(path.join(rootfs, 'etc/machine-id'), '');
  // The login prompt on the passive console is noise in logs.
  const getty = path.join(rootfs, 'etc/systemd/system/console-getty.service');
  fs.rmSync(getty, { force: true });
  fs.symlinkSync('/dev/null', getty);
  // Debian's haproxy.service would run an idle HAProxy on every machine; the LB unit runs its own.
  const haproxy = path.join(rootfs, 'etc/systemd/system/haproxy.service');
  fs.rmSync(haproxy, { force: true });
  fs.symlinkSync('/dev/null', haproxy);
  fs.mkdirSync(path.join(rootfs, 'opt/flotilla'), { recursive: true });
}
