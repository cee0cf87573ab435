#!/usr/bin/env bash
# The engine `npm run serve` uses: the one at DOCKER_HOST. Where one answers, this script changes
# nothing on it. Where none answers at the local default socket, it installs Debian's docker.io,
# starts dockerd and builds the probe image (switchyard/busybox:latest, made with docker import from
# Debian's busybox-static: no registry is needed) on that new engine.
#
#   bash scripts/local-engine.sh           make sure an engine answers
#   bash scripts/local-engine.sh --image   also build the probe image on the engine at DOCKER_HOST
#                                          (an engine that already ran gets it only when asked)
#   bash scripts/local-engine.sh --stop    stop the dockerd (and its containerd) this script
#                                          started, found by its pidfile; an engine it did not
#                                          start is never touched
# The dockerd it starts runs on its own (a new session, no shell of this script waiting for it):
# it outlives `npm run serve` until stopped with --stop.
# The test suite never uses this engine: it runs on engines of its own (scripts/test-engines.sh).
set -euo pipefail
# shellcheck source=lib/busybox-rootfs.sh
. "$(dirname "$0")/lib/busybox-rootfs.sh"

WANT_IMAGE=0
WANT_STOP=0
case "${1:-}" in
  "") ;;
  --image) WANT_IMAGE=1 ;;
  --stop) WANT_STOP=1 ;;
  *) printf 'usage: bash scripts/local-engine.sh [--image | --stop]\n' >&2; exit 2 ;;
esac

SOCK_URL="${DOCKER_HOST:-unix:///var/run/docker.sock}"
PROBE_IMAGE="${PROBE_IMAGE:-switchyard/busybox:latest}"
LOG_DIR="${ENGINE_LOG_DIR:-/var/log}"
# The pidfile of the dockerd this script starts (dockerd writes it and removes it when it stops):
# how --stop finds that engine, and only that one.
PIDFILE=/var/run/switchyard-dockerd.pid

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
  [ -x /bin/busybox ] && grep -qx ping <<<"$(/bin/busybox --list 2>/dev/null)" || missing+=(busybox-static)
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
  if [ -f "$PIDFILE" ] && ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then as_root rm -f "$PIDFILE"; fi
  # setsid -f: dockerd is forked into a session of its own and setsid returns at once, so no
  # process of this script stays behind as its parent (nor takes a Ctrl-C meant for the service).
  as_root setsid -f dockerd --host unix:///var/run/docker.sock --pidfile "$PIDFILE" \
    >"$LOG_DIR/switchyard-dockerd.log" 2>&1 </dev/null
  local deadline=$((SECONDS + 60))
  until engine_answers; do
    if [ $SECONDS -ge $deadline ]; then
      log "dockerd did not answer within 60 s; its log:"
      tail -n 30 "$LOG_DIR/switchyard-dockerd.log" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  log "engine up (dockerd pid $(cat "$PIDFILE" 2>/dev/null || echo '?')); stop it with: bash scripts/local-engine.sh --stop"
}

# The command line of process $1, spaces between its arguments (empty when it is gone).
cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# Waits up to $2 seconds for process $1 to end; fails if it is still there.
wait_gone() {
  local deadline=$((SECONDS + $2))
  while [ -d "/proc/$1" ]; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}

stop_engine() {
  if [ ! -f "$PIDFILE" ]; then
    log "no engine started by this script is running (no $PIDFILE): nothing stopped"
    return 0
  fi
  local pid
  pid=$(cat "$PIDFILE")
  # Only the dockerd started with this pidfile: a pid reused by another process is left alone.
  case "$pid" in '' | *[!0-9]*) pid=0 ;; esac
  if [ "$pid" = 0 ] || [ ! -d "/proc/$pid" ] || [[ " $(cmdline_of "$pid")" != *" --pidfile $PIDFILE "* ]] ||
    [[ "$(cmdline_of "$pid")" != dockerd* && "$(cmdline_of "$pid")" != */dockerd* ]]; then
    log "$PIDFILE names no running dockerd started by this script (pid ${pid}): nothing stopped, the stale pidfile is removed"
    as_root rm -f "$PIDFILE"
    return 0
  fi
  # The containerd dockerd started for itself (it stops it too; checked after, in case it did not).
  local children
  children=$(pgrep -P "$pid" -x containerd || true)
  log "stopping the dockerd this script started (pid $pid)"
  as_root kill -TERM "$pid"
  if ! wait_gone "$pid" 30; then
    log "dockerd (pid $pid) has not stopped within 30 s; its log: $LOG_DIR/switchyard-dockerd.log"
    exit 1
  fi
  local child
  for child in $children; do
    if [ -d "/proc/$child" ] && [ "$(cat "/proc/$child/comm" 2>/dev/null)" = containerd ]; then
      as_root kill -TERM "$child" 2>/dev/null || true
      wait_gone "$child" 10 || log "containerd (pid $child) has not stopped within 10 s"
    fi
  done
  as_root rm -f "$PIDFILE"
  log "engine stopped"
}

if [ $WANT_STOP = 1 ]; then
  stop_engine
  exit 0
fi

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
  log "README's examples need it: \`bash scripts/local-engine.sh --image\` builds it (about 2 MB, no registry)"
fi
log "ready: engine $(docker_cli version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') at $SOCK_URL"
