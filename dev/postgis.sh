#!/usr/bin/env bash
# PostGIS for the Fanout test bed: Debian's postgresql-15-postgis-3, its own cluster in a state directory, on loopback and
# on the test bed's bridge address (NODE_IP, see dev/lib/common.sh), where pods reach it through the Service
# fanout-testbed/postgis that dev/cluster.sh makes (no host networking: the restricted Pod Security Standard forbids it).
#   dev/postgis.sh up     install when missing, init, start, create database `fanout` with the postgis extension
#   dev/postgis.sh down   stop the server
#   dev/postgis.sh env    prints FANOUT_DB_URL (JDBC), FANOUT_DB_USER, FANOUT_DB_PASSWORD and PG* for psql
# Idempotent. Port: FANOUT_PG_PORT (default 15432). Data and log: FANOUT_PG_DIR (default /var/lib/fanout/postgis as root,
# $FANOUT_STATE/postgis otherwise).
# The password is a fixed test-bed value: the server listens on 127.0.0.1 and the bridge only, and accepts the pods' range.
set -euo pipefail
LOG_TAG=postgis
source "$(dirname "$0")/lib/common.sh"

PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
PG_PORT=${FANOUT_PG_PORT:-15432}
# As root the server runs as `postgres`, which cannot enter root's home: keep its state under /var/lib then.
if [ "$(id -u)" -eq 0 ]; then DIR=${FANOUT_PG_DIR:-/var/lib/fanout/postgis}; else DIR=${FANOUT_PG_DIR:-$FANOUT_STATE/postgis}; fi
DATA="$DIR/data"
DB=fanout DB_USER=fanout DB_PASSWORD=fanout-test-bed

# The server refuses to run as root: use the postgres account Debian's package creates.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

up() {
  apt_install postgresql-$PG_VERSION postgresql-$PG_VERSION-postgis-3
  mkdir -p "$DIR/run"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR" "$DIR/run"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    log "initialising a cluster in $DATA"
    local pw; pw=$(mktemp); printf '%s\n' "$DB_PASSWORD" > "$pw"; [ "$(id -u)" -eq 0 ] && chown postgres "$pw"
    as_pg "$PG_BIN/initdb" -D "$DATA" -U "$DB_USER" --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pw"
    cat >> "$DATA/postgresql.conf" <<CONF
port = $PG_PORT
unix_socket_directories = '$DIR/run'
max_connections = 200
shared_buffers = 512MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  # Listen on the bridge too (clusters made before the real node listened on loopback only: the later line wins).
  [ "$(id -u)" -eq 0 ] && bridge_up
  local restart=0
  if ! grep -q "^listen_addresses = '127.0.0.1,$NODE_IP'" "$DATA/postgresql.conf"; then
    echo "listen_addresses = '127.0.0.1,$NODE_IP'" >> "$DATA/postgresql.conf"; restart=1
  fi
  if ! grep -q "^host all all $POD_CIDR " "$DATA/pg_hba.conf"; then
    echo "host all all $POD_CIDR scram-sha-256" >> "$DATA/pg_hba.conf"; restart=1
  fi
  if [ "$restart" = 1 ] && as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
  if ! as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    port_free "$PG_PORT" || die "port $PG_PORT is taken by another process; stop it or set FANOUT_PG_PORT"
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$DIR/postgres.log" -w -t 60 start >/dev/null || die "PostgreSQL did not start; see $DIR/postgres.log"
    log "PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT and $NODE_IP:$PG_PORT (log $DIR/postgres.log)"
  fi
  local psql=(as_pg "$PG_BIN/psql" -h "$DIR/run" -p "$PG_PORT" -U "$DB_USER" -v ON_ERROR_STOP=1 -qAt)
  if [ "$("${psql[@]}" -d postgres -c "select 1 from pg_database where datname = '$DB'")" != 1 ]; then
    "${psql[@]}" -d postgres -c "create database $DB"
  fi
  "${psql[@]}" -d "$DB" -c "set client_min_messages = warning" -c "create extension if not exists postgis" >/dev/null
  log "database $DB ready: $("${psql[@]}" -d "$DB" -c 'select postgis_lib_version()') (PostGIS)"
}

down() {
  [ -f "$DATA/PG_VERSION" ] || return 0
  if as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null && log "stopped"
  fi
}

env_() {
  echo "export FANOUT_DB_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/$DB"
  echo "export FANOUT_DB_USER=$DB_USER"
  echo "export FANOUT_DB_PASSWORD=$DB_PASSWORD"
  echo "export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGDATABASE=$DB PGUSER=$DB_USER PGPASSWORD=$DB_PASSWORD"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) env_ ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac
