#!/usr/bin/env bash
# The Fanout local test bed: a real Kubernetes control plane plus one real node on this machine.
#   dev/cluster.sh up       build missing binaries, start etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
#                           the node (containerd + runc + CNI bridge, kubelet, kube-proxy) and kwok (simulated nodes for
#                           scale tests); wait until the API is ready and the node is Ready
#   dev/cluster.sh down     stop everything this script started and undo what the node did to the host: pods, processes,
#                           mounts, cgroups, the bridge, iptables rules, sysctls (dev/lib/footprint.sh checks it)
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
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy kwok)
NODE="$STATE/node"                                   # containerd root and state, kubelet root, CNI config and IPAM, pod logs
CONTAINERD_SOCK="$NODE/containerd/containerd.sock"
KUBELET_DIR="$NODE/kubelet"
# Kernel settings the kubelet (kernel tunables) and the CNI bridge plugin (forwarding) change; `down` puts them back.
SYSCTLS=(vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys
  kernel/keys/root_maxbytes net/ipv4/ip_forward)

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
  [ -f "$PKI/kubelet-serving.crt" ] && return 0   # (a PKI from before the real node lacks the node's certificates)
  rm -rf "$PKI"
  command -v openssl >/dev/null || apt_install openssl
  mkdir -p "$PKI"; local d=$PKI
  log "creating CA, serving, client and service-account keys in $PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" -days 3650 -subj "/CN=fanout-test-bed-ca" 2>/dev/null
  cat > "$d/apiserver.ext" <<EXT
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,IP:$NODE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
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
  sign kube-proxy "/CN=system:kube-proxy" "$d/client.ext"
  sign kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "$d/client.ext"
  sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$d/client.ext"
  printf 'subjectAltName=IP:%s,DNS:%s\nextendedKeyUsage=serverAuth\n' "$NODE_IP" "$NODE_NAME" > "$d/kubelet-serving.ext"
  sign kubelet-serving "/CN=$NODE_NAME" "$d/kubelet-serving.ext"
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  chmod 600 "$d"/*.key
}

# kubeconfig FILE USER: a kubeconfig with the client cert USER.crt
kubeconfig() {
  put "$1" <<KC
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

source "$FANOUT_ROOT/dev/lib/node.sh"

up() {
  "$FANOUT_ROOT/dev/lib/binaries.sh"
  mkdir -p "$LOGS" "$PIDS" "$STATE/etcd" "$NODE"
  make_pki
  kubeconfig "$KUBECONFIG_FILE" admin
  kubeconfig "$STATE/kube-controller-manager.kubeconfig" kube-controller-manager
  kubeconfig "$STATE/kube-scheduler.kubeconfig" kube-scheduler
  export PATH="$BIN_DIR:$PATH"
  # The bridge first: the API server is reached by pods at its address.
  [ "$(id -u)" -eq 0 ] || die "the test bed's node needs root (containerd, kubelet, bridge, iptables)"
  bridge_up

  start etcd "$BIN_DIR/etcd" --name fanout --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "fanout=http://127.0.0.1:$ETCD_PEER_PORT" --quota-backend-bytes 4294967296 \
    --unsafe-no-fsync --log-level warn
  wait_for "etcd" 60 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

  start kube-apiserver "$BIN_DIR/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 0.0.0.0 --advertise-address "$NODE_IP" --secure-port "$APISERVER_PORT" --cert-dir "$PKI" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" --client-ca-file "$PKI/ca.crt" \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --authorization-mode Node,RBAC \
    --enable-admission-plugins NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,Priority,ResourceQuota,DefaultTolerationSeconds,NodeRestriction \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-cluster-ip-range "$SERVICE_CIDR" --allow-privileged=true --profiling=false --v=1
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

  node_start

  # kwok only manages nodes annotated kwok.x-k8s.io/node=fake: simulated nodes for scale tests, none by default.
  start kwok "$BIN_DIR/kwok" --kubeconfig "$KUBECONFIG_FILE" --config "$FANOUT_ROOT/dev/kwok/stages.yaml" \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --node-lease-duration-seconds 40 --server-address 127.0.0.1:0 --v WARN

  export KUBECONFIG="$KUBECONFIG_FILE"
  wait_for "node $NODE_NAME to register" 90 kubectl get node "$NODE_NAME"
  kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=120s >/dev/null
  wait_for "the default service account" 60 kubectl get serviceaccount default -n default
  postgis_service
  log "test bed ready: $(kubectl version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -1), node $NODE_NAME Ready"
}

down() {
  stop kwok
  node_down
  local i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do stop "${COMPONENTS[$i]}"; done
}

# postgis_service: the test bed's PostgreSQL (listening on NODE_IP too, see dev/postgis.sh) as the Service
# fanout-testbed/postgis with a fixed ClusterIP and manual endpoints, so pods reach it without host networking.
postgis_service() {
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: fanout-testbed}
---
apiVersion: v1
kind: Service
metadata: {name: postgis, namespace: fanout-testbed}
spec:
  clusterIP: $POSTGIS_SERVICE_IP
  ports: [{name: postgres, port: 5432, targetPort: ${FANOUT_PG_PORT:-15432}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: postgis-host
  namespace: fanout-testbed
  labels: {kubernetes.io/service-name: postgis, endpointslice.kubernetes.io/managed-by: fanout.dev-test-bed}
addressType: IPv4
ports: [{name: postgres, port: ${FANOUT_PG_PORT:-15432}, protocol: TCP}]
endpoints: [{addresses: ["$NODE_IP"]}]
YAML
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
  env) echo "export KUBECONFIG=$KUBECONFIG_FILE"; echo "export PATH=$BIN_DIR:\$PATH"
    echo "export FANOUT_NODE_IP=$NODE_IP FANOUT_POD_DB_URL=jdbc:postgresql://$POSTGIS_SERVICE_IP:5432/fanout"
    echo "export CONTAINER_RUNTIME_ENDPOINT=unix://$CONTAINERD_SOCK" ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
