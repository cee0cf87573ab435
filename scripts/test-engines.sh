#!/usr/bin/env bash
# The test estate: Docker engines that belong to the test suite alone.
#
#   bash scripts/test-engines.sh up      start them (idempotent; about a second when they already run)
#   bash scripts/test-engines.sh down    stop them and remove every namespace, veth and folder made here
#   bash scripts/test-engines.sh status  one line per engine
#   bash scripts/test-engines.sh stop-engine e26r / start-engine e26r
#                                        stop (gently, keeping its data) and start again the one engine
#                                        that tests may restart (the read model's restart test)
#
# Four engines, each in a network namespace of its own (sy-<name>) with its own socket, data-root,
# exec-root, pidfile and cgroup parent, so that none of them shares anything with the engine a
# user runs at /var/run/docker.sock (which this script never talks to):
#   e20   Debian 12's docker.io 20.10 (API 1.41), in a single-node swarm of its own
#   e26   Debian 13's docker.io 26.1 (API 1.45), unpacked beside the engines' data (no system package
#         changes), in a single-node swarm of its own
#   e20b, e26b   the same versions outside swarm mode (the "overlay needs a swarm" answers)
#   e26r  26.1 outside swarm mode that one test stops and starts again mid-stream (the read model
#         catching up after an engine restart); no other test uses it
# Inside each namespace: a name server answering NXDOMAIN (dnsmasq), veth pairs sy-mv0..sy-mv7 (macvlan/ipvlan parents: Docker gives a parent
# to one such network at a time, so test files that run at once each use their own) and
# sy-veth0/sy-veth1, with 10.213.250.1/24 on sy-veth1 for the "bridge over a host subnet" rule, and a
# black-hole route to 10.213.251.53 (a name server that never answers).
# Images switchyard/busybox:latest and switchyard/noping:latest are made with `docker import` from
# Debian's busybox-static: no registry is needed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/busybox-rootfs.sh
. "$ROOT/scripts/lib/busybox-rootfs.sh"
# Socket paths are also in test/support/engines.ts.
RUN_DIR=/run/switchyard-test
DATA_DIR=/var/lib/switchyard-test
# Not in the checkout: engines that outlive a run may be used from another clone.
NEW_ENGINE_DIR="$DATA_DIR/docker-26"
ENGINES=(e20 e26 e20b e26b e26r)
# The engines a test may stop and start (stop-engine / start-engine).
RESTARTABLE=(e26r)
TEST_IMAGE=switchyard/busybox:latest
NOPING_IMAGE=switchyard/noping:latest
HOST_TEST_CIDR=10.213.250.1/24
# An address whose packets the namespace drops without a word: a name server that never answers.
SILENT_ADDRESS=10.213.251.53
READY_SECONDS=${ENGINE_READY_SECONDS:-90}

