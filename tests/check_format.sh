#!/usr/bin/env bash
# Every C source and header is as .clang-format makes it. The style is defined by Debian 12's
# clang-format 14 (another major version formats some constructs differently). Fix: .ci/dev format
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
cf=${CLANG_FORMAT:-clang-format}
if ! command -v "$cf" >/dev/null; then
	echo "check_format: SKIP: $cf not found (apt-get install clang-format)"
	exit 77
fi
major=$("$cf" --version | sed -nE 's/.*version ([0-9]+)\..*/\1/p')
if [ "$major" != 14 ]; then
	echo "check_format: SKIP: $cf is version $major; the style is defined by clang-format 14"
	exit 77
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files -co --exclude-standard '*.c' '*.h' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
else
	mapfile -t files < <(find bpf include src tests bench -name '*.[ch]' | sort)
fi
# one clang-format for every file (a process per file takes seconds on a loaded machine)
if ! out=$("$cf" --dry-run --Werror "${files[@]}" 2>&1); then
	printf '%s\n' "$out" | sed -nE 's/^([^: ]+):[0-9]+:[0-9]+: (warning|error):.*/\1/p' | sort -u |
		sed 's/^/check_format: not formatted: /'
	echo "check_format: run .ci/dev format (clang-format -i on those files)"
	exit 1
fi
echo "check_format: ${#files[@]} files formatted"
