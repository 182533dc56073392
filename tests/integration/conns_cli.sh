#!/usr/bin/env bash
# `ctopo conns` as a user runs it, on real namespaces joined by a veth pair:
# - connections made BEFORE ctopo starts are listed with the right pid and netns on both ends;
# - a DNAT'd connection (iptables inside the client namespace) shows the translated destination;
# - --no-ebpf lists the same established connections as the default (sock_diag);
# - without sock_diag (netlink sockets refused) the one-shot falls back to /proc, lists the same
#   and says "mode":"proc";
# - --watch 1: a connection that opens and closes within one interval is in exactly one report,
#   as closed, with its pid, and gone from the reports after it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root conns_cli
ensure_tracefs
export PATH="$PATH:/usr/sbin:/sbin"

nsa=ctopo-h3-cli-a nsb=ctopo-h3-cli-b
a4=10.203.3.1 b4=10.203.3.2
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$nsa" 2>/dev/null || true
	ip netns del "$nsb" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

for ns in "$nsa" "$nsb"; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add c3clia netns "$nsa" type veth peer name c3clib netns "$nsb"
ip -n "$nsa" addr add $a4/24 dev c3clia; ip -n "$nsb" addr add $b4/24 dev c3clib
ip -n "$nsa" link set c3clia up; ip -n "$nsb" link set c3clib up
ino_a=$(stat -L -c %i "/run/netns/$nsa")
ino_b=$(stat -L -c %i "/run/netns/$nsb")
# RECIPES.md "Loopback DNAT inside a namespace": 127.0.0.1:18390 in B goes to A's 18391
ip netns exec "$nsb" sysctl -qw net.ipv4.conf.all.route_localnet=1
ip netns exec "$nsb" iptables -t nat -A OUTPUT -d 127.0.0.1 -p tcp --dport 18390 -j DNAT --to-destination $a4:18391
ip netns exec "$nsb" iptables -t nat -A POSTROUTING -s 127.0.0.0/8 -o c3clib -j MASQUERADE

listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .; }
established() { ip netns exec "$1" ss -Htn state established "dport = :$2" | grep -q .; }

# nc keeps its connection open as long as its stdin stays open: a fifo a sleep holds
quiet_stdin() {
	mkfifo "$work/in$1"
	sleep 300 >"$work/in$1" 2>/dev/null & pids+=($!)
}
quiet_stdin 1; quiet_stdin 2; quiet_stdin 3; quiet_stdin 4
ip netns exec "$nsa" busybox nc -l -p 18392 <"$work/in1" >/dev/null 2>&1 & srv_direct=$!; pids+=($srv_direct)
ip netns exec "$nsa" busybox nc -l -p 18391 <"$work/in2" >/dev/null 2>&1 & srv_nat=$!; pids+=($srv_nat)
wait_for 5 listening "$nsa" 18392 || fail "server 18392 did not listen"
wait_for 5 listening "$nsa" 18391 || fail "server 18391 did not listen"
ip netns exec "$nsb" busybox nc $a4 18392 <"$work/in3" >/dev/null 2>&1 & cli_direct=$!; pids+=($cli_direct)
ip netns exec "$nsb" busybox nc 127.0.0.1 18390 <"$work/in4" >/dev/null 2>&1 & cli_nat=$!; pids+=($cli_nat)
wait_for 5 established "$nsb" 18392 || fail "client 18392 did not connect"
wait_for 5 established "$nsb" 18390 || fail "client 18390 did not connect"

# ---- one-shot, started after the connections exist
"$CTOPO_BIN" conns >"$work/once.txt" 2>"$work/once.err" || fail "ctopo conns failed: $(cat "$work/once.err")"
# columns: NETNS PID COMM DIR STATE LOCAL REMOTE [NAT...]
row() { awk -v ns="$1" -v l="$2" -v r="$3" '$1 == ns && $6 ~ l && $7 ~ r' "$4"; }
line=$(row "$ino_b" "^$b4:" "^$a4:18392\$" "$work/once.txt")
[ -n "$line" ] || fail "client side of the pre-existing connection missing:"$'\n'"$(cat "$work/once.txt")"
read -r _ pid _ dir state _ <<<"$line"
[ "$pid" = "$cli_direct" ] && [ "$dir" = outbound ] && [ "$state" = established ] ||
	fail "client side wrong (want pid $cli_direct outbound established): $line"
