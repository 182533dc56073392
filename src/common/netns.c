/* SPDX-License-Identifier: Apache-2.0 */
#include "common/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

/* where bind mounts keep namespaces no process is in (ip netns, Docker) */
static const char *const netns_bind_dirs[] = { "/run/netns", "/var/run/docker/netns" };

void netns_list_clear(struct netns_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].fd >= 0)
			close(l->v[i].fd);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static bool netns_known(const struct netns_list *l, uint32_t inode)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].inode == inode)
			return true;
	return false;
}

/* stat() first and open only a namespace not seen yet: one open per namespace, not per process. */
static int netns_add(struct netns_list *l, size_t *cap, const char *path, pid_t pid)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0) {
		log_debug("skipping %s: %m", path);
		return 0;
	}
	if (netns_known(l, (uint32_t)st.st_ino))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_debug("skipping %s: %m", path);
		return 0;
	}
	if (l->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct netns_entry *nv = realloc(l->v, nc * sizeof(*nv));

		if (!nv) {
			close(fd);
			return -ENOMEM;
		}
		l->v = nv;
		*cap = nc;
	}
	l->v[l->n++] = (struct netns_entry){ .inode = (uint32_t)st.st_ino, .fd = fd, .pid = pid };
	return 0;
}

int netns_discover(struct netns_list *ret)
{
	struct netns_list l = { 0 };
	_cleanup_closedir_ DIR *proc = opendir("/proc");
	struct dirent *de;
	size_t cap = 0;
	char path[PATH_MAX];
	int r;

	if (!proc)
		return log_debug_errno(-errno, "netns: cannot list /proc: %m");
	/* our own first, so it is found even when /proc/1 is refused */
	r = netns_add(&l, &cap, "/proc/self/ns/net", getpid());
	while (r >= 0 && (de = readdir(proc))) {
		if (!is_pid_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		r = netns_add(&l, &cap, path, (pid_t)atoi(de->d_name));
	}
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(netns_bind_dirs); i++) {
		_cleanup_closedir_ DIR *d = opendir(netns_bind_dirs[i]);

		if (!d)
			continue;
		while (r >= 0 && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", netns_bind_dirs[i], de->d_name);
			r = netns_add(&l, &cap, path, 0);
		}
	}
	if (r < 0) {
		netns_list_clear(&l);
		return r;
	}
	*ret = l;
	return 0;
}

int netns_call(int netns_fd, int home_fd, int (*fn)(void *userdata), void *userdata)
{
	_cleanup_close_ int own = -1;
	int r;

	if (home_fd < 0) {
		own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (own < 0)
			return -errno;
		home_fd = own;
	}
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return -errno;
	r = fn(userdata);
	if (setns(home_fd, CLONE_NEWNET) < 0) {
		/* staying in a foreign namespace would mislabel everything after: do not go on */
		log_error("cannot return to ctopo's own network namespace: %m");
		abort();
	}
	return r;
}
