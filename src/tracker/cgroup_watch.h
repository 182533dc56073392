/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup id -> cgroup path, learnt in the kernel when each cgroup v2 directory is made
 * (bpf/cgroup_names.bpf.c at the stable tracepoint cgroup:cgroup_mkdir). The tracker's events
 * carry the cgroup id of the process; this says which path, hence which container, that id is,
 * even for a container that lived 100 ms and whose cgroup is gone.
 *
 * The kernel keeps the new ids in a bounded map until they are drained; the caller drains once per
 * interval and keeps what it needs (the container registry's cgroup table). */
#ifndef CTOPO_CGROUP_WATCH_H
#define CTOPO_CGROUP_WATCH_H

#include <stdbool.h>
#include <stdint.h>

struct cgroup_watch;

/* Load and attach. btf_path: the running kernel's BTF, NULL for /sys/kernel/btf/vmlinux. Logs at
 * debug only and returns -errno: -ENOENT (no such tracepoint), -EPERM, ... The caller says once
 * that names of short-lived containers are unavailable. */
int cgroup_watch_new(const char *btf_path, struct cgroup_watch **ret);
void cgroup_watch_free(struct cgroup_watch *w);

/* path: relative to the v2 root ("/docker/<id>"); when truncated, the tail of a longer path whose
 * first component is cut. */
typedef void (*cgroup_watch_fn)(uint64_t cgroup_id, const char *path, bool truncated, void *userdata);

/* Hand every cgroup made since the previous drain to fn and forget it. Returns how many. */
int cgroup_watch_drain(struct cgroup_watch *w, cgroup_watch_fn fn, void *userdata);

#endif
