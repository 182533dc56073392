#!/usr/bin/env bash
# podman's Docker-compatible API socket names podman containers of any lifetime (issue 15), with no
# OCI hook anywhere: a real `podman system service --time 0` that this test starts and stops,
# `ctopo daemon --podman-host` on it, and `ctopo ps --json` read after every report:
#  - a server container and short-lived `podman run --rm` clients (host network, each making one
#    request, each living a fraction of a second): every client's connection is named after its
#    client container, and the server names every client as its peer; the containers carry
#    engine "podman";
#  - the service stopped while the daemon follows its events stream: the daemon says it lost
#    podman and lives on; the service started again: it reconnects, and a new short-lived client
#    is named the same way.
# Nothing is left behind: the service, the containers, the image this test imported, its files.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root podman_api
ensure_tracefs

require_tools podman_api podman runc busybox jq curl

P=ctopo-pa15
label=io.github.ctopo.test=podman_api
image=localhost/ctopo-test/podman-api:1
port=18461
clients=${CTOPO_PODMAN_CLIENTS:-8}

work=$(mktemp -d /tmp/ctopo-pa15.XXXXXX)
sock="$work/ctopo.sock"
psock="$work/podman.sock"
daemon='' service='' events='' imported=''
export CONTAINERS_CONF="$work/containers.conf"
cleanup() {
	local rc=$?
	for p in "$collector" "$events"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	podman ps -aq --filter "label=$label" 2>/dev/null | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true
	[ -n "$imported" ] && podman rmi -f "$image" >/dev/null 2>&1 || true
	for p in "$daemon" "$service"; do
		if [ -n "$p" ]; then
			kill -TERM "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
	[ $rc -eq 0 ] || { echo "--- daemon log"; grep -v 'namespace' "$work/daemon.log" | tail -n 40; } >&2 2>/dev/null || true
	# CTOPO_TEST_KEEP=DIR: a failed run's reports, events and logs are kept there
	[ $rc -eq 0 ] || [ -z "${CTOPO_TEST_KEEP:-}" ] || cp -r "$work" "$CTOPO_TEST_KEEP" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# podman with an empty hooks directory, so that no OCI hook of ctopo's runs: the names must come
# from the API alone.
mkdir -p "$work/no-hooks.d"
write_podman_conf "$CONTAINERS_CONF" "$work/no-hooks.d"
podman ps -aq --filter "label=$label" | xargs -r podman rm -f -t 0 >/dev/null 2>&1 || true

if ! podman image exists "$image"; then
	rootfs="$work/rootfs"
	mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/www" "$rootfs/tmp"
	cp "$(command -v busybox)" "$rootfs/bin/busybox"
	for applet in sh httpd wget sleep true; do ln -s busybox "$rootfs/bin/$applet"; done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
	echo 'root:x:0:' >"$rootfs/etc/group"
	echo 'hello from ctopo' >"$rootfs/www/index.html"
	tar -C "$rootfs" -c . | podman import -c 'ENV PATH=/bin' - "$image" >/dev/null || fail "podman import failed"
	imported=1
fi

start_service() {
	podman system service --time 0 "unix://$psock" >>"$work/service.log" 2>&1 &
	service=$!
	wait_for 20 curl -sf --unix-socket "$psock" http://localhost/_ping -o /dev/null ||
		fail "podman system service did not answer: $(cat "$work/service.log")"
}
stop_service() {
	kill -TERM "$service"
	wait "$service" 2>/dev/null || true
	service=''
}
start_service

# Docker is left out: this test is about podman's socket alone (and runs without a dockerd).
"$CTOPO_BIN" daemon --socket "$sock" --state-dir "$work/state" --interval 1 --no-docker \
	--podman-host "unix://$psock" -v >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for 20 grep -q "using podman at unix://$psock" "$work/daemon.log" ||
	fail "the daemon does not follow podman's socket: $(cat "$work/daemon.log")"
[ "$("$CTOPO_BIN" stats --socket "$sock" | jq -r .podman)" = connected ] || fail "ctopo stats does not say podman is connected"

# podman's own record of each client's start and die, from the same API
record_events() {
	curl -sN --unix-socket "$psock" -G http://localhost/v1.41/events \
		--data-urlencode "filters={\"label\":[\"$label\"],\"type\":[\"container\"]}" >>"$work/events.jsonl" 2>/dev/null &
	events=$!
}

# Connections of every report with their owner (a container's name or "host") and the report's
# time: the open ones, and those that closed in the window as the daemon's edge store aggregates
# them (where a short-lived client's connection is).
conns_jq='[.[] | .generated_at as $t | (.containers[] | . as $c | (.connections[], .closed[]?) | . + {owner: $c.name, t: $t}),
	((.host.connections[], .host.closed[]?) | . + {owner: "host", t: $t})]'
