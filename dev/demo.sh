#!/usr/bin/env bash
# The main job on the local test bed: a SpatialLoad of the shared Natural Earth data, ending in loaded, linked tables.
# Installs and starts what it needs (test bed with its real node, PostGIS, the images built here, the operator installed
# by the Helm chart as two replicas with leader election, a file server on the node's bridge), applies
# examples/spatial-load.yaml, shows progress and the task pods, ends with the final status, row counts, the link result
# and `kubectl logs` of the aggregate's pod, and leaves everything running. Exits non-zero if the load failed.
#   ./dev/demo.sh          the SpatialLoad (examples/spatial-load.yaml)
#   ./dev/demo.sh energy   the EnergySimulationBatch (examples/energy-simulation-batch.yaml) with the real EnergyPlus
set -euo pipefail
LOG_TAG=demo
source "$(dirname "$0")/lib/common.sh"
cd "$FANOUT_ROOT"
JAVA_HOME=$(newest_jdk); export JAVA_HOME
apt_install curl openssl
dev/postgis.sh up
log "building the worker and the operator"
./mvnw -B -q -DskipTests package
dev/cluster.sh up
dev/images.sh
eval "$(dev/cluster.sh env)"
eval "$(dev/postgis.sh env)"
dev/lib/serve-data.sh up
dev/operator.sh down # an operator run by hand would compete with the chart's
log "installing the operator with Helm (helm/fanout: 2 replicas, leader election)"
t0=$SECONDS
# A new operator image is picked up by a rollout (the tag stays; the image id changes when the code does).
helm upgrade --install fanout helm/fanout -n fanout-system --create-namespace --wait --timeout 5m \
  --set-string podAnnotations.fanout\\.dev/image-id="$(crictl --runtime-endpoint "$CONTAINER_RUNTIME_ENDPOINT" inspecti -o go-template --template '{{.status.id}}' "fanout/operator:$IMAGE_TAG" 2>/dev/null | cut -c8-19)" >/dev/null
kubectl -n fanout-system rollout status deployment/fanout-operator --timeout=5m >/dev/null
log "operator ready in $((SECONDS - t0)) s: $(kubectl -n fanout-system get pods -l app.kubernetes.io/name=fanout-operator --no-headers | awk '{print $1 " " $2 " " $3}' | paste -sd, -); leader: $(kubectl -n fanout-system get lease fanout-operator-leader -o jsonpath='{.spec.holderIdentity}' 2>/dev/null)"

if [ "${1:-}" = energy ]; then
  log "applying examples/energy-simulation-batch.yaml (a fresh run: an earlier 'five-zone' is deleted first)"
  kubectl delete esb five-zone --ignore-not-found --wait >/dev/null
  kubectl create configmap energy-models --from-file="$FANOUT_ROOT/../shared/data/energyplus/5ZoneAirCooled.idf" \
    --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  # The test bed's engine image is a stand-in for nrel/energyplus (the same engine from PyPI; see dev/images.sh).
  sed 's#image: nrel/energyplus:25.2.0#image: fanout/energyplus-pypi:25.2.0#' examples/energy-simulation-batch.yaml | kubectl apply -f -
  phase=""
  for _ in $(seq 1 600); do
    sleep 2
    printf '%s | %s\n' "$(date +%H:%M:%S)" "$(kubectl get esb five-zone --no-headers 2>/dev/null || true)"
    phase=$(kubectl get esb five-zone -o jsonpath='{.status.phase}' 2>/dev/null || true)
    [ "$phase" = Succeeded ] || [ "$phase" = Failed ] && break
  done
  echo; echo "== final status"
  kubectl get esb five-zone
  echo "message: $(kubectl get esb five-zone -o jsonpath='{.status.message}')"
  kubectl get esb five-zone -o jsonpath='{.status.aggregate}'; echo
  echo; echo "== ranked results (public.energy_results_ranked_five_zone)"
  psql -X -c "SELECT rank, variant, round(site_eui_mj_m2::numeric, 3) AS eui_mj_m2, basis, savings_percent, savings_kwh FROM energy_results_ranked_five_zone ORDER BY rank" 2>/dev/null || true
  [ "$phase" = Succeeded ] || { echo "the batch did not succeed (phase: ${phase:-none})" >&2; exit 1; }
  exit 0
fi

