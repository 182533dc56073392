#!/usr/bin/env bash
# Remove everything up.sh made: the host loops, every container of the example (by its label), the
# network, the worker and its hook record, the run directory. Safe to run when nothing is up.
# Takes the same environment as up.sh (EX_RUN_DIR, EX_RUNTIME, CTOPO_STATE_DIR).
set -uo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/common.sh"

[ "$(id -u)" -eq 0 ] || die "needs root"

# the loops first, so they start nothing new; each is its own session, so its pid is its group
for name in client host-client; do
	pidfile="$EX_RUN_DIR/$name.pid"
	if loop_running "$pidfile"; then
		pid=$(cat "$pidfile")
		kill -TERM -- "-$pid" 2>/dev/null || true
		for _ in $(seq 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
		kill -KILL -- "-$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
done

if command -v docker >/dev/null && docker version >/dev/null 2>&1; then
	mapfile -t ids < <(docker ps -aq --filter "label=$EX_LABEL")
	# --rm clients may be on their way out already: ignore "removal in progress", then check
	[ ${#ids[@]} -eq 0 ] || docker rm -f "${ids[@]}" >/dev/null 2>&1
	for _ in $(seq 100); do
		[ -z "$(docker ps -aq --filter "label=$EX_LABEL")" ] && break
		sleep 0.1
	done
	[ -z "$(docker ps -aq --filter "label=$EX_LABEL")" ] || echo "down.sh: containers left: $(docker ps -a --filter "label=$EX_LABEL")" >&2
	docker network rm "$EX_NET" >/dev/null 2>&1 || true
fi

if command -v "$EX_RUNTIME" >/dev/null; then
	ex_runtime delete -f "$EX_WORKER_ID" >/dev/null 2>&1 || true
fi
rm -f "$CTOPO_STATE_DIR/$EX_WORKER_ID.json"
rm -rf "$EX_RUN_DIR"
echo "three-tier is down"
