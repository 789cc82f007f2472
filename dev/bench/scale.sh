#!/usr/bin/env bash
# Benchmark: EnergySimulationBatches of many runs on simulated nodes (kwok: a run "takes" 2 s, a pack's pod 2 s per run;
# see dev/kwok/stages.yaml), through the operator as a local process, with packing on (default) or off.
#   dev/bench/scale.sh [RUNS=10000,100000] [NODES=100] [CPUS=32] [PACKING=on|off|<maxRunsPerJob>]
# Per batch it prints: the makespan (kubectl create to Succeeded) against the ideal (every slot busy from the start:
# ceil(runs / slots) waves of 2 s), API writes per run (the operator's own, from its fanout_api_writes_total, and every
# client's, from the API server's apiserver_request_total), the largest status seen, the operator's peak heap (its
# jvm_memory_used_bytes) and peak RSS (VmHWM), the most live Jobs, the bounds set by the first wave's pod starts, and a
# slot-time account (dev/bench/scale_account.py): each slot-second from create to Succeeded is a run, a pod beyond its
# runs, or idle waiting for the operator, the Job controller, the scheduler, or for nothing (no run left), or after the
# last run's pod; per slot, the parts sum to the makespan, so the gap to the ideal is shown part by part.
# Targets: ideal/actual >= 0.9, <= 1 operator write per run, status <= 256 KiB, heap <= 256 MiB. Batches over 10,000 runs
# use several weather files (10,000 samples at most per batch's parameter space); the operator is started with
# fanout.batch.max-runs raised to fit.
# FANOUT_BENCH_TRACE=<dir> keeps the stamped pod and Job watches each account is made from.
# FANOUT_OPERATOR_OPTS adds JVM options to the operator (e.g. -Xmx256m: the heap target as a limit).
set -euo pipefail
LOG_TAG=bench
source "$(dirname "$0")/../lib/common.sh"
cd "$FANOUT_ROOT"
RUNS=${1:-10000,100000} NODES=${2:-100} CPUS=${3:-32} PACKING=${4:-on}
RUN_SECONDS=2
JAVA_HOME=$(newest_jdk); export JAVA_HOME
apt_install curl
[ -f operator/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -DskipTests package
dev/cluster.sh up >/dev/null
eval "$(dev/cluster.sh env)"
if helm -n fanout-system status fanout >/dev/null 2>&1; then helm -n fanout-system uninstall fanout --wait >/dev/null; fi
# on: packs up to spec.packing.maxRunsPerJob's largest value, as a user with many short runs of a small model sets it.
case $PACKING in on) per_job=500 ;; off) per_job=1 ;; [0-9]*) per_job=$PACKING ;; *) die "PACKING is on, off or a number of runs per Job" ;; esac
IFS=, read -r -a sizes <<< "$RUNS"
most=0; for n in "${sizes[@]}"; do (( n > most )) && most=$n; done
PORT=${FANOUT_OPERATOR_PORT:-18081}
POOL=bench-scale
SLOTS=$((NODES * CPUS))
work=$(mktemp -d)
cleanup() {
  kubectl delete namespace bench-scale --wait=false >/dev/null 2>&1 || true
  kubectl delete nodes -l fanout.dev/pool=$POOL --wait=false >/dev/null 2>&1 || true
  dev/operator.sh down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

log "$NODES simulated nodes x $CPUS CPUs ($SLOTS one-CPU slots)"
for i in $(seq 0 $((NODES - 1))); do
  printf 'apiVersion: v1\nkind: Node\nmetadata: {name: %s-%d, labels: {fanout.dev/pool: %s}, annotations: {kwok.x-k8s.io/node: fake}}\nspec: {taints: [{key: kwok.x-k8s.io/node, value: fake, effect: NoSchedule}]}\n---\n' \
    "$POOL" "$i" "$POOL"
done > "$work/nodes.yaml"
kubectl apply -f "$work/nodes.yaml" >/dev/null
res="{\"cpu\":\"$CPUS\",\"memory\":\"512Gi\",\"pods\":\"$((CPUS + 20))\"}"
for attempt in $(seq 1 20); do
  # kwok writes node status too: patch until every node shows the size (a stale write of kwok's may undo one).
  short=0
  for i in $(seq 0 $((NODES - 1))); do
    if [ "$(kubectl get node "$POOL-$i" -o jsonpath='{.status.allocatable.cpu}')" != "$CPUS" ]; then
      kubectl patch node "$POOL-$i" --subresource=status --type=merge -p "{\"status\":{\"allocatable\":$res,\"capacity\":$res}}" >/dev/null
      short=$((short + 1))
    fi
  done
  ready=$(kubectl get nodes -l fanout.dev/pool=$POOL -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)
  [ "$short" = 0 ] && [ "$ready" = "$NODES" ] && break
  [ "$attempt" = 20 ] && die "the simulated nodes did not get ready with $CPUS CPUs"
  sleep 1
done

metric_sum() { # metric_sum <url or -raw> <awk pattern>: the sum of the matching samples
  if [ "$1" = -raw ]; then kubectl get --raw /metrics; else curl -sf "$1"; fi | awk -v pat="$2" '$0 ~ pat {s += $NF} END {printf "%.0f\n", s}'
}
operator_writes() { metric_sum "http://127.0.0.1:$PORT/q/metrics" '^fanout_api_writes_total[{]'; }
operator_jobs() { metric_sum "http://127.0.0.1:$PORT/q/metrics" '^fanout_api_writes_total[{].*resource="jobs".*verb="create"|^fanout_api_writes_total[{].*verb="create".*resource="jobs"'; }
all_writes() { metric_sum -raw '^apiserver_request_total[{].*verb="(POST|PUT|PATCH|DELETE)"'; }
heap_used() { metric_sum "http://127.0.0.1:$PORT/q/metrics" '^jvm_memory_used_bytes[{].*area="heap"'; }
heap_live() { metric_sum "http://127.0.0.1:$PORT/q/metrics" '^jvm_gc_live_data_size_bytes'; } # old generation after the last GC

# stamp: each line of stdin after this machine's clock (seconds, microseconds)
stamp() { local line; while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done; }

results=()
for n in "${sizes[@]}"; do
  weather=$(( (n + 9999) / 10000 ))
  samples=$(( n / weather ))
  runs=$(( samples * weather ))
  # A fresh operator per batch: its peak RSS and heap are this batch's.
  dev/operator.sh down >/dev/null
  FANOUT_OPERATOR_OPTS="${FANOUT_OPERATOR_OPTS:-} -Dfanout.batch.max-runs=$most" dev/operator.sh up >/dev/null
  pid=$(cat "$FANOUT_STATE/operator/pid")
  ns=bench-scale
  kubectl delete namespace "$ns" --ignore-not-found --wait >/dev/null
  kubectl create namespace "$ns" >/dev/null
  kubectl -n "$ns" create secret generic postgis --from-literal=url=jdbc:postgresql://127.0.0.1:9/none \
    --from-literal=user=none --from-literal=password=none >/dev/null
  {
    printf 'apiVersion: fanout.dev/v1alpha1\nkind: EnergySimulationBatch\nmetadata: {name: scale, namespace: %s}\nspec:\n' "$ns"
    printf '  models: [{name: office, url: "http://127.0.0.1:9/never-fetched.idf"}]\n  weather:\n'
    for w in $(seq 0 $((weather - 1))); do printf '    - {name: w%d, url: "http://127.0.0.1:9/w%d.epw"}\n' "$w" "$w"; done
    printf '  parameters: {method: latinHypercube, samples: %d, seed: 3, fields: [{material: Insulation, field: Thickness, min: 0.02, max: 0.2}]}\n' "$samples"
    printf '  results: {database: {secretRef: {name: postgis}}}\n  resources: {requests: {cpu: "1", memory: 1Gi}}\n'
    printf '  nodeSelector: {fanout.dev/pool: %s}\n  tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]\n' "$POOL"
    printf '  parallelism: {max: %d}\n  packing: {maxRunsPerJob: %d}\n' "$SLOTS" "$per_job"
  } > "$work/esb.yaml"
  w0=$(operator_writes); a0=$(all_writes); j0=$(operator_jobs)
  log "batch of $runs runs ($weather weather x $samples samples), $SLOTS slots, packing $PACKING"
  # Every pod's start (kwok sets status.startTime as it runs the pod): a slot does nothing before its first pod starts,
  # which gives the bound printed below. The same watch, and one of the Jobs, stamped with this machine's clock as each
  # change arrives (the API's own times have one-second resolution), give the slot-time account printed below.
  kubectl -n "$ns" get pods --watch -o jsonpath='{.metadata.name}{" "}{.status.startTime}{" "}{.metadata.labels.job-name}{" "}{.status.phase}{"\n"}' \
    2>/dev/null > >(stamp > "$work/starts") &
  watchers=$!
  kubectl -n "$ns" get jobs --watch -o jsonpath='{.metadata.name}{"\n"}' 2>/dev/null > >(stamp > "$work/jobs") &
  watchers+=" $!"
  t0=$(date +%s.%N)
  kubectl create -f "$work/esb.yaml" >/dev/null
  phase="" max_status=0 max_jobs=0 max_heap=0 max_live=0 died=""
  deadline=$(( $(date +%s) + 5400 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    phase=$(kubectl -n "$ns" get esb scale -o jsonpath='{.status.phase}' 2>/dev/null || true)
    [ "$phase" = Succeeded ] || [ "$phase" = Failed ] && break
    bytes=$(kubectl -n "$ns" get esb scale -o jsonpath='{.status}' 2>/dev/null | wc -c)
    (( bytes > max_status )) && max_status=$bytes
    jobs=$(kubectl -n "$ns" get jobs -o name 2>/dev/null | wc -l)
    (( jobs > max_jobs )) && max_jobs=$jobs
    heap=$(heap_used || echo 0)
    (( heap > max_heap )) && max_heap=$heap
    live=$(heap_live || echo 0)
    (( live > max_live )) && max_live=$live
    if ! kill -0 "$pid" 2>/dev/null; then
      died="the operator died ($(grep -m1 -o 'OutOfMemoryError[^"]*' "$FANOUT_STATE/operator/operator.log" || echo "see $FANOUT_STATE/operator/operator.log"))"
      break
    fi
    sleep 2
  done
  t1=$(date +%s.%N)
  sleep 1 # the last pod's end reaches the watch
  kill $watchers 2>/dev/null || true
  if [ "$phase" != Succeeded ]; then
    # A measured failure is a figure too: what it reached and why it stopped.
    results+=("$(printf '%-7s runs: not done after %.0f s (%s; %s); status max %d KiB, heap max %d MiB (live %d MiB), live Jobs max %d' "$runs" \
      "$(echo "$t1 - $t0" | bc)" "${died:-phase ${phase:-none}}" "$(kubectl -n "$ns" get esb scale -o jsonpath='{.status.progress}' 2>/dev/null || true)" \
      "$((max_status / 1024))" "$((max_heap / 1048576))" "$((max_live / 1048576))" "$max_jobs")")
    kubectl delete namespace "$ns" --wait=false >/dev/null
    continue
  fi
  bytes=$(kubectl -n "$ns" get esb scale -o jsonpath='{.status}' | wc -c); (( bytes > max_status )) && max_status=$bytes
  makespan=$(echo "$t1 - $t0" | bc)
  w1=$(operator_writes); a1=$(all_writes); j1=$(operator_jobs)
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  packing=$(kubectl -n "$ns" get esb scale -o jsonpath='{.status.packing}')
  waves=$(( (runs + SLOTS - 1) / SLOTS ))
  ideal=$(( waves * RUN_SECONDS ))
  # The work is runs x 2 s over the slots, and slot i cannot start before the i-th pod start of the batch: so no makespan
  # is shorter than runs x 2 s / slots + the mean of the first <slots> pod starts (after kubectl create). How long the
  # control plane took to start the first wave is what that mean measures (the Job controller's API rate, 20 writes/s).
  # That bound holds for packs sized by when their slot starts (late slots get less). With an even share a slot, as the
  # operator packs (the start of each pod is not known when its Job is created), the last slot to start ends last: no
  # makespan is then shorter than the work over the slots plus the last start of the first wave (a pod started before
  # an even share's time has passed since the first start cannot be a slot's second).
  # FANOUT_BENCH_TRACE=<dir> keeps the stamped watches (pods-<runs>, jobs-<runs>) with T0 and T1, for a closer look.
  if [ -n "${FANOUT_BENCH_TRACE:-}" ]; then
    mkdir -p "$FANOUT_BENCH_TRACE"
    cp "$work/starts" "$FANOUT_BENCH_TRACE/pods-$runs"; cp "$work/jobs" "$FANOUT_BENCH_TRACE/jobs-$runs"
    echo "$t0 $t1 $SLOTS" > "$FANOUT_BENCH_TRACE/t-$runs"
  fi
  read -r ramp bound last even_bound account < <(python3 dev/bench/scale_account.py "$work/starts" "$work/jobs" "$t0" "$t1" \
    "$SLOTS" "$runs" "$RUN_SECONDS" "$ideal")
  results+=("$(printf '%-7s runs %7.1f s (ideal %4d s: ideal/actual=%.2f; first wave: slots started %.1f s after create on average, bound %.2f; the last %.1f s, bound with even shares %.2f)  slot time, per slot: %s  Jobs %6d  writes/run: operator %.3f, all clients %.2f  status max %4d KiB  heap max %3d MiB (live %3d MiB)  RSS max %3d MiB  live Jobs max %5d  %s' \
    "$runs" "$makespan" "$ideal" "$(echo "scale=3; $ideal / $makespan" | bc)" "$ramp" "$bound" "$last" "$even_bound" "$account" "$((j1 - j0))" "$(echo "scale=4; ($w1 - $w0) / $runs" | bc)" \
    "$(echo "scale=3; ($a1 - $a0) / $runs" | bc)" "$((max_status / 1024))" "$((max_heap / 1048576))" "$((max_live / 1048576))" "$((rss / 1024))" "$max_jobs" "$packing")")
  kubectl delete namespace "$ns" --wait=false >/dev/null
done
echo "scale benchmark: $NODES kwok nodes x $CPUS CPUs = $SLOTS slots, a run = $RUN_SECONDS s, packing $PACKING (maxRunsPerJob $per_job)"
printf '%s\n' "${results[@]}"
