#!/usr/bin/env bash
# Runs the Fanout operator as a local process against the test bed (dev/cluster.sh up first).
#   dev/operator.sh up     build when needed, apply crds/, start the operator, wait until it is ready
#   dev/operator.sh down   stop it
# Log: $FANOUT_STATE/operator/operator.log. Health: http://127.0.0.1:$FANOUT_OPERATOR_PORT/q/health (default 18081).
set -euo pipefail
LOG_TAG=operator
source "$(dirname "$0")/lib/common.sh"
cd "$FANOUT_ROOT"
DIR="$FANOUT_STATE/operator"
PORT=${FANOUT_OPERATOR_PORT:-18081}
mkdir -p "$DIR"

running() { [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; }

up() {
  eval "$(dev/cluster.sh env)"
  JAVA_HOME=$(newest_jdk); export JAVA_HOME
  if [ ! -f operator/target/quarkus-app/quarkus-run.jar ]; then
    log "building the operator"
    ./mvnw -B -q -DskipTests package -pl operator -am >/dev/null
  fi
  kubectl apply --server-side --force-conflicts -f crds/ >/dev/null
  kubectl wait --for condition=established --timeout=60s -f crds/ >/dev/null
  if running && [ operator/target/quarkus-app/quarkus-run.jar -nt "$DIR/pid" ]; then
    log "the operator was rebuilt: restarting it"; down
  fi
  if running; then log "already running (pid $(cat "$DIR/pid"))"; return 0; fi
  port_free "$PORT" || die "port $PORT is taken; set FANOUT_OPERATOR_PORT"
  # FANOUT_OPERATOR_OPTS: more JVM options (-D settings), e.g. -Dfanout.batch.max-runs=100000 for the scale benchmark.
  # shellcheck disable=SC2086
  setsid "$JAVA_HOME/bin/java" -Xmx512m ${FANOUT_OPERATOR_OPTS:-} -Dquarkus.http.port="$PORT" -Dquarkus.http.host=127.0.0.1 \
    -jar operator/target/quarkus-app/quarkus-run.jar >>"$DIR/operator.log" 2>&1 < /dev/null &
  echo $! > "$DIR/pid"
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null 2>&1 && { log "operator ready (pid $(cat "$DIR/pid"), log $DIR/operator.log)"; return 0; }
    running || die "the operator exited; see $DIR/operator.log"
    sleep 0.5
  done
  die "the operator did not get ready in 60 s; see $DIR/operator.log"
}

down() {
  if running; then
    local pid; pid=$(cat "$DIR/pid")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "stopped"
  fi
  rm -f "$DIR/pid"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
