# shellcheck shell=bash
# The corpus of each fuzz target, from the real samples in tests/data: sourced by run.sh (the
# libFuzzer runs) and replay.sh (the meson test that replays it in every build). Needs $data set
# to the tests/data directory.

# The real samples each target starts from (files; globs that match nothing are dropped).
seeds() {
	shopt -s nullglob
	local f=()
	case $1 in
	fuzz_oci_state) f=("$data"/oci/*.state.json) ;;
	fuzz_oci_config) f=("$data"/oci/*.config.json) ;;
	fuzz_oci_podman_name) f=("$data"/oci/podman.containers.json) ;;
	fuzz_oci_proc_cgroup | fuzz_cgroup) f=("$data"/oci/*.proc-cgroup "$data"/docker/proc_cgroup_*.txt) ;;
	fuzz_oci_record) f=("$data"/fuzz-seeds/oci_record.*.json) ;;
	fuzz_docker_inspect) f=("$data"/docker/inspect_*.json "$data"/docker/podman_inspect.json) ;;
	fuzz_docker_list) f=("$data"/docker/containers_list*.json "$data"/docker/podman_containers_list.json) ;;
	fuzz_docker_error) f=("$data"/docker/inspect_missing.json "$data"/docker/version.json) ;;
	fuzz_docker_ping) f=("$data"/docker/*.headers) ;;
	fuzz_proc_net_tcp) f=("$data"/snapshot/proc_net_tcp*) ;;
	fuzz_inet_diag) f=("$data"/snapshot/*.bin) ;;
	fuzz_netinfo) f=("$data"/fuzz-seeds/rtm_getaddr*.bin) ;;
	fuzz_nat) f=("$data"/fuzz-seeds/ctnetlink*.bin) ;;
	fuzz_report_json) f=("$data"/fuzz-seeds/report*.json) ;;
	fuzz_escape) f=("$data"/fuzz-seeds/escape-*) ;;
	fuzz_docker_events | fuzz_ipc_request) ;; # made in assemble_corpus
	esac
	shopt -u nullglob
	[ ${#f[@]} -eq 0 ] || printf '%s\n' "${f[@]}"
}

assemble_corpus() {
	local t=$1 dir=$2 i=0 s
	mkdir -p "$dir"
	while IFS= read -r s; do
		cp "$s" "$dir/seed-$((i++))-$(basename "$s")"
	done < <(seeds "$t")
	case $t in
	fuzz_docker_events)
		# the captured streams behind a chunking header (fuzz_docker_events.c): whole, 1-byte
		# chunks, and sizes cycling 7, 200, 64 (podman's compatible stream too)
		for s in "$data"/docker/events_stream*.json "$data"/docker/podman_events_stream*.json; do
			{ printf '\0'; cat "$s"; } >"$dir/seed-$((i++))-whole-$(basename "$s")"
			{ printf '\1\0'; cat "$s"; } >"$dir/seed-$((i++))-bytes-$(basename "$s")"
			{ printf '\3\6\307\77'; cat "$s"; } >"$dir/seed-$((i++))-mixed-$(basename "$s")"
		done
		;;
	fuzz_ipc_request)
		# what ipc_request() sends
		printf '{"request":"report"}\n' >"$dir/seed-report"
		printf '{"request":"stats"}\n' >"$dir/seed-stats"
		;;
	esac
	# every crash found so far runs again first
	if [ -d "$data/fuzz-regressions/$t" ]; then
		for s in "$data/fuzz-regressions/$t"/*; do
			[ -f "$s" ] && cp "$s" "$dir/regression-$(basename "$s")"
		done
	fi
	return 0
}
