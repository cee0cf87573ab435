#!/usr/bin/env bash
# The whole test suite, as CI runs it: `npm test`. The e2e tests run on the suite's own engines
# (scripts/test-engines.sh), never on the engine at DOCKER_HOST or /var/run/docker.sock.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

if [ ! -d node_modules ]; then step "installing dependencies"; npm ci; fi
step "test engines";  bash scripts/test-engines.sh up
step "lint";          npx eslint --max-warnings 0 .
step "format";        npx prettier --check .
step "types";         npx tsc --noEmit -p tsconfig.json
step "build";         npm run build
step "unit tests";    npx jest --selectProjects unit
# The GraphiQL browser test drives Debian's chromium (headless) with playwright-core; the template
# tests check compose exports with Debian's docker-compose (`docker-compose config`).
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need_package() { # <binary> <package> <why>
  if [ ! -x "$1" ]; then
    step "installing $2 ($3)"
    as_root apt-get install -y -qq --no-install-recommends "$2" >/dev/null ||
      { as_root apt-get update -qq && as_root apt-get install -y -qq --no-install-recommends "$2" >/dev/null; }
  fi
}
need_package /usr/bin/chromium chromium "the GraphiQL browser test"
need_package /usr/bin/docker-compose docker-compose "the compose export, template benchmark and image test"
need_package /usr/bin/dot graphviz "the topology test (a third-party check of the DOT the service writes)"
# The service image and docker-compose.yml, built and run on one test engine (scripts/image-test.sh).
step "image test";    bash scripts/image-test.sh
step "e2e tests on every test engine"; npx jest --selectProjects e2e-20 e2e-26
step "done"
