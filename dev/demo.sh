#!/usr/bin/env bash
# The main job on the local test bed. Installs and starts what it needs; leaves everything running.
set -euo pipefail
LOG_TAG=demo
source "$(dirname "$0")/lib/common.sh"
cd "$FANOUT_ROOT"
JAVA_HOME=$(newest_jdk); export JAVA_HOME
apt_install curl openssl
dev/postgis.sh up
log "building the worker and the node runner"
./mvnw -B -q -DskipTests package
dev/cluster.sh up
eval "$(dev/cluster.sh env)"

log "running a smoke Job: fanout/worker version"
kubectl delete job fanout-smoke --ignore-not-found >/dev/null
kubectl apply -f - >/dev/null <<'JOB'
apiVersion: batch/v1
kind: Job
metadata: {name: fanout-smoke}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: worker, image: "fanout/worker:dev", args: [version]}]
JOB
kubectl wait --for=condition=Complete job/fanout-smoke --timeout=120s
kubectl get nodes,jobs,pods -o wide
cat <<MSG

The test bed keeps running. Look around:
  eval "\$(dev/cluster.sh env)"; kubectl get nodes,jobs,pods -A
  eval "\$(dev/postgis.sh env)"; psql
Stop it: dev/cluster.sh down; dev/postgis.sh down
MSG
