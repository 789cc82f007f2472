# Sourced by the EnergySimulationBatch benchmarks (dev/bench/energy-*.sh), after common.sh: the test bed up with the
# operator as a local process, and what each timed batch needs.

# PostGIS, the engine, the jars and images, the cluster, the data server and the operator (a local process, as the tests
# run it: the demo's Helm-installed one would compete with it). FANOUT_OPERATOR_OPTS is passed on to it.
energy_bench_up() {
  apt_install curl openssl
  dev/postgis.sh up >/dev/null
  eval "$(dev/lib/energyplus.sh)"
  [ -f worker-image/target/fanout-worker.jar ] && [ -f operator/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -DskipTests package
  dev/cluster.sh up >/dev/null
  dev/images.sh >/dev/null
  eval "$(dev/cluster.sh env)"
  eval "$(dev/postgis.sh env)"
  dev/lib/serve-data.sh up >/dev/null
  if helm -n fanout-system status fanout >/dev/null 2>&1; then helm -n fanout-system uninstall fanout --wait >/dev/null; fi
  dev/operator.sh up >/dev/null
}

# A fresh namespace $1 under the restricted Pod Security Standard, with the results database's Secret `postgis`, and
# the results schema $2 dropped.
energy_bench_namespace() {
  kubectl delete namespace "$1" --ignore-not-found --wait >/dev/null
  kubectl create namespace "$1" >/dev/null
  kubectl label namespace "$1" pod-security.kubernetes.io/enforce=restricted >/dev/null
  kubectl -n "$1" create secret generic postgis --from-literal=url="$FANOUT_POD_DB_URL" --from-literal=user="$FANOUT_DB_USER" \
    --from-literal=password="$FANOUT_DB_PASSWORD" >/dev/null
  psql -qAt -c "set client_min_messages=warning" -c "DROP SCHEMA IF EXISTS $2 CASCADE" >/dev/null
}

# Creates the batch in file $2 in namespace $1 and waits for it to end (at most 10 minutes); prints its makespan in
# seconds, from `kubectl create` to phase Succeeded; dies if it failed.
energy_bench_run() {
  local t0 t1 phase
  t0=$(date +%s.%N)
  kubectl create -f "$2" >/dev/null
  phase=$(await_phase "$1" esb/bench 600)
  t1=$(date +%s.%N)
  [ "$phase" = Succeeded ] || die "the batch ended ${phase:-nowhere}: $(kubectl -n "$1" get esb bench -o jsonpath='{.status.message}')"
  echo "$t1 - $t0" | bc
}
