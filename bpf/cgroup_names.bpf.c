// SPDX-License-Identifier: GPL-2.0-only
/* Which cgroup path each new cgroup v2 id has, learnt when the cgroup is made.
 *
 * A container that lives 100 ms is gone before anyone can read /proc/PID/cgroup or ask its runtime
 * for a pid, yet every event of the tracker carries its cgroup id (bpf_get_current_cgroup_id()).
 * The runtime makes the container's cgroup before its first process runs, and the stable
 * tracepoint cgroup:cgroup_mkdir carries the new cgroup's id and path: keep them here until the
 * daemon drains the map (each interval) and parses the container id out of the path.
 *
 * Only the default (v2) hierarchy, hierarchy id 0, is kept: bpf_get_current_cgroup_id() reports
 * that hierarchy's cgroup, and v1 mkdirs would only fill the map. A separate object from the
 * tracker: it loads, attaches and fails on its own (the tracker works without it). */
#include "core_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ctopo_cgroup.h"

char LICENSE[] SEC("license") = "GPL";

/* Bounded: a burst of more new cgroups than this within one interval evicts the oldest. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); /* cgroup id: the kernfs node id, the cgroup directory's inode */
	__type(value, struct ctopo_cgroup_path);
} cgroup_paths SEC(".maps");

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
/* include/trace/events/cgroup.h, class "cgroup": relocated against the running kernel. */
struct trace_event_raw_cgroup {
	int root;
	int level;
	__u64 id;
	__u32 __data_loc_path;
};
#pragma clang attribute pop

SEC("tracepoint/cgroup/cgroup_mkdir")
int on_cgroup_mkdir(struct trace_event_raw_cgroup *ctx)
{
	struct ctopo_cgroup_path value = {};
	__u32 loc, offset, len;
	__u64 id;

	/* Before Linux 5.5 the id was a 32-bit per-hierarchy number, not what
	 * bpf_get_current_cgroup_id() returns: nothing to learn there. */
	if (bpf_core_field_size(ctx->id) != sizeof(__u64) || BPF_CORE_READ(ctx, root) != 0)
		return 0;
	id = BPF_CORE_READ(ctx, id);
	loc = BPF_CORE_READ(ctx, __data_loc_path);
	offset = loc & 0xffff;
	len = loc >> 16; /* with the NUL */
	if (len == 0)
		return 0;
	/* The container id is at the end of the path: of a long path keep the tail. */
	if (len > CTOPO_CGROUP_PATH_LEN) {
		offset += len - CTOPO_CGROUP_PATH_LEN;
		value.truncated = 1;
	}
	value.level = BPF_CORE_READ(ctx, level);
	bpf_probe_read_kernel_str(value.path, sizeof(value.path), (const char *)ctx + offset);
	bpf_map_update_elem(&cgroup_paths, &id, &value, BPF_ANY);
	return 0;
}
