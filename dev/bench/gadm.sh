#!/usr/bin/env bash
# Benchmark: a GADM-shaped SpatialLoad (six levels in one GeoPackage, five FK links on string keys) on the test bed,
# against the sequential script a user would write, in the same run.
#   dev/bench/gadm.sh [SCALE=0.1]
# The data: dev/bench/gadm_generate.py (deterministic; GADM 4.1's counts scaled, default 1/10: 26 / 366 / 4,722 / 14,419 /
# 15,341 / 5,143 features; GADM's column names, GID_0 ... GID_5 string keys, nested polygons with detailed boundaries),
# made into one GeoPackage with layers ADM_0..ADM_5 (cached) and served over http on the node's bridge.
#   fanout_spec_order   the SpatialLoad with its layers in level order (no sizeHint): admitted in that order
#   fanout_longest      the same with sizeHints (each level's geometry size, features x vertices x 16 bytes): the largest
#                       layers start first
#   fanout_shared       the same with spec.sourceCache (a claim on a hostPath volume): the six layers read one copy of
#                       the file, downloaded by the first of them
#   fanout_250m         the same with spec.resources.requests.cpu 250m (the default is 500m): what a user whose layers
#                       are light sets, so that the window holds all six on this 2-CPU node (one wave of layers, not two)
#   peer                download the file once, ogr2ogr each layer (-lco SPATIAL_INDEX=NONE), then per link an index
#                       on the parent key, ALTER TABLE ADD COLUMN + UPDATE ... FROM for the FK, then GiST and key indexes
# Prints each makespan with the CPU it used (machine-wide, from /proc/stat, less the idle test bed's own rate measured
# first: control plane, kubelet, containerd, the JVMs, PostgreSQL), the bytes each downloaded (from the layers' status,
# checked against the data server's log of GETs), the turnaround of a trivial Job (the worker image's `version`: create to
# Complete, best of 3), three bounds from those figures:
#   machine     no schedule beats the peer by more than its CPU time spread over every core allows
#   Kubernetes  a fan-out of Jobs in two stages (layers, then links), each at least a trivial Job's turnaround, doing the
#               peer's work as efficiently as the peer, spread over every core
#   Fanout CPU  Fanout's best run cannot end before its own CPU time spread over every core
# and a last line
#   fanout/peer=<x> (peer makespan / Fanout's best makespan)
# Needs the operator installed by the chart (./dev/demo.sh does it; run here when it is not).
set -euo pipefail
LOG_TAG=gadm-bench
source "$(dirname "$0")/../lib/common.sh"
cd "$FANOUT_ROOT"
SCALE=${1:-0.1}
apt_install gdal-bin bc curl
eval "$(dev/cluster.sh env 2>/dev/null)" || true
if ! kubectl -n fanout-system get deployment fanout-operator >/dev/null 2>&1; then
  log "the operator is not installed: ./dev/demo.sh first (log in $FANOUT_STATE/gadm-demo.log)"
  ./dev/demo.sh > "$FANOUT_STATE/gadm-demo.log" 2>&1 || die "./dev/demo.sh failed: see $FANOUT_STATE/gadm-demo.log"
fi
eval "$(dev/cluster.sh env)"
eval "$(dev/postgis.sh env)"
dev/lib/serve-data.sh up >/dev/null
PG="PG:host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=$PGUSER password=$PGPASSWORD"

data="$FANOUT_CACHE/bench/gadm-$SCALE"
if [ ! -f "$data/gadm.gpkg" ]; then
  log "generating the GADM-shaped GeoPackage (scale $SCALE) in $data"
  rm -rf "$data"; mkdir -p "$data/src"
  python3 dev/bench/gadm_generate.py "$data/src" "$SCALE"
  for k in 0 1 2 3 4 5; do
    update=(); [ "$k" -gt 0 ] && update=(-update) # the first layer creates the file
    ogr2ogr -f GPKG "$data/gadm.part.gpkg" "$data/src/ADM_$k.geojsonl" -nln "ADM_$k" -nlt MULTIPOLYGON -a_srs EPSG:4326 "${update[@]}"
  done
  mv "$data/gadm.part.gpkg" "$data/gadm.gpkg"
  rm -rf "$data/src"
