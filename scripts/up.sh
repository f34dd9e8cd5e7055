#!/usr/bin/env bash
# Brings up a working single-machine cluster (embedded SQLite, local node) from a checkout.
# Any arguments are passed to `a-kube up` (see `bin/a-kube up --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
exec bin/a-kube up "$@"
