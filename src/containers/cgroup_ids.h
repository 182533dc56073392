/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup id -> the container id its path names, as learnt from the cgroup watch (cgroup_watch.h).
 * A cgroup v2 id is never reused while the machine runs (64-bit kernfs node id), so an entry is
 * exact for as long as it is kept: connections of a container that is long gone still name it.
 *
 * Bounded: at most CGROUP_IDS_MAX entries; the owner drops old ones with cgroup_ids_expire. */
#ifndef CTOPO_CGROUP_IDS_H
#define CTOPO_CGROUP_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "containers/cgroup.h"

#define CGROUP_IDS_MAX 65536

struct cgroup_ids;

int cgroup_ids_new(struct cgroup_ids **ret);
void cgroup_ids_free(struct cgroup_ids *t);

/* Remember which container cgroup_id belongs to, from its path (truncated: the tail of a longer
 * path, whose first component is cut). 1 when the path names a container, 0 when it names none
 * (a slice, a service: nothing kept), -ENOSPC when full, -ENOMEM. */
int cgroup_ids_learn(struct cgroup_ids *t, uint64_t cgroup_id, const char *path, bool truncated, uint64_t now_ns);

/* The container id learnt for cgroup_id, or NULL. */
const char *cgroup_ids_lookup(const struct cgroup_ids *t, uint64_t cgroup_id);

/* Drop the entries learnt before cutoff_ns for which keep(id) says false; returns how many went. */
typedef bool (*cgroup_ids_keep_fn)(const char *container_id, void *userdata);
size_t cgroup_ids_expire(struct cgroup_ids *t, uint64_t cutoff_ns, cgroup_ids_keep_fn keep, void *userdata);

size_t cgroup_ids_count(const struct cgroup_ids *t);
/* How many entries learnt at or after since_ns name a container for which known(id) says false. */
size_t cgroup_ids_count_unknown(const struct cgroup_ids *t, uint64_t since_ns, cgroup_ids_keep_fn known,
				void *userdata);

#endif
