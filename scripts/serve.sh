#!/usr/bin/env bash
# Quick start: install, make sure a Docker engine answers, build and run the service. `npm ci` runs
# only when node_modules does not match package-lock.json, the build only when its inputs changed
# since the last one (scripts/lib/serve-state.mjs): a second start with nothing changed is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
plan=$(node scripts/serve-check.mjs plan)
read -r deps build hash <<<"$plan"
if [ "$deps" != skip ]; then
  echo "switchyard: installing dependencies with npm ci (about 2 minutes the first time)" >&2
  npm ci
fi
bash scripts/local-engine.sh
if [ "$build" != skip ]; then
  npm run build
  node scripts/serve-check.mjs stamp "$hash"
fi
# The service itself, in this process (as `npm start` runs it): a signal to `npm run serve`
# reaches it, and it stops cleanly instead of living on behind a wrapper.
exec node --max-semi-space-size=8 dist/main.js
