/**
 * Every machine boots in cgroups of its own. Without a host systemd, nspawn (--keep-unit) boots a machine in its
 * caller's cgroup, so machines started by one process would share one tree: one machine's systemd creating or
 * removing `system.slice/x.service` does it under the others too (seen as `219/CGROUP`, "Failed to kill control
 * group … Input/output error", a unit of one machine failing because another machine stopped its twin). Moving
 * nspawn into a cgroup of its own, in the systemd hierarchy (v1 `name=systemd`, what hybrid mode tracks with) and
 * the unified one, before it execs, avoids it.
 */
import fs from 'node:fs';
import path from 'node:path';

const HIERARCHIES = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified', '/sys/fs/cgroup'];

/** The machine's cgroup directory in each hierarchy this host has (pure v2 hosts: just /sys/fs/cgroup). */
export function machineCgroupDirs(machineName: string): string[] {
  const roots = HIERARCHIES.filter((h) => fs.existsSync(path.join(h, 'cgroup.procs')));
  const hybrid = roots.filter((h) => h !== '/sys/fs/cgroup');
  return (hybrid.length > 0 ? hybrid : roots).map((root) => path.join(root, 'flotilla', machineName));
}

/** `sh` moves itself into the machine's cgroups, then execs nspawn (same pid), with `env` set first. */
export function nspawnCommand(machineName: string, nspawnArgs: string[], env: string[] = []): [string, string[]] {
  const script = 'for d in $FLOTILLA_CGROUPS; do mkdir -p "$d" && echo $$ > "$d/cgroup.procs" || exit 1; done; unset FLOTILLA_CGROUPS; exec env "$@"';
  return ['env', [`FLOTILLA_CGROUPS=${machineCgroupDirs(machineName).join(' ')}`, 'sh', '-c', script, 'sh', ...env, 'systemd-nspawn', ...nspawnArgs]];
}

/** Removes the machine's cgroup trees once its processes are gone (deepest first; cgroups go with rmdir only). */
export function removeMachineCgroups(machineName: string): void {
  const remove = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // not there
    }
    for (const entry of entries) if (entry.isDirectory()) remove(path.join(dir, entry.name));
    try {
      fs.rmdirSync(dir);
    } catch {
      /* still busy: the sweep tries again */
    }
  };
  for (const dir of machineCgroupDirs(machineName)) {
    remove(dir);
    try {
      fs.rmdirSync(path.dirname(dir)); // the shared parent, once the last machine is gone
    } catch {
      /* other machines still use it */
    }
  }
}

/** Whether a /proc/<pid>/cgroup text puts the process in the machine's cgroups (its nspawn, PID 1 and all below). */
export function inMachineCgroup(procCgroup: string, machineName: string): boolean {
  const own = `/flotilla/${machineName}`;
  return procCgroup.split('\n').some((line) => {
    const cgroupPath = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    return cgroupPath === own || cgroupPath.startsWith(`${own}/`);
  });
}
