#!/usr/bin/env bash
# Installs what a-kube and its test suite need on a Debian machine: system packages (when missing) and npm packages.
# Usage: scripts/install-deps.sh [--for-tests]
set -euo pipefail
cd "$(dirname "$0")/.."

want=(openssl ca-certificates)
if [ "${1:-}" = "--for-tests" ]; then
  want+=(python3-kubernetes curl iproute2)
fi
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing Debian packages: ${missing[*]}" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
