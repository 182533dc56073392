/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* The value of the cgroup_paths map shared by bpf/cgroup_names.bpf.c and src/cgroup_watch.c. */
#ifndef CTOPO_CGROUP_MAP_H
#define CTOPO_CGROUP_MAP_H

#ifndef __KERNEL_TYPES_DEFINED
#include <linux/types.h>
#endif

/* Longer paths keep their last CTOPO_CGROUP_PATH_LEN - 1 bytes, where the container id is. */
#define CTOPO_CGROUP_PATH_LEN 256

struct ctopo_cgroup_path {
	__u32 level;                      /* depth below the root: /docker/<id> is 2 */
	__u32 truncated;                  /* 1: path is the tail of a longer path (its first component is cut) */
	char path[CTOPO_CGROUP_PATH_LEN]; /* NUL-terminated, relative to the v2 root, "/..." */
};

#endif
