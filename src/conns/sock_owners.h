/* SPDX-License-Identifier: Apache-2.0 */
/* Socket inode -> the process holding it (pid, comm, mount namespace), from one walk of
 * /proc/PID/fd. */
#ifndef CTOPO_SOCK_OWNERS_H
#define CTOPO_SOCK_OWNERS_H

#include <stddef.h>
#include <stdint.h>

struct sock_owner {
	uint32_t pid;
	uint32_t mntns;
	char comm[16];
};

struct sock_owners;

/* One walk of /proc/PID/fd: socket inode -> the lowest pid holding it (the parent of a forked
 * server rather than each child). Processes that vanish or refuse are skipped. */
int sock_owners_scan(struct sock_owners **ret);
const struct sock_owner *sock_owners_find(const struct sock_owners *o, uint64_t inode);
size_t sock_owners_count(const struct sock_owners *o);
void sock_owners_free(struct sock_owners *o);

static inline void sock_owners_freep(struct sock_owners **o)
{
	sock_owners_free(*o);
}

#endif
