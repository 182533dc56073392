#!/usr/bin/env bash
# A three-tier app to look at with ctopo: start it (again). Idempotent: what runs is kept, what is
# missing or stale is (re)created. Remove everything with down.sh. Needs root, a Docker Engine,
# busybox-static, and crun (or runc) for the container started outside Docker.
#
#   frontend --HTTP--> api --HTTP (CGI: one wget per request)--> db:8080 (busybox httpd)
#                      api --one long-lived connection (nc)----> db:5432 (nc -ll -e cat)
#   sidecar (--network container:api, same netns as api) --HTTP--> db:8080
#   client-N  a new `docker run --rm` every second, one request to db, then gone
#   host      curl (or busybox wget) to 127.0.0.1:18780, db's published port (DNAT to db:8080)
#   worker    a crun container outside Docker in the host's network namespace, named by the ctopo
#             OCI hook from its nerdctl/name annotation: calls api every 2 s through api's published
#             port 127.0.0.1:18781 (DNAT to api:8080)
#
# Environment (all optional):
#   EX_PORT=18780            the host port db:8080 is published on (127.0.0.1 only)
#   EX_API_PORT=18781        the host port api:8080 is published on (127.0.0.1 only)
#   EX_SUBNET=               the Docker network's subnet, e.g. 10.207.0.0/24 (default: Docker picks)
#   EX_IMAGE=ctopo-test/busybox:1  a busybox-static image; imported from the host's busybox if missing
#   EX_RUN_DIR=/run/ctopo-ex the loops' pid files, the crun bundle and logs
#   EX_RUNTIME=crun          crun or runc, for the worker
#   CTOPO_HOOK=              ctopo-oci-hook (default: installed, else this tree's build/src)
#   CTOPO_STATE_DIR=/run/ctopo/containers  where the hook writes its record (the daemon's --state-dir)
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/common.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (docker, crun, namespaces)"
for tool in docker busybox jq unshare setsid; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done
command -v "$EX_RUNTIME" >/dev/null || die "$EX_RUNTIME is not installed (EX_RUNTIME=crun or runc)"
docker version >/dev/null 2>&1 || die "no Docker Engine answers (tests/integration/docker_env.sh start)"
hook=$(find_hook) || die "no ctopo-oci-hook found: build ctopo or set CTOPO_HOOK"

mkdir -p "$EX_RUN_DIR"

# --- the image
if ! docker image inspect "$EX_IMAGE" >/dev/null 2>&1; then
	CTOPO_TEST_IMAGE=$EX_IMAGE "$top/tests/integration/docker_env.sh" image ||
		die "cannot import $EX_IMAGE from the host's busybox-static"
fi

# --- the network
if ! docker network inspect "$EX_NET" >/dev/null 2>&1; then
	docker network create ${EX_SUBNET:+--subnet "$EX_SUBNET"} \
		--label "$EX_LABEL=1" "$EX_NET" >/dev/null
fi

# run_container NAME ARGS...: keep NAME when it runs, else (re)create it. Every container restarts
# with dockerd (unless-stopped) and stops within a second: busybox sh as pid 1 ignores SIGTERM.
run_container() {
	local name=$1; shift
	if [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ]; then
		return 0
	fi
	docker rm -f "$name" >/dev/null 2>&1 || true
	docker run -d --name "$name" --label "$EX_LABEL=1" --restart unless-stopped --stop-timeout 1 \
		"$@" >/dev/null
	echo "started $name"
}

# db: HTTP on 8080 (published on 127.0.0.1:$EX_PORT) and a "database protocol" on 5432: an echo
# server that keeps every connection open as long as the client does
run_container "$EX_PREFIX-db" --network "$EX_NET" --network-alias db -p "127.0.0.1:$EX_PORT:8080" \
	"$EX_IMAGE" sh -c 'nc -ll -p 5432 -e /bin/cat & exec httpd -f -p 8080 -h /www'

# api: serves /cgi-bin/data, which asks db; keeps one pooled connection to db:5432 open
api_script='mkdir -p /www/cgi-bin
printf "#!/bin/sh\necho Content-Type: text/plain\necho\nwget -q -O - http://db:8080/\n" >/www/cgi-bin/data
busybox chmod 755 /www/cgi-bin/data
(while :; do (while :; do echo ping; sleep 5; done) | nc db 5432 >/dev/null; sleep 1; done) &
exec httpd -f -p 8080 -h /www'
run_container "$EX_PREFIX-api" --network "$EX_NET" --network-alias api -p "127.0.0.1:$EX_API_PORT:8080" \
	"$EX_IMAGE" sh -c "$api_script"

# frontend: one request to api every second
run_container "$EX_PREFIX-frontend" --network "$EX_NET" --network-alias frontend "$EX_IMAGE" \
	sh -c 'while :; do wget -q -O /dev/null http://api:8080/cgi-bin/data; sleep 1; done'

