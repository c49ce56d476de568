#!/usr/bin/env bash
# cargo deny check with deny.toml (docs/decisions/0004-advisories-offline.md): the advisory database
# is fetched from GitHub; where it cannot be, the copy already on this machine is used and its date
# printed; where there is none, licences, bans and sources are checked and the script says loudly
# that advisories were not.
set -euo pipefail
cd "$(dirname "$0")/.."
db_root="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if timeout 60 cargo deny --log-level error fetch db >/dev/null 2>&1; then
    exec cargo deny --locked check
fi
# Offline, cargo-deny reads every package of the lock file (for every target) from cargo's cache.
cargo fetch --locked --quiet
copy=$(find "$db_root" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)
if [ -n "$copy" ] && git -C "$copy" rev-parse HEAD >/dev/null 2>&1; then
    echo "advisory database unreachable: checking against the copy on this machine, of $(git -C "$copy" log -1 --format=%cs)"
    exec cargo deny --locked --offline check
fi
echo "!!! advisory database unreachable and no copy on this machine: ADVISORIES NOT CHECKED !!!" >&2
exec cargo deny --locked check licenses bans sources
