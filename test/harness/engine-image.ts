/**
 * The container engines inside a machine: Debian's dockerd and podman, each machine with its own, so a
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