# named PREFIX: how many clients PREFIX* are named on their own side, and as the server's peer
named_own() {
	jq -s --arg p "$1" --arg srv "127.0.0.1:$port" "$conns_jq"' | [.[]
		| select((.owner | startswith($p)) and .direction == "outbound" and .remote == $srv
			and .process.name == "wget" and .peer.container.name == "'"$P-srv"'") | .owner] | unique | length' \
		"$work/reports.jsonl"
}
named_peer() {
	jq -s --arg p "$1" "$conns_jq"' | [.[]
		| select(.owner == "'"$P-srv"'" and .direction == "inbound"
			and (.peer.container.name // "" | startswith($p)) and .peer.process.name == "wget")
		| .peer.container.name] | unique | length' "$work/reports.jsonl"
}

podman run -d --network host --name "$P-srv" --label "$label" "$image" httpd -f -p "127.0.0.1:$port" -h /www >/dev/null
wait_for 10 curl -sf "http://127.0.0.1:$port/" -o /dev/null || fail "the server does not answer"

# --- 1. short-lived clients, no hook
: >"$work/events.jsonl"
record_events
start_collecting "$sock" "$work/reports.jsonl"
for i in $(seq "$clients"); do
	podman run --rm --network host --name "$P-cli-$i" --label "$label" "$image" \
		wget -q -O /dev/null "http://127.0.0.1:$port/" || fail "client $i: the request failed"
done
stop_collecting
kill "$events" 2>/dev/null || true
events=''

lifetimes=$(jq -s -r '[.[] | select(.Action == "start" or .Action == "die")] | group_by(.Actor.Attributes.name)
	| map(select(length == 2 and (.[0].Actor.Attributes.name | contains("-cli-"))) | (.[1].timeNano - .[0].timeNano) / 1e6)
	| "\(length) clients lived \(min | floor)-\(max | floor) ms (start to die)"' "$work/events.jsonl")
# how long after its die the first report named each client (the daemon reports once a second)
latency=$(jq -s -r --slurpfile ev "$work/events.jsonl" --arg p "$P-cli-" "$conns_jq"' as $c
	| [$ev[] | select(.Action == "die" and (.Actor.Attributes.name | startswith($p)))
		| .Actor.Attributes.name as $n | (.timeNano / 1e9) as $die
		| ([$c[] | select(.owner == $n and .process.name == "wget") | .t] | min) as $first
		| select($first != null) | $first - $die]
	| if length > 0 then "the first report naming each came \(min * 1000 | floor) to \(max * 1000 | floor) ms after its die event" else "" end' \
	"$work/reports.jsonl")
n_own=$(named_own "$P-cli-")
n_peer=$(named_peer "$P-cli-")
waits=$("$CTOPO_BIN" stats --socket "$sock" | jq -r .naming_waits)
echo "podman_api: podman run --rm without a hook: $lifetimes; named on their own side: $n_own of $clients, as the server's peer: $n_peer of $clients; $latency; $waits reports waited for a name"
# each client's wget as the reports show it, for a failure's message
seen_as() {
	jq -s -c --arg srv "127.0.0.1:$port" "$conns_jq"' | [.[] | select(.process.name == "wget" and .remote == $srv)
		| {owner, t, peer: .peer.container.name}] | unique' "$work/reports.jsonl"
}
[ "$n_own" = "$clients" ] || fail "only $n_own of $clients short-lived podman clients named on their own side: $(seen_as)"
[ "$n_peer" = "$clients" ] || fail "only $n_peer of $clients short-lived podman clients named as the server's peer"
jq -s -e '[.[].containers[] | select(.name == "'"$P-srv"'" or (.name | startswith("'"$P-cli-"'")))]
	| length > 0 and all(.engine == "podman" and .source == "docker")' "$work/reports.jsonl" >/dev/null ||
	fail "podman's containers do not carry engine podman: $(jq -s -c '[.[].containers[] | select(.name == "'"$P-srv"'")][0]' "$work/reports.jsonl")"
jq -s -e '[.[].containers[] | select(.name | startswith("'"$P-cli-"'"))] | all(.running == false)' "$work/reports.jsonl" >/dev/null ||
	echo "podman_api: note: a client was reported running in some report (before its die event)"
jq -e '[.containers[] | select(.name | startswith("'"$P-cli-"'"))] | length > 0 and all(.running == false)' \
	<<<"$(tail -n 1 "$work/reports.jsonl")" >/dev/null || fail "the clients are not stopped in the last report (no die event?)"

# --- 2. the service goes away under the daemon, then comes back
stop_service
wait_for 10 grep -q "lost podman at unix://$psock" "$work/daemon.log" ||
	fail "the daemon did not notice podman's service going away"
sleep 1
kill -0 "$daemon" 2>/dev/null || fail "the daemon died when podman's service went away"
[ "$("$CTOPO_BIN" stats --socket "$sock" | jq -r .podman)" = disconnected ] || fail "ctopo stats does not say podman is disconnected"
start_service
wait_for 20 grep -q "reconnected to podman at unix://$psock" "$work/daemon.log" ||
	fail "the daemon did not reconnect to podman: $(tail -n 5 "$work/daemon.log")"
start_collecting "$sock" "$work/reports.jsonl"
podman run --rm --network host --name "$P-again" --label "$label" "$image" \
	wget -q -O /dev/null "http://127.0.0.1:$port/" || fail "the client after the restart: the request failed"
stop_collecting
[ "$(named_own "$P-again")" = 1 ] || fail "after podman's service came back, a short-lived client is not named on its own side"
[ "$(named_peer "$P-again")" = 1 ] || fail "after podman's service came back, a short-lived client is not the server's named peer"
echo "podman_api: the service stopped and started again under the daemon: lost, reconnected, the next client named on both sides"
