#!/bin/sh
# ctopo on this kernel, as a user runs it; busybox sh inside the guest that tests/kernels/run.sh boots.
# Each assertion prints "ctopo-guest: ok NAME" or "ctopo-guest: FAIL NAME: why"; the last line is
# "ctopo-guest: verdict PASS|FAIL ...", which run.sh reads from the serial console.
# TCG runs some 20 times slower than the host: the waits are generous, no assertion is timed.
W=/tmp/check
mkdir -p "$W"
passed=0 failed=0
say() { echo "ctopo-guest: $*"; }
# this busybox prefers its own applets to PATH: iproute2's ip (netns, veth) goes by its path
# (a variable, not a function, so that `$IP netns exec a nc &` leaves nc's pid in $!)
IP=/usr/sbin/ip
# jqtest ARGS...: jq -e, quietly
jqtest() { jq -e "$@" >/dev/null; }
ok() { passed=$((passed + 1)); say "ok   $1"; }
bad() { failed=$((failed + 1)); say "FAIL $1: $2"; }
# expect NAME WHY COMMAND...: one assertion (WHY is expanded before COMMAND runs)
expect() {
	name=$1 why=$2
	shift 2
	if "$@"; then ok "$name"; else bad "$name" "$why"; fi
}
# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds
wait_for() {
	n=$(($1 * 10))
	shift
	until "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}
# stop PID SIGNAL: signal it, give it 30 s to exit (else SIGKILL), return its exit status.
# Every other process the checks wait for runs under `timeout 30`: a hang is a failed check, not
# a guest that never gives a verdict.
stop() {
	kill -"$2" "$1" 2>/dev/null
	wait_for 30 exited "$1" || kill -KILL "$1" 2>/dev/null
	wait "$1"
}
exited() { [ ! -d "/proc/$1" ] || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }
# listening [NETNS] PORT / established NETNS PATTERN: netstat in this or another namespace
listening() {
	if [ $# -eq 2 ]; then $IP netns exec "$1" netstat -ltn; else netstat -ltn; fi | grep -q ":${2:-$1} "
}
established() { $IP netns exec "$1" netstat -tn | grep -q "$2 *ESTABLISHED"; }
# events JQ-CONDITION: the traced events that match, one per line
events() { jq -c "select($1)" "$W/trace.json" 2>/dev/null; }
count() { events "$1" | grep -c .; }
# one: exactly one event matches, else say which did
one() {
	n=$(count "$1")
	[ "$n" -eq 1 ] && return 0
	echo "want 1 event ($1), have $n" >"$W/why"
	return 1
}
# expect_event NAME JQ-CONDITION: exactly one traced event matches
expect_event() {
	if one "$2"; then ok "$1"; else bad "$1" "$(cat "$W/why")"; fi
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }
say "kernel $(uname -r), $(nproc) CPUs, up $(uptime_s) s"
expect btf-in-sysfs "/sys/kernel/btf/vmlinux is missing" test -r /sys/kernel/btf/vmlinux

# ---------------------------------------------------------------- trace: load, attach, events
# The kernel's own record of listener children that die in SYN_RECV, never accepted (see the
# burst below), from a private tracefs instance: oldstate 3 is TCP_SYN_RECV, newstate 7 TCP_CLOSE
T=/sys/kernel/tracing/instances/ctopo-check
mkdir "$T" && echo 'oldstate == 3 && newstate == 7' >"$T/events/sock/inet_sock_set_state/filter" &&
	echo 1 >"$T/events/sock/inet_sock_set_state/enable" || say "note: no tracefs instance"
ctopo trace --json >"$W/trace.json" 2>"$W/trace.err" &
tracer=$!
if wait_for 180 grep -q tracing "$W/trace.err"; then
	ok bpf-load-attach
else
	bad bpf-load-attach "ctopo trace did not start: $(cat "$W/trace.err")"
fi

# IPv4, a pure AF_INET server: busybox httpd on 127.0.0.1 (it accepts, a child answers)
mkdir -p "$W/www"
echo hello-from-httpd >"$W/www/x"
printf 'GET /x HTTP/1.0\r\n\r\n' >"$W/request"
httpd -f -p 127.0.0.1:7070 -h "$W/www" &
server4=$!
wait_for 30 listening 7070 || say "note: httpd did not listen on 7070"
timeout 30 nc 127.0.0.1 7070 <"$W/request" >"$W/reply4" &
client4=$!
wait $client4
sent4=$(wc -c <"$W/request") received4=$(wc -c <"$W/reply4")
expect ipv4-reply "httpd answered nothing" grep -q hello-from-httpd "$W/reply4"

# IPv6: busybox nc listening on [::], a client to [::1]; 6 bytes out, 3 back
say "ipv6 at $(uptime_s) s"
timeout 30 nc -l -p 7071 -e /bin/echo hi &
server6=$!
wait_for 30 listening 7071 || say "note: nc did not listen on 7071"
echo hello >"$W/hello"
timeout 30 nc ::1 7071 <"$W/hello" >"$W/reply6" &
client6=$!
wait $client6
wait $server6

# refused, both families
say "refused at $(uptime_s) s"
timeout 30 nc 127.0.0.1 7079 </dev/null >/dev/null 2>&1 &
refused4=$!
wait $refused4
timeout 30 nc ::1 7079 </dev/null >/dev/null 2>&1 &
refused6=$!
wait $refused6

# a burst of 30 concurrent clients, each writing at once, to one server: every close belongs to a
# process. Issue 16 saw a stray pid-0 close on 5.10: two CPUs completing the same handshake (the
# final ACK and the first data segment) each make a child socket, the loser dies in SYN_RECV.
say "burst at $(uptime_s) s"
nc -ll -p 7072 -e /bin/echo hi &
server_burst=$!
wait_for 30 listening 7072 || say "note: nc did not listen on 7072"
burst=
for i in $(seq 30); do
	timeout 30 nc 127.0.0.1 7072 <"$W/hello" >/dev/null 2>&1 &
	burst="$burst $!"
done
for p in $burst; do wait "$p"; done

closes_seen() { [ "$(count '.type == "close" and .sport == 7072 and .direction == "inbound"')" -ge 30 ]; }
wait_for 30 closes_seen || say "note: not all 30 burst closes arrived"
stop $server4 TERM
stop $server_burst TERM
stop $tracer INT
rc=$?
expect trace-exit-0 "ctopo trace exited $rc on SIGINT: $(tail -3 "$W/trace.err")" [ $rc -eq 0 ]

expect_event ipv4-connect ".type == \"connect\" and .pid == $client4 and .family == \"ipv4\" and .daddr == \"127.0.0.1\" and .dport == 7070 and .direction == \"outbound\""
expect_event ipv4-accept ".type == \"accept\" and .pid == $server4 and .family == \"ipv4\" and .sport == 7070 and .saddr == \"127.0.0.1\" and .direction == \"inbound\""
expect_event ipv4-close-client ".type == \"close\" and .pid == $client4 and .dport == 7070 and .bytes_sent == $sent4 and .bytes_received == $received4"
expect_event ipv4-close-server ".type == \"close\" and .pid == $server4 and .sport == 7070 and .bytes_sent == $received4 and .bytes_received == $sent4"
expect_event ipv6-connect ".type == \"connect\" and .pid == $client6 and .family == \"ipv6\" and .daddr == \"::1\" and .dport == 7071"
expect_event ipv6-accept ".type == \"accept\" and .pid == $server6 and .family == \"ipv6\" and .sport == 7071 and .daddr == \"::1\""
expect_event ipv6-close-client ".type == \"close\" and .pid == $client6 and .family == \"ipv6\" and .dport == 7071 and .bytes_sent == 6 and .bytes_received == 3"
expect_event ipv6-close-server ".type == \"close\" and .pid == $server6 and .family == \"ipv6\" and .sport == 7071 and .bytes_sent == 3 and .bytes_received == 6"
expect_event ipv4-refused ".type == \"connect_failed\" and .pid == $refused4 and .family == \"ipv4\" and .dport == 7079 and .error == \"ECONNREFUSED\""
expect_event ipv6-refused ".type == \"connect_failed\" and .pid == $refused6 and .family == \"ipv6\" and .dport == 7079 and .error == \"ECONNREFUSED\""
burst_accepts=$(count ".type == \"accept\" and .pid == $server_burst and .sport == 7072")
burst_closes=$(count ".type == \"close\" and .pid == $server_burst and .sport == 7072 and .bytes_sent == 3")
expect burst-accepts "$burst_accepts of 30 accepts by pid $server_burst" [ "$burst_accepts" -eq 30 ]
expect burst-closes "$burst_closes of 30 server closes by pid $server_burst with 3 bytes" [ "$burst_closes" -eq 30 ]
echo 0 >"$T/events/sock/inet_sock_set_state/enable" 2>/dev/null
say "note: the kernel closed $(grep -c inet_sock_set_state "$T/trace" 2>/dev/null) listener children in SYN_RECV, never accepted"
expect no-pid0-close "closes without a process: $(events '.type == "close" and .pid == 0')" \
	[ "$(count '.type == "close" and .pid == 0')" -eq 0 ]
expect trace-0-lost "ctopo trace reported losses: $(tail -1 "$W/trace.err")" grep -q "events, 0 lost" "$W/trace.err"

# ---------------------------------------------------------------- conns: namespaces and DNAT
say "conns at $(uptime_s) s"
# a (server, 10.199.0.1) and b (client) joined by a veth; in b, 127.0.0.1:18080 is DNAT'd to a's 8080
$IP netns add a
$IP netns add b
$IP link add va netns a type veth peer name vb netns b
$IP -n a addr add 10.199.0.1/24 dev va
$IP -n b addr add 10.199.0.2/24 dev vb
for ns in a b; do $IP -n $ns link set lo up; done
$IP -n a link set va up
$IP -n b link set vb up
ns_a=$(stat -L -c %i /run/netns/a) ns_b=$(stat -L -c %i /run/netns/b)
$IP netns exec b sysctl -qw net.ipv4.conf.all.route_localnet=1
$IP netns exec b nft -f - <<'EOF'
table ip ctopo_check {
	chain out { type nat hook output priority -100; ip daddr 127.0.0.1 tcp dport 18080 dnat to 10.199.0.1:8080; }
	chain post { type nat hook postrouting priority 100; ip saddr 127.0.0.0/8 oifname "vb" masquerade; }
}
EOF
dnat_rule() { $IP netns exec b nft list ruleset | grep -q "dnat to 10.199.0.1:8080"; }
expect nft-dnat-rule "nft did not take the DNAT rule" dnat_rule

# a long-lived connection through the DNAT: both ends read a fifo nobody writes
mkfifo "$W/quiet"
exec 3<>"$W/quiet"
$IP netns exec a nc -l -p 8080 <"$W/quiet" >/dev/null &
server_nat=$!
wait_for 30 listening a 8080 || say "note: nc did not listen on a:8080"
$IP netns exec b nc 127.0.0.1 18080 <"$W/quiet" >/dev/null &
client_nat=$!
expect nat-connected "the client never got through the DNAT" wait_for 30 established b 127.0.0.1:18080

ctopo conns >"$W/conns.txt" 2>"$W/conns.err"
ctopo conns --json >"$W/conns.json" 2>>"$W/conns.err"
# columns: NETNS PID COMM DIR STATE LOCAL REMOTE [NAT...]
expect conns-dnat "no '127.0.0.1:18080 -> 10.199.0.1:8080 (dnat+snat)' for pid $client_nat: $(cat "$W/conns.txt" "$W/conns.err")" \
	sh -c "awk '\$1 == $ns_b && \$2 == $client_nat && \$4 == \"outbound\" && \$5 == \"established\"' '$W/conns.txt' |
		grep -q '127.0.0.1:18080 -> 10.199.0.1:8080 (dnat+snat)'"
expect conns-server "no inbound established line for pid $server_nat in netns a" \
	sh -c "awk '\$1 == $ns_a && \$2 == $server_nat && \$4 == \"inbound\" && \$5 == \"established\"' '$W/conns.txt' | grep -q ."
expect conns-sock-diag "the snapshot did not come from sock_diag: $(head -c 300 "$W/conns.json")" \
	jqtest '.mode == "sock_diag"' "$W/conns.json"
# as on a host, the kernel loaded what ctopo asked for through modprobe
for mod in inet_diag tcp_diag nf_conntrack nf_conntrack_netlink; do
	expect "autoload-$mod" "$mod is not loaded: $(lsmod | cut -d' ' -f1 | tr '\n' ' ')" \
		sh -c "lsmod | grep -q '^$mod '"
done

# ---------------------------------------------------------------- daemon, ps, graph
say "daemon at $(uptime_s) s"
ctopo daemon --no-docker --interval 4 2>"$W/daemon.log" &
daemon=$!
if wait_for 180 grep -q ready "$W/daemon.log"; then
	ok daemon-ready
else
	bad daemon-ready "the daemon did not start: $(cat "$W/daemon.log")"
fi
# A container's cgroup as runc makes it with Docker's cgroupfs driver: the cgroup watch (its own BPF
# object at cgroup:cgroup_mkdir) learns the new cgroup's id and the container id in its path.
mkdir -p /sys/fs/cgroup/docker/9211599629efe08d5c9bdb0f0e9c09a139c31cc802f7d936d43951844acb4e54
cgroup_learnt() { ctopo stats >"$W/stats-cg.json" 2>&1 && jqtest '.cgroups_learnt >= 1' "$W/stats-cg.json"; }
if wait_for 30 cgroup_learnt; then
	ok cgroup-watch
else
	bad cgroup-watch "the daemon learnt no cgroup: $(cat "$W/stats-cg.json"; grep -i cgroup "$W/daemon.log")"
fi
rmdir /sys/fs/cgroup/docker/9211599629efe08d5c9bdb0f0e9c09a139c31cc802f7d936d43951844acb4e54 /sys/fs/cgroup/docker

# edge FILE CLIENT-PID SERVER-PID PORT STATE [BYTES]: exactly one such edge in the graph FILE
edge() {
	jqtest --argjson c "$2" --argjson s "$3" --argjson port "$4" --arg state "$5" --argjson bytes "${6:--1}" '
		(.nodes | map({(.id): .}) | add) as $n
		| [.edges[] | select($n[.from].pid == $c and $n[.to].pid == $s and .port == $port
			and .state == $state and ($bytes < 0 or .bytes == $bytes))] | length == 1' "$1"
}
# A connection shorter than a report interval, 5 bytes each way, is a closed edge in the one report
# after it: look at every report (each poll is well under the interval) until it shows.
$IP netns exec a timeout 30 nc -l -p 8081 -e /bin/echo pong &
server_short=$!
wait_for 30 listening a 8081 || say "note: nc did not listen on a:8081"
echo ping >"$W/ping"
$IP netns exec b timeout 30 nc 10.199.0.1 8081 <"$W/ping" >/dev/null &
client_short=$!
wait $client_short
wait $server_short
closed_edge_shown() {
	ctopo graph --format json >"$W/graph-short.json" 2>&1 &&
		edge "$W/graph-short.json" "$client_short" "$server_short" 8081 closed 10
}
if wait_for 30 closed_edge_shown; then
	ok graph-closed-edge
else
	bad graph-closed-edge "no closed edge $client_short -> $server_short :8081 of 10 bytes: $(head -c 1500 "$W/graph-short.json")"
fi
ctopo graph --format json >"$W/graph.json" 2>"$W/graph.err"
ctopo ps --json >"$W/ps.json" 2>"$W/ps.err"
ctopo stats >"$W/stats.json" 2>"$W/stats.err"
expect graph-nat-edge "no established edge $client_nat -> $server_nat :8080: $(head -c 1500 "$W/graph.json")" \
	edge "$W/graph.json" "$client_nat" "$server_nat" 8080 established
expect ps-pairs "ps does not pair $client_nat with $server_nat: $(head -c 1500 "$W/ps.json")" \
	jqtest --argjson c "$client_nat" --argjson s "$server_nat" \
	'[.host.connections[] | select(.process.pid == $c and .peer.process.pid == $s and .direction == "outbound")] | length == 1' \
	"$W/ps.json"
expect daemon-0-lost "stats: $(cat "$W/stats.json" "$W/stats.err")" jqtest '.reports >= 1 and .lost_events == 0' "$W/stats.json"
stop $daemon TERM
rc=$?
expect daemon-exit-0 "the daemon exited $rc on SIGTERM: $(tail -3 "$W/daemon.log")" [ $rc -eq 0 ]
kill $server_nat $client_nat 2>/dev/null

say "done at $(uptime_s) s"
if [ $failed -eq 0 ]; then
	say "verdict PASS kernel=$(uname -r) checks=$passed"
else
	say "verdict FAIL kernel=$(uname -r) failed=$failed passed=$passed"
fi
