#!/usr/bin/env bash
# Quick start: install, make sure a Docker engine answers, build and run the service.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
bash scripts/local-engine.sh
npm run build
exec npm start
