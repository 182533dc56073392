/* SPDX-License-Identifier: Apache-2.0 */
#include "tracker/cgroup_watch.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_names.skel.h"
#include "common/log.h"
#include "ctopo_cgroup.h"

#define DEFAULT_BTF "/sys/kernel/btf/vmlinux"

struct cgroup_watch {
	struct cgroup_names_bpf *skel;
	uint64_t *keys; /* drain's scratch: as many as the map holds */
	uint32_t max_keys;
};

int cgroup_watch_new(const char *btf_path, struct cgroup_watch **ret)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	struct cgroup_watch *w;
	int r;

	if (btf_path)
		open_opts.btf_custom_path = btf_path;
	else if (access(DEFAULT_BTF, F_OK) < 0)
		return log_debug_errno(-ENOENT, "cgroup watch: no BTF at " DEFAULT_BTF);
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->skel = cgroup_names_bpf__open_opts(&open_opts);
	if (!w->skel) {
		r = log_debug_errno(-errno, "cgroup watch: opening the BPF object failed: %m");
		goto fail;
	}
	r = cgroup_names_bpf__load(w->skel);
	if (r) {
		r = log_debug_errno(r < 0 ? r : -errno, "cgroup watch: loading failed: %m");
		goto fail;
	}
	r = cgroup_names_bpf__attach(w->skel);
	if (r) {
		r = log_debug_errno(r < 0 ? r : -errno, "cgroup watch: attaching to cgroup:cgroup_mkdir failed: %m");
		goto fail;
	}
	w->max_keys = bpf_map__max_entries(w->skel->maps.cgroup_paths);
	w->keys = calloc(w->max_keys, sizeof(*w->keys));
	if (!w->keys) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = w;
	return 0;
fail:
	cgroup_watch_free(w);
	return r;
}

void cgroup_watch_free(struct cgroup_watch *w)
{
	if (!w)
		return;
	cgroup_names_bpf__destroy(w->skel);
	free(w->keys);
	free(w);
}

int cgroup_watch_drain(struct cgroup_watch *w, cgroup_watch_fn fn, void *userdata)
{
	int fd = bpf_map__fd(w->skel->maps.cgroup_paths);
	uint32_t n = 0;
	uint64_t key, *prev = NULL;
	int drained = 0;

	/* Collect the keys first: deleting while walking restarts the walk. */
	while (n < w->max_keys && bpf_map_get_next_key(fd, prev, &key) == 0) {
		w->keys[n] = key;
		prev = &w->keys[n++];
	}
	for (uint32_t i = 0; i < n; i++) {
		struct ctopo_cgroup_path value;

		if (bpf_map_lookup_elem(fd, &w->keys[i], &value) < 0)
			continue; /* evicted meanwhile */
		(void)bpf_map_delete_elem(fd, &w->keys[i]);
		value.path[sizeof(value.path) - 1] = '\0';
		fn(w->keys[i], value.path, value.truncated != 0, userdata);
		drained++;
	}
	return drained;
}
