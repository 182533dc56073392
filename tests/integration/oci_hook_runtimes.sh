#!/usr/bin/env bash
# ctopo-oci-hook under the real runtimes, as a user installs it: a busybox-static bundle whose
# config.json names the hook. For runc and crun, at prestart and at createRuntime:
#  - the record is there while the container runs, with the container's real pid, netns, mntns
#    (the container writes its own /proc/self/ns/* inodes into a bind-mounted directory) and
#    cgroup id; after the container exits, poststop has marked it stopped;
#  - a state dir that cannot be written (read-only bind mount, a file in the way) does not stop
#    the start, and the hook's stderr says why;
#  - a hook installed for the wrong stage stops the start with a clear message;
#  - malformed stdin gets the documented exit code and writes nothing anywhere.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root oci_hook_runtimes

HOOK="$CTOPO_BUILD/src/ctopo-oci-hook"
[ -x "$HOOK" ] || fail "no hook binary at $HOOK (build first)"
require_tools oci_hook_runtimes runc crun busybox jq unshare
BUSYBOX=$(command -v busybox)
# the rootfs holds nothing but busybox: it must be busybox-static
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	[ "${CI:-}" = true ] && fail "$BUSYBOX is dynamically linked; install busybox-static"
	echo "oci_hook_runtimes: SKIP: $BUSYBOX is not busybox-static" >&2
	exit 77
fi

