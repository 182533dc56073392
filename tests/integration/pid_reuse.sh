#!/usr/bin/env bash
# PID reuse: process A (its own mount namespace, no container ctopo knows) makes a connection and
# exits; its pid is then given to process B (container "beta", another mount namespace) before the
# next report. The connection stays A's: listed under host with A's pid, never under beta, although
# a lookup by pid now finds beta.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root pid_reuse
ensure_tracefs

HOOK="$CTOPO_BUILD/src/ctopo-oci-hook"
ns=ctopo-pidreuse
work=$(mktemp -d /tmp/ctopo-pidreuse.XXXXXX)
state=$work/state sock=$work/ctopo.sock
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
ip -n "$ns" link set lo up

record() { # record ID PID STAGE: what a runtime's hook would write
	local status=creating
	[ "$3" = poststop ] && status=stopped
	echo "{\"ociVersion\":\"1.0.2\",\"id\":\"$1\",\"status\":\"$status\",\"pid\":$2,\"bundle\":\"$work\",\"annotations\":{\"nerdctl/name\":\"$1\"}}" |
		(cd "$work" && "$HOOK" --state-dir "$state" "$3") || fail "hook $3 for $1 failed"
}
echo '{"ociVersion":"1.0.2","process":{"args":["sh"]},"root":{"path":"rootfs"}}' >"$work/config.json"

"$CTOPO_BIN" daemon --socket "$sock" --state-dir "$state" --no-docker --interval 2 2>"$work/daemon.log" &
pids+=($!)
wait_for 10 grep -q ready "$work/daemon.log" || fail "daemon did not start: $(cat "$work/daemon.log")"

ip netns exec "$ns" busybox nc -ll -p 18960 -e /bin/true &
pids+=($!)
wait_for 5 sh -c "ip netns exec $ns ss -Hltn 'sport = :18960' | grep -q 18960" || fail "server did not listen"

# A: its own mount namespace, waits for its record, connects, exits
mkfifo "$work/go"
ip netns exec "$ns" unshare -m sh -c "read x <'$work/go'; exec busybox nc 127.0.0.1 18960 </dev/null" &
a=$!
wait_for 5 sh -c "[ \"\$(readlink /proc/$a/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ]" || fail "A did not unshare"
echo go >"$work/go"
wait "$a" || true

# B takes A's pid (ns_last_pid makes the next fork get it; retry if another process was faster)
b=
for _ in $(seq 50); do
	echo $((a - 1)) >/proc/sys/kernel/ns_last_pid
	unshare -m sleep 60 &
	b=$!
	[ "$b" = "$a" ] && break
	kill "$b"; wait "$b" 2>/dev/null || true
	b=
done
[ -n "$b" ] || fail "could not get pid $a reused"
pids+=("$b")
wait_for 5 sh -c "[ \"\$(readlink /proc/$b/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ]" || fail "B did not unshare"
record beta "$b" prestart

sleep 2.5 # the next report
"$CTOPO_BIN" ps --json --socket "$sock" >"$work/ps.json"
jq -e --argjson a "$a" '[.host.closed[]
	| select(.process.pid == $a and .state == "closed" and (.remote | endswith(":18960")))] | length == 1' \
	"$work/ps.json" >/dev/null || fail "A's connection (pid $a) is not under host: $(cat "$work/ps.json")"
jq -e '[.containers[] | select(.name == "beta") | .connections[], .closed[] | select((.remote // "") | endswith(":18960"))]
	| length == 0' \
	"$work/ps.json" >/dev/null || fail "A's connection was given to beta, the pid's new owner"
echo "pid_reuse: ok (pid $a reused)"
