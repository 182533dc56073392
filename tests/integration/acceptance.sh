#!/usr/bin/env bash
# Acceptance (issue 7): what a user sees with the example of examples/three-tier running on a real
# dockerd, a real crun and `ctopo daemon`:
#  - `ctopo ps --json` lists every example container: db, api, frontend, sidecar, the short-lived
#    clients (stopped by the time of the report) and the crun worker, named by the OCI hook;
#  - every connection names the right peer container and process, on both ends: frontend -> api
#    httpd, api -> db httpd (per request) and db:5432 (long-lived), sidecar -> db, worker -> api;
#  - the sidecar's connections are the sidecar's, not api's, though they share a network namespace;
#  - the host client's connection to 127.0.0.1:18780 is resolved through Docker's DNAT to db;
#  - the short-lived clients' connections (each under a second) are listed, closed, and under the
#    client that really made them: inside that container's lifetime as Docker's events tell it;
#  - the same through the sidecar image (docker/build-image.sh) with the daemon inside it:
#    `docker exec ... ctopo ps --json` passes the same checks and gives the same containers and edges;
#  - dockerd stopped and started again while the daemon runs: the daemon stays up, names the
#    restarted containers (their new pids) within 5 s of Docker running them, and their new
#    connections are attributed again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root acceptance
ensure_tracefs

require_tools acceptance docker dockerd crun busybox jq curl unshare

docker_env="$CTOPO_SRC/tests/integration/docker_env.sh"
example="$CTOPO_SRC/examples/three-tier"
docker_sock=${DOCKER_SOCK:-/var/run/docker.sock}
label=io.github.ctopo.example
image=ctopo-h7/ctopo:acceptance
sidecar=ctopo-h7-sidecar

work=$(mktemp -d /tmp/ctopo-h7-acc.XXXXXX)
# the example's knobs: its run dir and the hook's state dir (the daemon's --state-dir) are ours
export EX_RUN_DIR="$work/example" EX_SUBNET=10.207.1.0/24 EX_PORT=18780 EX_API_PORT=18781 EX_RUNTIME=crun
export CTOPO_HOOK="$CTOPO_BUILD/src/ctopo-oci-hook" CTOPO_STATE_DIR="$work/run/containers"
sock="$work/run/ctopo.sock"
daemon='' events='' example_up='' image_built=''
cleanup() {
	local rc=$?
	[ -n "$events" ] && kill "$events" 2>/dev/null || true
	docker rm -f "$sidecar" >/dev/null 2>&1 || true
	[ -n "$image_built" ] && docker rmi -f "$image" >/dev/null 2>&1 || true
	[ -n "$example_up" ] && "$example/down.sh" >/dev/null 2>&1 || true
	stop_daemon "$daemon" "$work/daemon.log" $rc
	rm -rf "$work"
}
trap cleanup EXIT

"$docker_env" start
"$docker_env" image
[ -z "$(docker ps -aq --filter "label=$label")" ] ||
	fail "the example runs already (its containers are ctopo-ex-*): stop it with examples/three-tier/down.sh"
docker rm -f "$sidecar" >/dev/null 2>&1 || true

# Docker's own account of each example container's lifetime, to check who made a connection
docker events --filter "label=$label" --filter type=container --filter event=create \
	--filter event=die --format '{{json .}}' >"$work/events.jsonl" 2>/dev/null &
events=$!

example_up=1
"$example/up.sh" >"$work/up.log" 2>&1 || fail "up.sh failed: $(cat "$work/up.log")"
db_ip=$(docker inspect -f '{{(index .NetworkSettings.Networks "ctopo-ex-net").IPAddress}}' ctopo-ex-db)
api_ip=$(docker inspect -f '{{(index .NetworkSettings.Networks "ctopo-ex-net").IPAddress}}' ctopo-ex-api)

"$CTOPO_BIN" daemon --socket "$sock" --state-dir "$CTOPO_STATE_DIR" --interval 1 >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for 20 grep -q ready "$work/daemon.log" || fail "the daemon did not start: $(cat "$work/daemon.log")"
sleep 2 # two reports

