#!/usr/bin/env bash
# Runs the whole test suite on a Debian machine: installs and starts what it needs (PostgreSQL,
# RabbitMQ, OpenLDAP's slapd, the Debian packaging tools), checks formatting and lints, builds the
# daemon, runs every unit and integration test against the real services, fuzzes the API with
# schemathesis (scripts/fuzz-api.sh), then builds, lints, installs, runs and purges the Debian
# package (scripts/test-package.sh). Usage: scripts/test-all.sh   (as root, or with sudo available for apt-get)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=no
apt_install() {
    if [ "$apt_updated" = no ]; then
        as_root apt-get update -qq
        apt_updated=yes
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v cargo >/dev/null || { echo "cargo (Rust 1.89 or newer) is required: install it with rustup first" >&2; exit 1; }

# --- PostgreSQL -----------------------------------------------------------------------------------
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || ! command -v psql >/dev/null; then
    log "installing PostgreSQL"
    apt_install postgresql postgresql-client
fi
pg_answers() { psql "${WAZO_DIRD_TEST_PG:-postgresql://postgres@127.0.0.1:5432}/postgres" -Atqc 'SELECT 1' >/dev/null 2>&1; }
if ! pg_answers; then
    if command -v pg_ctlcluster >/dev/null && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
        log "starting the machine's PostgreSQL cluster"
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    fi
fi
if ! pg_answers; then
    # A throwaway cluster with trust auth on a free port (initdb refuses root: run as postgres).
    log "starting a throwaway PostgreSQL"
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    dir=$(mktemp -d /tmp/wazo-dird-pg.XXXXXX)
    chmod 777 "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    run_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
    run_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    export WAZO_DIRD_TEST_PG="postgresql://postgres@127.0.0.1:$port"
    trap 'run_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true' EXIT
fi
pg_answers || { echo "PostgreSQL does not answer at ${WAZO_DIRD_TEST_PG:-127.0.0.1:5432}" >&2; exit 1; }

# --- RabbitMQ ----------------------------------------------------------------------------------------
amqp_answers() { timeout 1 bash -c '</dev/tcp/127.0.0.1/5672' 2>/dev/null; }
if [ -z "${WAZO_DIRD_TEST_AMQP:-}" ] && ! amqp_answers; then
    if ! command -v rabbitmq-server >/dev/null; then
        log "installing RabbitMQ"
        apt_install rabbitmq-server
    fi
    log "starting RabbitMQ"
    as_root env RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 rabbitmq-server -detached >/dev/null 2>&1 || true
    for _ in $(seq 60); do amqp_answers && break; sleep 1; done
    amqp_answers || { echo "RabbitMQ does not answer on 127.0.0.1:5672" >&2; exit 1; }
fi

# --- OpenLDAP: the tests start their own slapd servers on free ports --------------------------------
if [ ! -x /usr/sbin/slapd ] || ! command -v ldapadd >/dev/null; then
    log "installing slapd and ldap-utils"
    apt_install slapd ldap-utils
fi

# --- The Debian package's tools (scripts/test-package.sh builds, lints and installs it) and nginx
#     (the package test, and the cluster drill of cluster_nginx.rs) ----------------------------------
need=()
for tool in dpkg-buildpackage:dpkg-dev dh:debhelper fakeroot:fakeroot lintian:lintian debootstrap:debootstrap nginx:nginx; do
    command -v "${tool%%:*}" >/dev/null || [ -x "/usr/sbin/${tool%%:*}" ] || need+=("${tool##*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
    log "installing ${need[*]}"
    apt_install "${need[@]}"
fi
# --- Python's venv for schemathesis (scripts/fuzz-api.sh installs it, pinned, under target/) ----------
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    log "installing python3-venv"
    apt_install python3 python3-venv
fi

# --- cargo-deny (licences, bans, sources, advisories: deny.toml) ------------------------------------
if ! command -v cargo-deny >/dev/null; then
    log "installing cargo-deny (once per machine)"
    cargo install --locked cargo-deny@0.20.2
fi

# --- Checks, build, tests ---------------------------------------------------------------------------
log "cargo fmt --check"
cargo fmt --all -- --check
log "style rules rustfmt and clippy do not check (scripts/check-style.sh)"
scripts/check-style.sh
log "cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings
log "cargo doc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --workspace --no-deps --document-private-items
log "cargo deny check"
scripts/deny.sh
log "building the daemon"
cargo build --locked --bin wazo-dird
log "running the tests"
cargo test --locked --workspace
log "fuzzing the API with schemathesis (its own api.yml: no 5xx, under 2 s, answers match their schemas)"
scripts/fuzz-api.sh
log "the Debian package: build, lintian, install into a throwaway root, run, purge"
as_root scripts/test-package.sh
