#!/usr/bin/env bash
# The progress page under a 10,000-run EnergySimulationBatch: response time and payload of its JSON, measured through the
# chart's Service against the operator installed with Helm (./dev/demo.sh installs it). The batch's runs are admitted
# (a Fixed window of 320 task Jobs) but their pods can never be scheduled (a node selector no node has), so the status
# holds 320 live runs and a ledger of 10,000: the largest status the page has to read. Prints, over 20 requests each, the
# median and the largest time and the bytes of: the list (/api/resources), the batch's detail (first page of its running
# table) and the batch's status itself (kubectl get -o json), for comparison.
# Usage: dev/bench/progress-page.sh [RUNS]   (default 10000; at most fanout.batch.max-runs)
set -euo pipefail
LOG_TAG=page-bench
source "$(dirname "$0")/../lib/common.sh"
cd "$FANOUT_ROOT"
RUNS=${1:-10000}
eval "$(dev/cluster.sh env)"
kubectl -n fanout-system get deployment fanout-operator >/dev/null 2>&1 || die "the operator is not installed: run ./dev/demo.sh first"
ns=bench-page
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$ns" delete esb big --ignore-not-found --wait >/dev/null
cat <<YAML | kubectl -n "$ns" apply -f - >/dev/null
apiVersion: fanout.dev/v1alpha1
kind: EnergySimulationBatch
metadata: {name: big}
spec:
  models: [{name: office, url: "http://$NODE_IP:18080/none/office.idf"}]
  weather: [{name: golden, url: "http://$NODE_IP:18080/none/golden.epw"}]
  parameters:
    method: latinHypercube
    samples: $RUNS
    fields: [{material: Insulation, field: Thickness, min: 0.02, max: 0.2}]
  parallelism: {max: 320, mode: Fixed}
  nodeSelector: {fanout.dev/pool: nowhere}
  results: {database: {secretRef: {name: postgis}}}
YAML
log "waiting for the batch's 320 task Jobs"
for _ in $(seq 1 300); do
  running=$(kubectl -n "$ns" get esb big -o jsonpath='{.status.tasks.running}' 2>/dev/null || true)
  [ "${running:-0}" -ge 320 ] && break
  sleep 2
done
[ "${running:-0}" -ge 320 ] || die "the batch has ${running:-0} running tasks, not 320"
svc="http://$(kubectl -n fanout-system get svc fanout-operator -o jsonpath='{.spec.clusterIP}'):8080"
measure() { # NAME URL
  local times=() size=0
  for _ in $(seq 1 20); do
    read -r t s < <(curl -sf -o /dev/null -w '%{time_total} %{size_download}\n' "$2")
    times+=("$t"); size=$s
  done
  printf '%-34s median %6.1f ms   max %6.1f ms   %8d bytes\n' "$1" \
    "$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]*1000}')" \
    "$(printf '%s\n' "${times[@]}" | sort -n | tail -1 | awk '{print $1*1000}')" "$size"
}
echo "progress page JSON, a batch of $RUNS runs (320 live), through the Service:"
measure "list /api/resources" "$svc/api/resources"
measure "detail (page 1 of the running table)" "$svc/api/resources/EnergySimulationBatch/$ns/big?page=0"
measure "detail (page 4)" "$svc/api/resources/EnergySimulationBatch/$ns/big?page=3"
printf '%-34s %d bytes\n' "the batch's status (kubectl -o json)" "$(kubectl -n "$ns" get esb big -o json | wc -c)"
kubectl delete namespace "$ns" --wait=false >/dev/null
