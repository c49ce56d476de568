#!/usr/bin/env bash
# cargo deny check with deny.toml (docs/decisions/0004-advisories-offline.md). The RustSec advisory
# database is fetched from GitHub when it can be (cargo-deny keeps the copy it had when it cannot,
# without saying so); the check then runs offline against the copy on this machine, whose date is
# printed. Where there is no copy at all, licences, bans and sources are checked and the script says
# loudly that advisories were not.
set -euo pipefail
cd "$(dirname "$0")/.."
db_root="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
timeout 60 cargo deny --log-level error fetch db >/dev/null 2>&1 || true
# Offline, cargo-deny reads every package of the lock file (for every target) from cargo's cache.
cargo fetch --locked --quiet
copy=$(find "$db_root" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)
if [ -n "$copy" ] && git -C "$copy" rev-parse HEAD >/dev/null 2>&1; then
    echo "advisories checked against the RustSec database of $(git -C "$copy" log -1 --format=%cs) ($copy)"
    exec cargo deny --locked --offline check
fi
echo "!!! no RustSec advisory database on this machine and none could be fetched: ADVISORIES NOT CHECKED !!!" >&2
exec cargo deny --locked --offline check licenses bans sources