# lifetimes NAME -> {from, to} (seconds) from Docker's create and die events
lifetimes() {
	# (the last line may be half written)
	jq -R -s '[split("\n")[] | fromjson?] | reduce .[] as $e ({}; ($e.Actor.Attributes.name) as $n
		| if $e.Action == "create" then .[$n].from = ($e.timeNano / 1e9)
		  elif $e.Action == "die" then .[$n].to = ($e.timeNano / 1e9) else . end)' "$work/events.jsonl"
}

# The checks, over every report collected so far (some connections happen every 2 s, so not in
# every report). Prints one line per failed check; nothing when all pass.
checks='
def client: test("^ctopo-ex-client-[0-9]+$");
def named($n): (.name // "") == $n;
([.[].containers[]] | group_by(.name) | map({key: .[0].name, value: .[-1]}) | from_entries) as $cs
| [.[] | .generated_at as $g
   | (.containers[] | . as $c | .connections[], .closed[] | . + {owner: $c.name, g: $g}),
     (.host.connections[], .host.closed[] | . + {owner: "host", g: $g})] as $conns
| def edge($owner; $proc; $dir; $peer; $peer_procs):
	any($conns[]; .owner == $owner and .process.name == $proc and .direction == $dir
		and (.peer.container.name // "host") == $peer and (.peer.process.name | IN($peer_procs[])));
  def expect($ok; $msg): if $ok then empty else $msg end;
  (("db", "api", "frontend", "sidecar", "worker") as $n | "ctopo-ex-" + $n
    | expect($cs[.].running == true; "\(.) is not listed as a running container")),
  expect(($cs["ctopo-ex-worker"].source // "") == "oci-hook"; "ctopo-ex-worker does not come from the OCI hook: \($cs["ctopo-ex-worker"])"),
  expect($cs | keys | any(client); "no short-lived client container is listed"),
  expect(edge("ctopo-ex-frontend"; "wget"; "outbound"; "ctopo-ex-api"; ["httpd"]); "frontend: no wget -> api httpd"),
  expect(edge("ctopo-ex-api"; "httpd"; "inbound"; "ctopo-ex-frontend"; ["wget"]); "api: no httpd <- frontend wget"),
  expect(edge("ctopo-ex-api"; "wget"; "outbound"; "ctopo-ex-db"; ["httpd"]); "api: no wget -> db httpd"),
  expect(edge("ctopo-ex-db"; "httpd"; "inbound"; "ctopo-ex-api"; ["wget"]); "db: no httpd <- api wget"),
  expect(any($conns[]; .owner == "ctopo-ex-api" and .process.name == "nc" and .state == "established"
	and .remote == "\($db_ip):5432" and .peer.container.name == "ctopo-ex-db" and (.peer.process.name | IN("nc", "cat")));
	"api: no established nc -> db:5432 (nc or cat)"),
  expect(edge("ctopo-ex-sidecar"; "wget"; "outbound"; "ctopo-ex-db"; ["httpd"]); "sidecar: no wget -> db httpd"),
  expect(edge("ctopo-ex-db"; "httpd"; "inbound"; "ctopo-ex-sidecar"; ["wget"]); "db: no httpd <- sidecar wget"),
  expect(edge("ctopo-ex-worker"; "wget"; "outbound"; "ctopo-ex-api"; ["httpd"]); "worker: no wget -> api httpd"),
  expect(edge("ctopo-ex-api"; "httpd"; "inbound"; "ctopo-ex-worker"; ["wget"]); "api: no httpd <- worker wget"),
  # sidecar and api share a netns; each keeps its own connections (by mount namespace)
  expect($cs["ctopo-ex-api"].netns == $cs["ctopo-ex-sidecar"].netns; "api and sidecar do not share a netns"),
  ($conns[] | select(.owner == "ctopo-ex-api" or .owner == "ctopo-ex-sidecar")
   | select(.process.mntns != $cs[.owner].mntns)
   | "\(.owner) lists a connection of another mount namespace: \(.process) \(.local) -> \(.remote)"),
  ($conns[] | select(.owner == "ctopo-ex-db" and .peer.container.name == "ctopo-ex-api" and .peer.process.mntns == $cs["ctopo-ex-sidecar"].mntns)
   | "db names api for the sidecar'"'"'s process \(.peer.process)"),
  # the host client, through the published port: DNAT to db
  expect(any($conns[]; .owner == "host" and .process.name == "curl" and .remote == "127.0.0.1:\($port)"
	and .nat.translated_remote == "\($db_ip):8080" and .peer.container.name == "ctopo-ex-db" and .peer.process.name == "httpd");
	"host: no curl -> 127.0.0.1:\($port) resolved to db httpd at \($db_ip):8080"),
  expect(any($conns[]; .owner == "ctopo-ex-db" and .process.name == "httpd" and .peer.container == null
	and .peer.process.name == "curl" and .nat != null); "db: no httpd <- host curl (with NAT)"),
  # the worker, through api'"'"'s published port
  expect(any($conns[]; .owner == "ctopo-ex-worker" and .remote == "127.0.0.1:\($api_port)" and .nat.translated_remote == "\($api_ip):8080");
	"worker: no connection to 127.0.0.1:\($api_port) resolved to \($api_ip):8080"),
  # the short-lived clients: listed, closed, and each under the container that lived then
  expect(any($conns[]; (.owner | client) and .process.name == "wget" and .direction == "outbound" and .state == "closed"
	and .peer.container.name == "ctopo-ex-db" and .peer.process.name == "httpd"); "no closed client wget -> db httpd"),
  expect(any($conns[]; .owner == "ctopo-ex-db" and (.peer.container.name // "" | client) and .peer.process.name == "wget");
	"db: no httpd <- client wget"),
  ($conns[] | [(select(.owner | client) | .owner), (.peer.container.name // "" | select(client))][] as $who
   | (.g - .age_s) as $seen
   | select($life[$who] == null or $seen < $life[$who].from - 0.2 or $seen > ($life[$who].to // 1e12) + 0.2)
   | "\($who) is named for a connection first seen at \($seen), outside its lifetime \($life[$who]): \(.local) -> \(.remote) by \(.process)")
'

# collect NAME COMMAND...: run COMMAND (a `ctopo ps --json`) once a second, keeping every report,
# until the checks pass on all of them together (and at least 8 reports: by then the clients'
# mount namespace inodes have been reused, the kernel hands out the lowest free one) or 30 s went
# by. A failed check is reported and the test goes on to the next part; it fails at the end.
failed=()
collect() {
	local name=$1 out; shift
	local deadline=$(( $(date +%s) + 30 ))
	: >"$work/$name.jsonl"
	while :; do
		"$@" >>"$work/$name.jsonl" 2>"$work/$name.err" || fail "$name: $* failed: $(cat "$work/$name.err")"
		out=$(jq -s -r --arg db_ip "$db_ip" --arg api_ip "$api_ip" --arg port "$EX_PORT" --arg api_port "$EX_API_PORT" \
			--argjson life "$(lifetimes)" "$checks" "$work/$name.jsonl") || fail "$name: jq failed"
		if [ -z "$out" ] && [ "$(wc -l <"$work/$name.jsonl")" -ge 8 ]; then
			echo "acceptance: $name: all checks pass over $(wc -l <"$work/$name.jsonl") reports;" \
				"$(jq -s -r '[.[].containers[] | select(.name | startswith("ctopo-ex-client-")) | {name, mntns}] | unique
				| "\(length) clients in \(map(.mntns) | unique | length) mount namespace inodes"' "$work/$name.jsonl")"
			return 0
		fi
		[ "$(date +%s)" -lt "$deadline" ] || break
		sleep 1
	done
	echo "acceptance: $name: FAILED checks over $(wc -l <"$work/$name.jsonl") reports (the first 20):" >&2
	echo "$out" | head -n 20 >&2
	cp "$work/$name.jsonl" "/tmp/ctopo-acceptance-$name.jsonl" && echo "(reports kept in /tmp/ctopo-acceptance-$name.jsonl)" >&2
	failed+=("$name: $(echo "$out" | wc -l) failed checks")
}

# The example's containers and edges in the reports of one daemon (a `ps --json` a line): the
# connections open at a report and those that closed in its window, names of the short-lived
# clients folded into one; an end whose process is not known (a peer that came and went between
# two looks) is no edge to compare. tuples: one report's edges.
edges_jq='
def norm: if . == null then "host" elif test("^ctopo-ex-client-[0-9]+$") then "ctopo-ex-client" else . end;
def ex: startswith("ctopo-ex");
def tuples: [(.containers[] | . as $c | .connections[], .closed[] | . + {owner: $c.name}),
		(.host.connections[], .host.closed[] | . + {owner: null})
	| select((.owner // "" | ex) or (.peer.container.name // "" | ex))
	| select(.process.name != null and .peer.process.name != null)
	| [(.owner | norm), .process.name, .direction, (.peer.container.name | norm), .peer.process.name]] | unique;
'
edges() {
	jq -s -c "$edges_jq"'
	{containers: ([.[].containers[].name | select(ex) | norm] | unique), edges: ([.[] | tuples[]] | unique)}' "$1"
}

# The edges in at least two distinct reports (by generated_at: `ps` serves the latest report, the
# same one twice when asked twice within an interval) in $1: what the other daemon must have too.
# An edge that is in a single report may have ended just before the other daemon's report window.
steady_edges() {
	jq -s -c "$edges_jq"'
	[unique_by(.generated_at)[] | tuples] | flatten(1) | group_by(.) | map(select(length >= 2) | .[0])' "$1"
}

# --- 1. the host's daemon
collect host "$CTOPO_BIN" ps --json --socket "$sock"

# --- 2. the sidecar image, the daemon inside it, the hook's records shared with it
image_built=1
"$CTOPO_SRC/docker/build-image.sh" -B "$CTOPO_BUILD" -t "$image" >"$work/build-image.log" 2>&1 ||
	fail "build-image.sh failed: $(cat "$work/build-image.log")"
mkdir -p "$work/sidecar-run"
# what docker/compose.yaml grants, exactly
docker run -d --name "$sidecar" --pid host --network host --cap-drop ALL \
	--cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH \
	--security-opt seccomp=unconfined --security-opt no-new-privileges:true --read-only \
	-v "$docker_sock:/var/run/docker.sock" -v /sys/kernel/btf:/sys/kernel/btf:ro \
	-v /sys/kernel/tracing:/sys/kernel/tracing -v "$work/sidecar-run:/run/ctopo" \
	-v "$CTOPO_STATE_DIR:/run/ctopo/containers" "$image" daemon --interval 1 >/dev/null
wait_for 30 sh -c "docker logs $sidecar 2>&1 | grep -q ready" ||
	fail "the daemon in the sidecar did not start: $(docker logs "$sidecar" 2>&1 | tail -n 20)"
[ -S "$work/sidecar-run/ctopo.sock" ] || fail "the sidecar serves no /run/ctopo/ctopo.sock"
sleep 2
collect sidecar docker exec "$sidecar" ctopo ps --json

# both daemons over the same 8 seconds. A connection open at one daemon's report may be closed at
# the other's a moment later (frontend asks api once a second, for up to 20-80 ms in ASan runs), so
# the closed ones count too: those of the last 5 s, when the sidecar's daemon ran already.
: >"$work/host-cmp.jsonl"; : >"$work/sidecar-cmp.jsonl"
for _ in $(seq 8); do
	"$CTOPO_BIN" ps --json --since 5s --socket "$sock" >>"$work/host-cmp.jsonl"
	docker exec "$sidecar" ctopo ps --json --since 5s >>"$work/sidecar-cmp.jsonl"
	sleep 1
done
edges "$work/host-cmp.jsonl" >"$work/host.edges"
edges "$work/sidecar-cmp.jsonl" >"$work/sidecar.edges"
steady_edges "$work/host-cmp.jsonl" >"$work/host.steady"
steady_edges "$work/sidecar-cmp.jsonl" >"$work/sidecar.steady"
if ! jq -e -n --slurpfile h "$work/host.edges" --slurpfile s "$work/sidecar.edges" \
	--slurpfile hs "$work/host.steady" --slurpfile ss "$work/sidecar.steady" \
	'$h[0].containers == $s[0].containers and ($hs[0] - $s[0].edges) == [] and ($ss[0] - $h[0].edges) == []' >/dev/null; then
	jq -n -c --slurpfile h "$work/host.edges" --slurpfile s "$work/sidecar.edges" '
		{containers_only_host: ($h[0].containers - $s[0].containers), containers_only_sidecar: ($s[0].containers - $h[0].containers),
		 edges_only_host: ($h[0].edges - $s[0].edges), edges_only_sidecar: ($s[0].edges - $h[0].edges)}' >&2
	# each daemon's reports (generated_at) and the edges in each
	for d in host sidecar; do
		echo "$d's reports:" >&2
		jq -c "$edges_jq"'{generated_at, edges: tuples}' "$work/$d-cmp.jsonl" >&2
	done
	failed+=("the sidecar's containers and edges differ from the host daemon's")
else
	echo "acceptance: sidecar image: same $(jq '.containers | length' "$work/host.edges") containers and $(jq '.edges | length' "$work/host.edges") edges as the host's daemon"
fi
docker rm -f "$sidecar" >/dev/null

# --- 3. dockerd stops and starts while the daemon runs
declare -A old_pid
for n in db api frontend sidecar; do old_pid[$n]=$(docker inspect -f '{{.State.Pid}}' "ctopo-ex-$n"); done
kill "$events" 2>/dev/null || true; wait "$events" 2>/dev/null || true; events=
"$docker_env" restart
# Docker restarts them itself (restart policy unless-stopped)
restarted() {
	local n p
	for n in db api frontend sidecar; do
		p=$(docker inspect -f '{{if .State.Running}}{{.State.Pid}}{{end}}' "ctopo-ex-$n" 2>/dev/null) || return 1
		[ -n "$p" ] && [ "$p" != "${old_pid[$n]}" ] || return 1
	done
}
# Docker restarts a `--network container:api` container only if api is back first; when it lost
# that race it stays exited (Docker's behaviour, not ctopo's): start it as a user would.
sidecar_up() { [ "$(docker inspect -f '{{.State.Running}}' ctopo-ex-sidecar 2>/dev/null)" = true ]; }
others_restarted() {
	local n p
	for n in db api frontend; do
		p=$(docker inspect -f '{{if .State.Running}}{{.State.Pid}}{{end}}' "ctopo-ex-$n" 2>/dev/null) || return 1
		[ -n "$p" ] && [ "$p" != "${old_pid[$n]}" ] || return 1
	done
}
wait_for 60 others_restarted || fail "Docker did not restart the example's containers: $(docker ps -a)"
wait_for 10 sidecar_up || docker start ctopo-ex-sidecar >/dev/null
wait_for 60 restarted || fail "Docker did not restart the example's containers: $(docker ps -a)"
kill -0 "$daemon" 2>/dev/null || fail "the daemon exited when dockerd stopped: $(cat "$work/daemon.log")"
t0=$(date +%s%N)
filter='{}'
for n in db api frontend sidecar; do
	filter=$(jq -c --arg n "ctopo-ex-$n" --argjson p "$(docker inspect -f '{{.State.Pid}}' "ctopo-ex-$n")" '. + {($n): $p}' <<<"$filter")
done
named_again() {
	"$CTOPO_BIN" ps --json --socket "$sock" 2>/dev/null | jq -e --argjson want "$filter" '
		[.containers[] | select(.running and $want[.name] == .pid) | .name] | length == ($want | length)' >/dev/null
}
wait_for 5 named_again || fail "5 s after Docker ran them again, ctopo does not name the restarted containers $filter: $("$CTOPO_BIN" ps --socket "$sock" 2>&1)"
echo "acceptance: dockerd restarted: the daemon stayed up and named the restarted containers after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
frontend_mntns=$(stat -L -c %i "/proc/$(docker inspect -f '{{.State.Pid}}' ctopo-ex-frontend)/ns/mnt")
attributed_again() {
	"$CTOPO_BIN" ps --json --socket "$sock" 2>/dev/null | jq -e --argjson m "$frontend_mntns" '
		any(.containers[] | select(.name == "ctopo-ex-frontend") | .connections[], .closed[];
		    .process.mntns == $m and .peer.container.name == "ctopo-ex-api" and .peer.process.name == "httpd")' >/dev/null
}
wait_for 20 attributed_again || fail "the restarted frontend's connections to api are not attributed: $("$CTOPO_BIN" ps --socket "$sock" 2>&1)"
kill -0 "$daemon" 2>/dev/null || fail "the daemon exited: $(cat "$work/daemon.log")"
echo "acceptance: after the restart the frontend's new connections to api are attributed again"

kill -TERM "$daemon"
wait "$daemon" || fail "the daemon exited non-zero on SIGTERM: $(cat "$work/daemon.log")"
daemon=
[ ${#failed[@]} -eq 0 ] || fail "$(printf '%s; ' "${failed[@]}")"
echo "acceptance: ok"
