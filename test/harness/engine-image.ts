/**
 * The container engines inside a machine (issue 8): Debian's dockerd and podman, each machine with its own, so a
 * machine that dies takes its containers with it (docs/containers.md). What nspawn machines need for that was
 * found by trying, on this machine kind (hybrid cgroups, overlayfs layers):
 * - storage: `vfs` for both (overlay on overlayfs is refused); images here are a few MB, so copies are cheap;
 * - podman: runc (crun fails setrlimit MEMLOCK inside nspawn), no pids limit (the pids controller is a v1
 *   hierarchy, absent from the machine's v2 tree), cgroupfs manager, events to a file (no journald socket needed),
 *   Debian's tini as `--init` (catatonit is not packaged in bookworm);
 * - nspawn: a pure cgroup v2 tree, all capabilities, keyctl and bpf allowed (see ENGINE_NSPAWN_ARGS).
 */
import fs from 'node:fs';
import path from 'node:path';

export const ENGINE_RECIPE = {
  packages: ['docker.io', 'podman', 'netavark'],
  /** Bump when prepareEngines changes. */
  version: 2,
};

/** Extra systemd-nspawn arguments and environment for machines that run engines. */
export const ENGINE_NSPAWN_ARGS = ['--capability=all', '--system-call-filter=@keyring bpf'];
export const ENGINE_NSPAWN_ENV = ['SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1'];

/**
 * Each engine machine's own cgroup in the host's v2 tree. Without a host systemd, nspawn (--keep-unit) boots the
 * machine in its caller's cgroup, so machines started by one process would share one v2 tree: one machine's
 * systemd removing `system.slice/x.service` removes it under the others too (seen as `219/CGROUP`, "Failed to
 * attach to cgroup … No such file or directory"). Moving nspawn into a cgroup of its own before exec avoids it.
 */
export function engineCgroupDir(machineName: string): string {
  const unified = fs.existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';
  return path.join(unified, 'flotilla', machineName);
}

/** The command that boots an engine machine: into its own cgroup, then exec nspawn (same pid). */
export function engineNspawnCommand(machineName: string, nspawnArgs: string[]): [string, string[]] {
  const script = 'mkdir -p "$0" && echo $$ > "$0/cgroup.procs" && exec env "$@"';
  return ['sh', ['-c', script, engineCgroupDir(machineName), ...ENGINE_NSPAWN_ENV, 'systemd-nspawn', ...ENGINE_NSPAWN_ARGS, ...nspawnArgs]];
}

/** Removes the machine's cgroup tree once its processes are gone (deepest first; cgroups go with rmdir only). */
export function removeEngineCgroup(machineName: string): void {
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
  remove(engineCgroupDir(machineName));
  try {
    fs.rmdirSync(path.dirname(engineCgroupDir(machineName))); // the shared parent, once the last machine is gone
  } catch {
    /* other machines still use it */
  }
}

const STORAGE_CONF = `[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
`;

const CONTAINERS_CONF = `[containers]
pids_limit = 0
init_path = "/usr/bin/tini-static"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`;

const DOCKER_DAEMON_JSON = `${JSON.stringify({ 'storage-driver': 'vfs', 'log-driver': 'json-file' }, null, 2)}\n`;

/** Units Debian enables that a test machine does not want (podman's API runs socket-activated instead). */
const UNWANTED = [
  'default.target.wants/podman.service',
  'default.target.wants/podman-restart.service',
  'default.target.wants/podman-auto-update.service',
  'timers.target.wants/podman-auto-update.timer',
];

export function prepareEngines(rootfs: string): void {
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(rootfs, file)), { recursive: true });
    fs.writeFileSync(path.join(rootfs, file), text);
  };
  write('etc/containers/storage.conf', STORAGE_CONF);
  write('etc/containers/containers.conf', CONTAINERS_CONF);
  write('etc/docker/daemon.json', DOCKER_DAEMON_JSON);
  for (const link of UNWANTED) fs.rmSync(path.join(rootfs, 'etc/systemd/system', link), { force: true });
}
