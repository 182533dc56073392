# shellcheck shell=bash disable=SC2034
# Sourced by up.sh and down.sh: names, defaults and helpers shared by both.
EX_PREFIX=ctopo-ex
EX_NET=$EX_PREFIX-net
EX_LABEL=io.github.ctopo.example
EX_PORT=${EX_PORT:-18780}
EX_API_PORT=${EX_API_PORT:-18781}
EX_IMAGE=${EX_IMAGE:-ctopo-test/busybox:1}
EX_RUN_DIR=${EX_RUN_DIR:-/run/ctopo-ex}
EX_RUNTIME=${EX_RUNTIME:-crun}
EX_WORKER_ID=$EX_PREFIX-crun-worker
EX_WORKER_NAME=$EX_PREFIX-worker
CTOPO_STATE_DIR=${CTOPO_STATE_DIR:-/run/ctopo/containers}

die() { echo "${0##*/}: $*" >&2; exit 1; }

# crun 1.8 refuses hybrid cgroup v1/v2 hosts; hiding the v2 controllers file in a private mount
# namespace makes it use v1. runc needs nothing.
ex_runtime() {
	if [ "$EX_RUNTIME" = crun ] && [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
		mkdir -p "$EX_RUN_DIR"
		: >"$EX_RUN_DIR/empty"
		unshare -m --propagation private sh -c \
			'mount --bind "$0" /sys/fs/cgroup/unified/cgroup.controllers && exec crun "$@"' \
			"$EX_RUN_DIR/empty" "$@"
	else
		"$EX_RUNTIME" "$@"
	fi
}

# find_hook: the ctopo-oci-hook to put in the worker's config.json, as an absolute path
find_hook() {
	local c
	for c in "${CTOPO_HOOK:-}" /usr/libexec/ctopo/ctopo-oci-hook /usr/local/libexec/ctopo/ctopo-oci-hook \
		 "$top/build/src/ctopo-oci-hook"; do
		[ -n "$c" ] && [ -x "$c" ] && { realpath "$c"; return 0; }
	done
	return 1
}

# loop_running PIDFILE: the host loop of that pid file still runs (and is ours: a bash in its own session)
# (read from /proc/PID/stat, not ps: a minimal Debian has no procps)
loop_running() {
	local pid stat
	[ -s "$1" ] || return 1
	pid=$(cat "$1")
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) } # after "(comm) ": state ppid pgrp session ...
	set -- $stat
	[ "$4" = "$pid" ]
}
