#!/usr/bin/env bash
# How the samples in this directory were made, for the fuzz targets whose input no other test
# captured (as root, on the project's Debian 12 / Linux 6.18 machine): two namespaces, a client
# reaching a server through DNAT (IPv4 and IPv6) plus masquerade and one direct connection; then,
# from inside the client's namespace, the raw ctnetlink events and dump and the RTM_GETADDR dump
# (what ctopo's sockets receive); the records the real ctopo-oci-hook writes for the two
# processes; and the report the real `ctopo daemon` serves meanwhile.
# Run: capture.sh BUILD_DIR   (a build dir with src/ctopo and src/ctopo-oci-hook)
set -euo pipefail
build=$(cd "${1:?usage: capture.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
srv=ctopo-h9-srv
cli=ctopo-h9-cli
tmp=$(mktemp -d /tmp/ctopo-h9-cap.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$srv" 2>/dev/null || true
	ip netns del "$cli" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

wait_for() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; echo "timed out waiting for $1" >&2; exit 1; }

for ns in "$srv" "$cli"; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add c9va type veth peer name c9vb
ip link set c9va netns "$srv"
ip link set c9vb netns "$cli"
ip -n "$srv" addr add 10.209.0.1/24 dev c9va
ip -n "$srv" addr add fd09::1/64 dev c9va nodad
ip -n "$cli" addr add 10.209.0.2/24 dev c9vb
ip -n "$cli" addr add fd09::2/64 dev c9vb nodad
ip -n "$srv" link set c9va up
ip -n "$cli" link set c9vb up
ip netns exec "$cli" iptables -t nat -A OUTPUT -d 10.209.0.99 -p tcp --dport 18980 -j DNAT --to-destination 10.209.0.1:18981
ip netns exec "$cli" ip6tables -t nat -A OUTPUT -d fd09::99 -p tcp --dport 18980 -j DNAT --to-destination '[fd09::1]:18981'
ip netns exec "$cli" iptables -t nat -A POSTROUTING -o c9vb -j MASQUERADE

# ctnetlink events (NEW, UPDATE, DESTROY groups) as the client's namespace sends them, datagram
# after datagram, until the recorder is told to stop.
ip netns exec "$cli" python3 - "$tmp/events.bin" "$tmp/events.ready" "$tmp/events.stop" <<'PY' &
import os, socket, sys, select
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
s.bind((0, 1 | 2 | 4))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
open(sys.argv[2], "w").write("ready\n")
with open(sys.argv[1], "wb") as out:
    while not os.path.exists(sys.argv[3]):
        if select.select([s], [], [], 0.1)[0]:
            out.write(s.recv(65536))
PY
pids+=($!)
wait_for "$tmp/events.ready"

ip netns exec "$srv" python3 - "$tmp/srv.pid" <<'PY' &
import os, socket, sys, select
ls = []
for fam, addr in [(socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")]:
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 18981)); s.listen(16); ls.append(s)
open(sys.argv[1], "w").write("%d\n" % os.getpid())
keep = []
while True:
    for s in select.select(ls, [], [])[0]:
        keep.append(s.accept()[0])
PY
pids+=($!)
wait_for "$tmp/srv.pid"

# DNAT over IPv4 and IPv6, one direct connection, and one NATed connection closed at once
ip netns exec "$cli" python3 - "$tmp/cli.pid" <<'PY' &
import os, socket, sys, time
keep = [socket.create_connection(("10.209.0.99", 18980)),
        socket.create_connection(("fd09::99", 18980)),
        socket.create_connection(("10.209.0.1", 18981))]
c = socket.create_connection(("10.209.0.99", 18980)); port = c.getsockname()[1]; c.close()
open(sys.argv[1], "w").write("%d %d\n" % (os.getpid(), port))
time.sleep(600)
PY
pids+=($!)
wait_for "$tmp/cli.pid"
read -r cli_pid closed_port <"$tmp/cli.pid"
srv_pid=$(cat "$tmp/srv.pid")
# a DESTROY event without waiting out TIME_WAIT: drop that one flow from this namespace's table
ip netns exec "$cli" conntrack -D -p tcp --orig-dst 10.209.0.99 --orig-port-dst 18980 --orig-port-src "$closed_port" >/dev/null 2>&1 || true

ip netns exec "$cli" python3 - "$tmp" <<'PY'
import socket, struct, sys
def dump(proto, msgtype, extra, path):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
    s.bind((0, 0))
    hdr = struct.pack("=IHHII", 16 + len(extra), msgtype, 0x1 | 0x300, 1, 0)  # REQUEST | DUMP
    s.send(hdr + extra)
    with open(path, "wb") as out:
        while True:
            d = s.recv(65536)
            out.write(d)
            if struct.unpack_from("=IH", d, 0)[1] in (2, 3):  # NLMSG_ERROR, NLMSG_DONE
                break
            off, done = 0, False
            while off + 16 <= len(d):
                ln, ty = struct.unpack_from("=IH", d, off)
                done = done or ty == 3
                off += (ln + 3) & ~3
            if done:
                break
# ctnetlink: IPCTNL_MSG_CT_GET, nfgenmsg AF_UNSPEC v0
dump(12, (1 << 8) | 1, struct.pack("=BBH", 0, 0, 0), sys.argv[1] + "/ctnetlink_dump.bin")
# rtnetlink: RTM_GETADDR, ifaddrmsg AF_UNSPEC
dump(0, 22, struct.pack("=BBBBI", 0, 0, 0, 0, 0), sys.argv[1] + "/rtm_getaddr_dump.bin")
PY
touch "$tmp/events.stop"

# the hook's records, as it writes them for the two processes (each has its own mount namespace:
# ip netns exec made one)
mkdir -p "$tmp/state"
for id in srv cli gone; do # runc's bundle config, hostname (the name the hook picks) set per container
	mkdir -p "$tmp/bundle-$id"
	sed "s/\"hostname\": *\"ctopo-cap\"/\"hostname\": \"h9-$id\"/" "$repo/tests/data/oci/runc.config.json" \
		>"$tmp/bundle-$id/config.json"
done
for c in "srv $srv_pid" "cli $cli_pid"; do
	set -- $c
	printf '{"ociVersion":"1.0.2","id":"ctopo-h9-%s","status":"created","pid":%d,"bundle":"%s"}' \
		"$1" "$2" "$tmp/bundle-$1" | "$build/src/ctopo-oci-hook" --state-dir "$tmp/state" prestart
done
sleep 1 & s=$!
printf '{"ociVersion":"1.0.2","id":"ctopo-h9-gone","status":"created","pid":%d,"bundle":"%s"}' "$s" "$tmp/bundle-gone" |
	"$build/src/ctopo-oci-hook" --state-dir "$tmp/state" prestart
printf '{"ociVersion":"1.0.2","id":"ctopo-h9-gone","status":"stopped","bundle":"%s"}' "$tmp/bundle-gone" |
	"$build/src/ctopo-oci-hook" --state-dir "$tmp/state" poststop
wait "$s"

# the report the daemon serves with all of this in place
"$build/src/ctopo" daemon --socket "$tmp/ctopo.sock" --state-dir "$tmp/state" --no-docker --interval 1 \
	2>"$tmp/daemon.log" &
pids+=($!)
sleep 3
python3 - "$tmp/ctopo.sock" "$tmp/report.json" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1]); s.sendall(b'{"request":"report"}\n')
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
open(sys.argv[2], "wb").write(data)
PY

cp "$tmp/events.bin" "$here/ctnetlink_events.bin"
cp "$tmp/ctnetlink_dump.bin" "$tmp/rtm_getaddr_dump.bin" "$tmp/report.json" "$here/"
for id in srv cli gone; do cp "$tmp/state/ctopo-h9-$id.json" "$here/oci_record.$id.json"; done
ls -l "$here"
