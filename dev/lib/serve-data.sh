#!/usr/bin/env bash
# Serves a copy of ../shared/data over http on the node's bridge address NODE_IP, where pods reach it (the test bed's
# stand-in for where users keep their files).
#   dev/lib/serve-data.sh up|down      http://$NODE_IP:$FANOUT_DATA_PORT (default 18080), files in $FANOUT_STATE/data
set -euo pipefail
LOG_TAG=data
source "$(dirname "$0")/common.sh"
PORT=${FANOUT_DATA_PORT:-18080}
DIR="$FANOUT_STATE/data"
PIDFILE="$FANOUT_STATE/data.pid"
SHARED="$FANOUT_ROOT/../shared/data"
case "${1:-}" in
  up)
    [ -d "$SHARED/naturalearth" ] || die "shared data not found at $SHARED (the clone needs ../shared beside it)"
    mkdir -p "$DIR"
    cp -r "$SHARED/naturalearth" "$SHARED/energyplus" "$DIR/" # a copy: the shared files are never served or changed in place
    if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then exit 0; fi
    port_free "$PORT" || die "port $PORT is taken; set FANOUT_DATA_PORT"
    bridge_up
    setsid python3 -m http.server "$PORT" --bind "$NODE_IP" --directory "$DIR" >"$FANOUT_STATE/data.log" 2>&1 < /dev/null &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 50); do curl -sf "http://$NODE_IP:$PORT/" >/dev/null && break; sleep 0.1; done
    log "serving $DIR on http://$NODE_IP:$PORT"
    ;;
  down)
    if [ -f "$PIDFILE" ]; then kill "$(cat "$PIDFILE")" 2>/dev/null || true; rm -f "$PIDFILE"; fi
    ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
