#!/usr/bin/env bash
# The Fanout local test bed: a real Kubernetes control plane on loopback plus one local node.
#   dev/cluster.sh up       build missing binaries, start etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
#                           the test-bed node runner and kwok (simulated nodes); wait until the API is ready and the node is Ready
#   dev/cluster.sh down     stop everything this script started (no process is left behind)
#   dev/cluster.sh status   what runs, what does not
#   dev/cluster.sh env      prints `export KUBECONFIG=...` and `export PATH=<pinned bin dir>:$PATH`
# Idempotent. State and logs: $FANOUT_STATE/cluster (default ~/.local/state/fanout/cluster).
# Ports (override by env): FANOUT_ETCD_PORT=23790, FANOUT_APISERVER_PORT=16443, FANOUT_KCM_PORT=10357, FANOUT_SCHED_PORT=10359.
set -euo pipefail
LOG_TAG=cluster
source "$(dirname "$0")/lib/common.sh"

STATE="$FANOUT_STATE/cluster"
PKI="$STATE/pki"
LOGS="$STATE/logs"
PIDS="$STATE/pids"
KUBECONFIG_FILE="$STATE/kubeconfig"
ETCD_PORT=${FANOUT_ETCD_PORT:-23790}
ETCD_PEER_PORT=$((ETCD_PORT + 10))
APISERVER_PORT=${FANOUT_APISERVER_PORT:-16443}
KCM_PORT=${FANOUT_KCM_PORT:-10357}
SCHED_PORT=${FANOUT_SCHED_PORT:-10359}
NODE_NAME=${FANOUT_NODE_NAME:-fanout-local}
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler node-runner kwok)

running() { local f="$PIDS/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

port_of() {
  case $1 in etcd) echo "$ETCD_PORT" ;; kube-apiserver) echo "$APISERVER_PORT" ;;
    kube-controller-manager) echo "$KCM_PORT" ;; kube-scheduler) echo "$SCHED_PORT" ;; *) echo "" ;; esac
}

# start NAME CMD...: runs CMD in its own session (so `down` can stop the whole process group), logs to $LOGS/NAME.log.
start() {
  local name=$1; shift
  if running "$name"; then return 0; fi
  local port; port=$(port_of "$name")
  if [ -n "$port" ] && ! port_free "$port"; then
    die "port $port for $name is taken by another process (see: ss -ltnp 'sport = :$port'); stop it or set the FANOUT_*_PORT variable"
  fi
  [ -x "$1" ] || command -v "$1" >/dev/null || die "binary for $name is missing: $1 (run dev/lib/binaries.sh)"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$PIDS/$name.pid"
  log "started $name (pid $!, log $LOGS/$name.log)"
}

stop() {
  local name=$1 f="$PIDS/$1.pid" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "stopped $name"
  fi
  rm -f "$f"
}

