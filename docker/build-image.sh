#!/usr/bin/env bash
# Build the ctopo sidecar image without a registry: a root filesystem holding the built `ctopo` and
# `ctopo-oci-hook`, every shared library `ldd` lists for them and the dynamic loader, a minimal
# /etc; then `docker import` it with the same ENTRYPOINT, CMD and environment as docker/Dockerfile.
#
#   docker/build-image.sh [-B BUILD_DIR] [-t TAG] [--rootfs DIR]
#
#   -B, --build-dir DIR  the meson build directory holding src/ctopo (default: build)
#   -t, --tag TAG        the image's name (default: ctopo:latest)
#       --rootfs DIR     assemble the root filesystem in DIR and keep it (default: a temp dir)
#
# The libraries are the build host's: run the image on the kind of host it was built on (a Debian 12
# build gives a bookworm userland, as the Dockerfile does). Then, as docker/compose.yaml does:
#
#   docker run -d --name ctopo --pid host --network host \
#     --cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE --security-opt seccomp=unconfined \
#     -v /var/run/docker.sock:/var/run/docker.sock -v /sys/kernel/btf:/sys/kernel/btf:ro \
#     -v /sys/kernel/tracing:/sys/kernel/tracing -v /run/ctopo:/run/ctopo ctopo:latest
#   docker exec ctopo ctopo ps
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$top/build
tag=ctopo:latest
keep_rootfs=

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "build-image.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case "$1" in
	-B|--build-dir) [ $# -ge 2 ] || usage; build_dir=$2; shift 2 ;;
	-t|--tag) [ $# -ge 2 ] || usage; tag=$2; shift 2 ;;
	--rootfs) [ $# -ge 2 ] || usage; keep_rootfs=$2; shift 2 ;;
	-h|--help) usage ;;
	*) echo "build-image.sh: unknown argument '$1'" >&2; usage ;;
	esac
done

ctopo=$build_dir/src/ctopo
hook=$build_dir/src/ctopo-oci-hook
for bin in "$ctopo" "$hook"; do
	[ -x "$bin" ] || die "no $bin: build first (meson setup build && ninja -C build)"
done
command -v docker >/dev/null || die "docker is not installed"
command -v ldd >/dev/null || die "ldd is not installed"

if [ -n "$keep_rootfs" ]; then
	[ ! -e "$keep_rootfs" ] || [ -z "$(ls -A "$keep_rootfs")" ] || die "$keep_rootfs is not empty"
	mkdir -p "$keep_rootfs"
	rootfs=$(realpath "$keep_rootfs")
else
	rootfs=$(mktemp -d /tmp/ctopo-rootfs.XXXXXX)
	trap 'rm -rf "$rootfs"' EXIT
fi

# Debian's merged /usr, so the paths ldd prints (/lib/..., /lib64/...) land where they would there
mkdir -p "$rootfs"/usr/{bin,sbin,lib,lib64,libexec/ctopo} "$rootfs"/{etc,proc,sys,dev,run/ctopo,var,tmp}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$rootfs/$d"; done
ln -s ../run "$rootfs/var/run"
chmod 1777 "$rootfs/tmp"

install -m 0755 "$ctopo" "$rootfs/usr/sbin/ctopo"
install -m 0755 "$hook" "$rootfs/usr/libexec/ctopo/ctopo-oci-hook"

# copy_library PATH: the file behind PATH (symlinks resolved), under the name PATH
copy_library() {
	local dest=$rootfs$1
	[ -e "$dest" ] && return 0
	mkdir -p "$(dirname "$dest")"
	cp -L "$1" "$dest"
}

# ldd lines: "libx.so.1 => /path/libx.so.1 (0x...)", the loader "/lib64/ld-linux-x86-64.so.2 (0x...)",
# the vDSO "linux-vdso.so.1 (0x...)" (no file), a header "/path/ctopo:" per binary; anything
# "not found" is a broken build
libs=$(ldd "$ctopo" "$hook") || die "ldd failed on $ctopo or $hook"
! grep -q 'not found' <<<"$libs" || die "missing libraries: $(grep 'not found' <<<"$libs")"
n=0
while read -r path; do
	copy_library "$path"
	n=$((n + 1))
done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' <<<"$libs" | sort -u)
[ -e "$rootfs/lib64/ld-linux-x86-64.so.2" ] || ls "$rootfs"/lib*/ld-linux* >/dev/null 2>&1 ||
	die "ldd named no dynamic loader"

cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
printf 'passwd: files\ngroup: files\nhosts: files\n' >"$rootfs/etc/nsswitch.conf"

version=$("$ctopo" version 2>/dev/null | awk '{ print $NF; exit }')
# the same entry point, command and environment as docker/Dockerfile
tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -c . |
	docker import \
		-c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
		-c 'ENTRYPOINT ["/usr/sbin/ctopo"]' \
		-c 'CMD ["daemon"]' \
		-c "LABEL org.opencontainers.image.title=ctopo org.opencontainers.image.version=${version:-unknown}" \
		-m "ctopo ${version:-} from $build_dir by docker/build-image.sh" \
		- "$tag" >/dev/null
echo "built $tag: ctopo ${version:-?} and $n shared objects (libraries and the loader) from $build_dir"
