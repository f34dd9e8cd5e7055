#!/usr/bin/env bash
# Installs what a-kube and its test suite need on a Debian machine: system packages (when missing) and npm packages.
# Usage: scripts/install-deps.sh [--for-tests]
#   always:       the node's runtime (containerd, runc, CNI plugins, iptables, ipset, iproute2) and the compiler
#                 toolchain better-sqlite3 needs (its prebuilt binary cannot be downloaded everywhere, so npm compiles it)
#   --for-tests:  the clients and tools the test suite drives (python3-kubernetes, curl, debootstrap, busybox-static
#                 for the streaming tests' tiny image, etcd-server and etcd-client: the etcd storage tests start
#                 their own etcd on free loopback ports, chromium for the web console's browser tests, …)
set -euo pipefail
cd "$(dirname "$0")/.."

want=(openssl ca-certificates containerd runc containernetworking-plugins iptables ipset iproute2 python3 make g++)
if [ "${1:-}" = "--for-tests" ]; then
  want+=(python3-kubernetes curl chromium debootstrap busybox-static docker-registry skopeo etcd-server etcd-client)
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
  echo "installing npm packages (better-sqlite3 compiles from source: this takes one to three minutes)" >&2
  npm ci --no-audit --no-fund
fi
echo "building dist/" >&2
npm run build --silent
