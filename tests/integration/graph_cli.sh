#!/usr/bin/env bash
# `ctopo graph` and `ctopo ps` over real namespaces (no Docker): a client in one netns talking to a
# server in another over veth is one edge between the two processes, with their pids and
# namespaces; through the daemon a connection that opened and closed between two reports shows
# as a closed edge; the DOT output renders.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root graph_cli
ensure_tracefs

a=ctopo-gr-a b=ctopo-gr-b
work=$(mktemp -d)
sock=$work/ctopo.sock
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	exec 3>&- 2>/dev/null || true
	ip netns del "$a" 2>/dev/null || true
	ip netns del "$b" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

for ns in "$a" "$b"; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add ctopo-gr0 netns "$a" type veth peer name ctopo-gr1 netns "$b"
ip -n "$a" addr add 10.206.0.1/24 dev ctopo-gr0; ip -n "$a" link set ctopo-gr0 up
ip -n "$b" addr add 10.206.0.2/24 dev ctopo-gr1; ip -n "$b" link set ctopo-gr1 up
ns_a=$(stat -L -c %i /run/netns/$a) ns_b=$(stat -L -c %i /run/netns/$b)

# a long-lived connection b -> a:18600; both ends read a fifo nobody writes (held open here),
# so neither sees EOF and hangs up
mkfifo "$work/quiet"
exec 3<>"$work/quiet"
ip netns exec "$a" busybox nc -l -p 18600 <"$work/quiet" >/dev/null &
server=$!; pids+=("$server")
wait_for 5 sh -c "ip netns exec $a ss -Hltn 'sport = :18600' | grep -q 18600" || fail "server did not listen"
ip netns exec "$b" busybox nc 10.206.0.1 18600 <"$work/quiet" >/dev/null &
client=$!; pids+=("$client")
wait_for 5 sh -c "ip netns exec $b ss -Htn state established 'dport = :18600' | grep -q 18600" ||
	fail "client did not connect"

# --- one-shot: the edge, both pids, both namespaces
"$CTOPO_BIN" graph --format json --no-daemon --no-docker >"$work/g.json" 2>"$work/g.err" || fail "graph failed: $(cat "$work/g.err")"
jq -e --argjson c "$client" --argjson s "$server" --argjson na "$ns_a" --argjson nb "$ns_b" '
	(.nodes | map({(.id): .}) | add) as $n
	| [.edges[] | select($n[.from].pid == $c and $n[.to].pid == $s and .port == 18600
		and $n[.from].netns == $nb and $n[.to].netns == $na and .state == "established")] | length == 1
' "$work/g.json" >/dev/null || fail "no edge client($client)->server($server) :18600: $(cat "$work/g.json")"
jq -e --argjson na "$ns_a" '[.namespaces[] | select(.inode == $na)] | length == 1' "$work/g.json" >/dev/null ||
	fail "namespace $ns_a missing"

"$CTOPO_BIN" graph --format dot --no-daemon --no-docker --netns "$ns_a" >"$work/g.dot"
dot -Tsvg "$work/g.dot" -o "$work/g.svg" || fail "the DOT output does not render"
grep -q "cluster_$ns_a" "$work/g.dot" || fail "no cluster for netns $ns_a"
"$CTOPO_BIN" graph --no-daemon --no-docker --netns "$ns_b" | grep -q "busybox ($client)" || fail "text graph lacks the client"

# --- through the daemon: a connection shorter than an interval still shows, once, as closed
"$CTOPO_BIN" daemon --socket "$sock" --state-dir "$work/state" --no-docker --interval 2 2>"$work/daemon.log" &
daemon=$!; pids+=("$daemon")
wait_for 10 grep -q "ready" "$work/daemon.log" || fail "daemon did not start: $(cat "$work/daemon.log")"
ip netns exec "$a" busybox nc -l -p 18601 -e /bin/echo pong &
pids+=($!)
wait_for 5 sh -c "ip netns exec $a ss -Hltn 'sport = :18601' | grep -q 18601" || fail "second server did not listen"
echo ping | ip netns exec "$b" busybox nc 10.206.0.1 18601 >/dev/null &
short=$!
wait "$short" || true
sleep 2.5 # one report later
"$CTOPO_BIN" graph --format json --socket "$sock" >"$work/d.json"
jq -e --argjson c "$short" '
	(.nodes | map({(.id): .}) | add) as $n
	| [.edges[] | select($n[.from].pid == $c and .port == 18601 and .state == "closed" and .bytes == 10)] | length == 1
' "$work/d.json" >/dev/null || fail "the short-lived connection (pid $short) is not a closed edge: $(cat "$work/d.json")"
"$CTOPO_BIN" ps --json --socket "$sock" >"$work/ps.json"
jq -e --argjson c "$client" --argjson s "$server" '
	[.host.connections[] | select(.process.pid == $c and .peer.process.pid == $s and .direction == "outbound")] | length == 1
' "$work/ps.json" >/dev/null || fail "ps does not pair client and server: $(cat "$work/ps.json")"
"$CTOPO_BIN" stats --socket "$sock" | jq -e '.reports >= 1 and .lost_events == 0' >/dev/null || fail "stats"

# An empty table says what it looked at: here a private pid namespace sees only its own empty netns
# (an empty /run hides the namespaces bound under /run/netns and /var/run/docker/netns).
unshare --pid --fork --mount-proc --net sh -c 'mount -t tmpfs ctopo-empty-run /run && exec "$0" ps --no-daemon --no-docker' \
	"$CTOPO_BIN" >"$work/empty.txt" ||
	fail "ps in an empty namespace failed"
grep -q '^nothing to show: a snapshot of this host taken now has 0 containers and 0 TCP connections' "$work/empty.txt" &&
	grep -q "ctopo-oci-hook's records" "$work/empty.txt" || fail "an empty ps does not say why: $(cat "$work/empty.txt")"

kill -TERM "$daemon"
wait "$daemon" || fail "daemon exited non-zero on SIGTERM: $(cat "$work/daemon.log")"
[ ! -e "$sock" ] || fail "the daemon left its socket behind"
echo "graph_cli: ok"
