#!/usr/bin/env bash
# The Debian package, tested as an admin would use it: builds it with dpkg-buildpackage, checks it
# with lintian (no error), installs it into a throwaway Debian root (debootstrap, cached in
# /var/cache/wazo-dird-test), checks its files, owners and modes, verifies the systemd unit and the
# logrotate rule, runs the installed binary on the installed config (plus a conf.d file pointing at a
# test database, the machine's RabbitMQ and a CSV directory), serves a lookup through the packaged
# nginx location, rotates the log, stops it with SIGTERM, then purges the package and checks that
# what it created is gone (the durable bus queues included).
#
# Needs root, dpkg-dev, debhelper, lintian, debootstrap, nginx, PostgreSQL and RabbitMQ (rabbitmqctl):
# scripts/test-all.sh installs them and calls this script. Usage: scripts/test-package.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n--> %s\n' "$*"; }
fail() {
    echo "test-package: FAILED: $*" >&2
    if [ -n "${root:-}" ] && [ -f "$root/var/log/wazo-dird.log" ]; then
        echo "--- the daemon's log:" >&2
        tail -n 30 "$root/var/log/wazo-dird.log" >&2
    fi
    exit 1
}
[ "$(id -u)" -eq 0 ] || fail "run as root (chroot, dpkg --purge in the test root)"
for tool in dpkg-buildpackage lintian debootstrap nginx psql rabbitmqctl curl; do
    command -v "$tool" >/dev/null || fail "$tool is missing (scripts/test-all.sh installs what this script needs)"
done

pg="${WAZO_DIRD_TEST_PG:-postgresql://postgres@127.0.0.1:5432}"
db="wazo_dird_pkgtest_$$"
package=wazo-dird-rs
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
out=target/debian
work=$(mktemp -d /tmp/wazo-dird-pkgtest.XXXXXX)
root="$work/root"
daemon_pid=
nginx_conf=

cleanup() {
    set +e
    if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then kill -KILL "$daemon_pid"; fi
    if [ -n "$nginx_conf" ] && [ -f "$work/nginx.pid" ]; then nginx -c "$nginx_conf" -p "$work" -s stop 2>/dev/null; fi
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

# --- Build and lint ------------------------------------------------------------------------------
step "dpkg-buildpackage -b -us -uc ($package $version)"
rm -f ../"${package}_${version}"_*
dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; fail "dpkg-buildpackage"; }
mkdir -p "$out"
mv ../"${package}_${version}_${arch}".{deb,changes,buildinfo} "$out/"
deb="$out/${package}_${version}_${arch}.deb"
grep -q -- '--locked' "$work/build.log" || fail "the package's rules did not build with --locked"

step "lintian (no error allowed)"
lintian --fail-on error "$out/${package}_${version}_${arch}.changes" || fail "lintian reported errors"

step "package metadata"
fields=$(dpkg-deb -f "$deb" Package Provides Conflicts Replaces Depends)
for expected in "Package: $package" "Provides: wazo-dird" "Conflicts: wazo-dird" "Replaces: wazo-dird"; do
    grep -qx "$expected" <<<"$fields" || fail "control field missing: $expected (got: $fields)"
done
grep -q '^Depends: .*libc6' <<<"$fields" || fail "Depends lacks the shared libraries (got: $fields)"

# --- A throwaway Debian root ------------------------------------------------------------------------
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
cache=/var/cache/wazo-dird-test
# systemd (the unit is verified against its targets) and procps (/bin/kill of ExecReload).
includes=init-system-helpers,logrotate,procps,systemd
mirror=http://deb.debian.org/debian
tarball="$cache/$suite-minbase-$(echo "$includes" | md5sum | cut -c1-8).tgz"
mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
    step "downloading a minimal $suite root (once; cached in $tarball)"
    debootstrap --variant=minbase --include="$includes" --make-tarball="$tarball.part" "$suite" "$work/dl" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap --make-tarball"; }
    mv "$tarball.part" "$tarball"
fi
step "debootstrap $suite into $root"
debootstrap --variant=minbase --include="$includes" --unpack-tarball="$tarball" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap --unpack-tarball"; }

# A stand-in for the Python wazo-dird package: the same paths (its binary, its conffile
# /etc/wazo-dird/config.yml), so that the switch to this package and back is what a Wazo server sees.
python_deb="$work/wazo-dird_99.0_all.deb"
mkdir -p "$work/python/DEBIAN" "$work/python/usr/bin" "$work/python/etc/wazo-dird/conf.d"
printf '#!/bin/sh\necho python wazo-dird\n' >"$work/python/usr/bin/wazo-dird"
chmod 755 "$work/python/usr/bin/wazo-dird"
echo "# the Python daemon's packaged defaults" >"$work/python/etc/wazo-dird/config.yml"
echo /etc/wazo-dird/config.yml >"$work/python/DEBIAN/conffiles"
printf '%s\n' "Package: wazo-dird" "Version: 99.0" "Architecture: all" "Maintainer: test <test@example.com>" \
    "Description: stand-in for the Python wazo-dird package" >"$work/python/DEBIAN/control"
