#!/usr/bin/env bash
# The engine `npm run serve` uses: the one at DOCKER_HOST. Where one answers, this script changes
# nothing on it. Where none answers at the local default socket, it installs Debian's docker.io,
# starts dockerd and builds the probe image (switchyard/busybox:latest, made with docker import from
# Debian's busybox-static: no registry is needed) on that new engine.
#
#   bash scripts/local-engine.sh           make sure an engine answers
#   bash scripts/local-engine.sh --image   also build the probe image on the engine at DOCKER_HOST
#                                          (an engine that already ran gets it only when asked)
# The test suite never uses this engine: it runs on engines of its own (scripts/test-engines.sh).
set -euo pipefail
# shellcheck source=lib/busybox-rootfs.sh
. "$(dirname "$0")/lib/busybox-rootfs.sh"

WANT_IMAGE=0
[ "${1:-}" = "--image" ] && WANT_IMAGE=1

SOCK_URL="${DOCKER_HOST:-unix:///var/run/docker.sock}"
PROBE_IMAGE="${PROBE_IMAGE:-switchyard/busybox:latest}"
LOG_DIR="${ENGINE_LOG_DIR:-/var/log}"

log() { printf '[local-engine] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

docker_cli() {
  # Debian's 20.10 client speaks API 1.41, which every engine from 20.10 up accepts; a newer
  # client refuses some flags against 1.41.
  if [ -x /usr/bin/docker ]; then /usr/bin/docker -H "$SOCK_URL" "$@"; else docker -H "$SOCK_URL" "$@"; fi
}

engine_answers() {
  case "$SOCK_URL" in
    unix://*) curl -fsS --max-time 2 --unix-socket "${SOCK_URL#unix://}" http://localhost/_ping >/dev/null 2>&1 ;;
    *) docker_cli version >/dev/null 2>&1 ;;
  esac
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx ping || missing+=(busybox-static)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

start_engine() {
  case "$SOCK_URL" in
    unix:///var/run/docker.sock | unix:///run/docker.sock) ;;
    *) log "no engine answers at DOCKER_HOST=$SOCK_URL, and it is not the local default socket: start it yourself"; exit 1 ;;
  esac
  install_packages
  log "no engine answers at $SOCK_URL: starting dockerd"
  as_root mkdir -p "$LOG_DIR"
  # A stale pidfile from a killed daemon stops dockerd from starting again.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then as_root rm -f /var/run/docker.pid; fi
  as_root setsid dockerd --host unix:///var/run/docker.sock >"$LOG_DIR/switchyard-dockerd.log" 2>&1 </dev/null &
  local deadline=$((SECONDS + 60))
  until engine_answers; do
    if [ $SECONDS -ge $deadline ]; then
      log "dockerd did not answer within 60 s; its log:"
      tail -n 30 "$LOG_DIR/switchyard-dockerd.log" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  log "engine up"
}

build_probe_image() {
  docker_cli image inspect "$PROBE_IMAGE" >/dev/null 2>&1 && return
  install_packages
  log "building $PROBE_IMAGE from busybox-static with docker import"
  local dir
  dir=$(mktemp -d)
  build_busybox_rootfs "$dir" full
  tar -C "$dir" -c . | docker_cli import --change 'ENV PATH=/bin' --change 'CMD ["sh"]' - "$PROBE_IMAGE" >/dev/null
  rm -rf "$dir"
}

started=0
if engine_answers; then
  log "using the engine at $SOCK_URL (nothing on it is changed)"
else
  start_engine
  started=1
fi
if [ $started = 1 ] || [ $WANT_IMAGE = 1 ]; then
  build_probe_image
elif ! docker_cli image inspect "$PROBE_IMAGE" >/dev/null 2>&1; then
  log "note: the probe image $PROBE_IMAGE is not on this engine; pings from containers without ping and the"
  log "README's examples need it: \`bash scripts/local-engine.sh --image\` builds it (about 20 MB, no registry)"
fi
log "ready: engine $(docker_cli version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') at $SOCK_URL"
