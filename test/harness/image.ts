/**
 * The machine image: a Debian rootfs made once by debootstrap and cached, keyed by its recipe, so every test
 * run and `npm run up` reuse it. Machines never write to it: each gets an overlayfs layer on top.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runOk } from './exec.js';

export const IMAGE_CACHE_DIR = process.env.FLOTILLA_IMAGE_CACHE ?? '/var/cache/flotilla/images';
const SUITE = 'bookworm';
const PACKAGES = ['systemd', 'dbus', 'systemd-sysv', 'iproute2'];
/** Bump when the preparation below changes: a new key builds a new image. */
const RECIPE_VERSION = 1;

export function imageKey(): string {
  const recipe = JSON.stringify({ SUITE, PACKAGES, RECIPE_VERSION });
  return `${SUITE}-${crypto.createHash('sha256').update(recipe).digest('hex').slice(0, 12)}`;
}

/** Returns the cached rootfs path, building it first if needed (about 40 s). Safe to call concurrently. */
export async function ensureImage(log: (line: string) => void = () => {}): Promise<string> {
  const dir = path.join(IMAGE_CACHE_DIR, imageKey());
  const rootfs = path.join(dir, 'rootfs');
  if (fs.existsSync(path.join(dir, 'ready'))) return rootfs;
  fs.mkdirSync(IMAGE_CACHE_DIR, { recursive: true });
  const building = fs.mkdtempSync(path.join(IMAGE_CACHE_DIR, `.build-${imageKey()}-`));
  try {
    log(`building machine image ${imageKey()} with debootstrap (once, cached in ${dir})`);
    const target = path.join(building, 'rootfs');
    await runOk('debootstrap', ['--variant=minbase', `--include=${PACKAGES.join(',')}`, SUITE, target], { timeoutMs: 15 * 60_000 });
    prepareRootfs(target);
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
  fs.mkdirSync(path.join(rootfs, 'opt/flotilla'), { recursive: true });
}
