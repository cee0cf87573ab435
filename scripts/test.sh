#!/usr/bin/env bash
# The whole test suite, as CI runs it: `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

if [ ! -d node_modules ]; then step "installing dependencies"; npm ci; fi
step "engine and test fixtures"; bash scripts/engine-up.sh --test-fixtures
step "lint";          npx eslint --max-warnings 0 .
step "format";        npx prettier --check .
step "types";         npx tsc --noEmit -p tsconfig.json
step "build";         npm run build
step "unit tests";    npx jest --selectProjects unit
step "e2e tests";     npx jest --selectProjects e2e
