#!/usr/bin/env bash
# Every connection named after its container, whatever the container's lifetime and runtime
# (issue 15), with `ctopo daemon` running and `ctopo ps --json` read after every report:
#  - twelve `docker run --rm` clients, each living a fraction of a second, make one request to a
#    server container: each client's connection is named after its client container, and the
#    server's side names that client as its peer (Docker gives no pid for a container that is
#    gone: the name comes from the cgroup made for it and Docker's events);
#  - a `docker exec` process's connection is named after its container;
#  - two Compose-labelled replicas of one service carry the project and service in the report, and
#    `graph --by service` draws them as one node;
#  - a podman container (the hook from hooks.d) and a crun bundle that exits at once (the hook in
#    its config.json) are named the same way;
#  - a host client of a published port shows the container it reached after conntrack forgot the
#    flow (its entry deleted while the connection stays open).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root names
ensure_tracefs

require_tools names docker dockerd podman crun busybox jq unshare conntrack

docker_env="$CTOPO_SRC/tests/integration/docker_env.sh"
HOOK="$CTOPO_BUILD/src/ctopo-oci-hook"
[ -x "$HOOK" ] || fail "no hook binary at $HOOK (build first)"
image=${CTOPO_TEST_IMAGE:-ctopo-test/busybox:1}
P=ctopo-n15
label=io.github.ctopo.test=names
pub_port=18415
clients=12

work=$(mktemp -d /tmp/ctopo-n15.XXXXXX)
sock="$work/ctopo.sock"
state="$work/state"
daemon='' events='' crun_id=''
export CONTAINERS_CONF="$work/containers.conf"
cleanup() {
	local rc=$?
	for p in "$collector" "$events"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null 2>&1 || true
	podman ps -aq --filter "label=$label" 2>/dev/null | xargs -r podman rm -f >/dev/null 2>&1 || true
	[ -n "$crun_id" ] && crun delete -f "$crun_id" >/dev/null 2>&1 || true
	stop_daemon "$daemon" "$work/daemon.log" $rc
	rm -rf "$work"
}
trap cleanup EXIT

"$docker_env" start
"$docker_env" image
docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null 2>&1 || true

"$CTOPO_BIN" daemon --socket "$sock" --state-dir "$state" --interval 1 >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for 20 grep -q ready "$work/daemon.log" || fail "the daemon did not start: $(cat "$work/daemon.log")"

# Connections of every report, each with its owner (a container's name or "host"): the open ones
# one by one, and those that closed in the window as the daemon's edge store aggregates them (a
# short-lived client's connection is only ever there).
conns_jq='[.[] | (.containers[] | . as $c | (.connections[], .closed[]) | . + {owner: $c.name}),
	((.host.connections[], .host.closed[]) | . + {owner: "host"})]'
# expect JQ-FILTER MESSAGE: the filter, given all reports as an array, must print true.
expect() {
	[ "$(jq -s "$1" "$work/reports.jsonl")" = true ] || fail "$2"
}
# expect_named_both WHAT OWNER: OWNER's wget to the server is named after OWNER on its own side,
# and the server names OWNER as its peer.
expect_named_both() {
	expect "$conns_jq"' | any(.owner == "'"$2"'" and .process.name == "wget" and .direction == "outbound"
		and .peer.container.name == "'"$P-srv"'")' "$1: the wget is not named after $2"
	expect "$conns_jq"' | any(.owner == "'"$P-srv"'" and .peer.container.name == "'"$2"'")' \
		"$1: the server does not name $2 as its peer"
}

docker run -d --name "$P-srv" --label "$label" "$image" httpd -f -p 8080 -h /www >/dev/null
srv_ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$P-srv")

# --- 1. twelve short-lived `docker run --rm` clients
docker events --filter "label=$label" --filter type=container --filter event=start --filter event=die \
	--format '{{json .}}' >"$work/events.jsonl" 2>/dev/null &
events=$!
start_collecting "$sock" "$work/reports.jsonl"
for i in $(seq "$clients"); do
	docker run --rm --name "$P-cli-$i" --label "$label" "$image" wget -q -O /dev/null "http://$srv_ip:8080/" ||
		fail "client $i: the request failed"
