#!/usr/bin/env bash
# Replay every fuzz target's seeds and every crash found so far (tests/data/fuzz-regressions) through
# the target's entry point, built without libFuzzer (replay_main.c): a meson test in every build,
# plain and ASan, so a regression shows without the clang fuzz build.
#   replay.sh SOURCE_ROOT BUILD_DIR TARGET...
set -euo pipefail
root=$1 bin=$2
shift 2
cd "$root"
data=tests/data
. tests/fuzz/corpus.sh

work=$(mktemp -d /tmp/ctopo-replay.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0 inputs=0
for t in "$@"; do
	assemble_corpus "$t" "$work/$t"
	n=$(find "$work/$t" -type f | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "replay: $t has no inputs (tests/fuzz/corpus.sh)" >&2
		failed=1
		continue
	fi
	if ! "$bin/replay_$t" "$work/$t"/*; then
		echo "replay: $t failed on one of its $n inputs (above)" >&2
		failed=1
	fi
	inputs=$((inputs + n))
done
echo "replay: $# targets, $inputs inputs"
exit $failed
