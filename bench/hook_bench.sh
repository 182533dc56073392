#!/usr/bin/env bash
# How long ctopo-oci-hook adds to a container start: RUNS (default 1000) fork+exec+wait runs per
# case, the state JSON on stdin as a runtime gives it, a markdown table of median / p95 / p99 / min.
# Goal: median <= 2 ms for prestart (issue 5). The /bin/true row is the fork+exec floor.
# Usage: bench/hook_bench.sh [HOOK_BINARY] [RUNS]   (root: it mounts a tmpfs for one case)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
hook=${1:-$src/build/src/ctopo-oci-hook}
runs=${2:-1000}
[ -x "$hook" ] || { echo "hook_bench: no hook at $hook (build first, or pass its path)" >&2; exit 1; }

work=$(mktemp -d /tmp/ctopo-h5-bench.XXXXXX)
tmpfs_dir=
cleanup() {
	[ -n "$tmpfs_dir" ] && umount "$tmpfs_dir" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

cc -O2 -Wall -Wextra -o "$work/hook_bench" "$src/bench/hook_bench.c"

# A bundle with the config.json captured from a real runc run with CRI annotations; our own pid
# stands in for the container's init, so /proc/PID is real.
mkdir -p "$work/bundle"
cp "$src/tests/data/oci/runc-cri.config.json" "$work/bundle/config.json"
id=ctopo-h5-bench
printf '{"ociVersion":"1.0.2-dev","id":"%s","status":"creating","pid":%d,"bundle":"%s","annotations":{"io.kubernetes.cri.container-name":"web"}}' \
	"$id" $$ "$work/bundle" >"$work/prestart.json"
printf '{"ociVersion":"1.0.2-dev","id":"%s","status":"stopped","bundle":"%s"}' "$id" "$work/bundle" >"$work/poststop.json"
printf '{"ociVersion":"1.0.2-dev","id":"../../etc","status":"creating","pid":1}' >"$work/invalid.json"

# Where records go: the default dir's file system here, and a tmpfs (what /run is on most hosts).
disk_dir="$work/state"
if [ "$(id -u)" -eq 0 ]; then
	tmpfs_dir="$work/tmpfs"
	mkdir -p "$tmpfs_dir"
	mount -t tmpfs -o size=16m ctopo-h5-bench "$tmpfs_dir" || tmpfs_dir=
fi

bench() { "$work/hook_bench" "$@"; }
echo "ctopo-oci-hook, $runs runs per case, $(nproc) CPUs, kernel $(uname -r); state dir on $(stat -f -c %T /run) for /run here"
echo
echo "| case | runs | median ms | p95 ms | p99 ms | min ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
bench "/bin/true (fork+exec floor)" "$runs" "$work/prestart.json" 0 /bin/true
bench "prestart, state dir on $(stat -f -c %T "$work")" "$runs" "$work/prestart.json" 0 \
	"$hook" --state-dir "$disk_dir" prestart
bench "poststop, state dir on $(stat -f -c %T "$work")" "$runs" "$work/poststop.json" 0 \
	"$hook" --state-dir "$disk_dir" poststop
if [ -n "$tmpfs_dir" ]; then
	bench "prestart, state dir on tmpfs" "$runs" "$work/prestart.json" 0 \
		"$hook" --state-dir "$tmpfs_dir/containers" prestart
	bench "poststop, state dir on tmpfs" "$runs" "$work/poststop.json" 0 \
		"$hook" --state-dir "$tmpfs_dir/containers" poststop
fi
bench "invalid state (exit 65)" "$runs" "$work/invalid.json" 65 "$hook" --state-dir "$disk_dir" prestart 2>/dev/null
