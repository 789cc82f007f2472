#!/usr/bin/env bash
# Benchmark: fanout-worker spatial load against ogr2ogr and a raw binary COPY, in one run against the test bed's PostGIS.
#   dev/bench/spatial-load.sh [FEATURES=100000] [VERTICES=65] [RUNS=3]
# Generates (once, cached) a deterministic layer of FEATURES MultiPolygons x ~VERTICES vertices with 10 attributes as a
# shapefile and a GeoPackage, then times, best of RUNS:
#   ogr2ogr_default   ogr2ogr with defaults (GiST index created before the COPY)
#   ogr2ogr_noindex   ogr2ogr -lco SPATIAL_INDEX=NONE, then CREATE INDEX
#   copy_ceiling      psql \copy of the same rows pre-encoded in binary COPY format (no parsing, no index)
#   worker_shp        fanout-worker spatial load of the shapefile (whole process: JVM start, index, ANALYZE included;
#                     with the build's JVM AOT cache, as the image runs it)
#   worker_gpkg       the same from the GeoPackage
# and prints features/s per contender, the worker's peak RSS, the bound any indexing and analysing loader has here
# (the ceiling's COPY spread over every core, plus GiST and ANALYZE timed on its table), and a last line
#   worker/ogr2ogr_default=<x> worker/ceiling=<y>    (ratios of features/s, worker = worker_shp)
set -euo pipefail
LOG_TAG=bench
source "$(dirname "$0")/../lib/common.sh"
cd "$FANOUT_ROOT"
N=${1:-100000} V=${2:-65} RUNS=${3:-3}
JAVA_HOME=$(newest_jdk); export JAVA_HOME
apt_install gdal-bin time bc
dev/postgis.sh up >/dev/null
eval "$(dev/postgis.sh env)"
[ -f worker-image/target/fanout-worker.jar ] || ./mvnw -B -q -DskipTests package -pl worker-image
PG="PG:host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=$PGUSER password=$PGPASSWORD"

data="$FANOUT_CACHE/bench/spatial-$N-$V"
if [ ! -f "$data/layer.gpkg" ]; then
  log "generating $N features x ~$V vertices in $data"
  rm -rf "$data"; mkdir -p "$data"
  "$JAVA_HOME/bin/java" -cp worker-image/target/fanout-worker.jar dev.fanout.worker.spatial.SampleLayer "$data/layer.shp" "$N" "$V"
  ogr2ogr -f GPKG "$data/layer.gpkg" "$data/layer.shp" -nln layer -nlt PROMOTE_TO_MULTI
fi

now() { date +%s.%N; }
best=()
# time_best NAME CMD...: runs CMD RUNS times (after a reset given by $RESET), keeps the best wall time in seconds
time_best() {
  local name=$1; shift; local b=999999 t0 t1 d
  for _ in $(seq 1 "$RUNS"); do
    psql -qAt -c "set client_min_messages=warning" -c "DROP TABLE IF EXISTS bench_$name, ${name}_stage CASCADE" >/dev/null
    [ -n "${PREPARE:-}" ] && eval "$PREPARE"
    t0=$(now); "$@" >/dev/null; t1=$(now)
    d=$(echo "$t1 - $t0" | bc -l); (( $(echo "$d < $b" | bc -l) )) && b=$d
  done
  eval "T_$name=$b"
  printf '%-16s %8.3f s %10.0f features/s\n' "$name" "$b" "$(echo "$N / $b" | bc -l)"
}

ogr_noindex() {
  ogr2ogr -f PostgreSQL "$PG" "$data/layer.shp" -nln bench_ogr2ogr_noindex -nlt PROMOTE_TO_MULTI -lco GEOMETRY_NAME=geom \
    -lco SPATIAL_INDEX=NONE -overwrite && psql -qc "CREATE INDEX ON bench_ogr2ogr_noindex USING gist (geom)"
}
# The worker as the image runs it: with the build's JVM AOT cache when there is one (JDK 25+).
aot=()
[ -f worker-image/target/fanout-worker.aot ] && aot=("-XX:AOTCache=$FANOUT_ROOT/worker-image/target/fanout-worker.aot")
worker() { # table source
  "$JAVA_HOME/bin/java" "${aot[@]}" -Xmx512m -jar "$FANOUT_ROOT/worker-image/target/fanout-worker.jar" spatial load \
    --source "$2" --table "$1" --result /dev/null
}

