#!/usr/bin/env bash
# Builds the walkthrough's container image from Debian's archive, as an image archive for `a-kube image import`.
# It is a local stand-in for the registry's nginx image (no registry is needed): Debian bookworm (minbase) with
# bash, apt, ca-certificates and nginx, tagged docker.io/library/nginx:latest, running nginx in the foreground.
# curl is left out on purpose, so that the walkthrough's `apt-get install -y curl` has something to do;
# --with-curl adds it (tagged localhost/a-kube/nginx-curl:latest) for tests that need it at once.
#
# Usage: scripts/build-walkthrough-image.sh [--with-curl] [--tag REF] FILE.tar
# Needs root and debootstrap. Built archives are cached in ${AKUBE_IMAGE_CACHE:-~/.cache/a-kube/images},
# keyed by this script's content and options, so later calls copy the cached file.
set -euo pipefail

with_curl=0
tag=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --with-curl) with_curl=1 ;;
    --tag) tag="$2"; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) out="$1" ;;
  esac
  shift
done
[ -n "$out" ] || { echo "usage: $0 [--with-curl] [--tag REF] FILE.tar" >&2; exit 2; }
if [ -z "$tag" ]; then
  if [ "$with_curl" = 1 ]; then tag="localhost/a-kube/nginx-curl:latest"; else tag="docker.io/library/nginx:latest"; fi
fi
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

cache="${AKUBE_IMAGE_CACHE:-${HOME:-/root}/.cache/a-kube/images}"
key="$( { cat "$0"; echo "curl=$with_curl tag=$tag mirror=$mirror"; } | sha256sum | cut -c1-16)"
cached="$cache/walkthrough-$key.tar"
if [ -s "$cached" ]; then
  cp "$cached" "$out"
  echo "$out (cached $cached)" >&2
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debootstrap not found: apt-get install debootstrap (or scripts/install-deps.sh --for-tests)" >&2; exit 1; }

work="$(mktemp -d /tmp/akube-image-XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
packages="bash,apt,ca-certificates,nginx"
[ "$with_curl" = 1 ] && packages="$packages,curl"
echo "debootstrap bookworm ($packages) from $mirror" >&2
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -30 "$work/debootstrap.log" >&2; exit 1; }

# nginx logs to the container's stdout/stderr, like the registry image; no package lists or downloaded
# packages in the image (apt-get update fetches them).
ln -sf /dev/stdout "$root/var/log/nginx/access.log"
ln -sf /dev/stderr "$root/var/log/nginx/error.log"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/*
: > "$root/etc/hostname"
: > "$root/etc/resolv.conf"

# A docker-archive: one layer (the root file system), its config, and manifest.json naming the tag.
mkdir -p "$work/archive"
tar --numeric-owner --xattrs -C "$root" -cf "$work/layer.tar" .
layer_sha="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
mkdir -p "$work/archive/$layer_sha"
mv "$work/layer.tar" "$work/archive/$layer_sha/layer.tar"
created="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
cat > "$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"$created","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Entrypoint":["nginx","-g","daemon off;"],"ExposedPorts":{"80/tcp":{}},"StopSignal":"SIGQUIT","Labels":{"io.a-kube.image":"walkthrough stand-in for nginx, built from Debian bookworm"}},"rootfs":{"type":"layers","diff_ids":["sha256:$layer_sha"]},"history":[{"created":"$created","created_by":"scripts/build-walkthrough-image.sh (debootstrap bookworm minbase: $packages)"}]}
JSON
config_sha="$(sha256sum "$work/config.json" | cut -d' ' -f1)"
mv "$work/config.json" "$work/archive/$config_sha.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' "$config_sha" "$tag" "$layer_sha" > "$work/archive/manifest.json"
mkdir -p "$cache"
tar -C "$work/archive" -cf "$cached.tmp" .
mv "$cached.tmp" "$cached"
cp "$cached" "$out"
echo "$out: $tag ($(du -h "$out" | cut -f1))" >&2
