#!/usr/bin/env bash
# ctopo on other kernels: boot the built binaries on Debian 12's and Debian 11's stock kernels
# under qemu (TCG) and run tests/kernels/guest/check.sh there.
#
#   tests/kernels/run.sh [SUITE...]      SUITE: bookworm (Debian 12, 6.1), bullseye (Debian 11, 5.10);
#                                        default both, booted in parallel
#
# The kernels are the current amd64 linux-image-*-amd64-unsigned packages of the Debian archive this
# host's apt is configured with, fetched through a private apt state and kept in
# $CTOPO_KERNEL_CACHE (default /var/cache/ctopo/kernels). Without a network, the newest cached
# package is used. The binaries come from $CTOPO_BIN (set by meson test) or the meson build dir
# $CTOPO_BUILD (default ./build). Every check line of the guests is printed here, and the end of a
# failing guest's serial console; CTOPO_KERNEL_KEEP=1 keeps the work directory (initramfs, consoles).
# Exit: 0 all passed, 1 a failure, 77 skipped (a failure instead under CI=true).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
here=$(cd "$(dirname "$0")" && pwd)
cache=${CTOPO_KERNEL_CACHE:-/var/cache/ctopo/kernels}
boot_timeout=${CTOPO_KERNEL_BOOT_TIMEOUT:-300}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
declare -A debian_version=([bookworm]=12 [bullseye]=11)

# A reason to stop without a verdict: a skip, except under CI=true where every kernel must run.
skip() {
	if [ "${CI:-}" = true ]; then
		echo "kernels: FAIL: $* (CI=true forbids skipping)" >&2
		exit 1
	fi
	echo "kernels: SKIP: $*" >&2
	exit 77
}
die() { echo "kernels: FAIL: $*" >&2; exit 1; }
note() { echo "kernels: $*" >&2; }

for tool in qemu-system-x86_64 cpio busybox dpkg-deb apt-get jq nft ip; do
	command -v "$tool" >/dev/null || skip "$tool is missing (.ci/dev deps installs it)"
done
[ "$(uname -m)" = x86_64 ] || skip "the kernels are amd64 ones: needs an x86_64 host"

# ---------------------------------------------------------------- the binaries under test
# meson knows where it put them: ask it rather than guessing the source layout
find_ctopo() {
	if [ -n "${CTOPO_BIN:-}" ]; then echo "$CTOPO_BIN"; return; fi
	local build=${CTOPO_BUILD:-build}
	meson introspect "$build" --targets |
		jq -r '.[] | select(.name == "ctopo" and .type == "executable") | .filename[0]'
}
ctopo_bin=$(find_ctopo) || true
[ -x "$ctopo_bin" ] || die "no built ctopo binary (CTOPO_BIN, or build it: ninja -C build)"
if ldd "$ctopo_bin" | grep -q libasan; then
	die "$ctopo_bin is a sanitizer build: the guest has no sanitizer runtime; use the plain build"
fi

# ---------------------------------------------------------------- fetching the kernels
# The Debian archive apt uses for this host's own release (no host name is written down here).
debian_mirror() {
	local codename
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(IDENTIFIER)' |
		awk -v c="$codename" '$2 == c && $3 == "main" && $4 == "Packages" { print $1; exit }'
}

# Options for apt-get/apt-cache with a private state for one suite: the host's sources, lists and
# package cache are not touched, and the host's apt.conf (proxies) still applies.
apt_private_opts() {
	local state=$1
	apt_opts=(-q -o Dir::Etc::SourceList="$state/sources.list" -o Dir::Etc::SourceParts="$state/parts"
		-o Dir::State::Lists="$state/lists" -o Dir::State::status="$state/status"
		-o Dir::Cache="$state/cache" -o Acquire::Languages=none -o APT::Sandbox::User=root
		-o APT::Architecture=amd64 -o APT::Architectures=amd64)
}

