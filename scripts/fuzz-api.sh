#!/usr/bin/env bash
# Fuzzes the REST API with schemathesis (pinned with its dependencies in fuzz-api.requirements.txt,
# in a virtualenv of its own under target/) driven by
# the daemon's own /0.1/api/api.yml: every operation, with examples and bodies generated from its
# schemas, against the built daemon on a test database with a CSV source, a display and a profile.
# Fails on any 5xx, any answer slower than 2 s, an answer that does not match its documented schema
# (FUZZ_CHECKS, default: server errors, response times and response schemas), or a daemon that
# is not up at the end.
#
# Needs python3 (venv, pip) and PostgreSQL; run after `cargo build` (scripts/test-all.sh does both).
# Usage: scripts/fuzz-api.sh   (FUZZ_MAX_EXAMPLES=N for more examples per operation)
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=scripts/fuzz-api.requirements.txt
SCHEMATHESIS_VERSION=$(sed -n 's/^schemathesis==//p' "$requirements")
venv=target/schemathesis-venv
binary=target/debug/wazo-dird
pg="${WAZO_DIRD_TEST_PG:-postgresql://postgres@127.0.0.1:5432}"
db="wazo_dird_fuzz_$$"
max_examples="${FUZZ_MAX_EXAMPLES:-25}"
checks="${FUZZ_CHECKS:-not_a_server_error,response_schema_conformance}"

fail() { echo "fuzz-api: FAILED: $*" >&2; exit 1; }
[ -x "$binary" ] || fail "$binary is missing: cargo build --bin wazo-dird first"

stamp=$(md5sum <"$requirements" | cut -c1-32)
if [ ! -x "$venv/bin/st" ] || [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$stamp" ]; then
    echo "installing schemathesis $SCHEMATHESIS_VERSION and its pinned dependencies into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-virtualenv -r "$requirements"
    echo "$stamp" >"$venv/.requirements"
fi

work=$(mktemp -d /tmp/wazo-dird-fuzz.XXXXXX)
daemon_pid=
cleanup() {
    set +e
    if [ -n "$daemon_pid" ]; then kill -TERM "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; fi
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null || fail "cannot create the test database"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/contacts.csv" <<'EOF'
id,firstname,lastname,number,mobile
1,Alice,Martin,1001,+33600001001
2,Bob,Durand,1002,
3,Élodie,Béranger,1003,
EOF
cat >"$work/tokens.yml" <<'EOF'
tokens:
  fuzz-token:
    user_uuid: 11111111-1111-4111-8111-111111111111
    tenant_uuid: 00000000-0000-4000-8000-000000000001
    acl: ["dird.#"]
tenants:
  - {uuid: 00000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}
EOF
cat >"$work/config.yml" <<EOF
extra_config_files: $work/conf.d/
db_uri: $pg/$db
log_level: warning
log_filename: null
user: $(id -un)
rest_api: {listen: 127.0.0.1, port: $port}
auth: {backend: static, static_tokens_file: $work/tokens.yml, key_file: ''}
bus: {enabled: false}
sources:
  - backend: csv
    name: fuzz-contacts
    file: $work/contacts.csv
    unique_column: id
    searched_columns: [firstname, lastname]
    first_matched_columns: [number, mobile]
    format_columns: {name: "{firstname} {lastname}", reverse: "{firstname} {lastname}"}
displays:
  - name: default
    columns:
      - {title: Nom, type: name, field: name}
      - {title: Numéro, type: number, field: number}
      - {title: Favoris, type: favorite, field: favorite}
profiles:
  - name: default
    display: {name: default}
    services:
      lookup: {sources: [{name: fuzz-contacts}]}
      reverse: {sources: [{name: fuzz-contacts}]}
      favorites: {sources: [{name: fuzz-contacts}]}
EOF
mkdir -p "$work/conf.d"
"$binary" -c "$work/config.yml" >"$work/daemon.log" 2>&1 &
daemon_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do
    # Ready: the directory answers (catalog read, sources warm), not only the listener.
    curl -sf -H 'X-Auth-Token: fuzz-token' "$base/0.1/status" | grep -q '"directory":{"status":"ok"}' && break
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.log" >&2; fail "the daemon exited"; }
    sleep 0.2
done

# One worker: with two, CPython 3.11's ast module, which hypothesis uses while generating, can fail
# across threads ("AST constructor recursion depth mismatch"), a crash of the tool, not of the API.
echo "schemathesis $SCHEMATHESIS_VERSION on $base/0.1/api/api.yml: checks $checks, max response time 2 s, $max_examples examples per operation"
status=0
"$venv/bin/st" run "$base/0.1/api/api.yml" \
    --url "$base" \
    --header 'X-Auth-Token: fuzz-token' \
    --checks "$checks" \
    --max-response-time 2 \
    --max-examples "$max_examples" \
    --request-timeout 10 \
    --workers 1 \
    --seed 1 \
    --no-color \
    --warnings off \
    --report junit --report-dir "$work/report" \
    >"$work/st.log" 2>&1 || status=$?
cp "$work/st.log" target/fuzz-api.log
tail -n 40 "$work/st.log"
if [ "$status" -ne 0 ]; then
    grep -B2 -A25 -m 5 'FAILURES\|^_* .* _*$' "$work/st.log" | head -n 150 >&2 || true
    tail -n 20 "$work/daemon.log" >&2
    fail "schemathesis reported failures (exit $status)"
fi

kill -0 "$daemon_pid" 2>/dev/null || { tail -n 20 "$work/daemon.log" >&2; fail "the daemon died during the run"; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Auth-Token: fuzz-token' "$base/0.1/status")
[ "$code" = 200 ] || fail "GET /0.1/status answered $code after the run"
echo "fuzz-api: no server error, no answer slower than 2 s, every answer matching its schema; the daemon is still up"