dpkg-deb --root-owner-group -b "$work/python" "$python_deb" >/dev/null
cp "$python_deb" "$deb" "$root/tmp/"
python_deb="/tmp/$(basename "$python_deb")"
chroot "$root" dpkg -i "$python_deb" >/dev/null || fail "the Python wazo-dird stand-in does not install"
echo "cluster: {}" >"$root/etc/wazo-dird/conf.d/50-admin.yml"

step "dpkg -i $deb over the Python wazo-dird (in the test root)"
chroot "$root" dpkg -i "/tmp/$(basename "$deb")" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "dpkg -i"; }
python_state=$(chroot "$root" dpkg-query -W -f='${db:Status-Abbrev}' wazo-dird 2>/dev/null || true)
case "$python_state" in ii*) fail "the Python wazo-dird is still installed ($python_state)" ;; esac
if grep -q "python wazo-dird" "$root/usr/bin/wazo-dird"; then fail "/usr/bin/wazo-dird is still the Python one"; fi
[ -f "$root/etc/wazo-dird/conf.d/50-admin.yml" ] || fail "the admin's conf.d file was lost in the switch"
rm "$root/etc/wazo-dird/conf.d/50-admin.yml"

# --- Files, owners, modes ---------------------------------------------------------------------------
step "files, owners and modes"
expect() { # path owner:group mode [type]
    local path=$1 want="$2 $3" got
    [ -e "$root$path" ] || [ -L "$root$path" ] || fail "$path is not installed"
    got=$(stat -c '%U:%G %a' "$root$path")
    [ "$got" = "$want" ] || fail "$path is $got, expected $want"
    case "${4:-}" in
        dir) [ -d "$root$path" ] || fail "$path is not a directory" ;;
        link) [ -L "$root$path" ] || fail "$path is not a symlink" ;;
    esac
    echo "ok $path $got"
}
expect /usr/bin/wazo-dird root:root 755
expect /etc/wazo-dird/config.yml root:root 644
expect /etc/wazo-dird/conf.d root:root 755 dir
expect /lib/systemd/system/wazo-dird.service root:root 644
expect /etc/logrotate.d/wazo-dird root:root 644
expect /etc/rsyslog.d/99-wazo-dird.conf root:root 644
expect /etc/nginx/locations/https-available/wazo-dird root:root 644
expect /etc/nginx/locations/https-enabled/wazo-dird root:root 777 link
expect /var/log/wazo-dird.log www-data:www-data 640
expect /etc/systemd/system/multi-user.target.wants/wazo-dird.service root:root 777 link
cmp -s config/config.yml "$root/etc/wazo-dird/config.yml" || fail "/etc/wazo-dird/config.yml is not config/config.yml"
grep -q '^  key_file: /var/lib/wazo-auth-keys/wazo-dird-key.yml' "$root/etc/wazo-dird/config.yml" || fail "config.yml lacks auth.key_file"
conffiles=$(chroot "$root" dpkg-query -W -f='${Conffiles}' "$package")
for conffile in /etc/wazo-dird/config.yml /etc/logrotate.d/wazo-dird /etc/nginx/locations/https-available/wazo-dird /etc/rsyslog.d/99-wazo-dird.conf; do
    grep -q " $conffile " <<<"$conffiles" || fail "$conffile is not a conffile"
done
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$root/lib/systemd/system/wazo-dird.service" || fail "the unit has no ExecReload sending SIGHUP"
grep -q '^ExecStart=/usr/bin/wazo-dird --user www-data$' "$root/lib/systemd/system/wazo-dird.service" || fail "the unit does not run as www-data"

step "systemd-analyze verify (the unit in the test root)"
verify=$(systemd-analyze verify --root="$root" wazo-dird.service 2>&1) || { echo "$verify" >&2; fail "systemd-analyze verify"; }
if grep -i 'wazo-dird.service' <<<"$verify"; then fail "systemd-analyze verify reports on the unit"; fi

step "logrotate -d (the rule parses)"
chroot "$root" logrotate -d /etc/logrotate.d/wazo-dird >"$work/logrotate-d.log" 2>&1 || { cat "$work/logrotate-d.log" >&2; fail "logrotate -d"; }