make_pki() {
  [ -f "$PKI/admin.crt" ] && return 0
  command -v openssl >/dev/null || apt_install openssl
  mkdir -p "$PKI"; local d=$PKI
  log "creating CA, serving, client and service-account keys in $PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" -days 3650 -subj "/CN=fanout-test-bed-ca" 2>/dev/null
  cat > "$d/apiserver.ext" <<EXT
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth
EXT
  sign() { # name subject [extfile]
    openssl req -newkey rsa:2048 -nodes -keyout "$d/$1.key" -out "$d/$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -out "$d/$1.crt" -days 3650 \
      ${3:+-extfile "$3"} 2>/dev/null
  }
  sign apiserver "/CN=kube-apiserver" "$d/apiserver.ext"
  printf 'extendedKeyUsage=clientAuth\n' > "$d/client.ext"
  sign admin "/O=system:masters/CN=fanout-admin" "$d/client.ext"
  sign kube-controller-manager "/CN=system:kube-controller-manager" "$d/client.ext"
  sign kube-scheduler "/CN=system:kube-scheduler" "$d/client.ext"
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  chmod 600 "$d"/*.key
}

# kubeconfig FILE USER: a kubeconfig with the client cert USER.crt
kubeconfig() {
  cat > "$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: fanout-test-bed
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $2
  user:
    client-certificate: $PKI/$2.crt
    client-key: $PKI/$2.key
contexts:
- name: fanout-test-bed
  context: {cluster: fanout-test-bed, user: $2, namespace: default}
current-context: fanout-test-bed
KC
}

wait_for() { # description timeout-seconds command...
  local what=$1 t=$2; shift 2
  for _ in $(seq 1 "$((t * 2))"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "timed out after ${t}s waiting for $what (logs: $LOGS)"
}

up() {
  "$FANOUT_ROOT/dev/lib/binaries.sh"
  mkdir -p "$LOGS" "$PIDS" "$STATE/etcd" "$STATE/node"
  make_pki
  kubeconfig "$KUBECONFIG_FILE" admin
  kubeconfig "$STATE/kube-controller-manager.kubeconfig" kube-controller-manager
  kubeconfig "$STATE/kube-scheduler.kubeconfig" kube-scheduler
  local runner_jar="$FANOUT_ROOT/dev/node-runner/target/fanout-node-runner.jar"
  if [ ! -f "$runner_jar" ]; then
    log "building the node runner"
    (cd "$FANOUT_ROOT" && JAVA_HOME=$(newest_jdk) ./mvnw -B -q -pl dev/node-runner -am -DskipTests package >/dev/null)
  fi
  export PATH="$BIN_DIR:$PATH"

  start etcd "$BIN_DIR/etcd" --name fanout --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "fanout=http://127.0.0.1:$ETCD_PEER_PORT" --quota-backend-bytes 4294967296 \
    --unsafe-no-fsync --log-level warn
  wait_for "etcd" 60 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

  start kube-apiserver "$BIN_DIR/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" --cert-dir "$PKI" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" --client-ca-file "$PKI/ca.crt" \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --authorization-mode RBAC --enable-admission-plugins NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,Priority,ResourceQuota,DefaultTolerationSeconds \
    --service-cluster-ip-range 10.0.0.0/24 --allow-privileged=true --profiling=false --v=1
  wait_for "kube-apiserver /readyz" 120 kubectl --kubeconfig "$KUBECONFIG_FILE" get --raw /readyz

  start kube-controller-manager "$BIN_DIR/kube-controller-manager" --kubeconfig "$STATE/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "$STATE/kube-controller-manager.kubeconfig" --authorization-kubeconfig "$STATE/kube-controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --controllers '*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller' --v=1

  start kube-scheduler "$BIN_DIR/kube-scheduler" --kubeconfig "$STATE/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$STATE/kube-scheduler.kubeconfig" --authorization-kubeconfig "$STATE/kube-scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --leader-elect=false --v=1

  local java; java="$(newest_jdk)/bin/java"
  # The image map runs nrel/energyplus:* as the real engine from PyPI (installed once, cached).
  eval "$("$FANOUT_ROOT/dev/lib/energyplus.sh")"
  # The worker's JVM AOT cache (made by the build on JDK 25+), used like the image uses its own; a stale one is ignored.
  local aot="$FANOUT_ROOT/worker-image/target/fanout-worker.aot" aot_flag=""
  [ -f "$aot" ] && aot_flag="-XX:AOTCache=$aot"
  FANOUT_WORKER_AOT="$aot_flag" FANOUT_ENERGYPLUS="$FANOUT_ENERGYPLUS" FANOUT_ROOT="$FANOUT_ROOT" FANOUT_JAVA="$java" KUBECONFIG="$KUBECONFIG_FILE" start node-runner "$java" -Xmx256m -Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
    -jar "$runner_jar" --node-name="$NODE_NAME" --images="$FANOUT_ROOT/dev/node-runner/images.conf" \
    --work-dir="$STATE/node" ${FANOUT_NODE_CPU:+--cpu=$FANOUT_NODE_CPU} ${FANOUT_NODE_MEMORY:+--memory=$FANOUT_NODE_MEMORY}

  # kwok only manages nodes annotated kwok.x-k8s.io/node=fake: simulated nodes for scale tests, none by default.
  start kwok "$BIN_DIR/kwok" --kubeconfig "$KUBECONFIG_FILE" --config "$FANOUT_ROOT/dev/kwok/stages.yaml" \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --node-lease-duration-seconds 40 --server-address 127.0.0.1:0 --v WARN

  export KUBECONFIG="$KUBECONFIG_FILE"
  wait_for "node $NODE_NAME to register" 90 kubectl get node "$NODE_NAME"
  kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=120s >/dev/null
  wait_for "the default service account" 60 kubectl get serviceaccount default -n default
  log "test bed ready: $(kubectl version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -1), node $NODE_NAME Ready"
}

down() {
  local i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do stop "${COMPONENTS[$i]}"; done
  # Pods the runner started run in their own process groups under the runner's session: none may outlive the bed.
  pkill -f -- "--work-dir=$STATE/node" 2>/dev/null || true
  pkill -f -- "$STATE/node/pods/" 2>/dev/null || true
}

status() {
  local c rc=0
  for c in "${COMPONENTS[@]}"; do
    if running "$c"; then echo "$c: running (pid $(cat "$PIDS/$c.pid"))"; else echo "$c: stopped"; rc=1; fi
  done
  return $rc
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  env) echo "export KUBECONFIG=$KUBECONFIG_FILE"; echo "export PATH=$BIN_DIR:\$PATH" ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
