#!/usr/bin/env bash
# What the test bed leaves on the host, one line per thing, sorted: its processes, mounts, network devices, iptables
# rules, kubelet cgroups and fixed directories, and the kernel settings the node changes. dev/test.sh takes it before
# `dev/cluster.sh up` and after `down` and fails when they differ (down must undo everything up did).
set -euo pipefail
source "$(dirname "$0")/common.sh"
state=$FANOUT_STATE/cluster
{
  # Processes: the test bed's binaries and anything still running from its state directory or images.
  ps -eo args= | grep -E "^(\S*/)?(etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy|kwok|containerd|containerd-shim-runc-v2|/pause)( |$)" \
    | sed 's/^/process /' || true
  awk -v s="$state" 'index($2, s) == 1 || $2 ~ "^/run/containerd|^/(var/)?run/netns|^/var/lib/kubelet" { print "mount " $2 }' /proc/mounts
  ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -E "^(veth|$FANOUT_BRIDGE$|cni)" | sed 's/^/link /' || true
  for cmd in iptables ip6tables; do
    for t in filter nat mangle; do
      "$cmd-save" -t "$t" 2>/dev/null | grep -E '^(-A|:)' | grep -E 'KUBE|CNI|FANOUT' | sed "s/^/$cmd $t /; s/\[[0-9]*:[0-9]*\]//" || true
    done
  done
  find /sys/fs/cgroup -maxdepth 2 -name kubepods 2>/dev/null | sed 's/^/cgroup /' || true
  for d in /var/lib/kubelet /var/log/containers /var/log/pods /run/containerd /etc/kubernetes; do [ -e "$d" ] && echo "dir $d"; done
  for k in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes net/ipv4/ip_forward; do
    echo "sysctl $k=$(cat /proc/sys/$k)"
  done
} | sort
