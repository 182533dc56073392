#!/usr/bin/env bash
# Write what ctopo shows of the running example into this directory: ps.txt (`ctopo ps`),
# graph.dot (`ctopo graph --format dot`) and graph.svg, graph.png rendered by Graphviz.
# Run up.sh and `ctopo daemon` first (wait one report). Extra arguments go to both commands,
# e.g. --socket PATH. CTOPO=path/to/ctopo when it is not on PATH.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ctopo=${CTOPO:-ctopo}
command -v dot >/dev/null || { echo "capture.sh: Graphviz (dot) is not installed" >&2; exit 1; }
"$ctopo" ps "$@" >"$here/ps.txt"
"$ctopo" graph --format dot "$@" >"$here/graph.dot"
dot -Tsvg "$here/graph.dot" -o "$here/graph.svg"
dot -Tpng -Gdpi=72 "$here/graph.dot" -o "$here/graph.png"
echo "wrote ps.txt, graph.dot, graph.svg, graph.png in $here"