done
stop_collecting
kill "$events" 2>/dev/null || true
events=''
lifetimes=$(jq -s -r 'group_by(.Actor.Attributes.name) | map(select(length == 2)
	| (.[1].timeNano - .[0].timeNano) / 1e6) | "\(length) clients lived \(min | floor)-\(max | floor) ms"' \
	"$work/events.jsonl")

named_clients=$(jq -s --arg p "$P" --arg srv "$srv_ip:8080" "$conns_jq"' | [.[]
	| select((.owner | startswith($p + "-cli-")) and .direction == "outbound" and .remote == $srv
		and .process.name == "wget" and .peer.container.name == $p + "-srv") | .owner] | unique | length' \
	"$work/reports.jsonl")
named_peers=$(jq -s --arg p "$P" "$conns_jq"' | [.[]
	| select(.owner == $p + "-srv" and .direction == "inbound" and (.peer.container.name // "" | startswith($p + "-cli-"))
		and .peer.process.name == "wget") | .peer.container.name] | unique | length' "$work/reports.jsonl")
echo "names: docker run --rm: $lifetimes; named on their own side: $named_clients, as the server's peer: $named_peers"
[ "$named_clients" = "$clients" ] || fail "only $named_clients of $clients short-lived clients named on their own side"
[ "$named_peers" = "$clients" ] || fail "only $named_peers of $clients short-lived clients named as the server's peer"

# --- 2. docker exec
docker run -d --name "$P-exec" --label "$label" "$image" sleep 600 >/dev/null
wait_for 10 sh -c "'$CTOPO_BIN' ps --json -a --socket '$sock' | jq -e '.containers[] | select(.name == \"$P-exec\" and .running)' >/dev/null" ||
	fail "$P-exec is not listed"
start_collecting "$sock" "$work/reports.jsonl"
docker exec "$P-exec" wget -q -O /dev/null "http://$srv_ip:8080/" || fail "docker exec: the request failed"
stop_collecting
expect_named_both "docker exec" "$P-exec"
echo "names: docker exec: named on both sides"

# --- 3. Compose: two replicas of one service, each asking the server
for i in 1 2; do
	docker run -d --name "$P-web-$i" --label "$label" --label com.docker.compose.project="$P" \
		--label com.docker.compose.service=web --label com.docker.compose.container-number="$i" "$image" \
		sh -c "while :; do wget -q -O /dev/null http://$srv_ip:8080/; sleep 0.3; done" >/dev/null
done
start_collecting "$sock" "$work/reports.jsonl"
sleep 2
stop_collecting
for i in 1 2; do
	expect '[.[].containers[] | select(.name == "'"$P-web-$i"'")] | any(.project == "'"$P"'" and .service == "web")' \
		"$P-web-$i does not carry its Compose project and service: $(jq -s -c '[.[].containers[] | select(.name == "'"$P-web-$i"'")][0]' "$work/reports.jsonl")"
done
# --by service: the two replicas are one node, which talks to the server's own node
"$CTOPO_BIN" graph --by service --format json --socket "$sock" >"$work/graph-service.json" ||
	fail "graph --by service failed"
srv_id=$(docker inspect -f '{{.Id}}' "$P-srv")
jq -e --arg web "service:$P/web" --arg srv "container:$srv_id" --arg p "$P" '
	([.nodes[] | select(.id == $web and .group == "service" and .label == ($p + "/web"))] | length == 1)
	and ([.nodes[] | select(.label | startswith($p + "-web-"))] | length == 0)
	and any(.edges[]; .from == $web and .to == $srv and .port == 8080 and .window.opened > 0)' \
	"$work/graph-service.json" >/dev/null ||
	fail "graph --by service: the replicas are not one node talking to $P-srv: $(cat "$work/graph-service.json")"
echo "names: compose: both replicas carry $P/web; graph --by service draws them as one node"
docker rm -f "$P-web-1" "$P-web-2" >/dev/null

# --- 4. podman, the hook from hooks.d (in the host's netns: across podman's bridge the flow is
# masqueraded, and pairing the server's end with it is conntrack's business, not naming's)
mkdir -p "$work/hooks.d"
for stage in prestart poststop; do
	jq -n --arg hook "$HOOK" --arg state "$state" --arg stage "$stage" \
		'{version: "1.0.0", hook: {path: $hook, args: ["ctopo-oci-hook", "--state-dir", $state, $stage]},
		  when: {always: true}, stages: [$stage]}' >"$work/hooks.d/ctopo-$stage.json"
