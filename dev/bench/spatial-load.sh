#!/usr/bin/env bash
# Benchmark: fanout-worker spatial load against ogr2ogr and a raw binary COPY, in one run against the test bed's PostGIS.
#   dev/bench/spatial-load.sh [RUNS=3] [LIGHT=100000x65] [HEAVY=20000x1000]
# Two cases, each a deterministic layer (generated once, cached) of FEATURES MultiPolygons x ~VERTICES vertices with 10
# attributes as a shapefile (and, for the light case, a GeoPackage); the heavy case has large geometries, where the
# server's work (geometry input, TOAST compression) dominates. Times, best of RUNS:
#   ogr2ogr_default   ogr2ogr with defaults (GiST index created before the COPY)
#   ogr2ogr_noindex   ogr2ogr -lco SPATIAL_INDEX=NONE, then CREATE INDEX
#   copy_ceiling      psql \copy of the same rows pre-encoded in binary COPY format (one stream, no parsing, no index)
#   worker_shp        fanout-worker spatial load of the shapefile as the operator runs it (one COPY stream, lz4 geometry
#                     compression; JVM start, index, ANALYZE included; with the build's JVM AOT cache; as a short JVM, C1
#                     only and the serial GC from TaskJobs.SHORT_JVM, when the layer is under SpatialLoadPlan.SHORT_LOAD_BYTES)
#   worker_before     the same with --geometry-compression pglz (the server's default: the loader before this lever)
#   worker_2streams   the same with --copy-streams 2 (the other lever: the server's work on two backends)
#   worker_gpkg       worker_shp from the GeoPackage (light case)
#   worker_c2         worker_shp with the image's default JVM options (C2: what larger layers get)
# and prints per case the features/s, the bound any indexing and analysing loader has here (the ceiling's COPY spread
# over every core, plus GiST and ANALYZE timed on its table) and a line
#   <case>: worker/ogr2ogr_noindex=<x> worker/ogr2ogr_best=<y> worker/worker_before=<z>
# then the worker's peak RSS on the heavy case.
set -euo pipefail
LOG_TAG=bench
source "$(dirname "$0")/../lib/common.sh"
cd "$FANOUT_ROOT"
RUNS=${1:-3} LIGHT=${2:-100000x65} HEAVY=${3:-20000x1000}
JAVA_HOME=$(newest_jdk); export JAVA_HOME
apt_install gdal-bin time bc
dev/postgis.sh up >/dev/null
eval "$(dev/postgis.sh env)"
[ -f worker-image/target/fanout-worker.jar ] || ./mvnw -B -q -DskipTests package -pl worker-image
PG="PG:host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=$PGUSER password=$PGPASSWORD"

now() { date +%s.%N; }
# time_best NAME CMD...: runs CMD RUNS times (after a reset given by $PREPARE), keeps the best wall time in seconds
time_best() {
  local name=$1; shift; local b=999999 t0 t1 d
  for _ in $(seq 1 "$RUNS"); do
    psql -qAt -c "set client_min_messages=warning" -c "DROP TABLE IF EXISTS bench_$name, ${name}_stage CASCADE" >/dev/null
    [ -n "${PREPARE:-}" ] && eval "$PREPARE"
    t0=$(now); "$@" >/dev/null; t1=$(now)
    d=$(echo "$t1 - $t0" | bc -l); (( $(echo "$d < $b" | bc -l) )) && b=$d
    # Dropped at once (but the ceiling's, timed below), and a second to settle: autovacuum's analyze of a fresh
    # 100k-row table must not land in the next run.
    [ "$name" = copy_ceiling ] || psql -qAt -c "set client_min_messages=warning" -c "DROP TABLE IF EXISTS bench_$name, ${name}_stage CASCADE" >/dev/null
    sleep 1
  done
  eval "T_$name=$b"
  printf '  %-16s %8.3f s %10.0f features/s\n' "$name" "$b" "$(echo "$N / $b" | bc -l)"
}
ogr_noindex() {
  ogr2ogr -f PostgreSQL "$PG" "$data/layer.shp" -nln bench_ogr2ogr_noindex -nlt PROMOTE_TO_MULTI -lco GEOMETRY_NAME=geom \
    -lco SPATIAL_INDEX=NONE -overwrite && psql -qc "CREATE INDEX ON bench_ogr2ogr_noindex USING gist (geom)"
}
# The worker as the image runs it: with the build's JVM AOT cache when there is one (JDK 25+).
aot=()
[ -f worker-image/target/fanout-worker.aot ] && aot=("-XX:AOTCache=$FANOUT_ROOT/worker-image/target/fanout-worker.aot")
# The operator's options for short JVMs (one definition, in TaskJobs), e.g. -XX:TieredStopAtLevel=1 -XX:+UseSerialGC.
SHORT_JVM=$(sed -n 's/.*new EnvVar("JDK_JAVA_OPTIONS", "\([^"]*\)".*/\1/p' operator/src/main/java/dev/fanout/operator/tasks/TaskJobs.java)
[ -n "$SHORT_JVM" ] || die "TaskJobs.SHORT_JVM not found"
# The layer size under which the operator gives a layer those options (one definition, in SpatialLoadPlan), e.g. 2L << 30.
SHORT_LOAD_BYTES=$(sed -n 's/.*static final long SHORT_LOAD_BYTES = \([0-9]*\)L << \([0-9]*\);.*/\1 << \2/p' operator/src/main/java/dev/fanout/operator/controllers/SpatialLoadPlan.java)
[ -n "$SHORT_LOAD_BYTES" ] || die "SpatialLoadPlan.SHORT_LOAD_BYTES not found"
SHORT_LOAD_BYTES=$((SHORT_LOAD_BYTES))
worker() { # table source [options]
  local table=$1 source=$2; shift 2
  # shellcheck disable=SC2086 # the options are several words; JVM_OPTS set (even empty) overrides the operator's
  "$JAVA_HOME/bin/java" "${aot[@]}" ${JVM_OPTS-$OPERATOR_JVM} -Xmx512m -jar "$FANOUT_ROOT/worker-image/target/fanout-worker.jar" spatial load \
    --source "$source" --table "$table" --result "${RESULT:-/dev/null}" "$@"
}
best() { (( $(echo "$1 < $2" | bc -l) )) && echo "$1" || echo "$2"; }

