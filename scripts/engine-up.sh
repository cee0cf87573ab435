#!/usr/bin/env bash
# Makes sure a Docker engine answers at DOCKER_HOST, starting Debian's dockerd when none does, and
# that it has the busybox image Switchyard uses as its connectivity probe (built with docker import
# from Debian's busybox-static: no registry is needed).
# With --test-fixtures it also prepares what the test suite needs: a single-node swarm (overlay),
# a veth pair (macvlan parent), a local busybox image (no registry is reachable) and a second,
# swarm-less engine in a network namespace of its own.
# Harmless where things already exist: every step checks before it acts.
set -euo pipefail

FIXTURES=0
[ "${1:-}" = "--test-fixtures" ] && FIXTURES=1

SOCK_URL="${DOCKER_HOST:-unix:///var/run/docker.sock}"
TEST_IMAGE="${TEST_IMAGE:-switchyard/busybox:latest}"
VETH_PARENT="${MACVLAN_TEST_PARENT:-sy-veth0}"
VETH_PEER="${VETH_PARENT%0}1"
LOG_DIR="${ENGINE_LOG_DIR:-/var/log}"

log() { printf '[engine-up] %s\n' "$*" >&2; }

docker_cli() {
  # Debian's 20.10 client matches the 1.41 engine; the 28.x client refuses some flags against it.
  if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else docker "$@"; fi
}

engine_answers() {
  case "$SOCK_URL" in
    unix://*) curl -fsS --max-time 2 --unix-socket "${SOCK_URL#unix://}" http://localhost/_ping >/dev/null 2>&1 ;;
    *) docker_cli version >/dev/null 2>&1 ;;
  esac
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx ping || missing+=(busybox-static)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  # The audit tests tamper with the database the way an intruder would: with the sqlite3 CLI.
  [ "$FIXTURES" = 1 ] && ! command -v sqlite3 >/dev/null 2>&1 && missing+=(sqlite3)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

start_engine() {
  if engine_answers; then log "engine answers at $SOCK_URL"; return; fi
  case "$SOCK_URL" in
    unix:///var/run/docker.sock) ;;
    *) log "DOCKER_HOST=$SOCK_URL does not answer and is not the local default socket: start it yourself"; exit 1 ;;
  esac
  log "starting dockerd"
  as_root mkdir -p "$LOG_DIR"
  # A stale pidfile from a killed daemon stops dockerd from starting again.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then as_root rm -f /var/run/docker.pid; fi
  as_root setsid dockerd --host unix:///var/run/docker.sock >"$LOG_DIR/switchyard-dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    engine_answers && { log "engine up"; return; }
    sleep 0.5
  done
  log "dockerd did not answer within 30 s; its log:"; tail -n 30 "$LOG_DIR/switchyard-dockerd.log" >&2 || true
  exit 1
}

ensure_swarm() {
  local state=unknown
  # After a daemon restart the swarm comes back as "pending" for a moment.
  for _ in $(seq 1 40); do
    state=$(docker_cli info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown)
    case "$state" in active|inactive|error|locked) break ;; esac
    sleep 0.5
  done
  case "$state" in
    active) ;;
    inactive)
      log "initialising single-node swarm (overlay networks)"
      docker_cli swarm init --advertise-addr 127.0.0.1 >/dev/null ;;
    *)
      log "swarm state is $state: leaving and initialising a new single-node swarm"
      docker_cli swarm leave --force >/dev/null 2>&1 || true
      docker_cli swarm init --advertise-addr 127.0.0.1 >/dev/null ;;
  esac
}

# A host-side address on the veth peer: tests check that a bridge subnet overlapping a host
# interface is refused, without going anywhere near eth0.
HOST_TEST_CIDR="${HOST_TEST_CIDR:-10.213.250.1/24}"

ensure_veth() {
  if ! ip link show "$VETH_PARENT" >/dev/null 2>&1; then
    log "creating veth pair $VETH_PARENT/$VETH_PEER (macvlan parent)"
    as_root ip link add "$VETH_PARENT" type veth peer name "$VETH_PEER"
  fi
  as_root ip link set "$VETH_PARENT" up
  as_root ip link set "$VETH_PEER" up
  ip -4 addr show dev "$VETH_PEER" | grep -q "${HOST_TEST_CIDR%/*}/" || as_root ip addr add "$HOST_TEST_CIDR" dev "$VETH_PEER"
  # Docker lets one macvlan network (and one ipvlan network) use a parent at a time: test files
  # that run at once each get a parent of their own, sy-mv0..sy-mv5 (peers sy-mvp0..sy-mvp5).
  for i in 0 1 2 3 4 5; do
    ip link show "sy-mv$i" >/dev/null 2>&1 || as_root ip link add "sy-mv$i" type veth peer name "sy-mvp$i"
    as_root ip link set "sy-mv$i" up
    as_root ip link set "sy-mvp$i" up
  done
}