# fetch_kernel SUITE: print the directory holding vmlinuz and lib/modules/KVER of the suite's
# current kernel, fetching and unpacking it into the cache when needed.
fetch_kernel() {
	local suite=$1 dir state mirror pkg version deb kdir tmp apt_opts
	dir=$cache/$suite state=$cache/$suite/apt
	apt_private_opts "$state"
	mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/parts"
	: >>"$state/status"
	exec 8>"$dir/.lock"
	flock 8 # one fetcher per suite at a time (two builds may test at once)
	pkg= version=
	mirror=$(debian_mirror)
	if [ -n "$mirror" ]; then
		echo "deb [signed-by=$keyring] $mirror $suite main" >"$state/sources.list"
		if timeout 180 apt-get "${apt_opts[@]}" update >"$dir/apt-update.log" 2>&1; then
			# the current kernel is the one the metapackage depends on
			pkg=$(apt-cache "${apt_opts[@]}" depends linux-image-amd64 2>/dev/null |
				awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2 "-unsigned"; exit }')
			[ -n "$pkg" ] && version=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" 2>/dev/null |
				awk '$1 == "Version:" { print $2; exit }')
			[ -n "$version" ] ||
				note "$suite: no kernel package in the lists ($(grep -E '^(E|W):' "$dir/apt-update.log" | head -1)); trying the cache"
		else
			note "$suite: apt-get update failed ($(tail -1 "$dir/apt-update.log")); trying the cache"
		fi
	else
		note "$suite: apt has no Debian archive configured for this host's release; trying the cache"
	fi
	if [ -n "$version" ]; then
		deb=$dir/${pkg}_${version}_amd64.deb
		if [ ! -s "$deb" ]; then
			note "$suite: downloading $pkg $version"
			(cd "$dir" && timeout 600 apt-get "${apt_opts[@]}" download "$pkg=$version") >"$dir/apt-download.log" 2>&1 ||
				{ cat "$dir/apt-download.log" >&2; rm -f "$deb"; deb=; }
		fi
	fi
	if [ -z "${deb:-}" ] || [ ! -s "$deb" ]; then
		deb=$(ls -v "$dir"/linux-image-*-amd64-unsigned_*_amd64.deb 2>/dev/null | tail -1 || true)
		[ -n "$deb" ] || { flock -u 8; return 1; }
		note "$suite: using the cached $(basename "$deb")"
	fi
	kdir=${deb%.deb}
	if [ ! -e "$kdir/.complete" ]; then
		tmp=$(mktemp -d "$dir/.unpack.XXXXXX")
		# only what the guest needs: the kernel, and the module trees networking autoloads from
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards --no-wildcards-match-slash \
			'./boot/vmlinuz-*' './lib/modules/*/modules.builtin*' './lib/modules/*/modules.order' \
			'./lib/modules/*/kernel/net' './lib/modules/*/kernel/lib' './lib/modules/*/kernel/crypto' \
			'./lib/modules/*/kernel/drivers/net/veth.ko*'
		chmod 0755 "$tmp"
		rm -rf "$kdir"
		mv "$tmp" "$kdir"
		touch "$kdir/.complete"
	fi
	# keep only the current package of this suite
	find "$dir" -maxdepth 1 -name 'linux-image-*' ! -name "$(basename "$deb")" ! -name "$(basename "$kdir")" \
		-exec rm -rf {} +
	flock -u 8
	echo "$kdir"
}

