# The test bed's real node, sourced by dev/cluster.sh: containerd + runc (Debian), the CNI bridge, kubelet and
# kube-proxy (built from the pinned Kubernetes module). Everything the node writes lives under $NODE except what the
# kubelet and containerd put in fixed places (listed in node_down), and node_down undoes all of it.
# Facts this follows (measured on this kind of machine): cgroup v1 without systemd (cgroupfs driver, failCgroupV1: false);
# root lacks CAP_SYS_RESOURCE, so containerd must not raise a sandbox's oom_score_adj (restrict_oom_score_adj); the
# kubelet refuses a loopback node address, so the node's InternalIP is the bridge address NODE_IP.

# put FILE: stdin into FILE, only when it differs (kube-proxy exits when its configuration file changes under it).
put() {
  local tmp; tmp=$(mktemp "$1.XXXXXX")
  cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv -f "$tmp" "$1"; fi
}

# node_configs: containerd, CNI, kubelet and kube-proxy configuration files, written at every `up` (when changed).
node_configs() {
  mkdir -p "$NODE/containerd/certs.d/docker.io" "$NODE/cni/net.d" "$NODE/cni/ipam" "$KUBELET_DIR" "$NODE/pod-logs"
  put "$NODE/containerd/config.toml" <<TOML
version = 2
root = "$NODE/containerd/root"
state = "$NODE/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$NODE/cni/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$NODE/containerd/certs.d"
TOML
  # No image is ever pulled from the internet: docker.io (where unqualified names like fanout/worker resolve) points at a
  # closed loopback port, so a missing image fails fast with ErrImagePull. Images come from dev/images.sh.
  printf 'server = "http://127.0.0.1:1"\n' | put "$NODE/containerd/certs.d/docker.io/hosts.toml"
  put "$NODE/cni/net.d/10-fanout.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "fanout", "plugins": [
  {"type": "bridge", "bridge": "$FANOUT_BRIDGE", "isGateway": true, "isDefaultGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$NODE/cni/ipam",
            "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP", "rangeStart": "${NODE_IP%.*}.10"}]]}}]}
JSON
  kubeconfig "$STATE/kubelet.kubeconfig" kubelet
  kubeconfig "$STATE/kube-proxy.kubeconfig" kube-proxy
  put "$NODE/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: AlwaysAllow}   # only the API server holds a client certificate of the test bed's CA for it
podLogsDir: $NODE/pod-logs
resolvConf: ""                       # pods resolve no names: every test-bed address is an IP
failSwapOn: false
protectKernelDefaults: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100     # the images are built here and cannot be pulled again: never collect them
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
maxPods: 110
YAML
  put "$NODE/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $STATE/kube-proxy.kubeconfig}
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE_NAME
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$NODE_IP/32"]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {localhostNodePorts: false}
YAML
}

# node_guard: pods reach the node's own address and nothing beyond it (forwarding out of or into the bridge is dropped),
# and the API server (bound to all addresses so pods reach it at NODE_IP) answers only on loopback and the bridge.
node_guard() {
  iptables -N FANOUT-GUARD 2>/dev/null || iptables -F FANOUT-GUARD
  iptables -A FANOUT-GUARD -i "$FANOUT_BRIDGE" ! -o "$FANOUT_BRIDGE" -j DROP
  iptables -A FANOUT-GUARD -o "$FANOUT_BRIDGE" ! -i "$FANOUT_BRIDGE" -j DROP
  iptables -C FORWARD -j FANOUT-GUARD 2>/dev/null || iptables -I FORWARD -j FANOUT-GUARD
  iptables -N FANOUT-API 2>/dev/null || iptables -F FANOUT-API
  iptables -A FANOUT-API -i lo -j RETURN
  iptables -A FANOUT-API -i "$FANOUT_BRIDGE" -j RETURN
  iptables -A FANOUT-API -j DROP
  iptables -C INPUT -p tcp --dport "$APISERVER_PORT" -j FANOUT-API 2>/dev/null || iptables -I INPUT -p tcp --dport "$APISERVER_PORT" -j FANOUT-API
}

node_sysctls_save() {
  [ -f "$STATE/sysctls.saved" ] && return 0   # saved by the first `up` after a `down`: the host's own values
  local k; for k in "${SYSCTLS[@]}"; do echo "$k $(cat "/proc/sys/$k")"; done > "$STATE/sysctls.saved"
}

node_sysctls_restore() {
  [ -f "$STATE/sysctls.saved" ] || return 0
  local k v; while read -r k v; do echo "$v" > "/proc/sys/$k" 2>/dev/null || true; done < "$STATE/sysctls.saved"
  rm -f "$STATE/sysctls.saved"
}

