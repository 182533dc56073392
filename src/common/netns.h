/* SPDX-License-Identifier: Apache-2.0 */
/* The host's network namespaces: from /proc/PID/ns/net, /run/netns/ and /var/run/docker/netns/,
 * each open once, for setns(). */
#ifndef CTOPO_NETNS_H
#define CTOPO_NETNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct netns_entry {
	uint32_t inode;
	int fd;    /* open on the namespace (O_RDONLY), for setns() */
	pid_t pid; /* one process inside, 0 when only a bind mount keeps it */
};

struct netns_list {
	struct netns_entry *v;
	size_t n;
};

/* Every distinct network namespace; unreadable entries are skipped with a debug message. 0, or
 * -errno (/proc cannot be listed: the caller says so). */
int netns_discover(struct netns_list *ret);
void netns_list_clear(struct netns_list *l);

/* Run fn(userdata) inside the network namespace netns_fd, then come back to home_fd (ctopo's own,
 * open on /proc/thread-self/ns/net; -1: opened here for this call). Sockets fn creates stay bound
 * to that namespace. Returns fn's result, or -errno when the namespace cannot be entered. Not
 * coming back would mislabel everything after: that is said once and aborts. */
int netns_call(int netns_fd, int home_fd, int (*fn)(void *userdata), void *userdata);

#endif