# ---------------------------------------------------------------- the initramfs
# copy_binary FILE DEST ROOT: FILE at ROOT/DEST, and every library ldd lists (loader included)
# at its own path.
copy_binary() {
	local file=$1 dest=$2 root=$3 lib
	install -D -m 0755 "$file" "$root$dest"
	for lib in $(ldd "$file" | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}

# build_initramfs KDIR OUT: a gzip'd newc cpio with busybox, ctopo and the guest check.
build_initramfs() {
	local kdir=$1 out=$2 root kver applet
	root=$(mktemp -d "$work/root.XXXXXX")
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc,lib/modules,root,var}
	ln -s ../run "$root/var/run" # ip netns keeps its namespaces in /var/run/netns
	install -m 0755 "$(command -v busybox)" "$root/bin/busybox"
	for applet in $(busybox --list); do
		[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
	done
	ln -s ../bin/busybox "$root/sbin/modprobe" # the kernel's request_module() runs /sbin/modprobe
	copy_binary "$ctopo_bin" /usr/sbin/ctopo "$root"
	copy_binary "$(command -v ip)" /usr/sbin/ip "$root"   # netns and veth (busybox ip has neither)
	copy_binary "$(command -v nft)" /usr/sbin/nft "$root" # the DNAT rule
	copy_binary "$(command -v jq)" /usr/bin/jq "$root"    # the checks read ctopo's JSON
	echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
	echo 'root:x:0:' >"$root/etc/group"
	install -m 0755 "$here/guest/init" "$root/init"
	install -m 0755 "$here/guest/check.sh" "$root/check.sh"
	cp -a "$kdir/lib/modules/." "$root/lib/modules/"
	kver=$(ls "$root/lib/modules")
	busybox depmod -b "$root" "$kver"
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
	rm -rf "$root"
}

# ---------------------------------------------------------------- booting
# boot SUITE: fetch, build, boot, and judge one kernel; its report goes to $work/SUITE/result.
boot() {
	local suite=$1 out kdir rc=0 verdict
	out=$work/$suite
	mkdir -p "$out"
	if ! kdir=$(fetch_kernel "$suite"); then
		echo "unfetchable" >"$out/result"
		return
	fi
	build_initramfs "$kdir" "$out/initrd.gz"
	note "$suite: booting $(basename "$kdir") under qemu (TCG)"
	# -accel tcg: KVM is not available on nested CI machines; the guest powers off when done
	timeout "$boot_timeout" qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -display none -monitor none \
		-serial "file:$out/console.log" -no-reboot -nic none \
		-kernel "$(ls "$kdir"/boot/vmlinuz-*)" -initrd "$out/initrd.gz" \
		-append 'console=ttyS0 quiet panic=-1' >"$out/qemu.log" 2>&1 || rc=$?
	verdict=$(grep -a '^ctopo-guest: verdict ' "$out/console.log" | tail -1 | tr -d '\r' || true)
	if [ -z "$verdict" ]; then
		[ "$rc" -eq 124 ] && verdict="no verdict: timed out after ${boot_timeout}s" ||
			verdict="no verdict: qemu exited $rc ($(tail -c 300 "$out/qemu.log"))"
	fi
	echo "$verdict" >"$out/result"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/ctopo-kernels.XXXXXX")
if [ -n "${CTOPO_KERNEL_KEEP:-}" ]; then note "keeping $work"; else trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || skip "the kernel cache $cache is not writable (run as root or set CTOPO_KERNEL_CACHE)"

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm bullseye)
for suite in "${suites[@]}"; do
	[ -n "${debian_version[$suite]:-}" ] || die "unknown suite '$suite' (bookworm or bullseye)"
	mkdir -p "$cache/$suite"
done

pids=()
for suite in "${suites[@]}"; do
	boot "$suite" & pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done

status=0 unfetched=()
for suite in "${suites[@]}"; do
	result=$(cat "$work/$suite/result" 2>/dev/null || echo "no result")
	name="Debian ${debian_version[$suite]} ($suite)"
	if [ "$result" = unfetchable ]; then
		note "$name: the kernel could not be fetched and none is cached"
		unfetched+=("$suite")
		continue
	fi
	grep -a '^ctopo-guest: ' "$work/$suite/console.log" 2>/dev/null | tr -d '\r' | sed "s/^ctopo-guest:/$suite:/" >&2 || true
	case $result in
	*"verdict PASS"*) note "$name: PASS" ;;
	*)
		note "$name: FAIL: $result"
		echo "----- $suite console (last 60 lines)" >&2
		tail -60 "$work/$suite/console.log" 2>/dev/null | tr -d '\r' >&2 || true
		status=1
		;;
	esac
done
if [ ${#unfetched[@]} -gt 0 ] && [ $status -eq 0 ]; then
	skip "no kernel package for ${unfetched[*]} (no network and nothing in $cache)"
fi
exit $status
