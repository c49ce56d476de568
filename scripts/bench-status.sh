#!/usr/bin/env bash
# Benchmarks GET /0.1/status on the release binary with a warm token cache (auth.backend wazo-auth,
# checked by the wazo-auth stand-in, cached by the daemon), beside an actix-web hello world.
# Usage: scripts/bench-status.sh [DURATION] [CONNECTIONS]     (needs wrk: apt-get install wrk)
#        CACHE_TTL=2 makes the run cross several expiries of the token cache (default 60 s).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-15s}
connections=${2:-64}
. scripts/bench-common.sh
ensure_wrk

cargo build --release --bin wazo-dird --example hello_world -p wazo-dird
cargo build --release -p integration_tests --bin auth-stand-in

work=$(mktemp -d /tmp/wazo-dird-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

auth_port=$(free_port); dird_port=$(free_port); hello_port=$(free_port)
token=bench-token

target/release/auth-stand-in "$auth_port" "$token" >/dev/null &
pids+=($!)
user=null; [ "$(id -u)" -eq 0 ] && user=nobody
cat > "$work/config.yml" <<YAML
extra_config_files: /nonexistent
db_uri: null
log_filename: null
log_level: warning
user: $user
bus: {enabled: false}
rest_api: {listen: 127.0.0.1, port: $dird_port}
auth: {backend: wazo-auth, host: 127.0.0.1, port: $auth_port, username: dird-service, password: dird-password, cache_ttl: ${CACHE_TTL:-60}}
YAML
chmod 644 "$work/config.yml"
target/release/wazo-dird -c "$work/config.yml" 2>"$work/dird.log" &
pids+=($!)
dird_pid=$!
target/release/examples/hello_world "$hello_port" &
pids+=($!)

for _ in $(seq 100); do
    curl -sf -H "X-Auth-Token: $token" "http://127.0.0.1:$dird_port/0.1/status" >/dev/null && break
    sleep 0.1
done
curl -sf -H "X-Auth-Token: $token" "http://127.0.0.1:$dird_port/0.1/status"; echo

cat > "$work/token.lua" <<LUA
wrk.headers["X-Auth-Token"] = "$token"
LUA
echo "== GET /0.1/status, warm token cache, $connections connections, $duration"
wrk -t2 -c"$connections" -d"$duration" --latency -s "$work/token.lua" "http://127.0.0.1:$dird_port/0.1/status"
echo "daemon RSS after the run: $(ps -o rss= -p "$dird_pid") KiB"
echo "== actix-web hello world, $connections connections, $duration"
wrk -t2 -c"$connections" -d"$duration" --latency "http://127.0.0.1:$hello_port/"