# --- The installed daemon ---------------------------------------------------------------------------
step "the installed binary on the installed config (test database $db, RabbitMQ, a CSV directory)"
if timeout 1 bash -c '</dev/tcp/127.0.0.1/9489' 2>/dev/null; then fail "port 9489 (the packaged rest_api.port) is taken on this machine"; fi
psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null || fail "cannot create the test database"
# The daemon's durable queue must be declared by the installed daemon, not left by an earlier run.
rabbitmqctl --quiet delete_queue wazo-dird >/dev/null 2>&1 || true
rabbitmqctl --quiet delete_queue wazo-dird-dead-letter >/dev/null 2>&1 || true
mkdir -p "$root/var/lib/wazo-dird-test"
cat >"$root/var/lib/wazo-dird-test/contacts.csv" <<'EOF'
id,firstname,lastname,number
1,Alice,Martin,1001
2,Bob,Durand,1002
EOF
cat >"$root/var/lib/wazo-dird-test/tokens.yml" <<'EOF'
tokens:
  package-test-token:
    user_uuid: 11111111-1111-4111-8111-111111111111
    tenant_uuid: 00000000-0000-4000-8000-000000000001
    acl: ["dird.#"]
tenants:
  - {uuid: 00000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}
EOF
cat >"$root/etc/wazo-dird/conf.d/90-package-test.yml" <<EOF
db_uri: $pg/$db
auth:
  backend: static
  static_tokens_file: /var/lib/wazo-dird-test/tokens.yml
bus:
  host: 127.0.0.1
sources:
  - backend: csv
    name: package-test
    file: /var/lib/wazo-dird-test/contacts.csv
    unique_column: id
    searched_columns: [firstname, lastname]
    first_matched_columns: [number]
    format_columns: {name: "{firstname} {lastname}"}
displays:
  - name: default
    columns:
      - {title: Nom, type: name, field: name}
      - {title: Numéro, type: number, field: number}
profiles:
  - name: default
    display: {name: default}
    services:
      lookup: {sources: [{name: package-test}]}
EOF
# As the unit starts it: root, then www-data after binding the port.
chroot "$root" /usr/bin/wazo-dird --user www-data >"$work/daemon.stderr" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
    timeout 1 bash -c '</dev/tcp/127.0.0.1/9489' 2>/dev/null && break
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.stderr" >&2; fail "the installed daemon exited"; }
    sleep 0.2
done
user=$(ps -o user= -p "$daemon_pid" | tr -d ' ')
[ "$user" = www-data ] || fail "the daemon runs as '$user', not www-data"

step "a lookup through the packaged nginx location (/api/dird/)"
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nginx_conf="$work/nginx.conf"
# The link is absolute, as on a server: followed inside the test root.
location=$(readlink "$root/etc/nginx/locations/https-enabled/wazo-dird")
[ "$location" = /etc/nginx/locations/https-available/wazo-dird ] || fail "https-enabled/wazo-dird points at $location"
cat >"$nginx_conf" <<EOF
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events {}
http {
    access_log off;
    client_body_temp_path $work/nginx-body;
    proxy_temp_path $work/nginx-proxy;
    server {
        listen 127.0.0.1:$nginx_port;
        include $root$location;
    }
}
EOF
nginx -t -c "$nginx_conf" -p "$work" >/dev/null 2>&1 || { nginx -t -c "$nginx_conf" -p "$work"; fail "nginx rejects the packaged location"; }
nginx -c "$nginx_conf" -p "$work"
token=package-test-token
lookup() { curl -sS -o "$work/body" -w '%{http_code}' -H "X-Auth-Token: $token" "http://127.0.0.1:$nginx_port/api/dird/0.1/directories/lookup/default?term=$1"; }
status=""
for _ in $(seq 50); do # the declared items are loaded right after the port opens
    status=$(lookup ali) || true
    [ "$status" = 200 ] && grep -q 'Alice Martin' "$work/body" && break
    sleep 0.2
done
[ "$status" = 200 ] || fail "lookup through nginx answered $status: $(cat "$work/body")"
python3 - "$work/body" <<'EOF' || fail "unexpected lookup body: $(cat "$work/body")"
import json, sys
body = json.load(open(sys.argv[1]))
assert body["column_headers"] == ["Nom", "Numéro"], body
assert [r["column_values"] for r in body["results"]] == [["Alice Martin", "1001"]], body
EOF
echo "ok lookup 'ali' through /api/dird/ -> Alice Martin 1001"
status=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nginx_port/api/dird/metrics")
[ "$status" = 404 ] || fail "/api/dird/metrics answered $status through nginx, expected 404"

