#!/usr/bin/env bash
# How the samples in this directory were made (as root, on the project's Debian 12 / Linux 6.18
# machine): a namespace with known listeners and connections, then its /proc/net/tcp{,6} and the
# raw sock_diag replies ctopo itself received (`ctopo conns --save-diag`), plus one per-family
# SOCK_DIAG_BY_FAMILY dump for the fallback message type. Run: capture.sh path/to/ctopo
set -euo pipefail
ctopo=${1:?usage: capture.sh CTOPO_BINARY}
here=$(cd "$(dirname "$0")" && pwd)
ns=ctopo-h3-cap
holder=
cleanup() { [ -n "$holder" ] && kill "$holder" 2>/dev/null; ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT

ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add c3cap0 type veth peer name c3cap1
ip -n "$ns" link set c3cap1 up
ip -n "$ns" addr add 10.203.9.1/24 dev c3cap0
ip -n "$ns" addr add fd03:9::1/64 dev c3cap0 nodad
ip -n "$ns" link set c3cap0 up

# listeners: 10.203.9.1:18301 (IPv4), [fd03:9::1]:18302 (IPv6 only), [::]:18303 (dual stack),
# 127.0.0.1:18304; one connection to each, and one closed connection left in TIME_WAIT.
ip netns exec "$ns" python3 - >"$here/holder.out" <<'PY' &
import os, socket, sys, time
def listen(fam, addr, port, v6only=None):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((addr, port)); s.listen(16); return s
keep = []
for fam, laddr, port, v6only, caddr in [
        (socket.AF_INET, "10.203.9.1", 18301, None, "10.203.9.1"),
        (socket.AF_INET6, "fd03:9::1", 18302, 1, "fd03:9::1"),
        (socket.AF_INET6, "::", 18303, 0, "10.203.9.1"),
        (socket.AF_INET, "127.0.0.1", 18304, None, "127.0.0.1")]:
    l = listen(fam, laddr, port, v6only)
    c = socket.create_connection((caddr, port))
    a, _ = l.accept()
    keep += [l, c, a]
c = socket.create_connection(("127.0.0.1", 18304)); a, _ = keep[9].accept()
c.close(); a.close()
print(os.getpid(), flush=True)
time.sleep(600)
PY
holder=$!
for i in $(seq 100); do [ -s "$here/holder.out" ] && break; sleep 0.1; done
ip netns exec "$ns" cat /proc/net/tcp >"$here/proc_net_tcp"
ip netns exec "$ns" cat /proc/net/tcp6 >"$here/proc_net_tcp6"
inode=$(stat -L -c %i "/run/netns/$ns")
"$ctopo" conns --no-nat --netns "$inode" --save-diag "$here/inet_diag_legacy.bin" >/dev/null
ip netns exec "$ns" python3 - "$here/inet_diag_v2_inet6.bin" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4)  # NETLINK_SOCK_DIAG
# inet_diag_req_v2: family, protocol, ext, pad, states, then a zero sockid (48 bytes)
req = struct.pack("=BBBxI", socket.AF_INET6, socket.IPPROTO_TCP, 0, (1 << 1) | (1 << 10)) + bytes(48)
hdr = struct.pack("=IHHII", 16 + len(req), 20, 0x301, 1, 0)  # SOCK_DIAG_BY_FAMILY, REQUEST|DUMP
s.send(hdr + req)
with open(sys.argv[1], "wb") as out:
    while True:
        data = s.recv(65536); out.write(data)
        if struct.unpack_from("=H", data, 4)[0] == 3: break  # NLMSG_DONE
PY
rm -f "$here/holder.out"
echo "captured into $here"
