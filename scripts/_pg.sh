# Throwaway PostgreSQL cluster for tests. Source this file, then call pg_start:
# it sets PG_URL and installs an EXIT trap that stops the cluster and deletes it,
# so a failing (or interrupted) run never leaves a server behind.
# Recipe: /work/shared/SETUP-NOTES.md (initdb refuses root, hence runuser).

# First directory holding the server binaries we need: the one behind `initdb` in
# PATH, then /usr/lib/postgresql/*/bin, newest version first.
_pg_bindir() {
    local d
    for d in "$(dirname "$(readlink -f "$(command -v initdb || echo /nonexistent)")")" \
             $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        [[ -x $d/initdb && -x $d/pg_ctl && -x $d/createdb ]] && { echo "$d"; return; }
    done
    return 1
}

pg_stop() {
    [[ -n ${PG_DIR:-} ]] || return 0
    # Quiet, and never failing: it runs in the EXIT trap and must not mask the
    # script's exit status (nor print after pytest's closing line).
    if [[ -f $PG_DIR/data/postmaster.pid ]]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
    PG_DIR=
}

pg_start() {
    if ! PG_BIN=$(_pg_bindir); then
        echo "PostgreSQL not found: installing it" >&2
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
        PG_BIN=$(_pg_bindir)
    fi
    PG_DIR=$(mktemp -d -t tenantry-pg.XXXXXX)
    trap pg_stop EXIT
    # A signal would otherwise kill bash without running the EXIT trap.
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP
    chown postgres:postgres "$PG_DIR"
    local port
    # Free port: bind port 0 and let the kernel choose (tiny race, acceptable).
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres \
        -A trust -E UTF8 --no-locale --no-sync >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c max_connections=300" start >/dev/null \
        || { cat "$PG_DIR/server.log" >&2; return 1; }
    runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" tenantry_test
    PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/tenantry_test"
}
