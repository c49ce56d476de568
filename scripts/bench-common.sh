# Shared by the benchmark scripts (sourced, not run).

# Installs wrk when it is missing (as root, with apt-get), or says how to.
ensure_wrk() {
    command -v wrk >/dev/null && return
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "installing wrk" >&2
        apt-get update -qq && apt-get install -y -qq wrk >/dev/null
    fi
    command -v wrk >/dev/null || { echo "wrk is required: apt-get install wrk" >&2; exit 1; }
}

# A free TCP port on the loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The daemon's API at $base with $token: `api METHOD PATH [JSON]` prints the answer's body.
api() {
    curl -sf -X "$1" -H "X-Auth-Token: $token" -H 'Content-Type: application/json' ${3:+-d "$3"} "$base$2"
}

# The `uuid` of the JSON object on stdin.
uuid_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["uuid"])'; }

# `contacts_csv COUNT PREFIX`: COUNT contacts with accented names, number PREFIX<i:06>, a mobile
# and an email, as CSV with a header row.
contacts_csv() {
    python3 - "$1" "$2" <<'PY'
import sys
count, prefix = int(sys.argv[1]), sys.argv[2]
first = ["Alice", "Bob", "Élodie", "François", "Jürgen", "Søren", "Zoë", "Marc", "Marie", "Ahmed", "Yuki", "Olga"]
last = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Lefèvre", "Müller"]
print("firstname,lastname,number,mobile,email")
for i in range(count):
    print(f"{first[i % 12]}{i % 97},{last[i % 11]}{i},{prefix}{i:06d},+336{prefix}{i:06d},{prefix}.{i}@example.com")
PY
}

# `import_csv PATH FILE`: POSTs FILE as UTF-8 CSV to PATH; prints the seconds it took.
import_csv() {
    local start end
    start=$(date +%s.%N)
    curl -sf -X POST -H "X-Auth-Token: $token" -H 'Content-Type: text/csv; charset=utf-8' --data-binary "@$2" "$base$1" >/dev/null
    end=$(date +%s.%N)
    python3 -c "print(f'{$end - $start:.2f}')"
}

# `wrk_run CONNECTIONS LUA URL CPU_FROM`: wrk for $duration against URL with the LUA script, then
# its latency and throughput lines and the RSS of $dird_pid; with CPU_FROM connections or more, the
# daemon's per-thread CPU during the run too. Uses $work for wrk's output.
wrk_run() {
    wrk -t"$(( $1 < 2 ? 1 : 2 ))" -c"$1" -d"$duration" --latency -s "$2" "$3" > "$work/wrk.out" &
    local wrk_pid=$!
    if [ "$1" -ge "$4" ]; then
        sleep 2
        echo "per-thread CPU of the daemon during the run:"
        scripts/thread-cpu.sh "$dird_pid" 3 | sed 's/^/  /'
    fi
    wait "$wrk_pid"
    grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx|Socket errors" "$work/wrk.out"
    echo "RSS: $(ps -o rss= -p "$dird_pid") KiB"
}