fi
mkdir -p "$FANOUT_STATE/data/bench"
ln -f "$data/gadm.gpkg" "$FANOUT_STATE/data/bench/gadm-$SCALE.gpkg" 2>/dev/null || cp "$data/gadm.gpkg" "$FANOUT_STATE/data/bench/gadm-$SCALE.gpkg"
url="http://$NODE_IP:${FANOUT_DATA_PORT:-18080}/bench/gadm-$SCALE.gpkg"
size=$(stat -c %s "$data/gadm.gpkg")
declare -a counts
VERTICES=(4000 1500 400 200 120 100) # per feature, as gadm_generate.py makes them
for k in 0 1 2 3 4 5; do counts[$k]=$(ogrinfo -ro -so "$data/gadm.gpkg" "ADM_$k" | sed -n 's/^Feature Count: //p'); done
echo "GADM-shaped GeoPackage, scale $SCALE: $((size / 1048576)) MiB, features per level: ${counts[*]}"

ns=bench-gadm
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$ns" create secret generic postgis --from-literal=url="jdbc:postgresql://$POSTGIS_SERVICE_IP:5432/$PGDATABASE" \
  --from-literal=user="$PGUSER" --from-literal=password="$PGPASSWORD" --dry-run=client -o yaml | kubectl apply -f - >/dev/null

# The source cache of fanout_shared: a claim on a static hostPath volume (the test bed has no provisioner).
cache="$FANOUT_STATE/bench-gadm-sources"
mkdir -p "$cache" && chmod 777 "$cache"
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: {name: bench-gadm-sources}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  hostPath: {path: $cache}
  claimRef: {namespace: $ns, name: sources}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: sources, namespace: $ns}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  volumeName: bench-gadm-sources
  resources: {requests: {storage: 10Gi}}
YAML

# GETs of the file the data server answered so far (its log has a line per request)
gets() { grep -c "\"GET /bench/gadm-$SCALE.gpkg HTTP/1.1\" 200" "$FANOUT_STATE/data.log" || true; }

# CPU-seconds this machine spent busy so far (user, nice, system, irq, softirq of every core; /proc/stat counts in 1/100 s).
# Machine-wide, so that it counts what a process's own counters miss: PostgreSQL backends that exited, kubelet, containerd.
machine_cpu() { awk '$1 == "cpu" {print ($2 + $3 + $4 + $7 + $8) / 100}' /proc/stat; }
# The idle test bed's own rate (CPU-seconds a second), subtracted from each run's CPU below.
c0=$(machine_cpu); sleep 5; BG=$(echo "($(machine_cpu) - $c0) / 5" | bc -l)
printf 'the idle test bed uses %.2f CPU-seconds a second (subtracted from the CPU figures below)\n' "$BG"
cpu_since() { echo "$(machine_cpu) - $1 - $BG * $2" | bc -l; } # cpu_since C0 SECONDS

