#!/usr/bin/env bash
# The image test (CI runs it from scripts/test.sh): on ONE test engine (e26b by default) it makes
# the base image (scripts/base-image.sh, kept between runs), builds the service image from a
# prepared context, checks the real docker-compose.yml with `docker-compose config`, brings it up
# once, waits until the container is healthy and /health/ready answers ready, lists networks
# through the containerised service with an admin key, makes a new admin key with the CLI in the
# container (as the README says for a lost key), stops it (graceful: exit code 0), then
# `down -v`. Everything it makes is named switchyard-image-test-*; leftovers of earlier runs that
# nothing uses are removed first.
#
#   bash scripts/image-test.sh            (IMAGE_TEST_ENGINE=e26b, KEEP_IMAGE=1 keeps the service image)
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINE=${IMAGE_TEST_ENGINE:-e26b}
# The engine runs in its own network namespace but shares this machine's file system: its socket
# has the same path for this script and for the engine (the path the compose file mounts).
SOCKET=/run/switchyard-test/$ENGINE.sock
NETNS=sy-$ENGINE
export DOCKER_HOST=unix://$SOCKET
DOCKER=/usr/bin/docker
COMPOSE=/usr/bin/docker-compose
BASE_IMAGE=switchyard/node-base:20
PREFIX=switchyard-image-test
RUN=$PREFIX-$(date +%s)-$$
IMAGE=$RUN:latest
# The port is published on the loopback of the engine's namespace only.
PORT=$((20000 + RANDOM % 10000))
# This workstream's test subnet (10.119.0.0/16), one /24 per run.
SUBNET=10.119.$((RANDOM % 250 + 1)).0/24
DEADLINE_S=${IMAGE_TEST_DEADLINE_S:-120}

ms() { date +%s%3N; }
log() { printf '[image-test %s] %s\n' "$(date +%T)" "$*"; }
fail() {
  log "FAILED: $*"
  exit 1
}
started=$(ms)

[ -S "$SOCKET" ] || fail "no engine at $SOCKET: start the test engines (npm run engine:up)"
[ -x "$COMPOSE" ] || fail "$COMPOSE is missing: apt-get install docker-compose"
[ -x "$DOCKER" ] || DOCKER=docker

work=$(mktemp -d "/tmp/$PREFIX.XXXXXX")
compose() {
  SWITCHYARD_BUILD_CONTEXT="$work/context" SWITCHYARD_IMAGE="$IMAGE" BASE_IMAGE="$BASE_IMAGE" \
    DOCKER_SOCKET="$SOCKET" DOCKER_GID="$(stat -c %g "$SOCKET")" SWITCHYARD_PORT="$PORT" \
    ADMIN_API_KEY="$ADMIN_KEY" SHUTDOWN_GRACE_MS=5000 \
    "$COMPOSE" --project-name "$RUN" --project-directory "$PWD" \
    -f docker-compose.yml -f "$work/test-network.yml" "$@"
}
cleanup() {
  local code=$?
  set +e
  if [ -f "$work/test-network.yml" ]; then
    [ "$code" = 0 ] || compose logs --no-color --tail 40 2>/dev/null
    compose down -v --remove-orphans >/dev/null 2>&1
  fi
  [ "${KEEP_IMAGE:-0}" = 1 ] || "$DOCKER" image rm "$IMAGE" >/dev/null 2>&1
  rm -rf "$work"
  log "$([ "$code" = 0 ] && echo passed || echo failed) in $((($(ms) - started) / 1000)) s"
  exit "$code"
}
trap cleanup EXIT
ADMIN_KEY=$(node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('hex'))")

# Leftovers of runs that ended without cleaning up; what a run in progress uses is refused by the
# engine and kept.
sweep() {
  "$DOCKER" ps -aq --filter "name=^$PREFIX-" --filter status=exited --filter status=created |
    xargs -r "$DOCKER" rm -v >/dev/null 2>&1 || true
  "$DOCKER" network ls -q --filter "name=$PREFIX-" | xargs -r "$DOCKER" network rm >/dev/null 2>&1 || true
  "$DOCKER" volume ls -q --filter "name=$PREFIX-" | xargs -r "$DOCKER" volume rm >/dev/null 2>&1 || true
  "$DOCKER" image ls --format '{{.Repository}}:{{.Tag}}' | grep "^$PREFIX-" |
    xargs -r "$DOCKER" image rm >/dev/null 2>&1 || true
}
sweep

# 1. The base image (kept: made again only when this machine's Node.js or glibc changed).
modules=$(readlink -f node_modules)
[ -d "$modules" ] || fail "node_modules is missing: npm ci first (the image is built from it)"
t=$(ms)
bash scripts/base-image.sh "$BASE_IMAGE" "$modules/better-sqlite3/build/Release/better_sqlite3.node"
base_ms=$(($(ms) - t))