# iptables_sweep: the chains kube-proxy's cleanup leaves (the kubelet's KUBE-FIREWALL and canaries) and the guard's,
# in both address families: rules in the built-in chains that jump to them first, then the chains.
iptables_sweep() {
  local cmd table chain rule
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle; do
      { "$cmd-save" -t "$table" 2>/dev/null | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j (KUBE-|FANOUT-)' || true; } \
        | while read -r rule; do eval "$cmd -t $table -D ${rule#-A }" 2>/dev/null || true; done
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\|FANOUT-[^ ]*\) .*/\1/p' || true); do
        "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\|FANOUT-[^ ]*\) .*/\1/p' || true); do
        "$cmd" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

# Fixed places the kubelet and containerd write to whatever their configured roots; down removes what up created.
FIXED_DIRS=(/var/lib/kubelet /var/log/containers /var/log/pods /run/containerd /var/run/netns /etc/kubernetes /opt/cni)

node_start() {
  [ "$(id -u)" -eq 0 ] || die "the real node (containerd, kubelet, kube-proxy) needs root"
  apt_install containerd runc containernetworking-plugins iptables conntrack
  local d; [ -f "$STATE/fixed-dirs.preexisting" ] || for d in "${FIXED_DIRS[@]}"; do [ -e "$d" ] && echo "$d"; done > "$STATE/fixed-dirs.preexisting"
  node_sysctls_save
  bridge_up
  node_guard
  node_configs
  start containerd containerd --config "$NODE/containerd/config.toml"
  wait_for "containerd" 60 ctr --address "$CONTAINERD_SOCK" version
  start kubelet "$BIN_DIR/kubelet" --config "$NODE/kubelet.yaml" --kubeconfig "$STATE/kubelet.kubeconfig" \
    --root-dir "$KUBELET_DIR" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --v=1
  start kube-proxy "$BIN_DIR/kube-proxy" --config "$NODE/kube-proxy.yaml" --v=1
}

# node_down: pods first (through CRI, so CNI releases their addresses and veths and containerd its mounts), then the
# processes, then whatever they leave on the host.
node_down() {
  stop kubelet
  if running containerd; then
    "$BIN_DIR/crictl" --runtime-endpoint "unix://$CONTAINERD_SOCK" --timeout 30s rmp --all --force >/dev/null 2>&1 || true
  fi
  stop kube-proxy
  stop containerd
  pkill -KILL -f "containerd-shim-runc-v2 -namespace k8s.io -address $CONTAINERD_SOCK" 2>/dev/null || true
  # Containers whose shim is gone (the bed was killed, not stopped: no CRI to remove them) still run in the pod cgroups.
  local pids
  for _ in 1 2 3 4 5; do
    pids=$(find /sys/fs/cgroup/*/kubepods -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u || true)
    [ -n "$pids" ] || break
    kill -KILL $pids 2>/dev/null || true
    sleep 0.5
  done
  [ -x "$BIN_DIR/kube-proxy" ] && "$BIN_DIR/kube-proxy" --cleanup >/dev/null 2>&1 || true
  iptables_sweep
  # Mounts under the node's state (kubelet root bind mount, volumes, rootfs, shm) and the network namespaces, deepest first.
  local m
  for _ in 1 2 3; do
    { awk -v a="$NODE/" -v b="/run/containerd/" -v c="/var/run/netns/" -v d="/run/netns/" -v e="$NODE" \
      '$2 == e || index($2, a) == 1 || index($2, b) == 1 || index($2, c) == 1 || index($2, d) == 1 { print $2 }' /proc/mounts || true; } \
      | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  done
  # The cgroups the kubelet made in every hierarchy (children first).
  find /sys/fs/cgroup/*/kubepods -depth -type d -exec rmdir {} \; 2>/dev/null || true
  # Ports left on the bridge (a pod CNI could not tear down), then the bridge.
  local l; for l in $(ip -o link show master "$FANOUT_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' || true); do
    ip link delete "$l" 2>/dev/null || true
  done
  ip link delete "$FANOUT_BRIDGE" 2>/dev/null || true
  rm -rf "$NODE/cni/ipam"
  node_sysctls_restore
  if [ -f "$STATE/fixed-dirs.preexisting" ]; then
    local d; for d in "${FIXED_DIRS[@]}"; do grep -qx "$d" "$STATE/fixed-dirs.preexisting" || rm -rf "$d"; done
    rm -f "$STATE/fixed-dirs.preexisting"
  fi
}