# Where the CPU went, as "tasks operator control-plane node postgres" CPU-seconds so far: the task pods and the operator's
# pods from the kubelet's pod cgroups (they count pods that are gone), the control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kube-proxy), the node's kubelet and containerd, and PostgreSQL (the postmaster
# counts the backends that exited). The rest of the machine's figure: runc, shims, CNI, the data server, kubectl, the peer.
cg_seconds() { # a pod cgroup's CPU-seconds (cgroup v1 cpuacct or v2 cpu.stat), 0 when absent
  if [ -f "/sys/fs/cgroup/cpuacct/$1/cpuacct.usage" ]; then echo "$(cat "/sys/fs/cgroup/cpuacct/$1/cpuacct.usage") / 1000000000" | bc -l
  elif [ -f "/sys/fs/cgroup/$1/cpu.stat" ]; then awk '$1 == "usage_usec" {print $2 / 1000000}' "/sys/fs/cgroup/$1/cpu.stat"
  else echo 0; fi
}
cpu_parts() {
  local pods op=0 uid q
  pods=$(cg_seconds kubepods)
  for uid in $(kubectl -n fanout-system get pods -o jsonpath='{.items[*].metadata.uid}'); do
    for q in burstable besteffort ""; do op=$(echo "$op + $(cg_seconds "kubepods/${q:+$q/}pod$uid")" | bc -l); done
  done
  for p in /proc/[0-9]*/stat; do cat "$p" 2>/dev/null || true; done | awk -v pods="$pods" -v op="$op" '{
      comm = $2; gsub(/[()]/, "", comm); t = ($14 + $15 + $16 + $17) / 100
      if (comm ~ /^postgres/) pg += t
      else if (comm ~ /^(etcd|kube-apiserver|kube-controller|kube-scheduler|kube-proxy)/) cp += t
      else if (comm ~ /^(kubelet|containerd)$/) node += t
    } END {print pods - op, op, cp, node, pg}'
}
# cpu_parts_since "BEFORE": the difference, printed as a phrase
cpu_parts_since() {
  paste <(echo "$1" | tr ' ' '\n') <(cpu_parts | tr ' ' '\n') | awk '{d[NR] = $2 - $1}
    END {printf "task pods %.1f, operator %.1f, control plane %.1f, kubelet+containerd %.1f, PostgreSQL %.1f", d[1], d[2], d[3], d[4], d[5]}'
}

