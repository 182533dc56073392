#!/usr/bin/env bash
# Hostile names (issue 17): a process whose name holds CSI and OSC sequences, a BEL and a newline
# connects to a server in a runc container whose name (an OCI annotation, recorded by the hook)
# holds the same. Every text output of every command shows them escaped (\x1b, \a, \n) and carries
# no byte below 0x20 other than newline and tab, and no DEL: trace, conns, ps, graph (text, DOT),
# containers, stats, the errors and the daemon's log. JSON gives back the original names; the DOT
# output renders with Graphviz and the picture shows the escaped form.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root hostile_names
ensure_tracefs

HOOK="$CTOPO_BUILD/src/ctopo-oci-hook"
[ -x "$HOOK" ] || fail "no hook binary at $HOOK (build first)"
require_tools hostile_names runc busybox jq dot
BUSYBOX=$(command -v busybox)
ldd "$BUSYBOX" >/dev/null 2>&1 && fail "$BUSYBOX is dynamically linked; install busybox-static"

# comm holds 15 bytes: CSI (red), OSC (window title) ended by BEL, a newline
NAME=$'\e[31m\e]0;x\a\nEV'
NAME_SHOWN='\x1b[31m\x1b]0;x\a\nEV'
CNAME=$'web\e[31m\e]0;pwned\a\nsecond line\e[2J'
CNAME_SHOWN='web\x1b[31m\x1b]0;pwned\a\nsecond line\x1b[2J'
PORT=18717
ns=ctopo-h17-names
id=ctopo-h17-names
work=$(mktemp -d /tmp/ctopo-h17-names.XXXXXX)
sock=$work/ctopo.sock
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	runc delete -f "$id" >/dev/null 2>&1 || true
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	exec 4>&- 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
ip -n "$ns" link set lo up
inode=$(stat -L -c %i "/run/netns/$ns")

# --- the container: busybox nc listening, in our namespace, named by its annotations
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys"
cp "$BUSYBOX" "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/nc"
ln -s busybox "$rootfs/bin/cat"
runc spec --bundle "$work"
jq --arg root "$rootfs" --arg netns "/run/netns/$ns" --arg name "$CNAME" --arg hook "$HOOK" \
	--arg state "$work/state" --arg port "$PORT" '
	.process.terminal = false | .process.args = ["nc", "-l", "-p", $port, "-e", "cat"] |
	.root = {path: $root, readonly: true} |
	.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = $netns else . end] |
	.annotations = {"nerdctl/name": $name, "io.kubernetes.pod.name": $name} |
	.hooks = {prestart: [{path: $hook, args: ["ctopo-oci-hook", "--state-dir", $state, "prestart"], timeout: 10}],
	          poststop: [{path: $hook, args: ["ctopo-oci-hook", "--state-dir", $state, "poststop"], timeout: 10}]}
	' "$work/config.json" >"$work/config.new" && mv "$work/config.new" "$work/config.json"

"$CTOPO_BIN" daemon --socket "$sock" --state-dir "$work/state" --no-docker --interval 1 -v 2>"$work/daemon.log" &
daemon=$!; pids+=("$daemon")
wait_for 20 grep -q ready "$work/daemon.log" || fail "the daemon did not start: $(cat "$work/daemon.log")"
"$CTOPO_BIN" trace --netns "$inode" >"$work/trace.txt" 2>"$work/trace.err" &
pids+=($!)
"$CTOPO_BIN" trace --json --netns "$inode" >"$work/trace.json" 2>"$work/trace-json.err" &
pids+=($!)
wait_for 10 grep -q tracing "$work/trace.err" || fail "trace did not start: $(cat "$work/trace.err")"
wait_for 10 grep -q tracing "$work/trace-json.err" || fail "trace --json did not start"

runc run -b "$work" "$id" >"$work/runc.out" 2>"$work/runc.err" </dev/null &
pids+=($!)
wait_for 20 sh -c "ip netns exec $ns ss -Hltn 'sport = :$PORT' | grep -q $PORT" ||
	fail "the container does not listen: $(cat "$work/runc.err")"
[ "$(jq -r .name "$work/state/$id.json")" = "$CNAME" ] || fail "the hook recorded another name: $(cat "$work/state/$id.json")"

# --- the client names itself (one write to /proc/self/comm, as prctl(PR_SET_NAME) would), then
# connects from its own process and waits for a line on a fifo (perl-base is in every Debian)
mkfifo "$work/hold"
exec 4<>"$work/hold"
ip netns exec "$ns" perl -e 'use Socket;
	open(my $comm, ">", "/proc/self/comm") or die "comm: $!";
	syswrite($comm, $ARGV[0]) or die "comm: $!";
	close($comm);
	socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
	connect($s, sockaddr_in($ARGV[1], inet_aton("127.0.0.1"))) or die "connect: $!";
	open(my $hold, "<", $ARGV[2]) or die "hold: $!";
	my $line = <$hold>;' "$NAME" "$PORT" "$work/hold" &
client=$!; pids+=("$client")
wait_for 10 sh -c "ip netns exec $ns ss -Htn state established 'dport = :$PORT' | grep -q $PORT" ||
	fail "the client did not connect"
cpid=$client # ip netns exec execs perl: the same process
[ "$(cat "/proc/$cpid/comm")" = "$NAME" ] || fail "the client's comm is not the hostile name: $(od -c "/proc/$cpid/comm")"
sleep 2.5 # two reports

