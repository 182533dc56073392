#!/bin/sh
# copy the hook's stdin (the OCI state) and the bundle's config.json; args: OUTDIR RUNTIME STAGE
cat > "$1/$2-$3.state.json"
cp config.json "$1/$2-$3.config.json"
cat /proc/$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$1/$2-$3.state.json")/cgroup > "$1/$2-$3.cgroup" 2>/dev/null || true
pwd > "$1/$2-$3.cwd"; env > "$1/$2-$3.env"
