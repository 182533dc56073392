#!/usr/bin/env bash
# A real dockerd for the integration tests, started only when none answers. Installs nothing:
# .ci/dev deps installs docker.io and busybox-static.
#
#   docker_env.sh running    exit 0 when a Docker Engine answers on the socket
#   docker_env.sh start      start dockerd in the background unless one answers; wait until it does
#   docker_env.sh stop       SIGTERM the dockerd of the pid file and wait until it has exited
#   docker_env.sh restart    stop, then start again with the same command line as before
#   docker_env.sh image      import the busybox-static image (ctopo-test/busybox:1) unless present
#
# Environment: DOCKER_SOCK (default /var/run/docker.sock), DOCKER_PIDFILE (/var/run/docker.pid),
# DOCKERD_LOG (/var/log/ctopo-test-dockerd.log), CTOPO_TEST_IMAGE (ctopo-test/busybox:1).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

sock=${DOCKER_SOCK:-/var/run/docker.sock}
pidfile=${DOCKER_PIDFILE:-/var/run/docker.pid}
log=${DOCKERD_LOG:-/var/log/ctopo-test-dockerd.log}
image=${CTOPO_TEST_IMAGE:-ctopo-test/busybox:1}
# The command line of the dockerd `stop` ended, which `restart` starts again.
stopped_cmd=()

die() { echo "docker_env: $*" >&2; exit 1; }

answering() {
	curl -sf --max-time 2 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1
}

# wait_until TENTHS COMMAND...: poll every 0.1 s.
wait_until() {
	local tries=$1; shift
	for _ in $(seq "$tries"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

dockerd_pid() {
	local pid
	[ -s "$pidfile" ] || return 1
	pid=$(cat "$pidfile")
	[ -d "/proc/$pid" ] || return 1
	echo "$pid"
}

start() {
	answering && return 0
	command -v dockerd >/dev/null || die "dockerd is not installed (run: .ci/dev deps)"
	local -a cmd=(dockerd --userland-proxy=false)
	[ ${#stopped_cmd[@]} -eq 0 ] || cmd=("${stopped_cmd[@]}")
	# Its own session, no inherited stdout/stderr, and no other inherited descriptor (a lock the
	# harness holds, say): the harness must neither wait for it nor be held by it.
	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
		done
		exec setsid nohup "${cmd[@]}" >>"$log" 2>&1 </dev/null
	) &
	wait_until 300 answering || die "dockerd did not answer on $sock within 30 s; see $log"
}

stop() {
	local pid
	pid=$(dockerd_pid) || { answering && die "a Docker Engine answers but $pidfile names no live process"; return 0; }
	# Keep the running daemon's own arguments, so a restart changes nothing but the process.
	mapfile -d '' -t stopped_cmd <"/proc/$pid/cmdline"
	kill -TERM "$pid"
	wait_until 600 sh -c "! [ -d /proc/$pid ]" || die "dockerd $pid did not exit within 60 s"
	# dockerd leaves its own network namespace's bind mount behind; the next one makes it again
	local m
	awk '$5 ~ "^/run/docker/netns/" { print $5 }' /proc/self/mountinfo | while read -r m; do
		umount "$m" 2>/dev/null || true
	done
}

# elf_is_static FILE: a 64-bit ELF without a PT_INTERP program header (no loader needed), read
# with od, because a minimal Debian has neither `file` nor an ldd that says so for every binary.
elf_is_static() {
	local f u phoff phentsize phnum i
	f=$(readlink -f "$1")
	u() { od -An -t "u$2" -j "$1" -N "$2" "$f" | tr -d ' '; }
	[ "$(od -An -c -j 1 -N 3 "$f" | tr -d ' ')" = ELF ] && [ "$(u 4 1)" = 2 ] || return 1
	phoff=$(u 32 8) phentsize=$(u 54 2) phnum=$(u 56 2)
	for ((i = 0; i < phnum; i++)); do
		[ "$(u $((phoff + i * phentsize)) 4)" = 3 ] && return 1 # PT_INTERP
	done
	return 0
}

import_image() {
	docker image inspect "$image" >/dev/null 2>&1 && return 0
	local busybox rootfs
	busybox=$(command -v busybox) || die "busybox is not installed (run: .ci/dev deps)"
	elf_is_static "$busybox" || die "$busybox is not static (install busybox-static)"
	rootfs=$(mktemp -d)
	trap 'rm -rf "$rootfs"' RETURN
	mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/www"
	cp "$busybox" "$rootfs/bin/busybox"
	for applet in sh ash cat echo ls ps sleep nc httpd wget ip ifconfig hostname id kill true false \
		      mkdir rm grep sed head tail wc env; do
		ln -s busybox "$rootfs/bin/$applet"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
	echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$rootfs/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
	echo 'hello from ctopo' >"$rootfs/www/index.html"
	tar -C "$rootfs" -c . | docker import -c 'ENV PATH=/bin' - "$image" >/dev/null
}

case "${1:-}" in
running) answering ;;
start) start ;;
stop) stop ;;
restart) stop; start ;;
image) import_image ;;
*) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