log() { printf '[test-engines] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

sock() { echo "$RUN_DIR/$1.sock"; }
ns() { echo "sy-$1"; }
version_of() { case "$1" in e20*) echo 20 ;; e26*) echo 26 ;; esac; }
in_swarm() { case "$1" in *b | *r) return 1 ;; *) return 0 ;; esac; }
# Debian 12's 20.10 client speaks API 1.41, which every engine here accepts.
cli() {
  local e=$1
  shift
  /usr/bin/docker -H "unix://$(sock "$e")" "$@"
}
answers() { curl -fsS --max-time 2 --unix-socket "$(sock "$1")" http://localhost/_ping >/dev/null 2>&1; }

install_packages() {
  local missing=()
  [ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] || missing+=(docker.io)
  [ -x /bin/busybox ] && grep -qx ping <<<"$(/bin/busybox --list 2>/dev/null)" || missing+=(busybox-static)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v nsenter >/dev/null 2>&1 || missing+=(util-linux)
  command -v dnsmasq >/dev/null 2>&1 || missing+=(dnsmasq-base)
  # The audit tests tamper with the database the way an intruder would: with the sqlite3 CLI.
  command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Debian 13's docker.io and containerd, downloaded with an apt configuration of their own (the
# system's sources, lists and package state are not touched) and unpacked into the project's cache.
# Debian 13's runc needs a newer glibc, so the engine uses Debian 12's runc from PATH.
fetch_new_engine() {
  [ -x "$NEW_ENGINE_DIR/usr/sbin/dockerd" ] && return
  log "downloading Debian 13's docker.io and containerd into $NEW_ENGINE_DIR"
  local apt="$DATA_DIR/apt"
  rm -rf "$apt" "$NEW_ENGINE_DIR.partial"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$NEW_ENGINE_DIR.partial"
  echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main' \
    >"$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Dir::State::status=/dev/null
    -o APT::Sandbox::User=root -qq)
  apt-get "${opts[@]}" update
  (cd "$apt/debs" && apt-get "${opts[@]}" download docker.io containerd)
  for deb in "$apt/debs"/*.deb; do dpkg-deb -x "$deb" "$NEW_ENGINE_DIR.partial"; done
  rm -f "$NEW_ENGINE_DIR.partial/usr/sbin/runc" "$NEW_ENGINE_DIR.partial/usr/bin/runc"
  rm -rf "$apt"
  mv "$NEW_ENGINE_DIR.partial" "$NEW_ENGINE_DIR"
}

prepare_namespace() {
  local e=$1 n
  n=$(ns "$e")
  [ -e "/run/netns/$n" ] || ip netns add "$n"
  ip -n "$n" link set lo up
  if ! ip -n "$n" link show sy-veth0 >/dev/null 2>&1; then
    ip -n "$n" link add sy-veth0 type veth peer name sy-veth1
  fi
  ip -n "$n" link set sy-veth0 up
  ip -n "$n" link set sy-veth1 up
  grep -q "${HOST_TEST_CIDR%/*}/" <<<"$(ip -n "$n" -4 addr show dev sy-veth1)" ||
    ip -n "$n" addr add "$HOST_TEST_CIDR" dev sy-veth1
  ip -n "$n" route replace blackhole "$SILENT_ADDRESS/32"
  for i in 0 1 2 3 4 5 6 7; do
    ip -n "$n" link show "sy-mv$i" >/dev/null 2>&1 ||
      ip -n "$n" link add "sy-mv$i" type veth peer name "sy-mvp$i"
    ip -n "$n" link set "sy-mv$i" up
    ip -n "$n" link set "sy-mvp$i" up
  done
}

# Starts dockerd in the engine's namespace, in a mount namespace of its own whose /sys shows the
# namespace's interfaces (plain `ip netns exec` loses the cgroup mount and dockerd then fails with
# "Devices cgroup isn't mounted"), and with a hostname of its own.
# The containers' name server: dnsmasq in the engine's namespace, answering NXDOMAIN to every
# name Docker's own DNS does not know, at once, so that no lookup leaves the namespace or waits on a
# resolver that is not there.
ensure_dns() {
  local e=$1 pidfile="$RUN_DIR/$1-dns.pid"
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && return
  ip netns exec "$(ns "$e")" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --address=/#/ \
    --listen-address="${HOST_TEST_CIDR%/*}" --bind-interfaces --user=root --pid-file="$pidfile"
}

launch_engine() {
  local e=$1 n path=$PATH config
  n=$(ns "$e")
  # What a killed engine left: processes still dying in its namespace (its containerd, shims) and
  # their pidfiles and sockets, which would make the new dockerd wait on a containerd that is gone.
  end_processes "$e"
  rm -rf "$RUN_DIR/$e/exec" "$RUN_DIR/$e.pid"
  mkdir -p "$DATA_DIR/$e" "$RUN_DIR/$e"
  config="$DATA_DIR/$e/daemon.json"
  if [ "$(version_of "$e")" = 26 ]; then
    path="$NEW_ENGINE_DIR/usr/sbin:$NEW_ENGINE_DIR/usr/bin:$PATH"
    printf '{"shutdown-timeout": 2, "dns": ["%s"]}\n' "${HOST_TEST_CIDR%/*}" | tee "$config" >/dev/null
  else
    # 20.10 derives the engine ID from this key: one per engine, not /etc/docker's.
    printf '{"shutdown-timeout": 2, "dns": ["%s"], "deprecated-key-path": "%s"}\n' "${HOST_TEST_CIDR%/*}" "$DATA_DIR/$e/key.json" |
      tee "$config" >/dev/null
  fi
  # exec: nothing of this script stays behind as the daemon's parent.
  (exec env PATH="$path" ENGINE="$e" RUN_DIR="$RUN_DIR" DATA_DIR="$DATA_DIR" \
    setsid nsenter --net="/run/netns/$n" -- unshare --mount --uts --propagation slave sh -c '
      set -e
      hostname "switchyard-$ENGINE"
      mkdir -p "$RUN_DIR/$ENGINE/cgroup"
      mount --rbind /sys/fs/cgroup "$RUN_DIR/$ENGINE/cgroup"
      mount -t sysfs sysfs /sys
      mount --move "$RUN_DIR/$ENGINE/cgroup" /sys/fs/cgroup
      exec dockerd --host "unix://$RUN_DIR/$ENGINE.sock" --data-root "$DATA_DIR/$ENGINE/data" \
        --exec-root "$RUN_DIR/$ENGINE/exec" --pidfile "$RUN_DIR/$ENGINE.pid" \
        --config-file "$DATA_DIR/$ENGINE/daemon.json" --cgroup-parent "/switchyard-test-$ENGINE"
    ') >"$DATA_DIR/$e.log" 2>&1 </dev/null &
}

wait_ready() {
  local e=$1 deadline=$((SECONDS + READY_SECONDS))
  until answers "$e"; do
    if [ $SECONDS -ge $deadline ]; then
      log "engine $e did not answer within ${READY_SECONDS} s; the end of its log ($DATA_DIR/$e.log):"
      tail -n 30 "$DATA_DIR/$e.log" >&2 || true
      return 1
    fi
    sleep 0.3
  done
}

ensure_swarm() {
  local e=$1 state=unknown deadline=$((SECONDS + 60))
  # After a restart the swarm comes back as "pending" for a moment.
  while [ $SECONDS -lt $deadline ]; do
    state=$(cli "$e" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown)
    case "$state" in active | inactive | error | locked) break ;; esac
    sleep 0.3
  done
  if in_swarm "$e"; then
    case "$state" in
      active) ;;
      inactive) cli "$e" swarm init --advertise-addr 127.0.0.1 >/dev/null ;;
      *)
        # Only ever on the suite's own engine, whose swarm nobody else uses.
        log "engine $e: swarm state $state, making a new single-node swarm"
        cli "$e" swarm leave --force >/dev/null 2>&1 || true
        cli "$e" swarm init --advertise-addr 127.0.0.1 >/dev/null
        ;;
    esac
  elif [ "$state" != inactive ]; then
    cli "$e" swarm leave --force >/dev/null 2>&1 || true
  fi
}

ensure_images() {
  local e=$1 dir
  if ! cli "$e" image inspect "$TEST_IMAGE" >/dev/null 2>&1; then
    dir=$(mktemp -d)
    build_busybox_rootfs "$dir" full
    tar -C "$dir" -c . | cli "$e" import --change 'ENV PATH=/bin' --change 'CMD ["sh"]' - "$TEST_IMAGE" >/dev/null
    rm -rf "$dir"
  fi
  if ! cli "$e" image inspect "$NOPING_IMAGE" >/dev/null 2>&1; then
    dir=$(mktemp -d)
    build_busybox_rootfs "$dir" noping
    tar -C "$dir" -c . | cli "$e" import --change 'ENV PATH=/bin' --change 'CMD ["sleep", "3600"]' - "$NOPING_IMAGE" >/dev/null
    rm -rf "$dir"
  fi
}

up() {
  install_packages
  mkdir -p "$RUN_DIR" "$DATA_DIR"
  fetch_new_engine
  local e started=()
  for e in "${ENGINES[@]}"; do
    answers "$e" && continue
    prepare_namespace "$e"
    launch_engine "$e"
    ensure_dns "$e"
    started+=("$e")
  done
  [ ${#started[@]} -gt 0 ] && log "starting ${started[*]}"
  # The namespaces are checked again for engines that already ran (a veth removed by hand).
  for e in "${ENGINES[@]}"; do
    wait_ready "$e"
    prepare_namespace "$e"
    ensure_dns "$e"
  done
  local pids=()
  for e in "${ENGINES[@]}"; do
    (ensure_swarm "$e" && ensure_images "$e") &
    pids+=($!)
  done
  local failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ $failed = 0 ] || die "could not prepare every engine"
  status
}

# Every process whose network namespace is the engine's (dockerd, its containerd, shims and
# container processes), gently first.
# Every process of an engine: those in its network namespace (dockerd, its containerd and shims,
# dnsmasq) and those in its cgroups (the containers' processes, in network namespaces of their own).
engine_pids() {
  local e=$1
  {
    ip netns pids "$(ns "$e")" 2>/dev/null || true
    find /sys/fs/cgroup -path "*/switchyard-test-$e/*" -name cgroup.procs -exec cat {} + 2>/dev/null || true
  } | sort -un
}

# Ends every process of an engine: dockerd gently first when asked, then the rest by force.
end_processes() {
  local e=$1 gently=${2:-} pid pids deadline=$((SECONDS + 20))
  if [ -n "$gently" ] && [ -f "$RUN_DIR/$e.pid" ]; then
    pid=$(cat "$RUN_DIR/$e.pid")
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.3; done
  fi
  pids=$(engine_pids "$e")
  # shellcheck disable=SC2086
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
  while [ -n "$(engine_pids "$e")" ] && [ $SECONDS -lt $((deadline + 10)) ]; do sleep 0.2; done
}

stop_engine() {
  local e=$1
  end_processes "$e" gently
  [ -e "/run/netns/$(ns "$e")" ] && ip netns del "$(ns "$e")"
  # Empty cgroups the engine's --cgroup-parent made, deepest first.
  find /sys/fs/cgroup -depth -type d -path "*/switchyard-test-$e*" 2>/dev/null |
    grep -E "/switchyard-test-$e(/|$)" | while read -r dir; do rmdir "$dir" 2>/dev/null || true; done
}

down() {
  local e pids=()
  for e in "${ENGINES[@]}"; do
    stop_engine "$e" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  rm -rf "$RUN_DIR" "$DATA_DIR"
  local left
  left=$(
    ip netns list | grep -oE '^sy-e[0-9]+[br]?' || true
    find /sys/fs/cgroup -maxdepth 2 -type d -name 'switchyard-test-*' || true
    for e in "${ENGINES[@]}"; do engine_pids "$e"; done
  )
  [ -z "$left" ] || die "could not remove everything; still there: $(echo $left)"
  log "removed the test engines, their processes, namespaces, veths, cgroups and folders ($RUN_DIR, $DATA_DIR)"
}

status() {
  local e
  for e in "${ENGINES[@]}"; do
    if answers "$e"; then
      printf '%-5s %s (API %s), swarm %s, unix://%s, namespace %s\n' "$e" \
        "$(cli "$e" version --format '{{.Server.Version}}')" "$(cli "$e" version --format '{{.Server.APIVersion}}')" \
        "$(cli "$e" info --format '{{.Swarm.LocalNodeState}}')" "$(sock "$e")" "$(ns "$e")"
    else
      printf '%-5s down\n' "$e"
    fi
  done
}

restartable() {
  local e
  for e in "${RESTARTABLE[@]}"; do [ "$e" = "${1:-}" ] && return 0; done
  die "only ${RESTARTABLE[*]} may be stopped and started by a test, not '${1:-}'"
}

# Stops the engine as a host shutdown would (its containers die with it); its data stays.
stop_one() {
  restartable "$1"
  end_processes "$1" gently
  rm -f "$(sock "$1")"
  log "stopped $1 (its data stays in $DATA_DIR/$1)"
}

start_one() {
  restartable "$1"
  answers "$1" && return
  prepare_namespace "$1"
  launch_engine "$1"
  ensure_dns "$1"
  wait_ready "$1"
  log "started $1"
}

# Namespaces, daemons and /var/lib need root: without it, the script runs itself through sudo.
[ "$(id -u)" -eq 0 ] || exec sudo --preserve-env=PATH bash "$0" "$@"

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  stop-engine) stop_one "${2:-}" ;;
  start-engine) start_one "${2:-}" ;;
  *) die "usage: $0 up|down|status|stop-engine e26r|start-engine e26r" ;;
esac
