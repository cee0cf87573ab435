#!/usr/bin/env bash
# Makes the service image's base without a registry: a minimal root filesystem holding this
# machine's Node.js (the `nodejs` .deb: node, npm), the shared libraries they and the native
# addons (better-sqlite3) link, /usr/bin/env (npm's shebang) and passwd/group entries, imported
# with `docker import` on the engine at DOCKER_HOST. No shell: the image's health check and build
# steps run `node` directly.
#
#   DOCKER_HOST=unix:///var/run/docker.sock bash scripts/base-image.sh [IMAGE]   (switchyard/node-base:20)
#
# Idempotent: an image of that name made from the same Node.js package is kept (FORCE=1 makes it
# again). The image's glibc is this machine's, so native addons built here (node_modules) load in it.
set -euo pipefail

IMAGE=${1:-switchyard/node-base:20}
DOCKER=${DOCKER:-/usr/bin/docker}
[ -x "$DOCKER" ] || DOCKER=docker
# The user the service runs as in the image (the Dockerfile's APP_UID).
APP_UID=10001

node_bin=$(command -v node)
package=$(dpkg -S "$(readlink -f "$node_bin")" 2>/dev/null | cut -d: -f1 | head -n1)
[ -n "$package" ] || { echo "base-image: node is not from a .deb package here" >&2; exit 1; }
version=$(dpkg-query -W -f '${Version}' "$package")
libc=$(dpkg-query -W -f '${Version}' libc6)
# What the image is made of: another Node.js or glibc makes another image.
source_id="$package=$version libc6=$libc"

existing=$("$DOCKER" image inspect -f '{{ index .Config.Labels "io.switchyard.base-source" }}' "$IMAGE" 2>/dev/null || true)
if [ "$existing" = "$source_id" ] && [ "${FORCE:-0}" != 1 ]; then
  echo "base-image: $IMAGE exists ($source_id)"
  exit 0
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/switchyard-base.XXXXXX")
trap 'rm -rf "$root"' EXIT

# Debian 12's merged /usr: /bin, /lib and /lib64 are links into /usr.
mkdir -p "$root"/usr/{bin,lib,lib64,sbin} "$root"/etc "$root"/tmp "$root"/root "$root"/app
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$root/$d"; done
chmod 1777 "$root/tmp"
chmod 700 "$root/root"

# The package's files, without headers, manuals and documentation (the runtime needs none); npm
# as it is installed now (`npm install -g npm` may have replaced the package's copy).
dpkg -L "$package" | grep -Ev '^/usr/(include|share)(/|$)|^/usr/lib/node_modules/npm/' | while IFS= read -r path; do
  if [ -d "$path" ] && [ ! -L "$path" ]; then
    mkdir -p "$root$path"
  elif [ -e "$path" ] || [ -L "$path" ]; then
    mkdir -p "$root$(dirname "$path")"
    cp -a "$path" "$root$path"
  fi
done
npm_root=$(dirname "$node_bin")/../lib/node_modules/npm
if [ -d "$npm_root" ]; then
  mkdir -p "$root/usr/lib/node_modules/npm"
  cp -a "$(readlink -f "$npm_root")/." "$root/usr/lib/node_modules/npm/"
fi
# npm's and npx's links when the package does not list them.
for tool in npm npx; do
  [ -e "$root/usr/bin/$tool" ] || [ -L "$root/usr/bin/$tool" ] || ln -s "../lib/node_modules/npm/bin/$tool-cli.js" "$root/usr/bin/$tool"
done
cp -a /usr/bin/env "$root/usr/bin/env"

# The shared libraries of node, env and any native addon given as an argument after the image
# name, copied under their real name and linked under the name the loader asks for.
copy_library() {
  local wanted=$1 real
  real=$(readlink -f "$wanted")
  local in_usr=${wanted#/usr}
  mkdir -p "$root/usr$(dirname "$in_usr")" "$root$(dirname "$real")"
  [ -e "$root$real" ] || cp "$real" "$root$real"
  [ "$real" = "$wanted" ] || [ -e "$root/usr$in_usr" ] || ln -s "$real" "$root/usr$in_usr"
}
libraries() { ldd "$@" 2>/dev/null | awk '/=> \//{print $3} /^[ \t]*\/[^ ]+ \(/{print $1}'; }
shift || true
for lib in $(libraries "$node_bin" /usr/bin/env "$@" | sort -u); do copy_library "$lib"; done
# The addons a service build carries (better-sqlite3) link nothing else: checked here when given.
missing=$(for f in "$@"; do ldd "$f" | grep 'not found' || true; done)
[ -z "$missing" ] || { echo "base-image: libraries not found: $missing" >&2; exit 1; }

cat >"$root/etc/passwd" <<EOF
root:x:0:0:root:/root:/usr/sbin/nologin
switchyard:x:$APP_UID:$APP_UID:Switchyard:/app:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$root/etc/group" <<EOF
root:x:0:
switchyard:x:$APP_UID:
nogroup:x:65534:
EOF
echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
chown -R "$APP_UID:$APP_UID" "$root/app"

started=$(date +%s%3N)
tar -C "$root" --numeric-owner -c . | "$DOCKER" import \
  --change "LABEL io.switchyard.base-source=\"$source_id\"" \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'CMD ["node"]' \
  - "$IMAGE" >/dev/null
size=$("$DOCKER" image inspect -f '{{ .Size }}' "$IMAGE")
echo "base-image: $IMAGE made from $source_id ($((size / 1000000)) MB) in $(($(date +%s%3N) - started)) ms"