# sidecar: in api's network namespace, with a mount namespace of its own; it must follow api when
# api was recreated
api_id=$(docker inspect -f '{{.Id}}' "$EX_PREFIX-api")
if [ "$(docker inspect -f '{{.HostConfig.NetworkMode}}' "$EX_PREFIX-sidecar" 2>/dev/null)" != "container:$api_id" ]; then
	docker rm -f "$EX_PREFIX-sidecar" >/dev/null 2>&1 || true
fi
run_container "$EX_PREFIX-sidecar" --network "container:$EX_PREFIX-api" "$EX_IMAGE" \
	sh -c 'while :; do wget -q -O /dev/null http://db:8080/; sleep 1; done'

# start_loop NAME COMMAND...: a host loop in its own session, its pid in $EX_RUN_DIR/NAME.pid
start_loop() {
	local name=$1 pidfile="$EX_RUN_DIR/$1.pid"; shift
	if loop_running "$pidfile"; then return 0; fi
	setsid "$@" </dev/null >>"$EX_RUN_DIR/$name.log" 2>&1 &
	echo $! >"$pidfile"
	echo "started loop $name (pid $!)"
}

# the short-lived client: a container a second, each makes one request and exits; the sleep keeps
# it alive long enough for Docker to hand ctopo its pid (Docker gives a dead container's pid as 0)
start_loop client bash -c '
	n=0
	while :; do
		n=$((n + 1))
		docker run -d --rm --name "$0-client-$n" --label "$1=1" --network "$2" "$3" \
			sh -c "wget -q -O /dev/null http://db:8080/; sleep 1" >/dev/null || true
		sleep 1
	done' "$EX_PREFIX" "$EX_LABEL" "$EX_NET" "$EX_IMAGE"

# the host client: through the published port, so conntrack has the DNAT to db
if command -v curl >/dev/null; then
	host_get=(curl -s -o /dev/null --max-time 2)
else
	host_get=(busybox wget -q -O /dev/null -T 2)
fi
start_loop host-client bash -c 'while :; do "${@:2}" "http://127.0.0.1:$1/" || true; sleep 1; done' \
	_ "$EX_PORT" "${host_get[@]}"

# --- the worker: crun (or runc) outside Docker, with the ctopo OCI hook and a name annotation
bundle="$EX_RUN_DIR/worker"
rootfs="$bundle/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys" "$rootfs/etc" "$rootfs/tmp"
if [ ! -x "$rootfs/bin/busybox" ]; then
	# the rootfs holds nothing but busybox: it must be the static one
	! ldd "$(command -v busybox)" >/dev/null 2>&1 || die "$(command -v busybox) is not static: install busybox-static"
	cp "$(command -v busybox)" "$rootfs/bin/busybox"
	for app in sh cat sleep wget; do ln -sf busybox "$rootfs/bin/$app"; done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
	echo 'root:x:0:' >"$rootfs/etc/group"
fi
if [ "$(ex_runtime state "$EX_WORKER_ID" 2>/dev/null | jq -r .status)" != running ]; then
	ex_runtime delete -f "$EX_WORKER_ID" >/dev/null 2>&1 || true
	if [ ! -f "$bundle/base.json" ]; then
		(cd "$bundle" && rm -f config.json && "$EX_RUNTIME" spec) && mv "$bundle/config.json" "$bundle/base.json"
	fi
	# host network: no network namespace of its own; its own mount, pid, ipc and uts namespaces
	jq --arg root "$rootfs" --arg hook "$hook" --arg state "$CTOPO_STATE_DIR" \
		--arg name "$EX_WORKER_NAME" --arg api "127.0.0.1:$EX_API_PORT" '
		.process.terminal = false |
		.process.args = ["sh", "-c", "while :; do wget -q -O /dev/null http://\($api)/cgi-bin/data; sleep 2; done"] |
		.root = {path: $root, readonly: true} | .hostname = "worker" |
		.linux.namespaces |= map(select(.type != "network")) |
		.annotations = {"nerdctl/name": $name} |
		.hooks = {prestart: [{path: $hook, args: ["ctopo-oci-hook", "--state-dir", $state, "prestart"], timeout: 10}],
		          poststop: [{path: $hook, args: ["ctopo-oci-hook", "--state-dir", $state, "poststop"], timeout: 10}]}
		' "$bundle/base.json" >"$bundle/config.json"
	ex_runtime run -d -b "$bundle" "$EX_WORKER_ID" </dev/null >>"$EX_RUN_DIR/worker.log" 2>&1 ||
		die "$EX_RUNTIME could not start the worker: $(tail -n 5 "$EX_RUN_DIR/worker.log")"
	echo "started $EX_WORKER_NAME ($EX_RUNTIME container $EX_WORKER_ID, hook record in $CTOPO_STATE_DIR)"
fi
echo "three-tier is up: ctopo ps; ctopo graph --format dot | dot -Tsvg >graph.svg"
