#!/usr/bin/env bash
# Benchmarks what wazo-agid and phone lookups ask on a Wazo stack (issue 9), release binary, real
# PostgreSQL, tokens checked through the wazo-auth stand-in, the wazo source's users served by the
# wazo-confd stand-in: a `default` profile over a 25,000-contact phonebook, the caller's 1,000
# personal contacts and a `wazo` source of 500 users, with a favorites column in its display.
#   1. wazo-agid's GraphQL query (`user(uuid) { contacts(profile, extens) { edges { node { wazoReverse } } } }`)
#      with 20 extens, half of them matching (4 phonebook, 3 personal, 3 wazo users), at 1 and 16 connections;
#   2. `GET /0.1/directories/lookup/users?term=` through a profile over the wazo source alone, at 64 connections.
# Usage: scripts/bench-graphql.sh [DURATION]     (needs wrk, psql, PostgreSQL on 127.0.0.1:5432; PGURI overrides)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
server=${PGURI:-postgresql://postgres@127.0.0.1:5432}
database=wazo_dird_bench_graphql
. scripts/bench-common.sh
ensure_wrk

cargo build --release --bin wazo-dird -p wazo-dird
cargo build --release -p integration_tests --bin auth-stand-in --bin confd-stand-in

work=$(mktemp -d /tmp/wazo-dird-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $database" || true
    rm -rf "$work"
}
trap cleanup EXIT
token=bench-token
user_uuid=aaaaaaaa-0000-4000-8000-000000000001   # the token's user (auth-stand-in)
master=eeeeeeee-eeee-4eee-8eee-eeeeeeeeee10       # the stand-in's master tenant
psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database"

auth_port=$(free_port)
target/release/auth-stand-in "$auth_port" "$token" >/dev/null &
pids+=($!)
# The wazo source logs in as the daemon's service (dird-service), whose token is this one.
target/release/confd-stand-in valid-token-master-tenant "$master" 500 > "$work/confd.port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/confd.port" ] && break; sleep 0.1; done
confd_port=$(cat "$work/confd.port")

port=$(free_port)
user=null; [ "$(id -u)" -eq 0 ] && user=nobody
cat > "$work/config.yml" <<YAML
extra_config_files: /nonexistent
db_uri: $server/$database
log_filename: null
log_level: info
user: $user
bus: {enabled: false}
rest_api: {listen: 127.0.0.1, port: $port}
auth: {backend: wazo-auth, host: 127.0.0.1, port: $auth_port, username: dird-service, password: dird-password, cache_ttl: 60, master_tenant_uuid: $master, key_file: ''}
YAML
chmod 644 "$work/config.yml"
target/release/wazo-dird -c "$work/config.yml" 2>"$work/dird.log" &
dird_pid=$!
pids+=($dird_pid)
base="http://127.0.0.1:$port/0.1"
for _ in $(seq 100); do curl -sf -H "X-Auth-Token: $token" "$base/status" | grep -q '"database":{"status":"ok"' && break; sleep 0.1; done

book=$(api POST /phonebooks '{"name": "company"}' | uuid_of)
contacts_csv 25000 1 > "$work/book.csv"
echo "25,000 phonebook contacts imported in $(import_csv "/phonebooks/$book/contacts/import" "$work/book.csv") s"
contacts_csv 1000 9 > "$work/personal.csv"
echo "1,000 personal contacts imported in $(import_csv /personal/import "$work/personal.csv") s"

columns='"searched_columns": ["firstname", "lastname", "email"], "first_matched_columns": ["number", "mobile"], "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname} {lastname}"}'
phonebook_source=$(api POST /backends/phonebook/sources "{\"phonebook_uuid\": \"$book\", $columns}" | uuid_of)
personal_source=$(api POST /backends/personal/sources "{\"name\": \"personal\", $columns}" | uuid_of)
wazo_source=$(api POST /backends/wazo/sources "{\"name\": \"users\",
    \"auth\": {\"host\": \"127.0.0.1\", \"port\": $auth_port, \"https\": false, \"prefix\": null, \"username\": \"dird-service\", \"password\": \"dird-password\"},
    \"confd\": {\"host\": \"127.0.0.1\", \"port\": $confd_port, \"https\": false, \"prefix\": null},
    \"searched_columns\": [\"firstname\", \"lastname\", \"full_name\", \"exten\"], \"first_matched_columns\": [\"exten\", \"mobile_phone_number\"],
    \"format_columns\": {\"name\": \"{firstname} {lastname}\", \"number\": \"{exten}\", \"reverse\": \"{firstname} {lastname}\"}}" | uuid_of)
