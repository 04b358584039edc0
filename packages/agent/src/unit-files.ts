/**
 * The agent's units directory (default /run/flotilla/units). Only units with a file here are "ours": the agent
 * never stops, unlinks or otherwise touches any other systemd unit. /run is a tmpfs, so a reboot forgets
 * them, as it forgets the runtime links systemd made to them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AGENT_SYSTEMD_UNIT_TYPES, describeUnitsDirClash, unitsDirClash, UnsafeUnitsDirError } from '@flotilla/core';

/**
 * SHA1 (hex) of a unit file's text. The agent writes core's canonical text (`canonicalText`), so for the files
 * it writes this equals core's `unitHash(options)`: a file is current iff its hash equals the desired one.
 */
export function unitTextHash(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/**
 * Whether a unit text has an `[Install]` section: the agent then enables the unit after linking it, as fleet's
 * agent does (coreos/fleet systemd/manager.go, Load; docs/agent.md "[Install] sections"). The texts the agent
 * writes are core's canonical text, one `[Section]` or `Key=Value` per line, so a line that is the header is
 * the section (an empty section is never written).
 */
export function hasInstallSection(text: string): boolean {
  return INSTALL_HEADER.test(text);
}

const INSTALL_HEADER = /^\[Install\][ \t]*$/m;

export const DEFAULT_UNITS_DIR = '/run/flotilla/units';

/** Unit types the agent manages (fleet's `unit.RecognizedUnitType`); other files in the directory are ignored.
 * core's list, so that a new unit of another type is refused at submit (core unit/name.ts, newUnitNameProblem). */
export const MANAGED_UNIT_SUFFIXES: readonly string[] = AGENT_SYSTEMD_UNIT_TYPES.map((type) => `.${type}`);

export interface UnitFileEntry {
  name: string;
  hash: string;
}

export function isManagedUnitName(name: string): boolean {
  return !name.startsWith('.') && !name.includes('/') && MANAGED_UNIT_SUFFIXES.some((s) => name.endsWith(s));
}

/** `dir` with its longest existing prefix resolved through symlinks (the directory itself may not exist yet). */
function resolveExisting(dir: string): string {
  const rest: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    try {
      return path.join(realpathSync(at), ...rest);
    } catch {
      if (at === path.dirname(at)) return path.resolve(dir);
      rest.unshift(path.basename(at));
      at = path.dirname(at);
    }
  }
}

export class UnitFiles {
  /**
   * @param dir where the agent reads and writes the files.
   * @param dirSeenBySystemd the same directory as systemd sees it, for LinkUnitFiles; differs from `dir` only
   *   when the agent runs outside the machine's mount namespace (tests drive a machine from the host).
   */
  constructor(
    readonly dir: string = DEFAULT_UNITS_DIR,
    readonly dirSeenBySystemd: string = dir,
  ) {
    // Defence in depth beside the daemon's FLOTILLA_UNITS_DIR check: also catches a symlink into systemd's paths.
    for (const candidate of [dirSeenBySystemd, path.resolve(dir), resolveExisting(dir)]) {
      const clash = unitsDirClash(candidate);
      if (clash) throw new UnsafeUnitsDirError(dir, describeUnitsDirClash(candidate, clash));
    }
  }

  pathOf(name: string): string {
    if (!isManagedUnitName(name)) throw new Error(`not a unit the agent manages: ${JSON.stringify(name)}`);
    return path.join(this.dir, name);
  }

  /** Writes atomically (temp file in the same directory, then rename), mode 0644, directory 0755.
   * Returns the file's path as systemd sees it. */
  async write(name: string, text: string): Promise<string> {
    const target = this.pathOf(name);
    await fs.mkdir(this.dir, { recursive: true, mode: 0o755 });
    // Dot-prefixed so a crash between write and rename leaves nothing that list() mistakes for a unit.
    const temp = path.join(this.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await fs.writeFile(temp, text, { mode: 0o644 });
      await fs.chmod(temp, 0o644); // the umask may have narrowed the mode given to writeFile
      await fs.rename(temp, target);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
    return path.join(this.dirSeenBySystemd, name);
  }

  /** Removes the file; a file that is already gone is fine. */
  async remove(name: string): Promise<void> {
    await fs.rm(this.pathOf(name), { force: true });
  }

  /**
   * The managed unit files present, sorted by name, each with the SHA1 of its content. Every periodic pass lists
   * them all; the files are small and on a tmpfs, so they are read synchronously (~0.7 ms for 100): a promise
   * readFile allocates ~10 KB per file, a third of what a pass allocated with 100 units (docs/benchmarks.md,
   * agent-rss), and that garbage is what grows a lean (1 MiB semi-space) agent's heap between collections.
   */
  async list(): Promise<UnitFileEntry[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: UnitFileEntry[] = [];
    for (const name of names.filter(isManagedUnitName).sort()) {
      try {
        entries.push({ name, hash: unitTextHash(readFileSync(path.join(this.dir, name), 'utf8')) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // removed while listing
      }
    }
    return entries;
  }
}