cport=$(awk '{print $6}' <<<"$line"); cport=${cport##*:}
line=$(row "$ino_a" "^$a4:18392\$" "^$b4:$cport\$" "$work/once.txt")
[ -n "$line" ] || fail "server side of the pre-existing connection missing:"$'\n'"$(cat "$work/once.txt")"
read -r _ pid _ dir state _ <<<"$line"
[ "$pid" = "$srv_direct" ] && [ "$dir" = inbound ] && [ "$state" = established ] ||
	fail "server side wrong (want pid $srv_direct inbound established): $line"

# ---- DNAT: the client asked for 127.0.0.1:18390 and really talks to A's 18391
line=$(row "$ino_b" "^127.0.0.1:" "^127.0.0.1:18390\$" "$work/once.txt")
[ -n "$line" ] || fail "DNAT'd client connection missing:"$'\n'"$(cat "$work/once.txt")"
grep -q -- "127.0.0.1:18390 -> $a4:18391 (dnat+snat)" <<<"$line" || fail "DNAT not resolved: $line"
[ "$(awk '{print $2}' <<<"$line")" = "$cli_nat" ] || fail "DNAT'd client has the wrong pid: $line"
"$CTOPO_BIN" conns --json >"$work/once.json"
grep -q "\"remote\":\"127.0.0.1:18390\",.*\"nat\":{\"netns\":$ino_b,\"kind\":\"dnat+snat\",\"role\":\"originator\",\"remote_original\":\"127.0.0.1:18390\",\"remote_translated\":\"$a4:18391\"" "$work/once.json" ||
	fail "JSON lacks the translated destination: $(cat "$work/once.json")"

# ---- --no-ebpf (/proc/PID/net/tcp) lists the same established connections as sock_diag
ours() { awk -v a="$ino_a" -v b="$ino_b" '($1 == a || $1 == b) && $5 == "established" {print $1, $2, $3, $4, $6, $7}' "$1" | sort; }
"$CTOPO_BIN" conns --no-ebpf >"$work/proc.txt"
[ "$(ours "$work/once.txt" | wc -l)" -eq 4 ] || fail "want 4 established ends in our namespaces: $(ours "$work/once.txt")"
diff <(ours "$work/once.txt") <(ours "$work/proc.txt") >"$work/diff" ||
	fail "--no-ebpf differs from sock_diag:"$'\n'"$(cat "$work/diff")"

# ---- no sock_diag: the one-shot falls back to /proc and its JSON says where the data came from
NO_NETLINK=${CTOPO_BUILD:?}/tests/integration/no_netlink
[ -x "$NO_NETLINK" ] || fail "$NO_NETLINK is missing (meson compile)"
"$NO_NETLINK" "$CTOPO_BIN" conns --no-nat >"$work/fallback.txt" 2>"$work/fallback.err" ||
	fail "conns without sock_diag failed: $(cat "$work/fallback.err")"
diff <(ours "$work/once.txt") <(ours "$work/fallback.txt") >"$work/diff" ||
	fail "the /proc fallback differs from sock_diag:"$'\n'"$(cat "$work/diff")"
"$NO_NETLINK" "$CTOPO_BIN" conns --no-nat --json >"$work/fallback.json"
grep -q '^{"time":[0-9.]*,"mode":"proc",' "$work/fallback.json" ||
	fail "the /proc fallback is not labelled proc: $(head -c 200 "$work/fallback.json")"
grep -q '"mode":"sock_diag",' "$work/once.json" || fail "the sock_diag snapshot is not labelled sock_diag"

# ---- --watch: one short-lived connection, in exactly one report
"$CTOPO_BIN" conns --watch 1 >"$work/watch.txt" 2>"$work/watch.err" </dev/null & watch=$!; pids+=($watch)
reports() { grep -c '^--- ' "$work/watch.txt" || true; }
wait_for 20 sh -c "[ \$(grep -c '^--- ' '$work/watch.txt') -ge 1 ]" ||
	fail "no first report: $(cat "$work/watch.err")"
ip netns exec "$nsa" busybox nc -l -p 18393 </dev/null >/dev/null 2>&1 & srv_short=$!; pids+=($srv_short)
wait_for 5 listening "$nsa" 18393 || fail "server 18393 did not listen"
ip netns exec "$nsb" busybox nc $a4 18393 </dev/null >/dev/null 2>&1 & cli_short=$!
wait "$cli_short" || true
wait "$srv_short" || true
after=$(reports)
wait_for 20 sh -c "[ \$(grep -c '^--- ' '$work/watch.txt') -ge $((after + 3)) ]" ||
	fail "reports stopped coming: $(cat "$work/watch.err")"
kill -INT "$watch"
wait "$watch" || fail "ctopo conns --watch exited non-zero on SIGINT"

# which reports list the client's end (netns B, remote A:18393)?
awk -v ns="$ino_b" -v r="^$a4:18393\$" '/^--- / {n++} $1 == ns && $7 ~ r {print n, $0}' "$work/watch.txt" >"$work/short.txt"
[ "$(wc -l <"$work/short.txt")" -eq 1 ] ||
	fail "the short-lived connection must be in exactly one report:"$'\n'"$(cat "$work/short.txt")"
read -r _ _ pid _ dir state _ <"$work/short.txt"
[ "$pid" = "$cli_short" ] && [ "$dir" = outbound ] && [ "$state" = closed ] ||
	fail "short-lived client end wrong (want pid $cli_short outbound closed): $(cat "$work/short.txt")"
awk -v ns="$ino_a" -v l="^$a4:18393\$" '/^--- / {n++} $1 == ns && $6 ~ l && $4 == "inbound" {print n, $0}' "$work/watch.txt" >"$work/short_srv.txt"
[ "$(wc -l <"$work/short_srv.txt")" -eq 1 ] ||
	fail "the short-lived connection's server end must be in exactly one report:"$'\n'"$(cat "$work/short_srv.txt")"
grep -q " closed " "$work/short_srv.txt" || fail "server end not closed: $(cat "$work/short_srv.txt")"
# the long-lived ones are in every report
[ "$(awk -v ns="$ino_b" -v r="^$a4:18392\$" '$1 == ns && $7 ~ r' "$work/watch.txt" | wc -l)" -eq "$(reports)" ] ||
	fail "the long-lived connection is missing from some reports"
echo "conns_cli: ok"
