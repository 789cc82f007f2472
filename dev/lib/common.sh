# Shared settings for the Fanout test-bed scripts. Sourced, never run.
# Versions are pinned here and nowhere else; binaries are cached outside the clone, keyed by version.

FANOUT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KUBE_VERSION=1.35.4        # k8s.io/kubernetes (apiserver, controller-manager, scheduler, kubectl)
ETCD_VERSION=3.6.5         # the etcd that Kubernetes 1.35 is tested with
KWOK_VERSION=0.8.0
HELM_VERSION=3.21.4
PROMTOOL_VERSION=0.316.0   # github.com/prometheus/prometheus (module versions v0.3xx = Prometheus 3.x): promtool checks the chart's alert rules
CRICTL_VERSION=1.34.0      # sigs.k8s.io/cri-tools (the newest release on the module proxy at or below 1.35)

FANOUT_CACHE=${FANOUT_CACHE:-$HOME/.cache/fanout}
FANOUT_STATE=${FANOUT_STATE:-$HOME/.local/state/fanout}
BIN_DIR="$FANOUT_CACHE/bin/k8s-$KUBE_VERSION"         # the pinned bin dir put on PATH (symlinks into the per-tool dirs)
KUBEAPITEST_DIR="$HOME/.kubeapitest/k8s/$KUBE_VERSION-linux-amd64"

export GOTOOLCHAIN=local
export GOFLAGS=${GOFLAGS:--mod=mod}

log() { printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "${LOG_TAG:-fanout}" "$*" >&2; }
die() { printf '%s: error: %s\n' "${LOG_TAG:-fanout}" "$*" >&2; exit 1; }

# port_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

# apt_install PKG...: installs Debian packages that are missing (runs apt-get update once per call when needed).
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# newest_jdk: JAVA_HOME of the newest JDK on the machine (the build needs 21 or later).
newest_jdk() {
  local best= bestv=0 d v
  for d in /usr/lib/jvm/*/ ${JAVA_HOME:+"$JAVA_HOME/"}; do
    [ -x "$d/bin/javac" ] || continue
    v=$("$d/bin/javac" -version 2>&1 | sed -E 's/^javac ([0-9]+).*/\1/')
    [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -gt "$bestv" ] && { best=${d%/}; bestv=$v; }
  done
  [ "$bestv" -ge 21 ] || die "no JDK 21 or later found under /usr/lib/jvm (found $bestv); install one (e.g. apt-get install openjdk-21-jdk-headless)"
  echo "$best"
}

# The test bed's network (one node): pods get addresses from POD_CIDR on the bridge FANOUT_BRIDGE, whose address NODE_IP is
# the node's InternalIP and the only host address pods can reach (IP forwarding out of the bridge is dropped). Services
# get ClusterIPs from SERVICE_CIDR; PostGIS is the Service POSTGIS_SERVICE_IP:5432 -> NODE_IP:$FANOUT_PG_PORT.
FANOUT_BRIDGE=fanout0
POD_CIDR=10.88.0.0/16
NODE_IP=10.88.0.1
SERVICE_CIDR=10.0.0.0/24
POSTGIS_SERVICE_IP=10.0.0.15
# Images the node runs, built here by dev/images.sh and imported into containerd (nothing is pulled).
IMAGE_TAG=0.1.0
PAUSE_IMAGE=docker.io/fanout/pause:3.10

# bridge_up: the node's bridge with NODE_IP, made before the API server and PostgreSQL bind to that address (the CNI bridge
# plugin adopts it for the pods). Idempotent; `dev/cluster.sh down` removes it.
bridge_up() {
  if ! ip link show "$FANOUT_BRIDGE" >/dev/null 2>&1; then
    ip link add "$FANOUT_BRIDGE" type bridge || die "cannot create bridge $FANOUT_BRIDGE (the test bed runs as root)"
  fi
  [[ "$(ip -4 -o addr show dev "$FANOUT_BRIDGE")" == *" inet $NODE_IP/"* ]] || ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$FANOUT_BRIDGE"
  ip link set "$FANOUT_BRIDGE" up
}

# Waits for the resource $2 (kind/name) in namespace $1 to reach phase Succeeded or Failed, at most $3 seconds, and
# prints the phase it reached. One watch, not a kubectl a poll: each kubectl costs ~0.1 CPU-second, which would be taken
# from the run a benchmark times.
await_phase() {
  local watch watcher phase=""
  exec {watch}< <(timeout "$3" kubectl -n "$1" get "$2" --watch -o jsonpath='{.status.phase}{"\n"}' 2>/dev/null)
  watcher=$!
  while IFS= read -r -u "$watch" phase; do
    [ "$phase" = Succeeded ] || [ "$phase" = Failed ] && break
  done
  kill "$watcher" 2>/dev/null || true
  exec {watch}<&-
  echo "$phase"
}

# Creates in namespace $1 a Job $2 whose one container runs the worker image as the operator's task pods do (restricted:
# non-root, no privilege escalation, read-only root, no capabilities), requesting $3 CPUs and 768Mi, with $4 as its
# command line in YAML (`args: [version]`, `command: [/bin/true]`): the benchmarks' trivial Job, the floor of a task's.
create_trivial_job() {
  kubectl -n "$1" create -f - >/dev/null <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: $2}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: worker
        image: fanout/worker:$IMAGE_TAG
        imagePullPolicy: IfNotPresent
        $4
        resources: {requests: {cpu: "$3", memory: 768Mi}}
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, readOnlyRootFilesystem: true}
YAML
}