# --- every command's outputs
out() { "$CTOPO_BIN" "$@" 2>&1; }
out conns --netns "$inode" >"$work/conns.txt"
"$CTOPO_BIN" conns --json --netns "$inode" >"$work/conns.json"
out ps --socket "$sock" >"$work/ps.txt"
out ps --all --no-trunc --socket "$sock" >"$work/ps-all.txt"
"$CTOPO_BIN" ps --json --socket "$sock" >"$work/ps.json"
out ps --socket "$sock" --container "$CNAME" >"$work/ps-one.txt"
out ps --socket "$sock" --container "x$NAME" >"$work/ps-missing.txt" && fail "ps --container of no container succeeded"
out graph --socket "$sock" >"$work/graph.txt"
out graph --socket "$sock" --netns "$inode" >"$work/graph-ns.txt"
"$CTOPO_BIN" graph --socket "$sock" --format json >"$work/graph.json"
"$CTOPO_BIN" graph --socket "$sock" --format dot >"$work/graph.dot"
out graph --no-daemon --no-docker --netns "$inode" >"$work/graph-direct.txt"
out graph --socket "$sock" --container "x$NAME" >"$work/graph-missing.txt" && fail "graph --container of no container succeeded"
out stats --socket "$sock" >"$work/stats.txt"
out containers --docker-host "unix://$work/no-docker-here.sock" >"$work/containers.txt" || true
echo x >&4 # the client reads its line and exits: its close is traced
wait "$client" || true
sleep 0.5
for p in "${pids[@]:1:2}"; do kill -INT "$p"; wait "$p" || fail "trace exited non-zero"; done
kill -TERM "$daemon"
wait "$daemon" || fail "the daemon exited non-zero: $(cat "$work/daemon.log")"

# --- no control byte anywhere a terminal would see it
texts=(trace.txt trace.err conns.txt ps.txt ps-all.txt ps-one.txt ps-missing.txt graph.txt graph-ns.txt
	graph-direct.txt graph-missing.txt graph.dot stats.txt containers.txt daemon.log)
for f in "${texts[@]}"; do
	if LC_ALL=C grep -n -P '[\x00-\x08\x0a-\x1f\x7f]' <(tr -d '\n' <"$work/$f") >/dev/null; then
		fail "$f has a control byte: $(od -c "$work/$f" | head -40)"
	fi
done
echo "hostile_names: no control bytes in ${#texts[@]} outputs" >&2

shows() { grep -qF -- "$2" "$work/$1" || fail "$1 does not show $2 escaped: $(cat "$work/$1")"; }
shows trace.txt "$NAME_SHOWN"
shows conns.txt "$NAME_SHOWN"
shows ps.txt "$NAME_SHOWN"
shows ps.txt "$CNAME_SHOWN"
shows ps-all.txt "$CNAME_SHOWN"
shows ps-one.txt "$CNAME_SHOWN"
shows ps-missing.txt "x$NAME_SHOWN"
shows graph.txt "$NAME_SHOWN ($cpid)"
shows graph.txt "$CNAME_SHOWN"
shows graph-ns.txt "$CNAME_SHOWN"
shows graph-direct.txt "$NAME_SHOWN ($cpid)"
shows graph-missing.txt "x$NAME_SHOWN"
# DOT doubles the escape's backslash; the picture shows it once
shows graph.dot "${NAME_SHOWN//\\/\\\\}"
dot -Tsvg "$work/graph.dot" -o "$work/graph.svg" || fail "the DOT output does not render: $(cat "$work/graph.dot")"
shows graph.svg '\x1b[31m\x1b]0;x\a\nEV'
shows graph.svg 'web\x1b[31m\x1b]0;pwned\a\nsecond line\x1b[2J'

# ps's table: the connection's row is as wide as its header says (alignment uses the escaped width)
hdr=$(grep -m1 'PROCESS' "$work/ps.txt")
row=$(grep -m1 -F "  $NAME_SHOWN ($cpid)" "$work/ps.txt") # the host group's row, not a peer cell
col=$(awk -v h="$hdr" 'BEGIN { print index(h, "DIR") }')
[ "${row:$((col - 1)):3}" = "out" ] || fail "ps columns are out of line: '$hdr' / '$row'"

# --- JSON keeps the original bytes
jq -e -s --arg n "$NAME" --argjson p "$cpid" '[.[] | select(.pid == $p)] | length >= 2 and all(.comm == $n)' \
	"$work/trace.json" >/dev/null || fail "trace --json lost the name: $(cat "$work/trace.json")"
jq -e --arg n "$NAME" --argjson p "$cpid" '[.connections[] | select(.pid == $p and .comm == $n)] | length >= 1' \
	"$work/conns.json" >/dev/null || fail "conns --json lost the name"
jq -e --arg n "$NAME" --arg c "$CNAME" --argjson p "$cpid" '
	[.containers[] | select(.name == $c) | .connections[] | select(.peer.process.pid == $p and .peer.process.name == $n)]
	| length == 1' "$work/ps.json" >/dev/null || fail "ps --json lost a name: $(cat "$work/ps.json")"
jq -e --arg n "$NAME" --arg c "$CNAME" '
	([.nodes[] | select(.name == $n)] | length == 1) and ([.. | objects | select(.name? == $c)] | length >= 1)' \
	"$work/graph.json" >/dev/null || fail "graph --json lost a name: $(cat "$work/graph.json")"
echo "hostile_names: ok"