work=$(mktemp -d /tmp/ctopo-h5-oci.XXXXXX)
containers=()
ro_mount=
run_pid=
cleanup() {
	[ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null || true
	for c in "${containers[@]}"; do
		runtime "${c%%:*}" delete -f "${c#*:}" >/dev/null 2>&1 || true
	done
	[ -n "$ro_mount" ] && umount "$ro_mount" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# crun 1.8 refuses hybrid cgroup hosts; hiding the v2 controllers file in a private mount
# namespace makes it use v1 (RECIPES.md). runc works as is.
touch "$work/empty"
runtime() {
	local rt=$1; shift
	if [ "$rt" = crun ] && [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
		unshare -m --propagation private sh -c \
			'mount --bind "$0" /sys/fs/cgroup/unified/cgroup.controllers && exec crun "$@"' \
			"$work/empty" "$@"
	else
		"$rt" "$@"
	fi
}

# --- one busybox-static rootfs for every bundle
rootfs="$work/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/shared" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys" "$rootfs/etc"
cp "$BUSYBOX" "$rootfs/bin/busybox"
for app in sh sleep cat readlink test touch; do ln -s busybox "$rootfs/bin/$app"; done
runc spec --bundle "$work" && mv "$work/config.json" "$work/base.json"

# The container tells us its own namespaces, then waits for us to look at it from outside.
container_script='readlink /proc/self/ns/net > /shared/netns.tmp; readlink /proc/self/ns/mnt > /shared/mntns;
mv /shared/netns.tmp /shared/netns; while [ ! -e /shared/go ]; do sleep 0.05; done'

# make_bundle DIR HOOK_STAGE HOOK_PATH STATE_DIR [HOOK_ARG_STAGE]
make_bundle() {
	local dir=$1 stage=$2 hook=$3 state=$4 arg_stage=${5:-$2}
	mkdir -p "$dir/shared"
	jq --arg root "$rootfs" --arg shared "$dir/shared" --arg script "$container_script" \
		--arg stage "$stage" --arg arg_stage "$arg_stage" --arg hook "$hook" --arg state "$state" '
		.process.terminal = false | .process.args = ["sh", "-c", $script] |
		.root = {path: $root, readonly: true} | .hostname = "ctopo-h5" |
		.annotations = {"nerdctl/name": "h5-web"} |
		.mounts += [{destination: "/shared", type: "bind", source: $shared, options: ["rbind", "rw"]}] |
		.hooks = {($stage): [{path: $hook, args: ["ctopo-oci-hook", "--state-dir", $state, $arg_stage], timeout: 10}],
		          poststop: [{path: $hook, args: ["ctopo-oci-hook", "--state-dir", $state, "poststop"], timeout: 10}]}
		' "$work/base.json" >"$dir/config.json"
}

# start_container RUNTIME ID BUNDLE: run it in the background until $BUNDLE/shared/go appears
start_container() {
	containers+=("$1:$2")
	runtime "$1" run -b "$3" "$2" >"$3/run.out" 2>"$3/run.err" </dev/null &
	run_pid=$!
}

finish_container() { # BUNDLE -> the runtime's exit status
	local rc=0
	touch "$1/shared/go"
	wait "$run_pid" || rc=$?
	run_pid=
	return $rc
}

rec() { jq -r "$2" "$1"; }
inode_of() { readlink "$1" | sed 's/.*\[\([0-9]*\)\]/\1/'; }
host_netns=$(inode_of /proc/self/ns/net)

check_runtime_stage() {
	local rt=$1 stage=$2
	local id="ctopo-h5-$rt-$stage" b="$work/b-$rt-$stage" state="$work/state-$rt-$stage"
	local r="$state/$id.json"
	make_bundle "$b" "$stage" "$HOOK" "$state"
	start_container "$rt" "$id" "$b"
	wait_for 30 test -s "$b/shared/netns" ||
		fail "$rt/$stage: container did not start: $(cat "$b/run.err")"

	[ -f "$r" ] || fail "$rt/$stage: no record at $r while the container runs"
	local pid netns mntns cont_netns cont_mntns state_pid
	pid=$(rec "$r" .pid)
	netns=$(rec "$r" .netns)
	mntns=$(rec "$r" .mntns)
	cont_netns=$(sed 's/.*\[\([0-9]*\)\]/\1/' "$b/shared/netns")
	cont_mntns=$(sed 's/.*\[\([0-9]*\)\]/\1/' "$b/shared/mntns")
	state_pid=$(runtime "$rt" state "$id" | jq .pid)
	[ "$pid" = "$state_pid" ] || fail "$rt/$stage: record pid $pid, $rt state says $state_pid"
	[ "$(inode_of "/proc/$pid/ns/net")" = "$netns" ] || fail "$rt/$stage: netns $netns is not /proc/$pid/ns/net"
	[ "$netns" = "$cont_netns" ] || fail "$rt/$stage: record netns $netns, the container sees $cont_netns"
	[ "$mntns" = "$cont_mntns" ] || fail "$rt/$stage: record mntns $mntns, the container sees $cont_mntns"
	[ "$netns" != "$host_netns" ] || fail "$rt/$stage: recorded the host's netns"
	[ "$(rec "$r" .stopped)" = false ] || fail "$rt/$stage: stopped while running: $(cat "$r")"
	[ "$(rec "$r" .stage)" = "$stage" ] || fail "$rt/$stage: stage: $(cat "$r")"
	[ "$(rec "$r" .name)" = h5-web ] || fail "$rt/$stage: name: $(cat "$r")"
	[ "$(rec "$r" .bundle)" = "$b" ] || fail "$rt/$stage: bundle: $(cat "$r")"
	# the cgroup: its v2 directory's inode when the container has one of its own
	local v2path v2mnt=/sys/fs/cgroup cgroup_note="no own cgroup v2"
	[ "$(stat -f -c %T $v2mnt)" = cgroup2fs ] || v2mnt=/sys/fs/cgroup/unified
	v2path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	if [ -n "$v2path" ] && [ "$v2path" != / ] && [ -d "$v2mnt$v2path" ]; then
		[ "$(rec "$r" .cgroup)" = "$v2path" ] || fail "$rt/$stage: cgroup: $(cat "$r")"
		[ "$(rec "$r" .cgroup_id)" = "$(stat -c %i "$v2mnt$v2path")" ] ||
			fail "$rt/$stage: cgroup_id is not the inode of $v2path: $(cat "$r")"
		cgroup_note="cgroup $v2path id $(rec "$r" .cgroup_id)"
	fi
	[ "$(stat -c %a "$r")" = 644 ] || fail "$rt/$stage: record mode $(stat -c %a "$r")"
	[ "$(stat -c %a "$state")" = 755 ] || fail "$rt/$stage: state dir mode $(stat -c %a "$state")"

	finish_container "$b" || fail "$rt/$stage: $rt run exited non-zero: $(cat "$b/run.err")"
	[ "$(rec "$r" .stopped)" = true ] || fail "$rt/$stage: not marked stopped after poststop: $(cat "$r")"
	[ "$(rec "$r" .stage)" = poststop ] || fail "$rt/$stage: $(cat "$r")"
	[ "$(rec "$r" .pid)" = "$pid" ] || fail "$rt/$stage: poststop lost the pid: $(cat "$r")"
	[ "$(rec "$r" .netns)" = "$netns" ] || fail "$rt/$stage: poststop lost the netns: $(cat "$r")"
	jq -e '.stopped_at >= .started_at' "$r" >/dev/null || fail "$rt/$stage: times: $(cat "$r")"
	[ "$(ls -A "$state")" = "$id.json" ] || fail "$rt/$stage: state dir holds more: $(ls -A "$state")"
	! grep -q ctopo-oci-hook "$b/run.err" || fail "$rt/$stage: the hook complained: $(cat "$b/run.err")"
	echo "oci_hook_runtimes: $rt $stage: pid $pid netns $netns mntns $mntns $cgroup_note: ok"
}

for rt in runc crun; do
	for stage in prestart createRuntime; do
		check_runtime_stage "$rt" "$stage"
	done
done

# --- an unwritable state dir does not stop the start. runc keeps a successful hook's stderr to
# itself, so a wrapper keeps it (and the exit status) for us to read.
cat >"$work/hook-wrapper" <<EOF
#!/bin/sh
"$HOOK" "\$@" 2>>"$work/wrapper.err"
rc=\$?
echo "\$rc" >>"$work/wrapper.rc"
exit \$rc
EOF
chmod +x "$work/hook-wrapper"

check_unwritable() {
	local rt=$1 state=$2 why=$3
	local id="ctopo-h5-$rt-ro" b="$work/b-$rt-ro"
	: >"$work/wrapper.err"; : >"$work/wrapper.rc"
	make_bundle "$b" prestart "$work/hook-wrapper" "$state"
	start_container "$rt" "$id" "$b"
	wait_for 30 test -s "$b/shared/netns" ||
		fail "$rt: an unwritable state dir stopped the container: $(cat "$b/run.err") $(cat "$work/wrapper.err")"
	finish_container "$b" || fail "$rt: $rt run exited non-zero: $(cat "$b/run.err")"
	[ "$(sort -u "$work/wrapper.rc")" = 0 ] || fail "$rt: hook exit codes $(cat "$work/wrapper.rc"), expected 0"
	grep -q "ctopo-oci-hook: $id: cannot write the container record to $state: $why" "$work/wrapper.err" ||
		fail "$rt: the hook did not say why: $(cat "$work/wrapper.err")"
	echo "oci_hook_runtimes: $rt with an unwritable state dir ($why): started, hook said so: ok"
}

mkdir -p "$work/ro-state"
mount --bind "$work/ro-state" "$work/ro-state"
ro_mount="$work/ro-state"
mount -o remount,bind,ro "$work/ro-state"
check_unwritable runc "$work/ro-state" "Read-only file system"
[ -z "$(ls -A "$work/ro-state")" ] || fail "something was written into the read-only dir"
echo "not a directory" >"$work/in-the-way"
check_unwritable crun "$work/in-the-way/containers" "Not a directory"

# --- a hook installed for the wrong stage: the state's status gives it away, the start stops
b="$work/b-wrong"
make_bundle "$b" prestart "$HOOK" "$work/state-wrong" poststop
containers+=("runc:ctopo-h5-wrong")
if runtime runc run -b "$b" ctopo-h5-wrong >"$b/run.out" 2>"$b/run.err" </dev/null; then
	fail "runc started a container whose hook said its state was invalid"
fi
grep -q 'status \\\?"creating\\\?" does not belong to the poststop stage' "$b/run.err" ||
	fail "no clear message from the misplaced hook: $(cat "$b/run.err")"
[ ! -e "$b/shared/netns" ] || fail "the container ran anyway"
echo "oci_hook_runtimes: hook at the wrong stage stops the start with a clear message: ok"

# --- malformed stdin: exit 65, nothing written anywhere; usage errors: 64
mal="$work/malformed"
mkdir -p "$mal"
touch "$work/marker"
sleep 0.01
sample=$(cat "$CTOPO_SRC/tests/data/oci/runc-prestart.state.json")
expect_exit() { # CODE INPUT ARGS...
	local want=$1 input=$2 rc=0; shift 2
	# cwd in $mal: a relative write would land where the check below looks
	(cd "$mal" && printf '%s' "$input" | "$HOOK" --state-dir "$mal/state" "$@" >/dev/null 2>"$work/err") || rc=$?
	[ "$rc" = "$want" ] || fail "exit $rc (want $want) for input '${input:0:80}' args $*: $(cat "$work/err")"
	[ -s "$work/err" ] || fail "no message for input '${input:0:80}'"
}
expect_exit 65 "${sample:0:40}" prestart                                             # truncated
expect_exit 65 '' prestart                                                         # empty
expect_exit 65 '{"id":42,"status":"creating","pid":1}' prestart                   # wrong types
expect_exit 65 '{"id":"x","status":"creating","pid":"1"}' prestart
expect_exit 65 '{"status":"creating","pid":1}' prestart                           # missing id
expect_exit 65 '{"id":"../../etc","status":"creating","pid":1}' prestart           # a path
expect_exit 65 '{"id":"../../etc","status":"stopped"}' poststop
expect_exit 65 '{"id":"x","status":"creating"}' createRuntime                     # no pid
expect_exit 65 "$sample" poststop                                                   # wrong stage
{ echo "$sample"; head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' '; } >"$work/big"
rc=0; (cd "$mal" && "$HOOK" --state-dir "$mal/state" prestart <"$work/big" 2>"$work/err") || rc=$?
[ "$rc" = 65 ] || fail "2 MiB stdin: exit $rc"
grep -q 'larger than 1048576 bytes' "$work/err" || fail "2 MiB stdin: $(cat "$work/err")"
# nothing anywhere under $work (where ../../etc would point) but our own files
written=$(find "$work" -newer "$work/marker" ! -path "$work" ! -path "$mal" ! -name err ! -name big)
[ -z "$written" ] || fail "malformed input wrote: $written"
expect_exit 64 '' bogus
expect_exit 64 ''
rc=0; echo '{}' | "$HOOK" --state-dir relative prestart 2>/dev/null || rc=$?
[ "$rc" = 64 ] || fail "relative --state-dir: exit $rc"
# --strict makes ctopo's own trouble fatal
expect_exit 74 "{\"id\":\"ctopo-h5-strict\",\"status\":\"creating\",\"pid\":$$}" --strict --state-dir "$work/in-the-way/x" prestart
echo "oci_hook_runtimes: malformed stdin 65, usage 64, --strict 74, nothing written: ok"

# --- the hooks.d files meson installs: format 1.0.0, one stage each, the stage in the args
for stage in prestart poststop; do
	f="$CTOPO_BUILD/src/ctopo-$stage.json"
	jq -e --arg s "$stage" '.version == "1.0.0" and .stages == [$s] and .when.always == true and
		.hook.args == ["ctopo-oci-hook", $s] and (.hook.path | endswith("/libexec/ctopo/ctopo-oci-hook"))' \
		"$f" >/dev/null || fail "hooks.d file $f: $(cat "$f")"
done
echo "oci_hook_runtimes: hooks.d files: ok"