bench_case() { # NAME FEATURES VERTICES
  local name=$1; N=$2; local V=$3
  data="$FANOUT_CACHE/bench/spatial-$N-$V"
  if [ ! -f "$data/layer.gpkg" ]; then
    log "generating $N features x ~$V vertices in $data"
    rm -rf "$data"; mkdir -p "$data"
    "$JAVA_HOME/bin/java" -cp worker-image/target/fanout-worker.jar dev.fanout.worker.spatial.SampleLayer "$data/layer.shp" "$N" "$V"
    ogr2ogr -f GPKG "$data/layer.gpkg" "$data/layer.shp" -nln layer -nlt PROMOTE_TO_MULTI
  fi
  # What the operator would run this layer as: its size is the source's (no sizeHint), the shapefile with its siblings.
  local bytes; bytes=$(cat "$data"/layer.{shp,dbf,shx,prj,cpg} | wc -c)
  OPERATOR_JVM=""; [ "$bytes" -lt "$SHORT_LOAD_BYTES" ] && OPERATOR_JVM=$SHORT_JVM
  echo "$name: $N MultiPolygons x ~$V vertices, 10 attributes ($(du -sh "$data/layer.shp" | cut -f1) .shp); best of $RUNS runs;" \
    "the operator runs this layer's worker with '${OPERATOR_JVM:-the image defaults}'"
  PREPARE="" time_best ogr2ogr_default ogr2ogr -f PostgreSQL "$PG" "$data/layer.shp" -nln bench_ogr2ogr_default -nlt PROMOTE_TO_MULTI \
    -lco GEOMETRY_NAME=geom -overwrite
  PREPARE="" time_best ogr2ogr_noindex ogr_noindex
  # The ceiling: the worker's own rows, dumped once in binary COPY format, copied back with nothing else to do.
  worker bench_ceiling_source "$data/layer.shp" >/dev/null
  psql -qc "\\copy (SELECT * FROM bench_ceiling_source) TO '$data/rows.bin' WITH (FORMAT binary)"
  PREPARE="psql -qc 'CREATE TABLE bench_copy_ceiling (LIKE bench_ceiling_source INCLUDING COMPRESSION)'" \
    time_best copy_ceiling psql -qc "\\copy bench_copy_ceiling FROM '$data/rows.bin' WITH (FORMAT binary)"
  PREPARE="" time_best worker_shp worker bench_worker_shp "$data/layer.shp"
  PREPARE="" time_best worker_before worker bench_worker_before "$data/layer.shp" --geometry-compression pglz
  PREPARE="" time_best worker_2streams worker bench_worker_2streams "$data/layer.shp" --copy-streams 2
  # Where the worker's time goes (its result's seconds): what it does that ogr2ogr does not (ANALYZE) shows here.
  RESULT="$data/result.json" worker bench_worker_breakdown "$data/layer.shp" >/dev/null
  printf '  worker breakdown: %s\n' "$(python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['seconds']; print(', '.join(f'{k} {v:.2f} s' for k, v in s.items()))" "$data/result.json")"
  T_analyze=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['seconds']['analyze'])" "$data/result.json")
  psql -qAt -c "set client_min_messages=warning" -c "DROP TABLE IF EXISTS bench_worker_breakdown" >/dev/null
  if [ "$name" = light ]; then
    PREPARE="" time_best worker_gpkg worker bench_worker_gpkg "$data/layer.gpkg"
  fi
  JVM_OPTS="" PREPARE="" time_best worker_c2 worker bench_worker_c2 "$data/layer.shp"
  # What no loader can beat here: PostgreSQL's COPY of these rows (the ceiling, one backend; spread over every core at
  # best), then the GiST index and ANALYZE, one after the other (their locks conflict), timed on the ceiling's table.
  local ms ms_gist ms_analyze floor
  ms=$(psql -qAt -c '\timing on' -c "CREATE INDEX ON bench_copy_ceiling USING gist (geom)" -c "ANALYZE bench_copy_ceiling" \
    | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tr '\n' ' ')
  read -r ms_gist ms_analyze <<<"$ms"
  floor=$(echo "$T_copy_ceiling / $(nproc) + $ms_gist / 1000 + $ms_analyze / 1000" | bc -l)
  printf '  bound: COPY/%d cores + GiST %.3f s + ANALYZE %.3f s = %.3f s for any loader that indexes and analyses\n' \
    "$(nproc)" "$(echo "$ms_gist / 1000" | bc -l)" "$(echo "$ms_analyze / 1000" | bc -l)" "$floor"
  psql -qAt -c "set client_min_messages=warning" -c "DROP TABLE IF EXISTS bench_ceiling_source, bench_copy_ceiling, bench_worker_shp, bench_worker_before, bench_worker_2streams, bench_worker_gpkg, bench_worker_c2, bench_ogr2ogr_default, bench_ogr2ogr_noindex" >/dev/null
  printf '%s: worker/ogr2ogr_noindex=%.2f worker/ogr2ogr_best=%.2f worker/worker_before=%.2f worker/bound=%.2f\n' "$name" \
    "$(echo "$T_ogr2ogr_noindex / $T_worker_shp" | bc -l)" "$(echo "$(best "$T_ogr2ogr_default" "$T_ogr2ogr_noindex") / $T_worker_shp" | bc -l)" \
    "$(echo "$T_worker_before / $T_worker_shp" | bc -l)" "$(echo "$floor / $T_worker_shp" | bc -l)"
  printf '%s: worker_c2/ogr2ogr_best=%.2f worker_c2/worker=%.2f (the image'"'"'s default JVM, C2)\n' "$name" \
    "$(echo "$(best "$T_ogr2ogr_default" "$T_ogr2ogr_noindex") / $T_worker_c2" | bc -l)" "$(echo "$T_worker_shp / $T_worker_c2" | bc -l)"
  # What the worker does that ogr2ogr leaves out: the ANALYZE (timed in the breakdown above), on the critical path.
  printf '%s: without its ANALYZE (%.2f s) the worker takes %.3f s: (worker-analyze)/ogr2ogr_best=%.2f\n' "$name" "$T_analyze" \
    "$(echo "$T_worker_shp - $T_analyze" | bc -l)" "$(echo "$(best "$T_ogr2ogr_default" "$T_ogr2ogr_noindex") / ($T_worker_shp - $T_analyze)" | bc -l)"
}

bench_case light "${LIGHT%x*}" "${LIGHT#*x}"
bench_case heavy "${HEAVY%x*}" "${HEAVY#*x}"
# shellcheck disable=SC2086 # several options
rss=$( { /usr/bin/time -f '%M' "$JAVA_HOME/bin/java" "${aot[@]}" $OPERATOR_JVM -Xmx512m -jar "$FANOUT_ROOT/worker-image/target/fanout-worker.jar" \
  spatial load --source "$data/layer.shp" --table bench_worker_rss --result /dev/null >/dev/null; } 2>&1 | tail -1)
echo "worker peak RSS (heavy case): $((rss / 1024)) MiB (heap capped at 512 MiB)"
psql -qAt -c "set client_min_messages=warning" -c "DROP TABLE IF EXISTS bench_worker_rss" >/dev/null