step "the log file: Wazo format, access lines, no token; logrotate's copytruncate"
log="$root/var/log/wazo-dird.log"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8},[0-9]{3} \[[0-9]+\] \(INFO\) \(wazo_dird[a-z_.]*\): ' "$log" || fail "no line in the Wazo format in $log"
grep -q 'GET /0.1/directories/lookup/default?term=ali 200' "$log" || fail "no access line for the lookup in $log"
if grep -q "$token" "$log"; then fail "the token is in the log file"; fi
chroot "$root" logrotate -f /etc/logrotate.d/wazo-dird || fail "logrotate -f"
[ -s "$root/var/log/wazo-dird.log.1.gz" ] || fail "logrotate kept no rotated file"
status=$(lookup bob)
[ "$status" = 200 ] || fail "lookup after the rotation answered $status"
grep -q 'GET /0.1/directories/lookup/default?term=bob 200' "$log" || fail "the daemon no longer writes to $log after logrotate"
zcat "$root/var/log/wazo-dird.log.1.gz" | grep -q 'term=ali 200' || fail "the rotated file lacks the earlier lines"
expect /var/log/wazo-dird.log www-data:www-data 640

step "SIGHUP reloads, SIGTERM stops with 0"
kill -HUP "$daemon_pid"
sleep 0.5
kill -0 "$daemon_pid" 2>/dev/null || fail "the daemon died on SIGHUP"
[ "$(lookup ali)" = 200 ] || fail "lookup after SIGHUP"
rabbitmqctl --quiet list_queues name durable | grep -qx $'wazo-dird\ttrue' || fail "the installed daemon declared no durable queue wazo-dird"
kill -TERM "$daemon_pid"
rc=0
wait "$daemon_pid" || rc=$?
daemon_pid=
[ "$rc" = 0 ] || fail "the daemon exited with $rc on SIGTERM"
nginx -c "$nginx_conf" -p "$work" -s stop 2>/dev/null

# --- Purge --------------------------------------------------------------------------------------------
step "dpkg --purge: what the package created is gone"
rm "$root/etc/wazo-dird/conf.d/90-package-test.yml"
# The test root has no RabbitMQ: its rabbitmqctl records the calls, which are then made on this
# machine's broker, where the installed daemon declared its queues.
cat >"$root/usr/local/sbin/rabbitmqctl" <<'EOF'
#!/bin/sh
echo "$@" >>/tmp/rabbitmqctl.calls
EOF
chmod 755 "$root/usr/local/sbin/rabbitmqctl"
chroot "$root" dpkg --purge "$package" >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "dpkg --purge"; }
for gone in /usr/bin/wazo-dird /etc/wazo-dird /lib/systemd/system/wazo-dird.service /etc/logrotate.d/wazo-dird \
    /etc/rsyslog.d/99-wazo-dird.conf /etc/nginx/locations/https-available/wazo-dird /etc/nginx/locations/https-enabled/wazo-dird \
    /var/log/wazo-dird.log /var/log/wazo-dird.log.1.gz /etc/systemd/system/multi-user.target.wants/wazo-dird.service; do
    if [ -e "$root$gone" ] || [ -L "$root$gone" ]; then fail "$gone is still there after the purge"; fi
done
[ -s "$root/tmp/rabbitmqctl.calls" ] || fail "the purge did not delete the bus queues"
while read -r -a call; do rabbitmqctl "${call[@]}" >/dev/null </dev/null; done <"$root/tmp/rabbitmqctl.calls"
if rabbitmqctl --quiet list_queues name | grep -Eqx 'wazo-dird|wazo-dird-dead-letter'; then
    fail "the durable bus queues are still there after the purge"
fi
echo "ok purge removed the files, the log, the links and the queues"

step "switching back: dpkg -i the Python wazo-dird after dpkg -r $package"
chroot "$root" dpkg -i "/tmp/$(basename "$deb")" >/dev/null 2>&1 || fail "reinstalling $package"
echo "cluster: {}" >"$root/etc/wazo-dird/conf.d/50-admin.yml"
if chroot "$root" dpkg -i "$python_deb" >/dev/null 2>&1; then fail "the Python package installed while $package (Conflicts) is"; fi
chroot "$root" dpkg -r "$package" >/dev/null || fail "dpkg -r $package"
chroot "$root" dpkg -i "$python_deb" >"$work/back.log" 2>&1 || { cat "$work/back.log" >&2; fail "the Python package does not install after dpkg -r $package"; }
grep -q "python wazo-dird" "$root/usr/bin/wazo-dird" || fail "/usr/bin/wazo-dird is not the Python one after switching back"
grep -q "the Python daemon's packaged defaults" "$root/etc/wazo-dird/config.yml" || fail "/etc/wazo-dird/config.yml is not the Python one after switching back"
[ -f "$root/etc/wazo-dird/conf.d/50-admin.yml" ] || fail "the admin's conf.d file was lost switching back"
echo "ok switched back to the Python package; the admin's conf.d kept"

printf '\ntest-package: all checks passed (%s)\n' "$deb"
