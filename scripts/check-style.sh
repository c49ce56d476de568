#!/usr/bin/env bash
# The rules of CODE_STYLE.md that neither rustfmt nor clippy checks (clippy's too_many_lines checks
# the length of functions, clippy.toml): no view imports from backends, storage or bus; no file of
# src/ or actors/src/ over 500 lines. Prints each offence and exits 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

views=$(grep -rnE '^\s*(pub(\([a-z]+\))? )?use crate::(backends|storage|bus)\b|crate::(backends|storage|bus)::' src/http/views || true)
if [ -n "$views" ]; then
    echo "views must not reach into backends, storage or bus (CODE_STYLE.md: hand them a service in the state):"
    echo "$views"
    status=1
fi

while read -r lines file; do
    if [ "$file" != total ] && [ "$lines" -gt 500 ]; then
        echo "$file: $lines lines (at most 500: split it by idea)"
        status=1
    fi
done < <(find src actors/src -name '*.rs' -print0 | xargs -0 wc -l)

exit $status
