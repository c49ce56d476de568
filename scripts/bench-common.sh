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
