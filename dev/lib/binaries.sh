#!/usr/bin/env bash
# Builds the pinned test-bed binaries from their Go modules when they are missing from the cache:
#   kube (multi-call: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet, kube-proxy), etcd, kwok,
#   helm.
# Usage: dev/lib/binaries.sh   (idempotent; prints nothing to stdout)
set -euo pipefail
LOG_TAG=binaries
source "$(dirname "$0")/common.sh"
command -v go >/dev/null || die "go is not installed; the test bed builds Kubernetes from its Go modules (needs go >= 1.25)"

build_date=2026-01-01T00:00:00Z   # fixed, so rebuilds are reproducible

KUBE_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy)
# The cache key includes the tools module's content, so adding a command to main.go rebuilds the binary.
KUBE_TOOLS_KEY=$(cat "$FANOUT_ROOT"/dev/tools/kubernetes/{main.go,go.mod,go.sum} | sha256sum | cut -c1-12)
KUBE_TOOLS_DIR="$FANOUT_CACHE/tools/kube-$KUBE_VERSION-$KUBE_TOOLS_KEY"

build_kube() {
  local out="$KUBE_TOOLS_DIR"
  [ -x "$out/kube" ] && return 0
  log "building Kubernetes v$KUBE_VERSION control plane, node agents + kubectl (cold: ~10 min on 2 cores)"
  local minor=${KUBE_VERSION#1.}; minor=${minor%%.*} x=
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X $pkg.gitVersion=v$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    x+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
  done
  mkdir -p "$out.tmp"
  (cd "$FANOUT_ROOT/dev/tools/kubernetes" && go build -trimpath -ldflags "-s -w$x" -o "$out.tmp/kube" .)
  for n in "${KUBE_COMMANDS[@]}"; do ln -sf kube "$out.tmp/$n"; done
  rm -rf "$out"; mv "$out.tmp" "$out"
}

# build_module NAME CACHE-KEY: `go build` of the tools module dev/tools/NAME into the cache, once per key.
build_module() {
  local name=$1 out="$FANOUT_CACHE/tools/$1-$2"
  [ -x "$out/$name" ] && return 0
  log "building $name ($2)"
  mkdir -p "$out.tmp"
  (cd "$FANOUT_ROOT/dev/tools/$name" && go build -trimpath -ldflags "-s -w" -o "$out.tmp/$name" .)
  rm -rf "$out"; mv "$out.tmp" "$out"
}
# luahealth: Argo CD's way of evaluating resource health scripts (gopher-lua), for the tests of argocd/ (ArgoCdHealthIT).
LUAHEALTH_KEY=$(cat "$FANOUT_ROOT"/dev/tools/luahealth/{main.go,go.mod,go.sum} | sha256sum | cut -c1-12)

# go_install_pinned NAME MODULE/PKG VERSION LDFLAGS [CACHE-SUFFIX]: for tools whose go.mod has no replace directives.
go_install_pinned() {
  local name=$1 pkg=$2 version=$3 ldflags=$4 out="$FANOUT_CACHE/tools/$1-$3${5:-}"
  [ -x "$out/$name" ] && return 0
  log "building $name v$version"
  mkdir -p "$out.tmp"
  GOBIN="$out.tmp" go install -trimpath -ldflags "-s -w $ldflags" "$pkg@v$version"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

build_kube
build_module etcd "$ETCD_VERSION"
build_module luahealth "$LUAHEALTH_KEY"
go_install_pinned kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" "-X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION"
# crictl: how `dev/cluster.sh down` removes every pod sandbox through CRI (network torn down by CNI, mounts released).
go_install_pinned crictl sigs.k8s.io/cri-tools/cmd/crictl "$CRICTL_VERSION" "-X sigs.k8s.io/cri-tools/pkg/version.Version=v$CRICTL_VERSION"
# promtool: `check rules` and `test rules` of the Helm chart's PrometheusRule (ChartMonitoringIT).
go_install_pinned promtool github.com/prometheus/prometheus/cmd/promtool "$PROMTOOL_VERSION" ""
# helm template (no cluster) assumes the pinned Kubernetes, so charts' kubeVersion checks see the real one.
kube_minor=${KUBE_VERSION#1.}; kube_minor=${kube_minor%%.*}
go_install_pinned helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" \
  "-X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean \
   -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$kube_minor" "-k$KUBE_VERSION"

# The pinned bin dir: one place for PATH.
mkdir -p "$BIN_DIR"
for n in kube "${KUBE_COMMANDS[@]}"; do
  ln -sfn "$KUBE_TOOLS_DIR/$n" "$BIN_DIR/$n"
done
ln -sfn "$FANOUT_CACHE/tools/etcd-$ETCD_VERSION/etcd" "$BIN_DIR/etcd"
ln -sfn "$FANOUT_CACHE/tools/kwok-$KWOK_VERSION/kwok" "$BIN_DIR/kwok"
ln -sfn "$FANOUT_CACHE/tools/crictl-$CRICTL_VERSION/crictl" "$BIN_DIR/crictl"
ln -sfn "$FANOUT_CACHE/tools/promtool-$PROMTOOL_VERSION/promtool" "$BIN_DIR/promtool"
ln -sfn "$FANOUT_CACHE/tools/luahealth-$LUAHEALTH_KEY/luahealth" "$BIN_DIR/luahealth"
ln -sfn "$FANOUT_CACHE/tools/helm-$HELM_VERSION-k$KUBE_VERSION/helm" "$BIN_DIR/helm"

# io.fabric8:kube-api-test looks for etcd, kube-apiserver and kubectl here and then runs offline.
mkdir -p "$KUBEAPITEST_DIR"
for n in etcd kube-apiserver kubectl; do
  ln -sfn "$(readlink -f "$BIN_DIR/$n")" "$KUBEAPITEST_DIR/$n.tmp" && mv -Tf "$KUBEAPITEST_DIR/$n.tmp" "$KUBEAPITEST_DIR/$n"
done