echo "layer: $N MultiPolygons x ~$V vertices, 10 attributes ($(du -sh "$data/layer.shp" | cut -f1) .shp); best of $RUNS runs"
time_best ogr2ogr_default ogr2ogr -f PostgreSQL "$PG" "$data/layer.shp" -nln bench_ogr2ogr_default -nlt PROMOTE_TO_MULTI \
  -lco GEOMETRY_NAME=geom -overwrite
time_best ogr2ogr_noindex ogr_noindex

# The ceiling: the worker's own rows, dumped once in binary COPY format, copied back with nothing else to do.
worker bench_ceiling_source "$data/layer.shp" >/dev/null
psql -qc "\\copy (SELECT * FROM bench_ceiling_source) TO '$data/rows.bin' WITH (FORMAT binary)"
PREPARE="psql -qc 'CREATE TABLE bench_copy_ceiling (LIKE bench_ceiling_source)'" \
  time_best copy_ceiling psql -qc "\\copy bench_copy_ceiling FROM '$data/rows.bin' WITH (FORMAT binary)"

time_best worker_shp worker bench_worker_shp "$data/layer.shp"
time_best worker_gpkg worker bench_worker_gpkg "$data/layer.gpkg"
# What no loader can beat here: PostgreSQL's COPY of these rows (the ceiling, one backend; spread over every core at
# best), then the GiST index and ANALYZE, each one backend and not at the same time (CREATE INDEX's SHARE lock and
# ANALYZE's SHARE UPDATE EXCLUSIVE lock conflict), timed on the ceiling's table.
# (server-side times from psql's \timing, so no client start-up is counted in the bound)
ms=$(psql -qAt -c '\timing on' -c "CREATE INDEX ON bench_copy_ceiling USING gist (geom)" -c "ANALYZE bench_copy_ceiling" \
  | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tr '\n' ' ')
read -r ms_gist ms_analyze <<<"$ms"
T_gist=$(echo "$ms_gist / 1000" | bc -l) T_analyze=$(echo "$ms_analyze / 1000" | bc -l)
floor=$(echo "$T_copy_ceiling / $(nproc) + $T_gist + $T_analyze" | bc -l)
printf 'bound: COPY/%d cores + GiST %.3f s + ANALYZE %.3f s = %.3f s for any loader that indexes and analyses:\n' \
  "$(nproc)" "$T_gist" "$T_analyze" "$floor"
printf '       worker/ogr2ogr_default <= %.2f, worker/ceiling <= %.2f here (reading the source not even counted)\n' \
  "$(echo "$T_ogr2ogr_default / $floor" | bc -l)" "$(echo "$T_copy_ceiling / $floor" | bc -l)"
rss=$( { /usr/bin/time -f '%M' "$JAVA_HOME/bin/java" "${aot[@]}" -Xmx512m -jar "$FANOUT_ROOT/worker-image/target/fanout-worker.jar" \
  spatial load --source "$data/layer.shp" --table bench_worker_rss --result /dev/null >/dev/null; } 2>&1 | tail -1)
echo "worker peak RSS: $((rss / 1024)) MiB (heap capped at 512 MiB)"
psql -qAt -c "set client_min_messages=warning" -c "DROP TABLE IF EXISTS bench_ceiling_source, bench_copy_ceiling, bench_worker_rss, bench_worker_shp, bench_worker_gpkg, bench_ogr2ogr_default, bench_ogr2ogr_noindex" >/dev/null
printf 'worker/ogr2ogr_default=%.2f worker/ceiling=%.2f\n' "$(echo "$T_ogr2ogr_default / $T_worker_shp" | bc -l)" \
  "$(echo "$T_copy_ceiling / $T_worker_shp" | bc -l)"
