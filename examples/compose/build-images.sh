#!/bin/sh
# Builds the example's two images from this machine's Debian packages (busybox-static, redis-tools) and imports
# them into an engine; no registry is needed. Usage: build-images.sh [ENGINE COMMAND...] (default: docker), e.g.
#   examples/compose/build-images.sh podman
#   examples/compose/build-images.sh nsenter -t PID -a -- docker   (an engine in another namespace; run once per machine)
# localhost/flotilla-example/app:1    busybox httpd on 8080 with two CGI programs that store and read records
# localhost/flotilla-example/redis:1  redis-server on 6379 (in memory), redis-cli for its health check
set -eu
[ $# -gt 0 ] || set -- docker
here=$(cd "$(dirname "$0")" && pwd)
for need in /bin/busybox /usr/bin/redis-cli /usr/bin/redis-check-rdb; do
  [ -x "$need" ] || { echo "build-images.sh: $need is missing (apt-get install busybox-static redis-tools)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A program and the shared libraries it loads, at the same paths inside the image.
add_program() { # ROOT SOURCE NAME
  install -D -m 0755 "$2" "$1/bin/$3"
  ldd "$2" | awk '/=> \// { print $3 } /^\t\/[^ ]*ld-linux/ { print $1 }' | while read -r lib; do
    cp -L --parents "$lib" "$1"
  done
}
add_busybox() { # ROOT
  install -D -m 0755 /bin/busybox "$1/bin/busybox"
  for applet in sh httpd wget hostname printf sed tr head cat; do ln -sf busybox "$1/bin/$applet"; done
  mkdir -p "$1/tmp"
}
import_image() { # ROOT CMD NAME, then the engine command from "$@" of the script
  root=$1 cmd=$2 name=$3
  shift 3
  tar -C "$root" -c . | "$@" import --change "CMD $cmd" - "$name" >/dev/null
  echo "built $name"
}

app="$tmp/app"
add_busybox "$app"
add_program "$app" /usr/bin/redis-cli redis-cli
cp -R "$here/app/www" "$app/www"
import_image "$app" '["/bin/httpd","-f","-p","8080","-h","/www"]' localhost/flotilla-example/app:1 "$@"

db="$tmp/db"
add_busybox "$db"
add_program "$db" /usr/bin/redis-cli redis-cli
# Debian's redis-server is this same program under another name (it picks its role from argv[0]).
add_program "$db" /usr/bin/redis-check-rdb redis-server
import_image "$db" '["/bin/redis-server","--bind","0.0.0.0","--protected-mode","no","--save","","--appendonly","no"]' localhost/flotilla-example/redis:1 "$@"
