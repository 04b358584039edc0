#!/usr/bin/env bash
# Installs what Flotilla's cluster, tests and benches need on a fresh Debian 12 machine (root), idempotently:
# Debian packages, npm dependencies, the TypeScript build and the cached machine image.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v systemd-nspawn >/dev/null || need_apt+=(systemd-container)
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
command -v etcd >/dev/null || need_apt+=(etcd-server)
command -v etcdctl >/dev/null || need_apt+=(etcd-client)
# openssl: `flotilla pki init` issues the cluster's certificates with it (Node's crypto cannot issue X.509).
command -v openssl >/dev/null || need_apt+=(openssl)
command -v ip >/dev/null || need_apt+=(iproute2)
command -v iptables >/dev/null || need_apt+=(iptables)
command -v nsenter >/dev/null || need_apt+=(util-linux)
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v podman >/dev/null || need_apt+=(podman)
# docker-registry: the cluster's image registry (units/registry.service); `flotilla image` tests run one on loopback.
command -v docker-registry >/dev/null || need_apt+=(docker-registry)
command -v haproxy >/dev/null || need_apt+=(haproxy)
# redis-tools: examples/compose/build-images.sh builds the compose example's database image from it.
command -v redis-cli >/dev/null || need_apt+=(redis-tools)
command -v zsh >/dev/null || need_apt+=(zsh)
# sshd: the `--tunnel` test runs one on loopback as the bastion.
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || need_apt+=(busybox-static)
command -v ignition-validate >/dev/null || need_apt+=(ignition)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v promtool >/dev/null || need_apt+=(prometheus)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# Debian enables its own registry (htpasswd auth, port 5000) on install; Flotilla runs it as a unit instead.
if [ -d /run/systemd/system ] && systemctl is-enabled --quiet docker-registry.service 2>/dev/null; then
  systemctl disable --now docker-registry.service >/dev/null 2>&1 || true
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "setup: building"
npx tsc -b
node scripts/bundle-cli.mjs
# Type-check what the build does not compile: tests, benches, scripts and the harness.
npx tsc -p tsconfig.scripts.json

if [ "${FLOTILLA_SKIP_IMAGE:-}" != 1 ]; then
  npx tsx scripts/ensure-image.ts
fi
