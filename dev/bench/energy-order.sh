#!/usr/bin/env bash
# Benchmark: the run order and pack sizes of an EnergySimulationBatch of two models whose file sizes mislead.
#   dev/bench/energy-order.sh [N=20] [K=2] [MODE=annual] [ROUNDS=1]
# The models: 5ZoneAirCooled (166 KB, the long runs) and 1ZoneUncontrolled with 880 KB of comment lines appended (902 KB,
# the short runs: the comments change nothing of the simulation). By size the short model's runs would go first. N
# variants of each (construction sets that leave the model as it is: only the runs' lengths matter here), both files
# served over http on the node's bridge, Golden weather, K slots.
# Each round runs the batch twice through the operator (a local process), alternating:
#   timed        the default: each model's first run goes first and alone; the rest are ordered by those times (longest
#                first) and packs hold an even share of the seconds left, in runs of their own model's length;
#   size order   fanout.batch.time-each-model=false: one mean run time for the batch, runs in model-size order (the
#                behaviour before per-model timing).
# The peer, on this machine in the same run: the plain energyplus binary over the same 2N prepared inputs, sequential and
# K at a time (xargs -P, longest first: list scheduling with no Kubernetes at all, the bound here).
# Prints each makespan with speedup/slots (sequential / makespan / K), the best of each, and the ratio size order / timed.
set -euo pipefail
LOG_TAG=bench
source "$(dirname "$0")/../lib/common.sh"
cd "$FANOUT_ROOT"
N=${1:-20} K=${2:-2} MODE=${3:-annual} ROUNDS=${4:-1}
JAVA_HOME=$(newest_jdk); export JAVA_HOME
source dev/lib/energy-bench.sh
energy_bench_up
SHARED="$FANOUT_ROOT/../shared/data/energyplus"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cores=$(nproc)

# The misleading model, deterministic: the served copy of the data gets it beside the others.
served="$FANOUT_STATE/data/energyplus"
padded="$served/1ZonePadded.idf"
{ cat "$SHARED/1ZoneUncontrolled.idf"
  for i in $(seq -w 1 8000); do
    echo "! padding line $i: this model carries a long comment block that makes its file large and its runs no longer"
  done; } > "$padded.tmp" && mv "$padded.tmp" "$padded"
log "models: $(stat -c %s "$padded") bytes (1ZonePadded, short runs), $(stat -c %s "$served/5ZoneAirCooled.idf") bytes (5ZoneAirCooled, long runs)"

log "plain energyplus: preparing the $((2 * N)) inputs (not timed)"
for m in 5ZoneAirCooled 1ZonePadded; do
  for i in $(seq 1 "$N"); do
    "$JAVA_HOME/bin/java" -jar worker-image/target/fanout-worker.jar energy prepare --model "$served/$m.idf" \
      --weather "$SHARED/USA_CO_Golden-NREL.724666_TMY3.epw" --mode "$MODE" --out "$work/$m-$i" --result "$work/$m-$i.json" \
      --variant '{}' >/dev/null
    echo "$work/$m-$i" >> "$work/inputs" # the long model's first: longest first
  done
done
plain() { (cd "$1" && rm -rf out && "$FANOUT_ENERGYPLUS" -w in.epw -d out in.idf >/dev/null 2>&1) || die "plain run $1 failed"; }
export -f plain die log; export FANOUT_ENERGYPLUS LOG_TAG
log "plain energyplus: $((2 * N)) runs one after another"
t0=$(date +%s.%N); xargs -n1 -P1 bash -c 'plain "$0"' < "$work/inputs"; t1=$(date +%s.%N)
sequential=$(echo "$t1 - $t0" | bc)
log "plain energyplus: $((2 * N)) runs $K at a time, longest first"
t0=$(date +%s.%N); xargs -n1 -P"$K" bash -c 'plain "$0"' < "$work/inputs"; t1=$(date +%s.%N)
parallel=$(echo "$t1 - $t0" | bc)

