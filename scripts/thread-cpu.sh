#!/usr/bin/env bash
# Per-thread CPU of a process over a few seconds, from /proc (what `top -H` shows, without its
# sampling quirks): `scripts/thread-cpu.sh PID [SECONDS]` prints "name tid cpu%" by thread, busiest
# first. The benchmark scripts call it during their runs.
set -euo pipefail
pid=$1
seconds=${2:-3}
ticks=$(getconf CLK_TCK)
snapshot() {
    for stat in /proc/"$pid"/task/*/stat; do
        # Fields after the ")" that ends the thread name: 14 utime, 15 stime (1-based in stat).
        local tid rest
        tid=$(basename "$(dirname "$stat")")
        rest=$(sed 's/.*) //' "$stat" 2>/dev/null) || continue
        set -- $rest
        echo "$tid $(( ${12} + ${13} )) $(cat /proc/"$pid"/task/"$tid"/comm 2>/dev/null)"
    done
}
before=$(snapshot)
sleep "$seconds"
after=$(snapshot)
join <(echo "$before" | sort) <(echo "$after" | sort) | awk -v s="$seconds" -v t="$ticks" '
    { cpu = ($4 - $2) * 100 / (s * t); if (cpu >= 1) printf "%-20s %7s %6.1f%%\n", $3, $1, cpu }' | sort -k3 -rn