# fanout NAME SIZEHINTS(yes|no) CACHE(yes|no) [CPU]: the SpatialLoad (its tasks requesting CPU, else the default), from
# apply to Succeeded; sets T_<name>, CPU_<name>, B_<name> (bytes downloaded, from the layers' status) and G_<name> (GETs of
# the file the server answered)
fanout() {
  local name=$1 hints=$2 cached=$3 cpu=${4:-} schema="gadm_$1" layers="" k t0 t1 phase g0 options="" c0 p0
  [ "$cached" = yes ] && options="
  sourceCache: {claimName: sources}"
  [ -n "$cpu" ] && options+="
  resources: {requests: {cpu: $cpu}}"
  psql -qAt -c "set client_min_messages=warning" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null
  kubectl -n "$ns" delete sl gadm --ignore-not-found --wait >/dev/null
  for k in 0 1 2 3 4 5; do
    layers+="
    - name: adm$k
      source: {url: \"$url\", layer: ADM_$k}
      table: adm_$k
      keys: [gid_$k]"
    [ "$hints" = yes ] && layers+="
      sizeHint: \"$((counts[k] * VERTICES[k] * 16))\""
    [ "$k" -gt 0 ] && layers+="
      parent: {layer: adm$((k - 1)), column: gid_$((k - 1)), parentColumn: gid_$((k - 1))}"
  done
  settle
  g0=$(gets)
  p0=$(cpu_parts)
  c0=$(machine_cpu)
  t0=$(date +%s.%N)
  kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: fanout.dev/v1alpha1
kind: SpatialLoad
metadata: {name: gadm}
spec:
  database: {secretRef: {name: postgis}, schema: $schema}
  parallelism: {max: 6}$options
  layers:$layers
YAML
  phase=$(await_phase "$ns" sl/gadm 900)
  t1=$(date +%s.%N)
  [ "$phase" = Succeeded ] || die "the SpatialLoad ended ${phase:-nowhere}: $(kubectl -n "$ns" get sl gadm -o jsonpath='{.status.message}')"
  eval "T_$name=$(echo "$t1 - $t0" | bc -l)"
  eval "CPU_$name=$(cpu_since "$c0" "$(eval echo "\$T_$name")")"
  eval "PARTS_$name='$(cpu_parts_since "$p0")'" # the task pods ended before the status said so
  eval "B_$name=$(kubectl -n "$ns" get sl gadm -o jsonpath='{range .status.layers[*]}{.downloadedBytes}{"\n"}{end}' | paste -sd+ | bc)"
  eval "G_$name=$(($(gets) - g0))"
  printf '  %-18s %8.1f s  (CPU: %.1f s: %s; worker seconds per layer: %s; links linked/orphans: %s)\n' "$name" "$(eval echo "\$T_$name")" \
    "$(eval echo "\$CPU_$name")" "$(eval echo "\$PARTS_$name")" "$(kubectl -n "$ns" get sl gadm -o jsonpath='{range .status.layers[*]}{.name}:{.seconds}s {end}')" \
    "$(kubectl -n "$ns" get sl gadm -o jsonpath='{range .status.aggregate.links[*]}{.linked}/{.orphans} {end}')"
  kubectl -n "$ns" delete sl gadm --wait >/dev/null
}

# Until the last run's pods are gone (the garbage collector removes them after the SpatialLoad) and 3 s more: the CPU of
# that cleanup is not the next run's.
settle() {
  for _ in $(seq 1 120); do [ -z "$(kubectl -n "$ns" get pods --no-headers 2>/dev/null)" ] && break; sleep 0.5; done
  sleep 3
}
peer() {
  local schema=gadm_peer dir k t0 t1 c0 p0
  dir=$(mktemp -d)
  psql -qAt -c "set client_min_messages=warning" -c "DROP SCHEMA IF EXISTS $schema CASCADE" -c "CREATE SCHEMA $schema" >/dev/null
  settle
  p0=$(cpu_parts)
  c0=$(machine_cpu)
  t0=$(date +%s.%N)
  curl -sf -o "$dir/gadm.gpkg" "$url"
  for k in 0 1 2 3 4 5; do
    ogr2ogr -f PostgreSQL "$PG" "$dir/gadm.gpkg" "ADM_$k" -nln "$schema.adm_$k" -nlt PROMOTE_TO_MULTI -lco GEOMETRY_NAME=geom \
      -lco SPATIAL_INDEX=NONE -lco FID=fid -lco LAUNDER=YES
  done
  {
    for k in 1 2 3 4 5; do
      p=$((k - 1))
      echo "CREATE UNIQUE INDEX ON $schema.adm_$p (gid_$p);"
      echo "ALTER TABLE $schema.adm_$k ADD COLUMN adm_${p}_fid bigint;"
      echo "UPDATE $schema.adm_$k c SET adm_${p}_fid = p.fid FROM $schema.adm_$p p WHERE p.gid_$p = c.gid_$p;"
      echo "ALTER TABLE $schema.adm_$k ADD FOREIGN KEY (adm_${p}_fid) REFERENCES $schema.adm_$p (fid);"
    done
    echo "CREATE UNIQUE INDEX ON $schema.adm_5 (gid_5);"
    for k in 0 1 2 3 4 5; do echo "CREATE INDEX ON $schema.adm_$k USING gist (geom); ANALYZE $schema.adm_$k;"; done
  } | psql -q -v ON_ERROR_STOP=1 >/dev/null
  t1=$(date +%s.%N)
  T_peer=$(echo "$t1 - $t0" | bc -l)
  CPU_peer=$(cpu_since "$c0" "$T_peer")
  B_peer=$(stat -c %s "$dir/gadm.gpkg")
  printf '  %-18s %8.1f s  (CPU: %.1f s: %s; the rest curl, ogr2ogr, psql)\n' peer "$T_peer" "$CPU_peer" "$(cpu_parts_since "$p0")"
  rm -rf "$dir"
}

# The turnaround of a trivial Job on this node: the worker image's `version` (a JVM start) in a pod as the operator makes
# them (restricted), from create to the Job's Complete condition; best of 3, the floor of any task's Job here.
turnaround() {
  local i t0 t1 best=""
  for i in 1 2 3; do
    kubectl -n "$ns" delete job turnaround --ignore-not-found --wait >/dev/null
    t0=$(date +%s.%N)
    create_trivial_job "$ns" turnaround 500m "args: [version]"
    kubectl -n "$ns" wait --for=condition=complete job/turnaround --timeout=120s >/dev/null
    t1=$(date +%s.%N)
    t1=$(echo "$t1 - $t0" | bc -l)
    [ -z "$best" ] || (( $(echo "$t1 < $best" | bc -l) )) && best=$t1
  done
  kubectl -n "$ns" delete job turnaround --ignore-not-found --wait >/dev/null
  T_job=$best
  printf '  %-18s %8.1f s  (a trivial Job, create to Complete, best of 3)\n' "job turnaround" "$T_job"
}

echo "makespans (wall, from apply / script start to the linked tables):"
fanout fanout_spec_order no no
fanout fanout_longest yes no
fanout fanout_shared yes yes
fanout fanout_250m yes yes 250m
peer
turnaround
best=$(printf '%s\n' "$T_fanout_spec_order" "$T_fanout_longest" "$T_fanout_shared" "$T_fanout_250m" | sort -g | head -1)
for n in fanout_spec_order fanout_longest fanout_shared fanout_250m; do [ "$(eval echo "\$T_$n")" = "$best" ] && CPU_best=$(eval echo "\$CPU_$n") && best_name=$n; done
copies() { echo "scale=2; $1 / $size" | bc; }
echo "bytes downloaded: fanout_longest $B_fanout_longest ($(copies "$B_fanout_longest") copies, $G_fanout_longest GETs of the file)," \
  "fanout_shared $B_fanout_shared ($(copies "$B_fanout_shared") copies, $G_fanout_shared GETs), peer $B_peer (one)"
printf 'download once: %.1f s -> %.1f s (%.2fx)\n' "$T_fanout_longest" "$T_fanout_shared" "$(echo "$T_fanout_longest / $T_fanout_shared" | bc -l)"
printf 'longest first: %.1f s -> %.1f s (%.2fx)\n' "$T_fanout_spec_order" "$T_fanout_longest" "$(echo "$T_fanout_spec_order / $T_fanout_longest" | bc -l)"
printf 'six layers at once (250m each): %.1f s -> %.1f s (%.2fx)\n' "$T_fanout_shared" "$T_fanout_250m" "$(echo "$T_fanout_shared / $T_fanout_250m" | bc -l)"
cores=$(nproc)
printf 'bound, machine: the peer used %.1f CPU-seconds; spread over %d cores no schedule does the same work in under %.1f s: fanout/peer <= %.2f here\n' \
  "$CPU_peer" "$cores" "$(echo "$CPU_peer / $cores" | bc -l)" "$(echo "$T_peer / ($CPU_peer / $cores)" | bc -l)"
printf 'bound, Kubernetes: two stages of Jobs (layers, then links) of at least %.1f s each, plus that work spread over %d cores: %.1f s: fanout/peer <= %.2f here\n' \
  "$T_job" "$cores" "$(echo "2 * $T_job + $CPU_peer / $cores" | bc -l)" "$(echo "$T_peer / (2 * $T_job + $CPU_peer / $cores)" | bc -l)"
printf 'bound, Fanout CPU: %s used %.1f CPU-seconds (%.1fx the peer'"'"'s): spread over %d cores it ends no sooner than %.1f s; it took %.1f s (%.0f %% of its time is that floor)\n' \
  "$best_name" "$CPU_best" "$(echo "$CPU_best / $CPU_peer" | bc -l)" "$cores" "$(echo "$CPU_best / $cores" | bc -l)" "$best" \
  "$(echo "100 * $CPU_best / $cores / $best" | bc -l)"
psql -qAt -c "set client_min_messages=warning" -c "DROP SCHEMA IF EXISTS gadm_peer CASCADE" -c "DROP SCHEMA IF EXISTS gadm_fanout_spec_order CASCADE" -c "DROP SCHEMA IF EXISTS gadm_fanout_longest CASCADE" -c "DROP SCHEMA IF EXISTS gadm_fanout_250m CASCADE" >/dev/null
printf 'fanout/peer=%.2f\n' "$(echo "$T_peer / $best" | bc -l)"
