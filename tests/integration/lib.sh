# Sourced by the shell integration tests. set -eu is the caller's.
: "${CTOPO_BIN:?run through meson test}"

require_root() {
	if [ "$(id -u)" -eq 0 ]; then return 0; fi
	if [ "${CI:-}" = true ]; then
		echo "$1: FAIL: this test needs root and CI=true forbids skipping it" >&2; exit 1
	fi
	echo "$1: SKIP: needs root" >&2; exit 77
}

fail() { echo "FAIL: $*" >&2; exit 1; }

# wait_for SECONDS COMMAND...: poll every 50 ms until COMMAND succeeds.
wait_for() {
	local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
	until "$@"; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# require_tools TEST TOOL...: every TOOL is on PATH, else TEST is skipped (fails under CI=true).
require_tools() {
	local test=$1 tool
	shift
	for tool in "$@"; do
		command -v "$tool" >/dev/null && continue
		[ "${CI:-}" = true ] && fail "$tool is missing (.ci/dev deps installs it)"
		echo "$test: SKIP: $tool is missing" >&2
		exit 77
	done
}

# start_collecting SOCK FILE: every report of the daemon at SOCK (`ps --json -a` every 0.25 s)
# appended to FILE, emptied first: a connection that closed shows in few reports.
# stop_collecting: two more reports, then stop. $collector is the collecting process, for a trap.
collector=''
start_collecting() {
	: >"$2"
	(while :; do
		"$CTOPO_BIN" ps --json -a --socket "$1" >>"$2" 2>/dev/null || true
		sleep 0.25
	done) &
	collector=$!
}
stop_collecting() {
	sleep 2.5
	kill "$collector" 2>/dev/null || true
	wait "$collector" 2>/dev/null || true
	collector=''
}

# write_podman_conf FILE HOOKS_DIR: a containers.conf (for CONTAINERS_CONF) that runs podman as
# RECIPES.md does here (runc: crun refuses hybrid cgroups; the file events logger: no journald
# here), with the OCI hooks of HOOKS_DIR only.
write_podman_conf() {
	cat >"$1" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
hooks_dir = ["$2"]
CONF
}

ensure_tracefs() {
	mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
}

# stop_daemon PID LOG RC: for a cleanup trap. SIGTERM the daemon started as PID (none when empty)
# and wait for it; when the test failed (RC, the trap's $?, not 0) show the end of its LOG.
stop_daemon() {
	if [ -n "$1" ]; then
		kill -TERM "$1" 2>/dev/null || true
		wait "$1" 2>/dev/null || true
	fi
	[ "$3" -eq 0 ] || { echo "--- daemon log"; tail -n 30 "$2"; } >&2 2>/dev/null || true
}
