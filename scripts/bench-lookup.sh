#!/usr/bin/env bash
# Benchmarks GET /0.1/directories/lookup on the release binary: a 10,000-row CSV source, warm token
# cache (wazo-auth stand-in), at 1, 16 and 64 connections; then the same profile with an added source
# that never answers (a CSV web service that hangs) under a 1 s lookup timeout: its first five
# lookups wait the full second, then its breaker opens and lookups skip it (probed behind).
# The database is on (PostgreSQL on 127.0.0.1:5432, PGURI overrides; DB=none runs without) and the
# profile has a favorites service, so each lookup marks the caller's favorites, as on a Wazo stack.
# The daemon logs at `info` to a file and to stderr, as installed: one line per request
# (LOG_LEVEL=warning leaves the access lines out).
# Then, on the same daemon at 64 connections: the same lookup as a dial-pad search (mode=t9) and
# reverse lookups through each tier of number matching (exact, E.164, suffix).
# Usage: [WAZO_DIRD_BIN=path] scripts/bench-lookup.sh [DURATION]     (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
. scripts/bench-common.sh
ensure_wrk

# WAZO_DIRD_BIN: another build of the daemon to measure (an earlier commit's, for a before/after).
dird_bin=${WAZO_DIRD_BIN:-target/release/wazo-dird}
[ -n "${WAZO_DIRD_BIN:-}" ] || cargo build --release --bin wazo-dird -p wazo-dird
cargo build --release -p integration_tests --bin auth-stand-in --bin csv-ws-stand-in

work=$(mktemp -d /tmp/wazo-dird-bench.XXXXXX)
chmod 755 "$work"
pids=()
server=${PGURI:-postgresql://postgres@127.0.0.1:5432}
database=wazo_dird_bench_lookup
db_uri=null
if [ "${DB:-on}" != none ]; then
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database"
    db_uri=$server/$database
fi
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ "$db_uri" = null ] || psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $database" || true
    rm -rf "$work"
}
trap cleanup EXIT
token=bench-token
master=eeeeeeee-eeee-4eee-8eee-eeeeeeeeee10

python3 - "$work/contacts.csv" <<'PY'
import random, sys
random.seed(7)
first = ["Alice", "Bob", "Élodie", "François", "Jürgen", "Søren", "Zoë", "Marc", "Marie", "Ahmed", "Yuki", "Olga", "Pedro", "Chloé", "Noah"]
last = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Müller", "Nakamura"]
with open(sys.argv[1], "w") as f:
    f.write("id,firstname,lastname,company,number,mobile\n")
    for i in range(10000):
        f.write(f"{i},{random.choice(first)}{i % 97},{random.choice(last)}{i % 89},Company {i % 500},{100000 + i},+336{i:08d}\n")
PY
chmod 644 "$work/contacts.csv"

auth_port=$(free_port)
target/release/auth-stand-in "$auth_port" "$token" >/dev/null &
pids+=($!)
target/release/csv-ws-stand-in 60000 > "$work/hung.url" &
pids+=($!)
sleep 0.5
hung_url=$(cat "$work/hung.url")
user=null; [ "$(id -u)" -eq 0 ] && user=nobody

start_dird() {  # $1 = with the hung source (yes/no)
    local port; port=$(free_port)
    local hung_source="" hung_ref=""
    if [ "$1" = yes ]; then
        hung_source="  - {backend: csv_ws, name: hung, lookup_url: '$hung_url', searched_columns: [firstname]}"
        hung_ref=", {name: hung}"
    fi
    cat > "$work/config.yml" <<YAML
extra_config_files: /nonexistent
db_uri: $db_uri
log_filename: $work/wazo-dird.log
log_level: ${LOG_LEVEL:-info}
user: $user
bus: {enabled: false}
rest_api: {listen: 127.0.0.1, port: $port}
auth: {backend: wazo-auth, host: 127.0.0.1, port: $auth_port, username: dird-service, password: dird-password, cache_ttl: 60, master_tenant_uuid: $master}
sources:
  - {backend: csv, name: contacts, file: $work/contacts.csv, unique_column: id, searched_columns: [firstname, lastname, company], first_matched_columns: [number, mobile], format_columns: {name: "{firstname} {lastname}", reverse: "{firstname} {lastname}"}}
$hung_source
displays:
  - {name: d, columns: [{title: Nom, field: name}, {title: Numéro, field: number, type: number}, {title: Mobile, field: mobile, type: number}, {title: Favori, field: favorite, type: favorite}]}
profiles:
  - {name: default, display: {name: d}, services: {lookup: {sources: [{name: contacts}$hung_ref], options: {timeout: 1}}, reverse: {sources: [{name: contacts}]}, favorites: {sources: [{name: contacts}]}}}
YAML
    chmod 644 "$work/config.yml"
    "$dird_bin" -c "$work/config.yml" 2>"$work/dird.log" &
    dird_pid=$!
    pids+=($dird_pid)
    url="http://127.0.0.1:$port/0.1/directories/lookup/default?term=lefevre10"
    if [ "$db_uri" != null ]; then
        for _ in $(seq 100); do curl -sf -H "X-Auth-Token: $token" "http://127.0.0.1:$port/0.1/status" | grep -q '"database":{"status":"ok"' && break; sleep 0.1; done
    fi
    for _ in $(seq 100); do curl -sf -H "X-Auth-Token: $token" "$url" >/dev/null && break; sleep 0.1; done
    echo "sample: $(curl -s -H "X-Auth-Token: $token" "$url" | head -c 300)"
}

cat > "$work/token.lua" <<LUA
wrk.headers["X-Auth-Token"] = "$token"
LUA
run() {  # $1 = connections
    echo "== $1 connection(s), $duration"
    wrk_run "$1" "$work/token.lua" "$url" 64
}

echo "### lookup on a 10,000-row CSV"
start_dird no
for connections in 1 16 64; do run "$connections"; done
echo "load: $(grep -m1 'csv file loaded' "$work/wazo-dird.log" || echo 'not logged by this build')"
base=${url%%/0.1/*}
echo "### the same lookup as a dial-pad search (mode=t9, 'lefevre10' spelled), 64 connections, alternated with the ordinary one"
ordinary=$url
dial="$base/0.1/directories/lookup/default?term=533387310&mode=t9"
echo "sample: $(curl -s -H "X-Auth-Token: $token" "$dial" | head -c 300)"
for round in 1 2; do
    echo "# round $round: dial-pad, then ordinary"
    url=$dial; run 64
    url=$ordinary; run 64
done
echo "### reverse lookups at 64 connections, by tier: exact string, same E.164 number, unique last digits"
for exten in 100010 "%2B33%206%2000%2000%2000%2010" 0600000010; do
    url="$base/0.1/directories/reverse/default/$master?exten=$exten"
    echo "sample: $(curl -s -H "X-Auth-Token: $token" "$url" | head -c 200)"
    run 64
done
kill "$dird_pid"; sleep 0.5
echo "### the same, plus a source that hangs, under a 1 s lookup timeout"
start_dird yes
for connections in 1 16 64; do run "$connections"; done