url="http://$NODE_IP:${FANOUT_DATA_PORT:-18080}/energyplus"
sets=$(for i in $(seq 1 "$N"); do printf '{name: v%d}, ' "$i"; done); sets="[${sets%, }]"
cpu=$(printf "%.3f" "$(echo "scale=3; $cores / $K" | bc)")
# One batch: $1 = timed|size; appends "<mode> <makespan> <status.packing>" to $work/results.
run_batch() {
  local opts="" ns=bench-energy-order
  [ "$1" = size ] && opts="-Dfanout.batch.time-each-model=false"
  dev/operator.sh down >/dev/null
  FANOUT_OPERATOR_OPTS="$opts" dev/operator.sh up >/dev/null
  energy_bench_namespace "$ns" bench_energy_order
  cat > "$work/esb.yaml" <<YAML
apiVersion: fanout.dev/v1alpha1
kind: EnergySimulationBatch
metadata: {name: bench, namespace: $ns}
spec:
  models:
    - {name: short, url: "$url/1ZonePadded.idf"}
    - {name: long, url: "$url/5ZoneAirCooled.idf"}
  weather: [{name: golden, url: "$url/USA_CO_Golden-NREL.724666_TMY3.epw"}]
  constructionSets: $sets
  energyplus: {mode: $MODE, image: "fanout/energyplus-pypi:25.2.0"}
  results: {database: {secretRef: {name: postgis}, schema: bench_energy_order}}
  parallelism: {max: $K}
  resources: {requests: {cpu: "$cpu", memory: 768Mi}}
YAML
  log "Fanout ($1): $((2 * N)) runs with $K slots"
  local makespan rows packing start jobs
  # The Jobs as they end: each pod's worker container exit, as a watch sees it (a pack writes its rows as its runs end,
  # so the rows' times do not show its end); the pod's runs and its model are in its annotation and worker arguments
  # (fields split by |: kubectl aligns a jsonpath's tabs into spaces).
  ( kubectl -n "$ns" get pods -w -o jsonpath='{.metadata.name}{"|"}{.metadata.annotations.fanout\.dev/pack-runs}{"|"}{.status.containerStatuses[?(@.name=="worker")].state.terminated.exitCode}{"|"}{.spec.containers[0].args}{"\n"}' \
      2>/dev/null & echo $! > "$work/watch.pid"; wait ) | while IFS= read -r l; do printf '%s|%s\n' "$(date +%s.%N)" "$l"; done > "$work/pods-$1" &
  start=$(date +%s.%N)
  makespan=$(energy_bench_run "$ns" "$work/esb.yaml")
  sleep 1; kill "$(cat "$work/watch.pid")" 2>/dev/null || true
  rows=$(psql -qAt -c "SELECT count(*) FROM bench_energy_order.energy_results WHERE batch = 'bench'")
  [ "$rows" = "$((2 * N))" ] || die "expected $((2 * N)) result rows, found $rows"
  packing=$(kubectl -n "$ns" get esb bench -o jsonpath='{.status.packing}')
  jobs=$(awk -F'|' -v start="$start" '$4 == "0" && !($2 in seen) { seen[$2] = 1; runs = $3 == "" ? 1 : $3
      model = $5; sub(/.*"--model-name","/, "", model); sub(/".*/, "", model)
      printf "%s%.1f s: %s x%s", (n++ ? ", " : ""), $1 - start, model, runs }' "$work/pods-$1")
  kubectl delete namespace "$ns" --wait=false >/dev/null
  echo "$1 $makespan $packing" >> "$work/results"
  echo "$1 $jobs" >> "$work/jobs"
}
for _ in $(seq 1 "$ROUNDS"); do run_batch size; run_batch timed; done
dev/operator.sh down >/dev/null; dev/operator.sh up >/dev/null # as the bed had it: the defaults

printf '%-52s %8.2f s\n' "plain energyplus, sequential" "$sequential"
printf '%-52s %8.2f s  speedup/slots=%.3f (no Kubernetes: the bound here)\n' "plain energyplus, $K at a time, longest first" \
  "$parallel" "$(echo "scale=3; $sequential / $parallel / $K" | bc)"
while read -r mode makespan packing; do
  label="Fanout, runs in model-size order"; [ "$mode" = timed ] && label="Fanout, timed per model (longest first)"
  printf '%-52s %8.2f s  speedup/slots=%.3f  status.packing %s\n' "$label" "$makespan" \
    "$(echo "scale=3; $sequential / $makespan / $K" | bc)" "$packing"
done < "$work/results"
echo "Jobs as they ended (seconds after kubectl create: model x runs):"
while read -r mode jobs; do printf '  %-6s %s\n' "$mode" "$jobs"; done < "$work/jobs"
best_size=$(awk '$1 == "size" {print $2}' "$work/results" | sort -g | head -1)
best_timed=$(awk '$1 == "timed" {print $2}' "$work/results" | sort -g | head -1)
printf 'best: size order %.2f s, timed %.2f s: timed is %.2fx faster; speedup/slots %.3f -> %.3f (plain K at a time %.3f)\n' \
  "$best_size" "$best_timed" "$(echo "$best_size / $best_timed" | bc -l)" "$(echo "scale=3; $sequential / $best_size / $K" | bc)" \
  "$(echo "scale=3; $sequential / $best_timed / $K" | bc)" "$(echo "scale=3; $sequential / $parallel / $K" | bc)"
