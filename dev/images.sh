#!/usr/bin/env bash
# The images the test bed's node runs, built here from the project's own Dockerfiles (no registry, no daemon) and
# imported into the node's containerd:
#   docker.io/fanout/worker:$IMAGE_TAG     worker-image/Dockerfile (JVM AOT cache made at image build)
#   docker.io/fanout/operator:$IMAGE_TAG   operator/Dockerfile
#   docker.io/fanout/energyplus-pypi:25.2.0  dev/images/energyplus: a stand-in for nrel/energyplus (same engine, from PyPI)
#   $PAUSE_IMAGE                            dev/images/pause: the pod sandbox
# Bases: a Debian bookworm root filesystem made with mmdebstrap (localhost/fanout/debian:bookworm) and a Java runtime made
# with jlink from the newest JDK here (localhost/fanout/jre:25, dev/images/jre), passed to the Dockerfiles as BASE_IMAGE.
# Usage: dev/images.sh   (after `./mvnw package` and `dev/cluster.sh up`; idempotent: an image is rebuilt and imported
# only when what goes into it changed; keys and archives in $FANOUT_CACHE/images)
set -euo pipefail
LOG_TAG=images
source "$(dirname "$0")/lib/common.sh"
cd "$FANOUT_ROOT"
[ "$(id -u)" -eq 0 ] || die "building images with buildah and importing them into the node's containerd needs root"
apt_install buildah mmdebstrap containerd gcc libc6-dev

CACHE="$FANOUT_CACHE/images"
mkdir -p "$CACHE" "$CACHE/storage" "$CACHE/run"
# buildah's own storage, apart from any the machine has.
cat > "$CACHE/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$CACHE/storage"
runroot = "$CACHE/run"
CONF
export CONTAINERS_STORAGE_CONF="$CACHE/storage.conf"
CONTAINERD_SOCK="$FANOUT_STATE/cluster/node/containerd/containerd.sock"
EP_VERSION=25.2.0
JRE_MODULES=java.base,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.sql,java.xml,java.desktop,jdk.crypto.ec,jdk.unsupported,jdk.zipfs,jdk.management
BASE_PACKAGES=ca-certificates,libx11-6,libssl3   # libx11-6: the EnergyPlus engine links it; libssl3: the worker hashes with its libcrypto

key() { sha256sum | cut -c1-16; }
files_key() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | key; }
have_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# build NAME IMAGE KEY CONTEXT DOCKERFILE [BASE]: buildah bud when KEY changed, then save a docker archive for containerd.
build() {
  local name=$1 image=$2 k=$3 context=$4 dockerfile=$5 base=${6:-}
  if [ "$(cat "$CACHE/$name.key" 2>/dev/null)" = "$k" ] && [ -f "$CACHE/$name.tar" ] && have_image "$image"; then return 0; fi
  log "building $image"
  local t0=$SECONDS
  buildah bud --quiet --isolation chroot --layers=false --pull=false ${base:+--build-arg BASE_IMAGE=$base} \
    -t "$image" -f "$dockerfile" "$context" >/dev/null
  rm -f "$CACHE/$name.tar"
  buildah push --quiet "$image" "docker-archive:$CACHE/$name.tar:$image" >/dev/null
  echo "$k" > "$CACHE/$name.key"
  log "built $image in $((SECONDS - t0)) s ($(du -m "$CACHE/$name.tar" | cut -f1) MB)"
}

