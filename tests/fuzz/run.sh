#!/usr/bin/env bash
# Run every libFuzzer target for a fixed budget, seeded from the real samples in tests/data, and
# print a markdown table of what ran. Exits non-zero when any target crashed, leaked or hung; the
# input that did it is kept (see the table's last column).
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]      (default: $FUZZ_SECONDS, else 30; all targets)
#
# Environment:
#   FUZZ_SECONDS    budget per target, when no SECONDS argument is given
#   FUZZ_BUILD_DIR  the fuzz build dir (default build-fuzz; configured here when missing)
#   FUZZ_JOBS       targets run at once (default: the number of CPUs)
#   FUZZ_CORPUS_DIR keep each target's grown corpus in DIR/<target> across runs (default: a temp
#                   dir, removed at the end); the seeds are added to it every run
#   FUZZ_ARTIFACTS  where crashing inputs go (default: $FUZZ_BUILD_DIR/fuzz-artifacts)
# Needs clang and libclang-rt-14-dev (libFuzzer); never writes into tests/data.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

seconds=${FUZZ_SECONDS:-30}
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
	seconds=$1
	shift
fi
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}
artifacts=${FUZZ_ARTIFACTS:-$build/fuzz-artifacts}
data=tests/data

all_targets=(fuzz_cgroup fuzz_docker_error fuzz_docker_events fuzz_docker_inspect fuzz_docker_list
	fuzz_docker_ping fuzz_escape fuzz_inet_diag fuzz_ipc_request fuzz_nat fuzz_netinfo fuzz_oci_config
	fuzz_oci_podman_name fuzz_oci_proc_cgroup fuzz_oci_record fuzz_oci_state fuzz_proc_net_tcp
	fuzz_report_json)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

if [ ! -f "$build/build.ninja" ]; then
	echo "== configuring $build" >&2
	CC=clang meson setup "$build" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dtests=false -Dc_args=-fno-sanitize-recover=all >/dev/null
fi
echo "== building $build" >&2
ninja -C "$build" >/dev/null

work=$(mktemp -d /tmp/ctopo-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
artifacts=$(cd "$artifacts" && pwd)

# seeds() and assemble_corpus(): the same corpus the replay test (replay.sh) runs in every build
. tests/fuzz/corpus.sh

run_target() {
	local t=$1 corpus=$2 log=$3 dict=()
	case $t in
	fuzz_oci_* | fuzz_docker_inspect | fuzz_docker_list | fuzz_docker_error | fuzz_docker_events | \
		fuzz_ipc_request | fuzz_report_json)
		[ $t = fuzz_oci_proc_cgroup ] || dict=(-dict=tests/fuzz/json.dict) ;;
	esac
	mkdir -p "$artifacts/$t"
	# -timeout: one input taking 10 s is a hang; -rss_limit_mb: a parser must stay bounded
	"$build/tests/fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$artifacts/$t/" "${dict[@]}" "$corpus" >"$log" 2>&1
}

declare -A corpus_of
for t in "${targets[@]}"; do
	[ -x "$build/tests/fuzz/$t" ] || { echo "no such fuzz target: $t" >&2; exit 2; }
	if [ -n "${FUZZ_CORPUS_DIR:-}" ]; then
		corpus_of[$t]=$FUZZ_CORPUS_DIR/$t
	else
		corpus_of[$t]=$work/corpus/$t
	fi
	assemble_corpus "$t" "${corpus_of[$t]}"
done

echo "== fuzzing ${#targets[@]} targets, ${seconds}s each, $jobs at a time" >&2
mkdir -p "$work/logs"
running=0
for t in "${targets[@]}"; do
	if [ $running -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	(
		rc=0
		run_target "$t" "${corpus_of[$t]}" "$work/logs/$t.log" || rc=$?
		echo $rc >"$work/logs/$t.rc"
	) &
	running=$((running + 1))
done
wait

failed=0
total=0
echo "| target | seconds | executions | corpus | crashes |"
echo "|---|---:|---:|---:|---|"
for t in "${targets[@]}"; do
	log=$work/logs/$t.log
	rc=$(cat "$work/logs/$t.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	corpus=$(find "${corpus_of[$t]}" -type f | wc -l)
	crash=$(sed -n "s/.*Test unit written to \\(.*\\)/\\1/p" "$log" | tail -1)
	if [ "$rc" -ne 0 ] || [ -n "$crash" ]; then
		failed=1
		[ -n "$crash" ] || crash="exit $rc"
		cp "$log" "$artifacts/$t/last-failure.log"
		echo "| $t | $seconds | ${execs:-?} | $corpus | 1: $crash (log: $artifacts/$t/last-failure.log) |"
		{ echo "== $t failed:"; grep -m1 -A8 -E '^==[0-9]+==ERROR|runtime error|^ALARM|deadly signal' "$log" || tail -20 "$log"; } >&2
	else
		echo "| $t | $seconds | ${execs:-?} | $corpus | 0 |"
	fi
	total=$((total + ${execs:-0}))
done
echo
echo "total executions: $total"
exit $failed
