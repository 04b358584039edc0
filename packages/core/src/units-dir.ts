/**
 * The agent removes every managed unit file in its units directory that it does not run (docs/agent.md,
 * "Ownership proof"), so that directory must be its own: pointed at one of systemd's unit directories it would
 * stop and delete the host's units. In core because two guards use it: the daemon's FLOTILLA_UNITS_DIR check
 * (cli) and the agent's UnitFiles constructor. Pure: a directory in, the clash out.
 */
import path from 'node:path';

/**
 * Where systemd loads unit files from (systemd.unit(5), "Unit File Load Path": the system manager's table and
 * the system-wide part of the user manager's), plus /lib/systemd/{system,user}, the paths of a distribution
 * without merged /usr.
 */
export const SYSTEMD_UNIT_PATHS: readonly string[] = [
  '/etc/systemd/system.control',
  '/run/systemd/system.control',
  '/run/systemd/transient',
  '/run/systemd/generator.early',
  '/etc/systemd/system',
  '/etc/systemd/system.attached',
  '/run/systemd/system',
  '/run/systemd/system.attached',
  '/run/systemd/generator',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
  '/run/systemd/generator.late',
  '/etc/systemd/user',
  '/run/systemd/user',
  '/usr/local/share/systemd/user',
  '/usr/share/systemd/user',
  '/usr/local/lib/systemd/user',
  '/usr/lib/systemd/user',
  '/lib/systemd/user',
];

export interface UnitsDirClash {
  /** The systemd directory it clashes with. */
  systemdPath: string;
  relation: 'is' | 'contains' | 'is inside';
}

/** How an absolute directory clashes with systemd's unit paths: it is one, contains one, or is inside one. */
export function unitsDirClash(dir: string): UnitsDirClash | undefined {
  const d = trimSlash(path.posix.normalize(dir));
  for (const systemdPath of SYSTEMD_UNIT_PATHS) {
    if (d === systemdPath) return { systemdPath, relation: 'is' };
    if (isUnder(systemdPath, d)) return { systemdPath, relation: 'contains' };
    if (isUnder(d, systemdPath)) return { systemdPath, relation: 'is inside' };
  }
  return undefined;
}

/** The sentence both guards use (FLOTILLA_UNITS_DIR in the daemon's config, the UnitFiles constructor). */
export function describeUnitsDirClash(dir: string, clash: UnitsDirClash): string {
  return `"${dir}" ${clash.relation} systemd's unit directory ${clash.systemdPath}: the agent deletes the unit files there that it does not run`;
}

function isUnder(child: string, parent: string): boolean {
  return parent === '/' ? child !== '/' : child.startsWith(`${parent}/`);
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}
