#!/usr/bin/env bash
# Records the Argo CD health checks' test inputs from real runs on the test bed (argocd/resource_customizations/
# fanout.dev/<Kind>/testdata/*.yaml): resources in each state the operator reports, as `kubectl get -o yaml` shows them
# (managedFields, uid and resourceVersion dropped). Needs the operator installed by ./dev/demo.sh (Helm, fanout-system).
# Usage: dev/argocd/capture-snapshots.sh   (about 3 minutes; leaves nothing behind but the files)
set -euo pipefail
LOG_TAG=argocd
source "$(dirname "$0")/../lib/common.sh"
cd "$FANOUT_ROOT"
eval "$(dev/cluster.sh env)"
kubectl -n fanout-system get deployment fanout-operator >/dev/null 2>&1 || die "the operator is not installed: run ./dev/demo.sh first"
dev/lib/serve-data.sh up >/dev/null
out=argocd/resource_customizations/fanout.dev
ns=argocd-snapshots
data="http://$NODE_IP:${FANOUT_DATA_PORT:-18080}"
kubectl delete namespace "$ns" --ignore-not-found --wait >/dev/null
kubectl create namespace "$ns" >/dev/null
sed -n '/^kind: Secret/,/^---/p' examples/spatial-load.yaml | sed '$d' | sed '1i apiVersion: v1' | kubectl -n "$ns" apply -f - >/dev/null

save() { # KIND NAME FILE
  kubectl -n "$ns" get "$1" "$2" -o yaml | python3 -c '
import sys, yaml
o = yaml.safe_load(sys.stdin)
for k in ("managedFields", "uid", "resourceVersion", "creationTimestamp"):
    o["metadata"].pop(k, None)
o["metadata"].get("annotations", {}).pop("kubectl.kubernetes.io/last-applied-configuration", None)
if not o["metadata"].get("annotations"):
    o["metadata"].pop("annotations", None)
yaml.safe_dump(o, sys.stdout, sort_keys=False, width=200)' > "$out/$3"
  log "recorded $3: $(kubectl -n "$ns" get "$1" "$2" -o jsonpath='{.status.phase}')"
}
until_phase() { # KIND NAME PHASE...
  for _ in $(seq 1 150); do
    p=$(kubectl -n "$ns" get "$1" "$2" -o jsonpath='{.status.phase}' 2>/dev/null || true)
    for want in "${@:3}"; do [ "$p" = "$want" ] && return 0; done
    sleep 1
  done
  die "$1 $2 did not reach ${*:3} (phase: ${p:-none})"
}
sl() { # NAME EXTRA-SPEC LAYERS
  cat <<YAML | kubectl -n "$ns" apply -f - >/dev/null
apiVersion: fanout.dev/v1alpha1
kind: SpatialLoad
metadata: {name: $1}
spec:
  database: {secretRef: {name: postgis}, schema: argocd_snapshots}
$2
  layers:
$3
YAML
}
countries="    - {name: admin0, table: snap_admin0, source: {url: \"$data/naturalearth/ne_50m_admin_0_countries/ne_50m_admin_0_countries.zip\"}}"
three=$(for i in 1 2 3; do echo "    - {name: c$i, table: snap_c$i, source: {url: \"$data/naturalearth/ne_50m_admin_0_countries/ne_50m_admin_0_countries.zip\"}}"; done)

# Pending: created while no operator runs (scaled to zero for a moment), so it has no status yet; then a newer generation.
kubectl -n fanout-system scale deployment fanout-operator --replicas 0 >/dev/null
kubectl -n fanout-system wait --for=delete pod -l app.kubernetes.io/name=fanout-operator --timeout 60s >/dev/null 2>&1 || true
sl pending "" "$countries"
save spatialload pending SpatialLoad/testdata/pending.yaml
kubectl -n fanout-system scale deployment fanout-operator --replicas 2 >/dev/null
until_phase spatialload pending Succeeded
save spatialload pending SpatialLoad/testdata/succeeded.yaml
kubectl -n fanout-system scale deployment fanout-operator --replicas 0 >/dev/null
kubectl -n fanout-system wait --for=delete pod -l app.kubernetes.io/name=fanout-operator --timeout 60s >/dev/null 2>&1 || true
kubectl -n "$ns" patch spatialload pending --type merge -p '{"spec":{"retry":{"maxAttempts":2}}}' >/dev/null
save spatialload pending SpatialLoad/testdata/newer-generation.yaml
kubectl -n fanout-system scale deployment fanout-operator --replicas 2 >/dev/null
kubectl -n fanout-system rollout status deployment fanout-operator --timeout 120s >/dev/null

# Running: three layers one at a time.
sl running "  parallelism: {max: 1}" "$three"
until_phase spatialload running Running
save spatialload running SpatialLoad/testdata/running.yaml
# Failed: a source that is no spatial file (bad input, not retried).
sl failed "" "    - {name: notes, table: snap_notes, source: {url: \"$data/naturalearth/ne_50m_admin_0_countries/ne_50m_admin_0_countries.VERSION.txt\", format: geojson}}"
until_phase spatialload failed Failed
save spatialload failed SpatialLoad/testdata/failed.yaml
# Suspended.
sl suspended "  suspend: true" "$three"
until_phase spatialload suspended Suspended
save spatialload suspended SpatialLoad/testdata/suspended.yaml
# Stalled: pods no node can take.
sl stalled "  stalledAfterSeconds: 10
  nodeSelector: {fanout.dev/pool: nowhere}" "$three"
for _ in $(seq 1 60); do
  [ "$(kubectl -n "$ns" get spatialload stalled -o jsonpath='{.status.conditions[?(@.type=="Stalled")].status}')" = True ] && break
  sleep 1
done
save spatialload stalled SpatialLoad/testdata/stalled.yaml

# A batch with one broken run (Succeeded: the others are ranked) and one where every run fails.
kubectl -n "$ns" create configmap energy-models --from-file=5ZoneAirCooled.idf="$FANOUT_STATE/data/energyplus/5ZoneAirCooled.idf" \
  --dry-run=client -o yaml | kubectl apply -f - >/dev/null
esb() { # NAME SETS
  cat <<YAML | kubectl -n "$ns" apply -f - >/dev/null
apiVersion: fanout.dev/v1alpha1
kind: EnergySimulationBatch
metadata: {name: $1}
spec:
  models: [{name: five-zone, configMapKeyRef: {name: energy-models, key: 5ZoneAirCooled.idf}}]
  weather: [{name: golden, url: "$data/energyplus/USA_CO_Golden-NREL.724666_TMY3.epw"}]
  energyplus: {image: fanout/energyplus-pypi:25.2.0, mode: designDay}
  constructionSets:
$2
  results: {database: {secretRef: {name: postgis}, schema: argocd_snapshots}}
YAML
}
esb partly "    - {name: baseline}
    - {name: broken, constructions: {NO SUCH CONSTRUCTION: [IN46]}}"
until_phase energysimulationbatch partly Running Aggregating
save energysimulationbatch partly EnergySimulationBatch/testdata/running.yaml
until_phase energysimulationbatch partly Succeeded
save energysimulationbatch partly EnergySimulationBatch/testdata/succeeded-with-a-failed-run.yaml
esb allfail "    - {name: broken, constructions: {NO SUCH CONSTRUCTION: [IN46]}}"
until_phase energysimulationbatch allfail Failed
save energysimulationbatch allfail EnergySimulationBatch/testdata/failed.yaml

kubectl delete namespace "$ns" --wait=false >/dev/null
log "done: $(ls $out/*/testdata | grep -c yaml) snapshots"