# An image without ping (and without a shell), to test probing from a helper container.
NOPING_IMAGE="${NOPING_IMAGE:-switchyard/noping:latest}"
ensure_noping_image() {
  if docker_cli image inspect "$NOPING_IMAGE" >/dev/null 2>&1; then return; fi
  log "building $NOPING_IMAGE (sleep only)"
  local dir; dir=$(mktemp -d)
  mkdir -p "$dir/bin"
  cp /bin/busybox "$dir/bin/busybox"
  ln -sf busybox "$dir/bin/sleep"
  tar -C "$dir" -c . | docker_cli import --change 'ENV PATH=/bin' --change 'CMD ["sleep", "3600"]' - "$NOPING_IMAGE" >/dev/null
  rm -rf "$dir"
}

# An engine that is not in a swarm, for the "overlay without swarm mode" answer. It runs in a
# network namespace of its own: a second dockerd in the host namespace would fight the first
# over docker0 and iptables.
BARE_NS=sy-bare
BARE_SOCK=/var/run/switchyard-bare.sock
ensure_bare_engine() {
  if curl -fsS --max-time 2 --unix-socket "$BARE_SOCK" http://localhost/_ping >/dev/null 2>&1; then return; fi
  log "starting the swarm-less test engine at unix://$BARE_SOCK (namespace $BARE_NS)"
  [ -e "/run/netns/$BARE_NS" ] || as_root ip netns add "$BARE_NS"
  as_root ip -n "$BARE_NS" link set lo up
  as_root mkdir -p /var/lib/switchyard-bare /var/run/switchyard-bare
  echo '{"deprecated-key-path": "/var/lib/switchyard-bare/key.json"}' | as_root tee /var/lib/switchyard-bare/daemon.json >/dev/null
  if [ -f /var/run/switchyard-bare.pid ] && ! kill -0 "$(cat /var/run/switchyard-bare.pid)" 2>/dev/null; then as_root rm -f /var/run/switchyard-bare.pid; fi
  # A fresh sysfs shows the namespace's own interfaces; the real cgroup tree goes back on top of it.
  as_root setsid nsenter --net="/run/netns/$BARE_NS" -- unshare --mount --uts --propagation slave sh -c '
    set -e
    mkdir -p /run/switchyard-bare-cg
    mount --rbind /sys/fs/cgroup /run/switchyard-bare-cg
    mount -t sysfs sysfs /sys
    mount --move /run/switchyard-bare-cg /sys/fs/cgroup
    exec dockerd --host unix:///var/run/switchyard-bare.sock --data-root /var/lib/switchyard-bare \
      --exec-root /var/run/switchyard-bare --pidfile /var/run/switchyard-bare.pid \
      --config-file /var/lib/switchyard-bare/daemon.json --cgroup-parent /switchyard-bare
  ' >"$LOG_DIR/switchyard-dockerd-bare.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    curl -fsS --max-time 2 --unix-socket "$BARE_SOCK" http://localhost/_ping >/dev/null 2>&1 && return
    sleep 0.5
  done
  log "the swarm-less test engine did not start; its log:"; tail -n 20 "$LOG_DIR/switchyard-dockerd-bare.log" >&2 || true
  exit 1
}

ensure_image() {
  if docker_cli image inspect "$TEST_IMAGE" >/dev/null 2>&1; then return; fi
  log "building $TEST_IMAGE from busybox-static with docker import"
  local dir; dir=$(mktemp -d)
  mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc" "$dir/root" "$dir/var/www"
  cp /bin/busybox "$dir/bin/busybox"
  for tool in sh sleep ping ping6 ip nslookup nc wget cat echo hostname ls httpd mkdir timeout true false env id ps \
              grep sed awk head tail wc sort uniq printf test date kill ifconfig route arp traceroute tr cut seq; do
    ln -sf busybox "$dir/bin/$tool"
  done
  chmod 1777 "$dir/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
  tar -C "$dir" -c . | docker_cli import \
    --change 'ENV PATH=/bin' --change 'CMD ["sh"]' - "$TEST_IMAGE" >/dev/null
  rm -rf "$dir"
}

install_packages
start_engine
# The probe image (PROBE_IMAGE): containers whose image has no ping are probed from it.
ensure_image
if [ "$FIXTURES" = 1 ]; then
  ensure_swarm
  ensure_veth
  ensure_noping_image
  ensure_bare_engine
  log "test fixtures ready: swarm, images $TEST_IMAGE and $NOPING_IMAGE, macvlan parents sy-mv0..sy-mv5, swarm-less engine unix://$BARE_SOCK"
fi
log "ready: engine $(docker_cli version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') at $SOCK_URL"
