#!/usr/bin/env bash
# `ctopo trace` as a user runs it: nc in a namespace shows up with its pids and netns;
# without privileges the command says what to do and fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root trace_cli
ensure_tracefs

ns=ctopo-tcli
work=$(mktemp -d)
tpid= spid=
cleanup() {
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null || true
	[ -n "$spid" ] && kill "$spid" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# --- without privileges: a clear message, non-zero exit
if setpriv --reuid=65534 --regid=65534 --clear-groups "$CTOPO_BIN" trace >"$work/np.out" 2>"$work/np.err"; then
	fail "ctopo trace succeeded without privileges"
fi
grep -q "run it as root with its capabilities, or give it CAP_BPF" "$work/np.err" ||
	fail "no clear privilege message: $(cat "$work/np.err")"
[ "$(wc -l <"$work/np.err")" -eq 1 ] || fail "more than one line without privileges: $(cat "$work/np.err")"
# root whose capabilities were dropped (a container, a service manager): the same one line, not
# a hint about RLIMIT_MEMLOCK
if setpriv --bounding-set -bpf,-perfmon,-sys_admin "$CTOPO_BIN" trace >"$work/nocap.out" 2>"$work/nocap.err"; then
	fail "ctopo trace succeeded without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN"
fi
grep -q "ctopo runs without CAP_BPF and CAP_PERFMON" "$work/nocap.err" ||
	fail "no clear capability message: $(cat "$work/nocap.err")"
[ "$(wc -l <"$work/nocap.err")" -eq 1 ] || fail "more than one line without capabilities: $(cat "$work/nocap.err")"

# --- a real nc conversation in a fresh namespace
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
ip -n "$ns" link set lo up
inode=$(stat -L -c %i "/run/netns/$ns")

"$CTOPO_BIN" trace --json --netns "$inode" >"$work/trace.json" 2>"$work/trace.err" &
tpid=$!
wait_for 10 grep -q "tracing" "$work/trace.err" || fail "tracer did not start: $(cat "$work/trace.err")"

ip netns exec "$ns" busybox nc -l -p 7070 -e /bin/echo hi &
spid=$!
wait_for 5 sh -c "ip netns exec $ns ss -Hltn 'sport = :7070' | grep -q 7070" || fail "server did not listen"
echo hello >"$work/input"
ip netns exec "$ns" busybox nc 127.0.0.1 7070 <"$work/input" >"$work/reply" &
cpid=$!
wait "$cpid" || true
wait "$spid" || true
spid=

has() { grep -q "$1" "$work/trace.json"; }
wait_for 5 has '"type":"close".*"direction":"outbound"' || fail "no outbound close: $(cat "$work/trace.json")"
kill -INT "$tpid"
wait "$tpid" || fail "ctopo trace exited non-zero on SIGINT"
tpid=

grep -q "\"type\":\"connect\",.*\"pid\":$cpid,.*\"netns\":$inode,.*\"dport\":7070" "$work/trace.json" ||
	fail "connect by pid $cpid missing: $(cat "$work/trace.json")"
grep -q "\"type\":\"accept\",.*\"netns\":$inode,.*\"sport\":7070" "$work/trace.json" ||
	fail "accept missing: $(cat "$work/trace.json")"
grep -q "\"type\":\"close\",.*\"pid\":$cpid,.*\"bytes_sent\":6,\"bytes_received\":3" "$work/trace.json" ||
	fail "client close with 6 bytes out, 3 in missing: $(cat "$work/trace.json")"
# the filter kept other namespaces out
if grep -qv "\"netns\":$inode," "$work/trace.json"; then fail "--netns let other namespaces through"; fi
grep -q "events, 0 lost" "$work/trace.err" || fail "no lost count on exit: $(cat "$work/trace.err")"
echo "trace_cli: ok"
