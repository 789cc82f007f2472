#!/usr/bin/env bash
# Per-task overhead on the real node: a SpatialLoad of N copies of the Natural Earth countries (242 features, each its own
# table), one task at a time (parallelism 1), run by the operator installed with Helm (./dev/demo.sh installs it). A watch
# on the task pods timestamps, as they are seen (milliseconds), each pod's creation, its worker container running and
# its end; prints per task and the medians:
#   created->running   pod created to the worker's container started (scheduling, sandbox, CNI, container start)
#   ended->next        the pod's end seen to the next task's pod created (the operator's reaction: the slot reused)
# and the worker's own time from its result (seconds.total). Usage: dev/bench/task-overhead.sh [N]   (default 6)
set -euo pipefail
LOG_TAG=overhead
source "$(dirname "$0")/../lib/common.sh"
cd "$FANOUT_ROOT"
N=${1:-6}
eval "$(dev/cluster.sh env)"
kubectl -n fanout-system get deployment fanout-operator >/dev/null 2>&1 || die "the operator is not installed: run ./dev/demo.sh first"
dev/lib/serve-data.sh up >/dev/null
ns=overhead
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl label namespace "$ns" pod-security.kubernetes.io/enforce=restricted --overwrite >/dev/null
kubectl -n "$ns" delete spatialload overhead --ignore-not-found --wait >/dev/null
sed -n '/^kind: Secret/,/^---/p' examples/spatial-load.yaml | sed '$d' | sed '1i apiVersion: v1' | kubectl -n "$ns" apply -f - >/dev/null
layers=""
for i in $(seq 1 "$N"); do
  layers+="    - {name: c$i, table: overhead_c$i, source: {url: \"http://$NODE_IP:${FANOUT_DATA_PORT:-18080}/naturalearth/ne_50m_admin_0_countries/ne_50m_admin_0_countries.zip\"}}"$'\n'
done
out=$(mktemp -d)
kubectl -n "$ns" get pods -l fanout.dev/owner=overhead --watch --output-watch-events -o json 2>/dev/null \
  | python3 -u -c '
import sys, json, time
buf = ""
depth = 0
for line in sys.stdin:
    buf += line
    depth += line.count("{") - line.count("}")
    if depth == 0 and buf.strip():
        ev = json.loads(buf); buf = ""
        print(json.dumps({"t": time.time(), "ev": ev}), flush=True)
' > "$out/watch.jsonl" &
watcher=$!
sleep 1
kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: fanout.dev/v1alpha1
kind: SpatialLoad
metadata: {name: overhead}
spec:
  database: {secretRef: {name: postgis}, schema: public}
  parallelism: {max: 1}
  layers:
$layers
YAML
kubectl -n "$ns" wait --for=jsonpath='{.status.phase}'=Succeeded spatialload/overhead --timeout=600s >/dev/null
sleep 1
kill "$watcher" 2>/dev/null || true
kubectl -n "$ns" get spatialload overhead -o json > "$out/sl.json"
python3 - "$out/watch.jsonl" "$out/sl.json" <<'PY'
import json, sys, statistics
created, running, ended, order = {}, {}, {}, []
for line in open(sys.argv[1]):
    r = json.loads(line); t = r["t"]; pod = r["ev"]["object"]; name = pod["metadata"]["name"]
    if pod["metadata"].get("labels", {}).get("fanout.dev/kind") != "spatialload":
        continue
    if name not in created:
        created[name] = t; order.append(name)
    for c in (pod.get("status", {}).get("containerStatuses") or []):
        st = c.get("state", {})
        if ("running" in st or "terminated" in st) and name not in running:
            running[name] = t
    if pod.get("status", {}).get("phase") in ("Succeeded", "Failed") and name not in ended:
        ended[name] = t
sl = json.load(open(sys.argv[2]))
worker = {l["job"]: l.get("seconds") for l in sl["status"]["layers"]}
up, gap = [], []
print("%-36s %16s %14s %12s" % ("task pod", "created->running", "ended->next", "worker total"))
for i, name in enumerate(order):
    a = running.get(name, float("nan")) - created[name]
    b = created[order[i + 1]] - ended[name] if i + 1 < len(order) and name in ended else float("nan")
    job = name.rsplit("-", 1)[0]
    w = worker.get(job)
    w = w.get("total") if isinstance(w, dict) else w
    up.append(a)
    if b == b:
        gap.append(b)
    print("%-36s %15.3fs %13.3fs %11ss" % (name, a, b, w))
print("median created->running %.3f s, median ended->next pod %.3f s over %d tasks (real node, Helm-installed operator)"
      % (statistics.median(up), statistics.median(gap) if gap else float("nan"), len(order)))
PY
kubectl -n "$ns" delete spatialload overhead --wait=false >/dev/null
rm -rf "$out"
