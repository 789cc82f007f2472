#!/usr/bin/env bash
# Benchmark: an EnergySimulationBatch of N variants on the local node with K slots, against the same N runs one after
# another by the plain energyplus binary, on this machine.
#   dev/bench/energy-batch.sh [N=8] [K=2] [MODE=designDay|annual] [PACKING=both|on|off]
# PACKING=both (default) runs the batch twice: with packing off (spec.packing.maxRunsPerJob: 1, a Job per run) and on
# (the default: first runs alone, then packs). Also timed: the plain engine as K parallel loops (no Kubernetes at all),
# the most any system can reach with K engines on this machine's cores.
# The variants: 5ZoneAirCooled x Golden weather, the ceiling's thermal resistance on a grid of N values. The plain runs
# get the very inputs the batch's `energy prepare` writes (prepared beforehand, not timed). The batch is timed from
# `kubectl create` to phase Succeeded: every Job (the worker beside the engine: a JVM start per Job), the scheduling,
# the results rows and the ranking aggregate are inside that makespan.
# Prints both makespans, the speedup, the bound a worker start per run sets, the bound of the packed batch's own
# fixed costs, the bound of any design with a pod per slot (the K loops plus a do-nothing pod's turnaround, timed here),
# and a last line  speedup/slots=<x>  (target >= 0.9 with K <= cores).
set -euo pipefail
LOG_TAG=bench
source "$(dirname "$0")/../lib/common.sh"
cd "$FANOUT_ROOT"
N=${1:-8} K=${2:-2} MODE=${3:-designDay} PACKING=${4:-both}
JAVA_HOME=$(newest_jdk); export JAVA_HOME
source dev/lib/energy-bench.sh
energy_bench_up
SHARED="$FANOUT_ROOT/../shared/data/energyplus"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cores=$(nproc)
values=(); for i in $(seq 0 $((N - 1))); do values+=("$(printf "%.4f" "$(echo "scale=4; 0.5 + 3.5 * $i / ($N - 1)" | bc)")"); done
mode_arg=$MODE

log "plain energyplus: preparing the $N inputs (not timed)"
for i in $(seq 0 $((N - 1))); do
  "$JAVA_HOME/bin/java" -jar worker-image/target/fanout-worker.jar energy prepare --model "$SHARED/5ZoneAirCooled.idf" \
    --weather "$SHARED/USA_CO_Golden-NREL.724666_TMY3.epw" --mode "$mode_arg" --out "$work/v$i" --result "$work/v$i.json" \
    --variant "{\"materials\": {\"MAT-CLNG-1\": {\"Thermal Resistance\": ${values[$i]}}}}" >/dev/null
done
log "plain energyplus: $N runs one after another"
t0=$(date +%s.%N)
for i in $(seq 0 $((N - 1))); do
  (cd "$work/v$i" && "$FANOUT_ENERGYPLUS" -w in.epw -d out in.idf >/dev/null 2>&1) || die "plain run $i failed"
done
t1=$(date +%s.%N)
sequential=$(echo "$t1 - $t0" | bc)
log "plain energyplus: $N runs as $K parallel loops"
t0=$(date +%s.%N)
for k in $(seq 0 $((K - 1))); do
  (for i in $(seq "$k" "$K" $((N - 1))); do (cd "$work/v$i" && rm -rf out && "$FANOUT_ENERGYPLUS" -w in.epw -d out in.idf >/dev/null 2>&1); done) &
done
wait
t1=$(date +%s.%N)
parallel=$(echo "$t1 - $t0" | bc)

# One batch run: $1 = spec.packing.maxRunsPerJob; leaves "<makespan> <engine seconds> <status.packing>" in $work/result-$1.
run_batch() {
local max_per_job=$1
ns=bench-energy
energy_bench_namespace "$ns" bench_energy
kubectl -n "$ns" create configmap energy-models --from-file="$SHARED/5ZoneAirCooled.idf" >/dev/null
cpu=$(printf "%.3f" "$(echo "scale=3; $cores / $K" | bc)")
cat > "$work/esb.yaml" <<YAML
apiVersion: fanout.dev/v1alpha1
kind: EnergySimulationBatch
metadata: {name: bench, namespace: $ns}
spec:
  models: [{name: five-zone, configMapKeyRef: {name: energy-models, key: 5ZoneAirCooled.idf}}]
  weather: [{name: golden, url: "http://$NODE_IP:${FANOUT_DATA_PORT:-18080}/energyplus/USA_CO_Golden-NREL.724666_TMY3.epw"}]
  parameters:
    method: grid
    fields: [{material: MAT-CLNG-1, field: Thermal Resistance, values: [$(IFS=,; echo "${values[*]}")]}]
  baseline: grid-00001
  energyplus: {mode: $MODE, image: "fanout/energyplus-pypi:25.2.0"}
  results: {database: {secretRef: {name: postgis}, schema: bench_energy}}
  parallelism: {max: $K}
  packing: {maxRunsPerJob: $max_per_job}
  resources: {requests: {cpu: "$cpu", memory: 768Mi}}
YAML
log "Fanout: $N runs with $K slots (cpu request $cpu of $cores cores each), packing maxRunsPerJob=$max_per_job"
makespan=$(energy_bench_run "$ns" "$work/esb.yaml")
kubectl -n "$ns" get esb bench
packing=$(kubectl -n "$ns" get esb bench -o jsonpath='{.status.packing}')
agg=$(kubectl -n "$ns" get esb bench -o jsonpath='{.status.aggregate.startTime} {.status.aggregate.completionTime}')
agg_seconds=$(( $(date -d "${agg#* }" +%s) - $(date -d "${agg% *}" +%s) ))
rows=$(psql -qAt -c "SELECT count(*) FROM bench_energy.energy_results WHERE batch = 'bench'")
[ "$rows" = "$N" ] || die "expected $N result rows, found $rows"
engine=$(psql -qAt -c "SELECT round(sum(engine_seconds)::numeric, 1) FROM bench_energy.energy_results WHERE batch = 'bench'")
kubectl delete namespace "$ns" --wait=false >/dev/null
printf '%s %s %s %s\n' "$makespan" "$engine" "$agg_seconds" "$packing" > "$work/result-$max_per_job"

}
case $PACKING in both) runs=(1 32) ;; on) runs=(32) ;; off) runs=(1) ;; *) die "PACKING is both, on or off" ;; esac
for m in "${runs[@]}"; do run_batch "$m"; done

