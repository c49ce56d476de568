#!/usr/bin/env bash
# The cluster benchmark: three instances of the release binary on one database and one broker,
# behind nginx, with lookups from 32 connections and a write a second through nginx, kill -9 and
# SIGTERM of instances under that load (integration_tests::drill; the same shape as the test
# cluster_nginx.rs, longer). Prints the lookup rates without writes, with writes and under faults,
# failed/incomplete lookups, lost writes and the restart times; exits 1 when a goal is missed.
# Needs PostgreSQL on 127.0.0.1:5432 (trust), RabbitMQ on 127.0.0.1:5672 and nginx (installed
# when missing, as root). Usage: scripts/bench-cluster.sh [SCALE]   (SCALE multiplies every phase)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/sbin/nginx ]; then
    [ "$(id -u)" -eq 0 ] || { echo "nginx is required: apt-get install nginx" >&2; exit 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi
cargo build --release --locked --bin wazo-dird -p wazo-dird
cargo build --release --locked -p integration_tests --bin cluster-drill
WAZO_DIRD_BIN="$PWD/target/release/wazo-dird" target/release/cluster-drill "${1:-1}"
