# Sourced by scripts/test and scripts/ecosystem: makes sure
# LIAISON_TEST_DATABASE_URL names a PostgreSQL server where databases may be
# created and dropped.
#
# When it is not set, a throwaway cluster is started in a temp folder with
# initdb and pg_ctl (as the postgres user when running as root: both refuse
# root) and removed on exit. Without PostgreSQL binaries it warns loudly and
# leaves the variable unset; under CI=true that is an error instead.

pg_bin() {
  local tool=$1 found
  if command -v "$tool" >/dev/null 2>&1; then command -v "$tool"; return; fi
  found=$(ls -d /usr/lib/postgresql/*/bin/"$tool" 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$found" ] && echo "$found"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_cluster=""
pg_cluster_stop() {
  if [ -n "$pg_cluster" ]; then
    as_pg "$(pg_bin pg_ctl)" -D "$pg_cluster/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_cluster"
    pg_cluster=""
  fi
}

pg_cluster_ensure() {
  if [ -n "${LIAISON_TEST_DATABASE_URL:-}" ]; then
    echo "PostgreSQL: $LIAISON_TEST_DATABASE_URL"
    return 0
  fi
  local initdb pg_ctl port
  initdb=$(pg_bin initdb || true)
  pg_ctl=$(pg_bin pg_ctl || true)
  if [ -n "$initdb" ] && [ -n "$pg_ctl" ] && { [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1; }; then
    pg_cluster=$(mktemp -d /tmp/liaison-pg.XXXXXX)
    chmod 755 "$pg_cluster"
    if [ "$(id -u)" = 0 ]; then chown postgres "$pg_cluster"; fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$initdb" -D "$pg_cluster/data" -A trust -U postgres --no-sync >"$pg_cluster/initdb.log" 2>&1 \
      || { cat "$pg_cluster/initdb.log"; return 1; }
    as_pg "$pg_ctl" -D "$pg_cluster/data" -l "$pg_cluster/server.log" -w \
      -o "-p $port -k $pg_cluster -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || { cat "$pg_cluster/server.log"; return 1; }
    export LIAISON_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "PostgreSQL: throwaway cluster on port $port"
  elif [ "${CI:-}" = "true" ]; then
    echo "ERROR: no PostgreSQL (set LIAISON_TEST_DATABASE_URL or install initdb/pg_ctl)" >&2
    return 1
  else
    echo "################################################################################" >&2
    echo "# WARNING: PostgreSQL SKIPPED: no LIAISON_TEST_DATABASE_URL and no initdb." >&2
    echo "# Only SQLite was tested. Install PostgreSQL or set LIAISON_TEST_DATABASE_URL." >&2
    echo "################################################################################" >&2
  fi
}
