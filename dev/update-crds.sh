#!/usr/bin/env bash
# Regenerates crds/ from the CR classes of the operator (the same generator the staleness test uses).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$FANOUT_ROOT"
JAVA_HOME=$(newest_jdk) ./mvnw -B -q test -pl api,worker-image,operator -Dtest=CrdsAreUpToDateTest -Dfanout.updateCrds=true -Dsurefire.failIfNoSpecifiedTests=false
ls crds/
