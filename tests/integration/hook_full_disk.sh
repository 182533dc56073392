#!/usr/bin/env bash
# The hook on a full disk: a state dir on a tiny tmpfs filled to the brim. The container still
# starts (runc runs it to completion), the hook exits 0 and says clearly why nothing was recorded,
# nothing half-written is left behind, and --strict makes it fatal (74).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root hook_full_disk

HOOK="$CTOPO_BUILD/src/ctopo-oci-hook"
BUSYBOX=$(command -v busybox) || fail "busybox-static is missing (.ci/dev deps)"
work=$(mktemp -d /tmp/ctopo-fulldisk.XXXXXX)
state=$work/state
cleanup() {
	runc delete -f ctopo-fulldisk >/dev/null 2>&1 || true
	umount "$state" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$state"
mount -t tmpfs -o size=16k,nr_inodes=64 ctopo-fulldisk "$state"
mkdir "$state/containers"
dd if=/dev/zero of="$state/filler" bs=4k count=16 2>/dev/null || true # fill it: ENOSPC from here on

# --- the hook by hand, with a real pid: exit 0 and a clear line; 74 with --strict
echo "{\"ociVersion\":\"1.0.2\",\"id\":\"ctopo-fulldisk\",\"status\":\"creating\",\"pid\":$$,\"bundle\":\"$work\"}" >"$work/state.json"
echo '{"ociVersion":"1.0.2","process":{"args":["sh"]},"root":{"path":"rootfs"},"hostname":"fd"}' >"$work/config.json"
set +e
(cd "$work" && "$HOOK" --state-dir "$state/containers" prestart <"$work/state.json" 2>"$work/hook.err")
rc=$?
(cd "$work" && "$HOOK" --strict --state-dir "$state/containers" prestart <"$work/state.json" 2>"$work/strict.err")
strict_rc=$?
set -e
[ "$rc" -eq 0 ] || fail "the hook exited $rc on a full disk; a container start must not fail for it"
grep -qi "no space left on device" "$work/hook.err" || fail "the hook did not say why: $(cat "$work/hook.err")"
[ "$strict_rc" -eq 74 ] || fail "--strict exited $strict_rc, not 74"
[ -z "$(ls -A "$state/containers")" ] || fail "something half-written was left: $(ls -A "$state/containers")"

# --- under runc: the container runs to completion although its record cannot be written
mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/proc" "$work/bundle/rootfs/dev"
cp "$BUSYBOX" "$work/bundle/rootfs/bin/busybox"
ln -s busybox "$work/bundle/rootfs/bin/sh"
runc spec --bundle "$work/bundle"
jq --arg hook "$HOOK" --arg s "$state/containers" '
	.process.terminal = false | .process.args = ["sh", "-c", "echo started"] |
	.hooks = {prestart: [{path: $hook, args: ["ctopo-oci-hook", "--state-dir", $s, "prestart"]}],
		  poststop: [{path: $hook, args: ["ctopo-oci-hook", "--state-dir", $s, "poststop"]}]}' \
	"$work/bundle/config.json" >"$work/bundle/config.new" && mv "$work/bundle/config.new" "$work/bundle/config.json"
out=$(runc run --bundle "$work/bundle" ctopo-fulldisk </dev/null 2>&1) || fail "runc run failed on a full state dir: $out"
[ "$out" = started ] || fail "the container did not run: $out"
echo "hook_full_disk: ok"
