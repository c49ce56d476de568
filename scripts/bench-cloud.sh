#!/usr/bin/env bash
# Benchmarks GET /0.1/directories/lookup through an `office365` source on the release binary: the
# caller's Microsoft 365 address book of 2,000 contacts (COUNT) served by the Graph stand-in, its
# OAuth token read from the wazo-auth stand-in, the book warm in memory (the first lookup fetches
# it), tokens checked through wazo-auth (cached), the database on and a favorites column in the
# display, at 1, 16 and 64 connections. Then the same through a `google` source.
# Usage: scripts/bench-cloud.sh [DURATION]     (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
count=${COUNT:-2000}
. scripts/bench-common.sh
ensure_wrk

cargo build --release --bin wazo-dird -p wazo-dird
cargo build --release -p integration_tests --bin auth-stand-in --bin cloud-stand-in

work=$(mktemp -d /tmp/wazo-dird-bench.XXXXXX)
chmod 755 "$work"
pids=()
server=${PGURI:-postgresql://postgres@127.0.0.1:5432}
database=wazo_dird_bench_cloud
psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database"
db_uri=$server/$database
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $database" || true
    rm -rf "$work"
}
trap cleanup EXIT
token=bench-token
master=eeeeeeee-eeee-4eee-8eee-eeeeeeeeee10
external=bench-oauth-token

auth_port=$(free_port)
target/release/auth-stand-in "$auth_port" "$token" "$external" >/dev/null &
pids+=($!)
target/release/cloud-stand-in "$external" "$count" > "$work/cloud.url" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/cloud.url" ] && break; sleep 0.1; done
cloud_url=$(cat "$work/cloud.url")
user=null; [ "$(id -u)" -eq 0 ] && user=nobody
auth="{host: 127.0.0.1, port: $auth_port, https: false, prefix: null}"

port=$(free_port)
base="http://127.0.0.1:$port"
cat > "$work/config.yml" <<YAML
extra_config_files: /nonexistent
db_uri: $db_uri
log_filename: $work/wazo-dird.log
log_level: ${LOG_LEVEL:-info}
user: $user
bus: {enabled: false}
rest_api: {listen: 127.0.0.1, port: $port}
auth: {backend: wazo-auth, host: 127.0.0.1, port: $auth_port, username: dird-service, password: dird-password, cache_ttl: 60, master_tenant_uuid: $master}
cloud_contacts: {google_url: '$cloud_url', microsoft_url: '$cloud_url', cache_ttl: 300}
sources:
  - {backend: office365, name: office365, auth: $auth, searched_columns: [givenName, surname, businessPhones], first_matched_columns: [businessPhones, mobilePhone], format_columns: {name: "{givenName} {surname}", phone: "{businessPhones[0]}", reverse: "{givenName} {surname}"}}
  - {backend: google, name: google, auth: $auth, searched_columns: [name, numbers], first_matched_columns: [numbers], format_columns: {phone: "{numbers[0]}"}}
displays:
  - {name: d, columns: [{title: Nom, field: name}, {title: Numéro, field: phone, type: number}, {title: Favori, field: favorite, type: favorite}]}
profiles:
  - {name: office365, display: {name: d}, services: {lookup: {sources: [{name: office365}]}, reverse: {sources: [{name: office365}]}, favorites: {sources: [{name: office365}]}}}
  - {name: google, display: {name: d}, services: {lookup: {sources: [{name: google}]}, reverse: {sources: [{name: google}]}, favorites: {sources: [{name: google}]}}}
YAML
chmod 644 "$work/config.yml"
target/release/wazo-dird -c "$work/config.yml" 2>"$work/dird.log" &
dird_pid=$!
pids+=($dird_pid)
for _ in $(seq 100); do curl -sf -H "X-Auth-Token: $token" "$base/0.1/status" | grep -q '"database":{"status":"ok"' && break; sleep 0.1; done

cat > "$work/token.lua" <<LUA
wrk.headers["X-Auth-Token"] = "$token"
LUA
for profile in office365 google; do
    url="$base/0.1/directories/lookup/$profile?term=lefevre10"
    # The first lookup fetches the caller's book (every page); the next ones read it from memory.
    started=$(date +%s.%N)
    first=$(curl -s -H "X-Auth-Token: $token" "$url")
    ended=$(date +%s.%N)
    echo "### lookup through a warm $profile source of $count contacts"
    echo "first lookup (fetches the book): $(python3 -c "print(f'{$ended - $started:.3f}')") s; $(echo "$first" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["results"]), "results")')"
    echo "sample: $(curl -s -H "X-Auth-Token: $token" "$url" | head -c 300)"
    for connections in 1 16 64; do
        echo "== $connections connection(s), $duration"
        wrk_run "$connections" "$work/token.lua" "$url" 64
    done
done
