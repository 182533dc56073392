#!/usr/bin/env bash
# Container churn: 1000 short runc containers started with ctopo's OCI hook while the daemon runs
# (a tenth of them make a loopback connection first). Afterwards the daemon's anonymous memory (its
# heap: what churn could leave behind, less the edges kept for --history; see anon_kib) is within
# 10% of what it was before (plain builds; under ASan freed memory sits in quarantine, so only
# printed),
# and two intervals after the retention no container and no connection of theirs is left.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root churn
ensure_tracefs

RUNS=${CTOPO_CHURN_RUNS:-1000}
HOOK="$CTOPO_BUILD/src/ctopo-oci-hook"
BUSYBOX=$(command -v busybox) || fail "busybox-static is missing (.ci/dev deps)"
command -v runc >/dev/null || fail "runc is missing (.ci/dev deps)"
work=$(mktemp -d /tmp/ctopo-churn.XXXXXX)
state=$work/state sock=$work/ctopo.sock
daemon=
# The containers' cgroups go inside this script's own (its path in the unified hierarchy), so that
# whoever kills that cgroup (CI's runner, .ci/dev's leftover check) kills them too. runc's default
# and a relative cgroupsPath both put them at the unified hierarchy's root on hybrid hosts; an
# absolute path also makes runc mirror it in every v1 hierarchy, directories removed at the end.
own_cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
own_cg=${own_cg%/}
v1_made=()
if [ -n "$own_cg" ]; then
	for h in /sys/fs/cgroup/*/; do
		[ "$(stat -fc %T "$h")" = cgroupfs ] || continue # v1 only
		p=$h
		IFS=/ read -ra parts <<<"${own_cg#/}"
		for part in "${parts[@]}"; do
			p=$p/$part
			[ -e "$p" ] || v1_made=("$p" "${v1_made[@]}") # deepest first
		done
	done
fi
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null || true
	for c in $(runc list -q 2>/dev/null | grep '^ctopo-churn-' || true); do runc delete -f "$c" >/dev/null 2>&1 || true; done
	for d in "${v1_made[@]}"; do rmdir "$d" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# The daemon's anonymous memory less the BPF maps'. Code pages of its binary and libraries count
# in RSS as code paths first run (a sweep, an answer), which says nothing about what churn leaves
# behind; the ring buffer's pages are allocated whole by the kernel when the map is made and count
# only as the ring first wraps over them. The per-mapping figures are kept to say where a
# growth went.
anon_kib() { # anon_kib NAME: also keeps the daemon's smaps as $work/smaps.NAME
	cp "/proc/$daemon/smaps" "$work/smaps.$1"
	awk '/^[0-9a-f]+-[0-9a-f]+ / { bpf = ($6 == "anon_inode:bpf-map") }
	     /^Anonymous:/ { if (!bpf) total += $2 }
	     END { print total }' "$work/smaps.$1"
}
# What the talkers' edges take, kept for --history by design (they outlive their containers): the
# edge store and the served report's JSON that lists them, KiB.
edges_kib() { "$CTOPO_BIN" stats --socket "$sock" | jq '(.edge_store_bytes + .report_bytes) / 1024 | floor'; }
growth_by_mapping() { # the mappings whose RSS grew most between two smaps copies, in KiB
	awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" ? "[anon]" : $6) }
	     /^Rss:/ { rss[FILENAME == ARGV[1] ? "b" : "a", name] += $2; names[name] = 1 }
	     END { for (n in names) if (rss["a", n] != rss["b", n]) printf "%+d %s\n", rss["a", n] - rss["b", n], n }' \
		"$work/smaps.$1" "$work/smaps.$2" | sort -rn | head -5
}

# --- the bundle: busybox rootfs, hook at prestart and poststop writing to our state dir
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys"
cp "$BUSYBOX" "$rootfs/bin/busybox"
for app in sh nc true sleep; do ln -s busybox "$rootfs/bin/$app"; done
runc spec --bundle "$work"
hook() { jq -n --arg p "$HOOK" --arg s "$state" --arg stage "$1" '{path: $p, args: ["ctopo-oci-hook", "--state-dir", $s, $stage]}'; }
make_bundle() {
	local dir=$1 script=$2
	mkdir -p "$dir"
	jq --arg root "$rootfs" --arg script "$script" --argjson pre "$(hook prestart)" --argjson post "$(hook poststop)" '
		.process.terminal = false | .process.args = ["sh", "-c", $script] |
		.root = {path: $root, readonly: true} | .annotations = {"nerdctl/name": "churn"} |
		.hooks = {prestart: [$pre], poststop: [$post]} | .linux.cgroupsPath = "@CGROUP@"' \
		"$work/config.json" >"$dir/config.tmpl"
}
run_container() { # run_container BUNDLE ID: in a cgroup of its own inside ours
	sed "s|@CGROUP@|$own_cg/$2|" "$1/config.tmpl" >"$1/config.json"
	runc run --bundle "$1" "$2" >/dev/null 2>&1 </dev/null
}
make_bundle "$work/quiet" 'true'
make_bundle "$work/talker" 'nc -l -p 7 -e true & sleep 0.02; nc 127.0.0.1 7 </dev/null; wait'

churn() { # churn FIRST COUNT
	local i
	for ((i = $1; i < $1 + $2; i++)); do
		local bundle=$work/quiet
		[ $((i % 10)) -eq 0 ] && bundle=$work/talker
		run_container "$bundle" "ctopo-churn-$i" || fail "runc run $i failed"
	done
}

"$CTOPO_BIN" daemon --socket "$sock" --state-dir "$state" --no-docker --interval 1 --retention 1 \
	2>"$work/daemon.log" &
daemon=$!
wait_for 10 grep -q ready "$work/daemon.log" || fail "daemon did not start: $(cat "$work/daemon.log")"

warm=$((RUNS / 10))
churn 0 "$warm"
sleep 3
before=$(anon_kib before) edges_before=$(edges_kib)
start=$(date +%s)
churn "$warm" "$RUNS"
echo "churn: $RUNS containers in $(( $(date +%s) - start )) s" >&2
sleep 3 # the retention (1 s) and two intervals
"$CTOPO_BIN" ps -a --json --socket "$sock" >"$work/ps.json"
after=$(anon_kib after) edges_after=$(edges_kib)
echo "churn: daemon anonymous memory before $before KiB, after $after KiB; edges (store + report) $edges_before -> $edges_after KiB" >&2
growth_by_mapping before after | sed 's/^/churn:   RSS by mapping (KiB) /' >&2

kill -0 "$daemon" 2>/dev/null || fail "the daemon died: $(cat "$work/daemon.log")"
left=$(jq '[.containers[] | select(.name == "churn" or (.id | startswith("ctopo-churn-")))] | length' "$work/ps.json")
[ "$left" -eq 0 ] || fail "$left churn containers still listed after their retention"
conns=$(jq '[.containers[].connections[], .host.connections[] | select(.local | endswith(":7")) ] | length' "$work/ps.json")
[ "$conns" -eq 0 ] || fail "$conns connections of exited containers are still listed"
# not grep -q: it would leave ldd writing to a closed pipe, and pipefail would take its SIGPIPE
if ldd "$CTOPO_BIN" | grep libasan >/dev/null; then
	echo "churn: ASan build, RSS not compared (freed memory stays in ASan's quarantine)" >&2
else
	# the edges of the talkers are remembered for the history (an hour): not a leak
	[ $((after - (edges_after - edges_before))) -le $((before * 110 / 100)) ] ||
		fail "daemon anonymous memory grew from $before KiB to $after KiB, $((edges_after - edges_before)) KiB of it the edges' (store + report; > 10% besides); RSS by mapping (KiB):
$(growth_by_mapping before after)"
fi
# the hook's records are there (a fresh one, before its 1 s retention is over), and the daemon
# removes them once expired (a sweep every 10 s)
run_container "$work/quiet" ctopo-churn-probe || fail "runc run probe failed"
probe=$(cat "$state/ctopo-churn-probe.json" 2>/dev/null) || fail "the hook wrote no record for ctopo-churn-probe"
# its cgroup was inside ours (the hook records the v2 path where there is a unified hierarchy)
if [ -d /sys/fs/cgroup/unified ] || [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	probe_cg=$(jq -r .cgroup <<<"$probe")
	[ "$probe_cg" = "$own_cg/ctopo-churn-probe" ] || fail "the container's cgroup $probe_cg is not inside ours ($own_cg)"
fi
wait_for 15 sh -c "[ -z \"\$(ls '$state')\" ]" || fail "$(ls "$state" | wc -l) expired hook records were not removed"
kill -TERM "$daemon"
wait "$daemon" || fail "daemon exited non-zero: $(cat "$work/daemon.log")"
daemon=
echo "churn: ok"