# 2. The prepared build context: what .dockerignore lets through, as hard links (no copy) where
# the file system allows it; node_modules resolved when it is a link (git worktrees).
link_copy() { cp -al "$1" "$2" 2>/dev/null || cp -a "$1" "$2"; }
ctx=$work/context
mkdir -p "$ctx/scripts" "$ctx/test/tools/openapi-client"
for f in Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json \
  tsconfig.migrations.json nest-cli.json src migrations; do
  link_copy "$f" "$ctx/$f"
done
link_copy scripts/image-prune.mjs "$ctx/scripts/image-prune.mjs"
link_copy "$modules" "$ctx/node_modules"
link_copy test/tools/openapi-client/package.json "$ctx/test/tools/openapi-client/package.json"
tools=$(readlink -f test/tools/openapi-client/node_modules || true)
[ -d "$tools" ] && link_copy "$tools" "$ctx/test/tools/openapi-client/node_modules"

# 3. The compose file as users run it, plus the test's own network range (an override file, as
# the README shows for choosing the project network's subnet).
cat >"$work/test-network.yml" <<EOF
networks:
  default:
    ipam:
      config:
        - subnet: $SUBNET
EOF
compose config >"$work/config.yml" || fail "docker-compose config refused docker-compose.yml"
grep -q "127.0.0.1:$PORT:8080" "$work/config.yml" || fail "the port is not published on loopback"

# 4. The service image (BuildKit or the classic builder, whichever the engine offers).
t=$(ms)
"$DOCKER" build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE" "$ctx" >/dev/null ||
  fail "docker build failed (run it without -q to see why)"
build_ms=$(($(ms) - t))
user=$("$DOCKER" image inspect -f '{{.Config.User}}' "$IMAGE")
[ "$user" = 10001:10001 ] || fail "the image runs as '$user', not the non-root user 10001"

# 5. Up once; healthy, ready, and answering with the admin key.
t=$(ms)
compose up -d --no-build >/dev/null 2>&1 || fail "docker-compose up failed"
container=$(compose ps -q switchyard)
deadline=$(($(date +%s) + DEADLINE_S))
until [ "$("$DOCKER" inspect -f '{{.State.Health.Status}}' "$container")" = healthy ]; do
  state=$("$DOCKER" inspect -f '{{.State.Status}}' "$container")
  [ "$state" = running ] || fail "the container is $state"
  [ "$(date +%s)" -lt "$deadline" ] || fail "not healthy within $DEADLINE_S s"
  sleep 1
done
healthy_ms=$(($(ms) - t))
in_engine() { ip netns exec "$NETNS" curl -sS --max-time 5 "$@"; }
ready=$(in_engine "http://127.0.0.1:$PORT/health/ready")
grep -q '"status":"ready"' <<<"$ready" || fail "/health/ready answered $ready"
networks=$(in_engine -H "Authorization: Bearer $ADMIN_KEY" "http://127.0.0.1:$PORT/api/v1/networks")
for name in bridge "${RUN}_default"; do
  grep -q "\"name\":\"$name\"" <<<"$networks" || fail "the network list lacks $name: $networks"
done
# A lost admin key, as the README says: the CLI run in the service's container (no shell there).
minted=$("$DOCKER" exec "$container" node dist/cli/admin-key.js --name image-test-lost-key 2>&1) ||
  fail "the admin-key CLI failed in the container: $minted"
lost_key=$(grep -m 1 -oE 'sy_[A-Za-z0-9_-]{43}' <<<"$minted" || true)
[ -n "$lost_key" ] || fail "the admin-key CLI printed no key: $minted"
lost_status=$(in_engine -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $lost_key" \
  "http://127.0.0.1:$PORT/api/v1/api-keys")
[ "$lost_status" = 200 ] || fail "the key the CLI made is refused ($lost_status)"
[ "$("$DOCKER" exec "$container" node -e 'process.stdout.write(String(process.getuid()))')" = 10001 ] ||
  fail "the service does not run as user 10001"
"$DOCKER" exec "$container" node -e "process.exit(require('node:fs').existsSync('/data/switchyard.sqlite') ? 0 : 1)" ||
  fail "no database in the /data volume"

# 6. A graceful stop (exit code 0), then down -v.
t=$(ms)
compose stop >/dev/null 2>&1
exit_code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$container")
[ "$exit_code" = 0 ] || fail "the service exited with $exit_code on docker stop"
# Read the whole log first: with pipefail, grep -q quitting at its first match would end
# docker logs with SIGPIPE and fail the pipeline though the line is there.
stop_log=$("$DOCKER" logs "$container" 2>&1)
grep -q 'SIGTERM' <<<"$stop_log" || fail "the log does not say it was stopped"
stop_ms=$(($(ms) - t))
compose down -v --remove-orphans >/dev/null 2>&1
volumes=$("$DOCKER" volume ls -q)
grep -q "^${RUN}_switchyard-data$" <<<"$volumes" && fail "down -v left the data volume"

log "base image $((base_ms / 1000)) s, service image build $((build_ms / 1000)) s, up to healthy $((healthy_ms / 1000)) s, graceful stop $((stop_ms / 1000)) s"