display=$(api POST /displays '{"name": "d", "columns": [{"title": "Nom", "field": "name"}, {"title": "Numéro", "field": "number", "type": "number"}, {"title": "Favori", "field": "favorite", "type": "favorite"}]}' | uuid_of)
refs="[{\"uuid\": \"$phonebook_source\"}, {\"uuid\": \"$personal_source\"}, {\"uuid\": \"$wazo_source\"}]"
api POST /profiles "{\"name\": \"default\", \"display\": {\"uuid\": \"$display\"}, \"services\": {\"lookup\": {\"sources\": $refs}, \"reverse\": {\"sources\": $refs, \"options\": {\"timeout\": 0.5}}, \"favorites\": {\"sources\": $refs}}}" >/dev/null
api POST /profiles "{\"name\": \"users\", \"display\": {\"uuid\": \"$display\"}, \"services\": {\"lookup\": {\"sources\": [{\"uuid\": \"$wazo_source\"}]}, \"favorites\": {\"sources\": [{\"uuid\": \"$wazo_source\"}]}}}" >/dev/null
# Two favorites, so that the favorites column has something to mark.
api PUT "/directories/favorites/users/00000000-0000-4000-8000-000000000042" >/dev/null
api PUT "/directories/favorites/personal/$(api GET '/personal?limit=1' | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')" >/dev/null

# 20 extens: 4 phonebook numbers, 3 personal numbers, 3 wazo users' extens or mobiles, 10 unknown.
python3 - "$user_uuid" > "$work/body.json" <<'PY2'
import json, sys
extens = ["1000017", "+3361012345", "1024999", "1007777", "9000123", "+3369000456", "9000999",
          "20042", "+3361000317", "20499"] + [f"55500{i:02d}" for i in range(1, 11)]
query = ('{ user(uuid: "%s") { contacts(profile: "default", extens: %s) { edges { node { wazoReverse } } } } }'
         % (sys.argv[1], json.dumps(extens)))
print(json.dumps({"query": query}))
PY2

# Copies: the phonebook and the caller's personal contacts are copied on first use, the wazo
# source's users when it starts; warm all three before measuring.
for _ in $(seq 300); do
    curl -s -o /dev/null -H "X-Auth-Token: $token" -H 'Content-Type: application/json' -d @"$work/body.json" "$base/graphql"
    [ "$(grep -c 'contacts copied in memory' "$work/dird.log" || true)" -ge 2 ] && break
    sleep 0.1
done
sleep 1
echo "GraphQL sample: $(curl -s -H "X-Auth-Token: $token" -H 'Content-Type: application/json' -d @"$work/body.json" "$base/graphql")"
lookup="$base/directories/lookup/users?term=lefevre1"
echo "lookup sample: $(curl -s -H "X-Auth-Token: $token" "$lookup" | python3 -c 'import json,sys; r=json.load(sys.stdin)["results"]; print(len(r), "results, e.g.", r[0]["column_values"])')"
echo "RSS with the copies: $(ps -o rss= -p "$dird_pid") KiB"

cat > "$work/graphql.lua" <<LUA
wrk.method = "POST"
wrk.headers["X-Auth-Token"] = "$token"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/body.json")
wrk.body = f:read("*a")
f:close()
LUA
cat > "$work/token.lua" <<LUA
wrk.headers["X-Auth-Token"] = "$token"
LUA
run() {  # name connections script url
    echo "== $1, $2 connection(s), $duration"
    wrk_run "$2" "$3" "$4" 16
}
run "GraphQL, 20 extens" 1 "$work/graphql.lua" "$base/graphql"
run "GraphQL, 20 extens" 16 "$work/graphql.lua" "$base/graphql"
run "lookup through the wazo source" 64 "$work/token.lua" "$lookup"
