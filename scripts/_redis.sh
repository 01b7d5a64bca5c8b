# Throwaway Redis server for tests. Source this file, then call redis_start: it sets
# REDIS_URL; call redis_stop from the script's EXIT trap (scripts/test.sh does), so a failing
# (or interrupted) run never leaves a server behind. Nothing is kept on disk.
# Recipe: /work/shared/SETUP-NOTES.md.

redis_stop() {
    [[ -n ${REDIS_DIR:-} ]] || return 0
    # quiet and never failing, like pg_stop: it runs in the EXIT trap
    local pid i
    if [[ -f $REDIS_DIR/redis.pid ]]; then
        pid=$(cat "$REDIS_DIR/redis.pid")
        kill "$pid" 2>/dev/null || true
        for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$REDIS_DIR"
    REDIS_DIR=
}

redis_start() {
    if ! command -v redis-server >/dev/null; then
        echo "Redis not found: installing it" >&2
        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server
    fi
    REDIS_DIR=$(mktemp -d -t tenantry-redis.XXXXXX)
    local port i
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
        || { cat "$REDIS_DIR/redis.log" >&2; return 1; }
    for i in $(seq 50); do   # daemonized: wait until it answers
        redis-cli -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    redis-cli -p "$port" ping >/dev/null || { cat "$REDIS_DIR/redis.log" >&2; return 1; }
    REDIS_URL="redis://127.0.0.1:$port/0"
}