log "applying examples/spatial-load.yaml (a fresh run: an earlier 'world' is deleted first; its tables are replaced atomically)"
kubectl delete spatialload world --ignore-not-found --wait >/dev/null
kubectl apply -f examples/spatial-load.yaml
phase=""
for _ in $(seq 1 300); do
  sleep 2
  line=$(kubectl get spatialload world --no-headers 2>/dev/null || true)
  layers=$(kubectl get spatialload world -o jsonpath='{range .status.layers[*]}{.name}={.phase} {end}' 2>/dev/null || true)
  printf '%s | %s| running jobs: %s\n' "$(date +%H:%M:%S)" "$line" "$(kubectl get jobs -l fanout.dev/owner=world --no-headers 2>/dev/null | grep -vc Complete || true)"
  [ -n "$layers" ] && printf '    %s\n' "$layers"
  kubectl get pods -l fanout.dev/owner=world -o wide --no-headers 2>/dev/null | awk '{printf "    pod %s %s on %s (%s)\n", $1, $3, $7, $6}' || true
  phase=$(kubectl get spatialload world -o jsonpath='{.status.phase}' 2>/dev/null || true)
  [ "$phase" = Succeeded ] || [ "$phase" = Failed ] && break
done

echo; echo "== final status"
kubectl get spatialload world
kubectl get spatialload world -o custom-columns='LAYER:.status.layers[*].name,PHASE:.status.layers[*].phase,ROWS:.status.layers[*].rows,ATTEMPTS:.status.layers[*].attempts,SECONDS:.status.layers[*].seconds'
echo "message: $(kubectl get spatialload world -o jsonpath='{.status.message}')"
echo; echo "== rows per table"
psql -X -c "SELECT 'admin_level_0' AS table, count(*) FROM admin_level_0 UNION ALL SELECT 'admin_level_1', count(*) FROM admin_level_1 UNION ALL SELECT 'timezones', count(*) FROM timezones" 2>/dev/null || true
echo "== link result (status.aggregate.links)"
kubectl get spatialload world -o jsonpath='{range .status.aggregate.links[*]}{.child} -> {.parent} via {.fkColumn}: linked={.linked} orphans={.orphans}{"\n"}{end}'
psql -X -At -c "SELECT 'admin 1 rows whose admin_level_0_fid points at the country with the same adm0_a3: ' || count(*) FROM admin_level_1 c JOIN admin_level_0 p ON p.fid = c.admin_level_0_fid AND p.adm0_a3 = c.adm0_a3" 2>/dev/null || true
agg=$(kubectl get spatialload world -o jsonpath='{.status.aggregate.job}')
if [ -n "$agg" ]; then
  echo "== kubectl get pods -o wide -l job-name=$agg; kubectl logs job/$agg (the link step, in a container on the node)"
  kubectl get pods -o wide -l "job-name=$agg"
  kubectl logs "job/$agg"; echo
fi
echo "== the operator (kubectl -n fanout-system get pods)"
kubectl -n fanout-system get pods -o wide
# The metrics and the progress page, through the chart's Service (its ClusterIP answers on this machine through kube-proxy).
# The state series come from the leader: ask a few times, the Service picks a replica at random.
svc="http://$(kubectl -n fanout-system get svc fanout-operator -o jsonpath='{.spec.clusterIP}'):8080"
echo; echo "== metrics ($svc/q/metrics, the fanout_ series of this load)"
for _ in $(seq 1 10); do
  m=$(curl -sf "$svc/q/metrics" | grep -E '^fanout_(tasks|resources|window_slots|task_duration_seconds_count|api_writes_total)\{' | grep -E 'namespace="default"|api_writes' | grep -v ' 0.0$' || true)
  [ -n "$m" ] && { echo "$m"; break; }
  sleep 1
done
echo; echo "== the progress page's JSON ($svc/api/resources)"
curl -sf "$svc/api/resources"; echo
cat <<MSG

Everything keeps running. Look around:
  eval "\$(dev/cluster.sh env)"; kubectl describe spatialload world; kubectl get events
  eval "\$(dev/postgis.sh env)"; psql -c '\\d admin_level_1'
  operator log: kubectl -n fanout-system logs deployment/fanout-operator
  progress page: kubectl -n fanout-system port-forward svc/fanout-operator 8080, then http://127.0.0.1:8080/
  (or $svc/ from this machine); metrics at /q/metrics
Stop it all: helm -n fanout-system uninstall fanout; dev/lib/serve-data.sh down; dev/cluster.sh down; dev/postgis.sh down
MSG
[ "$phase" = Succeeded ] || { echo "the SpatialLoad did not succeed (phase: ${phase:-none})" >&2; exit 1; }