done
write_podman_conf "$CONTAINERS_CONF" "$work/hooks.d"
podman image exists "$image" || docker save "$image" | podman load >/dev/null 2>&1 ||
	fail "cannot copy $image into podman"
podman_image=$(podman images --format '{{.Repository}}:{{.Tag}}' | grep -m1 "${image%%:*}") || fail "no podman image"
start_collecting "$sock" "$work/reports.jsonl"
podman run --rm --network host --name "$P-pod" --label "$label" "$podman_image" wget -q -O /dev/null "http://$srv_ip:8080/" ||
	fail "podman: the request failed"
stop_collecting
expect_named_both podman "$P-pod"
echo "names: podman (hooks.d): named on both sides"

# --- 5. a crun bundle that exits at once, the hook in its config.json, in the host's netns
rootfs="$work/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys" "$rootfs/etc"
cp "$(command -v busybox)" "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/wget"
bundle="$work/bundle"
mkdir -p "$bundle"
crun spec --bundle "$bundle" >/dev/null 2>&1 || runc spec --bundle "$bundle"
crun_id="$P-crun"
jq --arg root "$rootfs" --arg hook "$HOOK" --arg state "$state" --arg url "http://$srv_ip:8080/" '
	.process.terminal = false | .process.args = ["wget", "-q", "-O", "/dev/null", $url] |
	.root = {path: $root, readonly: true} | .annotations = {"nerdctl/name": "ctopo-n15-crun-web"} |
	.linux.namespaces |= map(select(.type != "network")) |
	.hooks = {prestart: [{path: $hook, args: ["ctopo-oci-hook", "--state-dir", $state, "prestart"]}],
	          poststop: [{path: $hook, args: ["ctopo-oci-hook", "--state-dir", $state, "poststop"]}]}' \
	"$bundle/config.json" >"$bundle/config.new" && mv "$bundle/config.new" "$bundle/config.json"
touch "$work/empty"
start_collecting "$sock" "$work/reports.jsonl"
# crun 1.8 refuses hybrid cgroup hosts unless the v2 controllers file is hidden (RECIPES.md)
if [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
	unshare -m --propagation private sh -c \
		'mount --bind "$0" /sys/fs/cgroup/unified/cgroup.controllers && exec crun run -b "$1" "$2"' \
		"$work/empty" "$bundle" "$crun_id" </dev/null || fail "crun run failed"
else
	crun run -b "$bundle" "$crun_id" </dev/null || fail "crun run failed"
fi
stop_collecting
crun_life=$(jq -r '((.stopped_at - .started_at) * 1000 | floor | tostring) + " ms"' "$state/$crun_id.json")
expect_named_both crun ctopo-n15-crun-web
echo "names: crun bundle (lived $crun_life by its hook's record): named on both sides"

# --- 6. a published port after conntrack forgot the flow
docker run -d --name "$P-pub" --label "$label" -p "127.0.0.1:$pub_port:8080" "$image" \
	nc -ll -p 8080 -e cat >/dev/null
sleep 0.5
# hold a connection open from the host, then delete its conntrack entry (ours alone)
exec 3<>"/dev/tcp/127.0.0.1/$pub_port" || fail "cannot connect to the published port"

wait_for 5 sh -c "conntrack -L -p tcp --orig-port-dst $pub_port --orig-dst 127.0.0.1 2>/dev/null | grep -q ESTABLISHED" ||
	fail "no conntrack entry for the published port"
conntrack -D -p tcp --orig-port-dst "$pub_port" --orig-dst 127.0.0.1 >/dev/null 2>&1 || fail "conntrack -D failed"
start_collecting "$sock" "$work/reports.jsonl"
sleep 1.5
stop_collecting
exec 3>&-
expect "$conns_jq"' | any(.owner == "host" and .remote == "127.0.0.1:'"$pub_port"'" and .state == "established"
	and .nat == null and .peer.container.name == "'"$P-pub"'")' \
	"published port: the host client of 127.0.0.1:$pub_port does not name $P-pub without conntrack: $(jq -s -c "$conns_jq"' | map(select(.remote == "127.0.0.1:'"$pub_port"'"))[0]' "$work/reports.jsonl")"
echo "names: published port: the host client names $P-pub with conntrack's entry gone"