# The floor of any design that starts its pods with the batch (Jobs; not a standing pool of workers, as Celery keeps):
# each slot needs at least one pod, and its work cannot start before the pod runs nor be known before its container's
# exit shows in the API (what the operator acts on). Timed on a
# pod that does nothing (/bin/true in the worker image, restricted, the batch's requests): Job created -> exit seen,
# from a watch started before; best of 3.
floor_ns=bench-floor
kubectl create namespace "$floor_ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
floor=""
for _ in 1 2 3; do
  kubectl -n "$floor_ns" delete job floor --ignore-not-found --wait >/dev/null
  (timeout 60 kubectl -n "$floor_ns" get pods -l job-name=floor -w \
     -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}{"\n"}' 2>/dev/null | grep -m1 -q '^0$' || true
   date +%s.%N > "$work/floor-end") & # (kubectl ends on SIGPIPE once grep has its line)
  watcher=$!
  sleep 1
  t0=$(date +%s.%N)
  create_trivial_job "$floor_ns" floor "$cpu" "command: [/bin/true]"
  wait "$watcher"
  d=$(echo "$(cat "$work/floor-end") - $t0" | bc)
  if [ -z "$floor" ] || (( $(echo "$d < $floor" | bc) )); then floor=$d; fi
done
kubectl delete namespace "$floor_ns" --wait=false >/dev/null

printf '%-44s %8.2f s\n' "plain energyplus, sequential" "$sequential"
printf '%-44s %8.2f s  speedup/slots=%.3f (no Kubernetes: the bound here)\n' "plain energyplus, $K parallel loops" "$parallel" \
  "$(echo "scale=3; $sequential / $parallel / $K" | bc)"
for m in "${runs[@]}"; do
  read -r makespan engine agg_seconds packing < "$work/result-$m"
  label="Fanout, $K slots, a Job per run"; [ "$m" = 1 ] || label="Fanout, $K slots, packed (max $m per Job)"
  printf '%-44s %8.2f s  speedup/slots=%.3f  (engine time inside the Jobs %s s)%s\n' "$label" "$makespan" \
    "$(echo "scale=3; $sequential / $makespan / $K" | bc)" "$engine" "${packing:+  status.packing $packing}"
done
read -r makespan _ agg_seconds packing < "$work/result-${runs[-1]}"
# What a Job per run allows at best here: every run's pod starts the worker once (energy pack --alone); the smallest worker
# process (`version`, same JVM flags and AOT cache as the steps) is timed, best of 3.
aot=(); [ -f worker-image/target/fanout-worker.aot ] && aot=("-XX:AOTCache=$FANOUT_ROOT/worker-image/target/fanout-worker.aot")
jvm=999
for _ in 1 2 3; do
  t0=$(date +%s.%N)
  "$JAVA_HOME/bin/java" "${aot[@]}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar worker-image/target/fanout-worker.jar version >/dev/null
  t1=$(date +%s.%N); d=$(echo "$t1 - $t0" | bc); (( $(echo "$d < $jvm" | bc) )) && jvm=$d
done
run=$(echo "scale=3; $sequential / $N" | bc)
printf 'bound: a run is %.2f s of engine, a worker start %.2f s: speedup/slots <= %.2f for a Job per run; K plain loops reach %.3f\n' \
  "$run" "$jvm" "$(echo "scale=3; $run / ($run + $jvm)" | bc)" "$(echo "scale=3; $sequential / $parallel / $K" | bc)"
if [ "${runs[-1]}" != 1 ] && [ -n "$packing" ]; then
  # A packed batch still has costs no packing removes: an annual batch's first runs go alone (one Job's overhead plus a
  # run; design-day runs are packed from the first Job), the aggregate Job ranks at the end, and every Job has its own
  # overhead; with the K engines as fast as the plain loops:
  overhead=$(echo "$packing" | sed -n 's/.*"overheadSeconds":\([0-9.]*\).*/\1/p')
  first=$(echo "$overhead + $run" | bc); [ "$MODE" = designDay ] && first=0
  fixed=$(echo "scale=3; $first + $agg_seconds + $overhead" | bc)
  printf 'bound packed: first runs alone + the aggregate + a pack'"'"'s overhead = %.1f + %d + %.1f s on top of the %.1f s of K loops: speedup/slots <= %.3f\n' \
    "$first" "$agg_seconds" "$overhead" "$parallel" "$(echo "scale=3; $sequential / ($parallel + $fixed) / $K" | bc)"
fi
printf 'bound, Kubernetes: the K loops + one pod'"'"'s turnaround (a pod doing nothing: created to its exit seen, %.2f s, best of 3) = %.1f s: speedup/slots <= %.3f for any design that starts a pod per slot with the batch\n' \
  "$floor" "$(echo "$parallel + $floor" | bc)" "$(echo "scale=3; $sequential / ($parallel + $floor) / $K" | bc)"
echo "speedup/slots=$(echo "scale=3; $sequential / $makespan / $K" | bc)"
