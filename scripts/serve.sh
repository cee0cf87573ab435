#!/usr/bin/env bash
# Quick start: install, make sure a Docker engine answers, build and run the service.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
bash scripts/local-engine.sh
npm run build
# The service itself, in this process (as `npm start` runs it): a signal to `npm run serve`
# reaches it, and it stops cleanly instead of living on behind a wrapper.
exec node --max-semi-space-size=8 dist/main.js
