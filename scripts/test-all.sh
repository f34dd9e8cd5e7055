#!/usr/bin/env bash
# Runs every test: typecheck, unit tests, then end-to-end tests against real servers with the real kubectl,
# @kubernetes/client-node, Debian's python3-kubernetes and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --for-tests
npm run typecheck
npm test