base_image() {
  local image=localhost/fanout/debian:bookworm k
  k=$(echo "mmdebstrap minbase bookworm $BASE_PACKAGES" | key)
  if [ "$(cat "$CACHE/base.key" 2>/dev/null)" = "$k" ] && have_image "$image"; then echo "$image"; return 0; fi
  log "making a Debian bookworm root filesystem with mmdebstrap (about a minute)"
  local sources=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -s "$f" ] && sources+=("$f")
  done
  [ ${#sources[@]} -gt 0 ] || die "no apt sources on this machine for mmdebstrap"
  mmdebstrap --quiet --variant=minbase --mode=root --format=tar --include="$BASE_PACKAGES" \
    --aptopt='Acquire::Languages "none"' --dpkgopt='path-exclude=/usr/share/{doc,man,locale}/*' \
    bookworm "$CACHE/base-rootfs.tar" "${sources[@]}" >&2
  local c; c=$(buildah from scratch)
  buildah add --quiet "$c" "$CACHE/base-rootfs.tar" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/bash "$c"
  buildah commit --quiet --rm "$c" "$image" >/dev/null
  rm -f "$CACHE/base-rootfs.tar"
  echo "$k" > "$CACHE/base.key"
  echo "$image"
}

jre_image() { # BASE
  local image=localhost/fanout/jre:25 jdk k ctx
  jdk=$(newest_jdk)
  k=$( (echo "$1 $JRE_MODULES"; "$jdk/bin/java" -version 2>&1; cat dev/images/jre/Dockerfile) | key)
  if [ "$(cat "$CACHE/jre.key" 2>/dev/null)" = "$k" ] && have_image "$image"; then echo "$image"; return 0; fi
  ctx=$(mktemp -d)
  log "making a Java runtime with jlink from $jdk"
  "$jdk/bin/jlink" --add-modules "$JRE_MODULES" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-6 --output "$ctx/jre"
  buildah bud --quiet --isolation chroot --layers=false --pull=false --build-arg "BASE_IMAGE=$1" -t "$image" \
    -f dev/images/jre/Dockerfile "$ctx" >/dev/null
  rm -rf "$ctx"
  echo "$k" > "$CACHE/jre.key"
  echo "$image"
}

build_all() {
  local base jre ctx
  base=$(base_image)
  jre=$(jre_image "$base")
  local worker_jar=worker-image/target/fanout-worker.jar operator_app=operator/target/quarkus-app
  [ -f "$worker_jar" ] && [ -f "$operator_app/quarkus-run.jar" ] || die "build first: ./mvnw -DskipTests package"

  build worker "docker.io/fanout/worker:$IMAGE_TAG" \
    "$( (sha256sum "$worker_jar" worker-image/Dockerfile; echo "$jre $(cat "$CACHE/jre.key")") | key)" \
    worker-image worker-image/Dockerfile "$jre"
  build operator "docker.io/fanout/operator:$IMAGE_TAG" \
    "$( (files_key "$operator_app"; sha256sum operator/Dockerfile; echo "$jre $(cat "$CACHE/jre.key")") | key)" \
    operator operator/Dockerfile "$jre"

  local payload; payload=$(dirname "$("$FANOUT_ROOT/dev/lib/energyplus.sh" | sed -n 's/^export FANOUT_ENERGYPLUS=//p')")
  ctx=$(mktemp -d)
  cp -rl "$payload" "$ctx/payload" 2>/dev/null || cp -r "$payload" "$ctx/payload" # in the context (no symlink out of it)
  build energyplus "docker.io/fanout/energyplus-pypi:$EP_VERSION" \
    "$( (echo "$payload $(cat "$CACHE/base.key")"; cat dev/images/energyplus/Dockerfile) | key)" \
    "$ctx" dev/images/energyplus/Dockerfile "$base"
  rm -rf "$ctx"

  ctx=$(mktemp -d)
  gcc -static -Os -s -o "$ctx/pause" dev/images/pause/pause.c
  cp dev/images/pause/Dockerfile "$ctx/"
  build pause "$PAUSE_IMAGE" "$(cat dev/images/pause/pause.c dev/images/pause/Dockerfile | key)" "$ctx" "$ctx/Dockerfile"
  rm -rf "$ctx"
}

# import: each archive whose key the node's containerd does not have yet (containerd's state goes with `cluster.sh down`
# only when its directory is removed; the marker lives beside it).
import_all() {
  [ -S "$CONTAINERD_SOCK" ] || die "the node's containerd is not running: dev/cluster.sh up first"
  local marks="$FANOUT_STATE/cluster/node/containerd/imported" name
  mkdir -p "$marks"
  for name in pause worker operator energyplus; do
    if [ "$(cat "$marks/$name.key" 2>/dev/null)" = "$(cat "$CACHE/$name.key")" ]; then continue; fi
    log "importing $name into the node's containerd"
    ctr --address "$CONTAINERD_SOCK" -n k8s.io images import "$CACHE/$name.tar" >/dev/null
    cp "$CACHE/$name.key" "$marks/$name.key"
  done
}

case "${1:-all}" in
  build) build_all ;;
  import) import_all ;;
  all) build_all; import_all ;;
  *) echo "usage: $0 [build|import|all]" >&2; exit 2 ;;
esac
