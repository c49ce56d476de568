#!/usr/bin/env bash
# Benchmarks lookups and reverse lookups on user data (issue 5), release binary, real PostgreSQL:
# a profile over a 25,000-contact phonebook and the caller's 1,000 personal contacts. Prints the
# import times (10,000 and 25,000 phonebook contacts, 1,000 personal contacts), wrk figures at 64
# connections, the daemon's RSS, and the EXPLAIN ANALYZE of the queries a lookup and a reverse
# lookup send (index scans, no sequential scan of dird_contact_fields).
# Usage: scripts/bench-phonebook.sh [DURATION]     (KEEP_DB=1 keeps the database wazo_dird_bench;
#        CACHE=false measures with contact_cache.enabled: false, every lookup a query)
# Needs wrk, psql and PostgreSQL on 127.0.0.1:5432 (trust auth; PGURI overrides the server).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
server=${PGURI:-postgresql://postgres@127.0.0.1:5432}
database=wazo_dird_bench
. scripts/bench-common.sh
ensure_wrk

cargo build --release --bin wazo-dird -p wazo-dird

work=$(mktemp -d /tmp/wazo-dird-bench.XXXXXX)
chmod 755 "$work"
dird_pid=
cleanup() {
    if [ -n "$dird_pid" ]; then kill "$dird_pid" 2>/dev/null || true; wait "$dird_pid" 2>/dev/null || true; fi
    [ -n "${KEEP_DB:-}" ] || psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $database" || true
    rm -rf "$work"
}
trap cleanup EXIT
port=$(free_port)
token=bench-token
user_uuid=11111111-1111-4111-8111-111111111111
tenant=00000000-0000-4000-8000-000000000001
psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database"

cat > "$work/tokens.yml" <<YAML
tokens:
  $token: {user_uuid: $user_uuid, tenant_uuid: $tenant, acl: ['dird.#']}
tenants:
  - {uuid: $tenant, name: master, parent_uuid: null}
YAML
user=null; [ "$(id -u)" -eq 0 ] && user=nobody
cat > "$work/config.yml" <<YAML
extra_config_files: /nonexistent
db_uri: $server/$database
log_filename: null
log_level: info
user: $user
bus: {enabled: false}
rest_api: {listen: 127.0.0.1, port: $port}
auth: {backend: static, static_tokens_file: $work/tokens.yml}
contact_cache: {enabled: ${CACHE:-true}}
YAML
chmod 644 "$work"/*.yml
target/release/wazo-dird -c "$work/config.yml" 2>"$work/dird.log" &
dird_pid=$!
base="http://127.0.0.1:$port/0.1"
for _ in $(seq 100); do curl -sf -H "X-Auth-Token: $token" "$base/status" | grep -q '"database":{"status":"ok"' && break; sleep 0.1; done


echo "### imports"
small=$(api POST /phonebooks '{"name": "ten-thousand"}' | uuid_of)
contacts_csv 10000 2 > "$work/small.csv"
echo "10,000 phonebook contacts imported in $(import_csv "/phonebooks/$small/contacts/import" "$work/small.csv") s"
book=$(api POST /phonebooks '{"name": "company"}' | uuid_of)
contacts_csv 25000 1 > "$work/book.csv"
echo "25,000 phonebook contacts imported in $(import_csv "/phonebooks/$book/contacts/import" "$work/book.csv") s"
contacts_csv 1000 9 > "$work/personal.csv"
echo "1,000 personal contacts imported in $(import_csv /personal/import "$work/personal.csv") s"

columns='"searched_columns": ["firstname", "lastname", "email"], "first_matched_columns": ["number", "mobile"], "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname} {lastname}"}'
phonebook_source=$(api POST /backends/phonebook/sources "{\"phonebook_uuid\": \"$book\", $columns}" | uuid_of)
personal_source=$(api POST /backends/personal/sources "{\"name\": \"personal\", $columns}" | uuid_of)
display=$(api POST /displays '{"name": "d", "columns": [{"title": "Nom", "field": "name"}, {"title": "Numéro", "field": "number", "type": "number"}, {"title": "Favori", "field": "favorite", "type": "favorite"}]}' | uuid_of)
refs="[{\"uuid\": \"$phonebook_source\"}, {\"uuid\": \"$personal_source\"}]"
api POST /profiles "{\"name\": \"default\", \"display\": {\"uuid\": \"$display\"}, \"services\": {\"lookup\": {\"sources\": $refs}, \"reverse\": {\"sources\": $refs}}}" >/dev/null

lookup="$base/directories/lookup/default?term=martin1234"
reverse="$base/directories/reverse/default/$user_uuid?exten=1012345"
echo "lookup sample: $(curl -s -H "X-Auth-Token: $token" "$lookup" | python3 -c 'import json,sys; r=json.load(sys.stdin)["results"]; print(len(r), "results, e.g.", r[0]["column_values"])')"
echo "reverse sample: $(curl -s -H "X-Auth-Token: $token" "$reverse")"
echo "personal reverse sample: $(curl -s -H "X-Auth-Token: $token" "$base/directories/reverse/default/$user_uuid?exten=9000123")"

echo "RSS after the imports: $(ps -o rss= -p "$dird_pid") KiB"
# The first lookups are answered by PostgreSQL while the phonebook and the user's personal
# contacts are copied in memory; wait for both copies before measuring.
[ "${CACHE:-true}" = true ] && for _ in $(seq 300); do
    [ "$(grep -c 'contacts copied in memory' "$work/dird.log" || true)" -ge 2 ] && break
    curl -s -o /dev/null -H "X-Auth-Token: $token" "$lookup"; sleep 0.1
done
grep 'contacts copied in memory' "$work/dird.log" | sed 's/^/log: /' || true
echo "RSS with the copies: $(ps -o rss= -p "$dird_pid") KiB"

cat > "$work/token.lua" <<LUA
wrk.headers["X-Auth-Token"] = "$token"
LUA
run() {  # name url
    echo "== $1, 64 connections, $duration"
    wrk -t2 -c64 -d"$duration" --latency -s "$work/token.lua" "$2" | grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx|Socket errors"
    echo "RSS: $(ps -o rss= -p "$dird_pid") KiB"
}
run lookup "$lookup"
run reverse "$reverse"

echo "### the plans (EXPLAIN ANALYZE of the daemon's statements; lookups use them while a cached copy is (re)loading)"
explain() {
    psql "$server/$database" -qAt -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) $1"
}
echo "-- lookup in the phonebook"
explain "SELECT f.contact_uuid, f.name, f.value FROM dird_contact_fields f WHERE f.contact_uuid IN (SELECT c.uuid FROM dird_contact c WHERE c.phonebook_uuid = '$book'::uuid AND EXISTS (SELECT 1 FROM dird_contact_fields s WHERE s.contact_uuid = c.uuid AND s.name = ANY('{firstname,lastname,email}') AND dird_unaccent(s.value) ILIKE dird_unaccent('%martin1234%'))) ORDER BY f.id"
echo "-- reverse in the phonebook"
explain "SELECT f.contact_uuid, f.name, f.value FROM dird_contact_fields f WHERE f.contact_uuid IN (SELECT c.uuid FROM dird_contact c WHERE c.phonebook_uuid = '$book'::uuid AND c.uuid = ANY(ARRAY(SELECT s.contact_uuid FROM dird_contact_fields s WHERE s.name = ANY('{number,mobile}') AND s.value = ANY('{1012345}')))) ORDER BY f.id"
echo "-- reverse in the personal contacts"
explain "SELECT f.contact_uuid, f.name, f.value FROM dird_contact_fields f WHERE f.contact_uuid IN (SELECT c.uuid FROM dird_contact c WHERE c.user_uuid = '$user_uuid' AND c.uuid = ANY(ARRAY(SELECT s.contact_uuid FROM dird_contact_fields s WHERE s.name = ANY('{number,mobile}') AND s.value = ANY('{9000123}')))) ORDER BY f.id"
echo "-- contact list search (GET /phonebooks/{uuid}/contacts?search=)"
explain "SELECT count(*) FROM dird_contact c WHERE c.phonebook_uuid = '$book'::uuid AND EXISTS (SELECT 1 FROM dird_contact_fields s WHERE s.contact_uuid = c.uuid AND s.name <> 'id' AND dird_unaccent(s.value) ILIKE dird_unaccent('%1.24998@%'))"
