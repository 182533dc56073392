/* SPDX-License-Identifier: Apache-2.0 */
#include "conns/sock_owners.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

struct owner_slot {
	uint64_t inode; /* 0: empty */
	uint32_t proc;  /* index into procs */
};

struct sock_owners {
	struct owner_slot *slots;
	size_t nslots, used; /* open addressing, linear probing, nslots a power of two */
	struct sock_owner *procs;
	size_t nprocs, procs_cap;
};

static size_t inode_slot(uint64_t inode, size_t nslots)
{
	inode *= 0x9e3779b97f4a7c15ull;
	return (size_t)(inode ^ (inode >> 29)) & (nslots - 1);
}

static int owners_grow(struct sock_owners *o)
{
	size_t ns = o->nslots ? o->nslots * 2 : 4096;
	struct owner_slot *s = calloc(ns, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < o->nslots; i++) {
		size_t j;

		if (!o->slots[i].inode)
			continue;
		for (j = inode_slot(o->slots[i].inode, ns); s[j].inode; j = (j + 1) & (ns - 1))
			;
		s[j] = o->slots[i];
	}
	free(o->slots);
	o->slots = s;
	o->nslots = ns;
	return 0;
}

/* The first holder wins: /proc lists pids in ascending order. */
static int owners_add(struct sock_owners *o, uint64_t inode, uint32_t proc)
{
	size_t j;

	if ((o->used + 1) * 2 > o->nslots) {
		int r = owners_grow(o);

		if (r < 0)
			return r;
	}
	for (j = inode_slot(inode, o->nslots); o->slots[j].inode; j = (j + 1) & (o->nslots - 1))
		if (o->slots[j].inode == inode)
			return 0;
	o->slots[j] = (struct owner_slot){ inode, proc };
	o->used++;
	return 0;
}

const struct sock_owner *sock_owners_find(const struct sock_owners *o, uint64_t inode)
{
	if (!o || !o->nslots || !inode)
		return NULL;
	for (size_t j = inode_slot(inode, o->nslots); o->slots[j].inode; j = (j + 1) & (o->nslots - 1))
		if (o->slots[j].inode == inode)
			return &o->procs[o->slots[j].proc];
	return NULL;
}

size_t sock_owners_count(const struct sock_owners *o)
{
	return o ? o->used : 0;
}

void sock_owners_free(struct sock_owners *o)
{
	if (!o)
		return;
	free(o->slots);
	free(o->procs);
	free(o);
}

/* The kernel ends the name with one newline; the name itself may hold newlines (a process
 * chooses it), so only that last one goes. */
static void read_comm(int pid_dirfd, char comm[16])
{
	_cleanup_close_ int fd = openat(pid_dirfd, "comm", O_RDONLY | O_CLOEXEC);
	char buf[17];
	ssize_t n;

	comm[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, 16);
	if (n <= 0)
		return;
	if (buf[n - 1] == '\n')
		n--;
	if (n > 15)
		n = 15;
	memcpy(comm, buf, (size_t)n);
	comm[n] = '\0';
}

static uint32_t read_ns_inode(int pid_dirfd, const char *rel)
{
	struct stat st;

	if (fstatat(pid_dirfd, rel, &st, 0) < 0)
		return 0;
	return (uint32_t)st.st_ino;
}

/* "socket:[12345]" -> 12345; 0 for anything else. */
static uint64_t socket_link_inode(const char *link)
{
	unsigned long long v;
	char *end;

	if (strncmp(link, "socket:[", 8) != 0 || !isdigit((unsigned char)link[8]))
		return 0;
	errno = 0;
	v = strtoull(link + 8, &end, 10);
	if (errno || strcmp(end, "]") != 0)
		return 0;
	return v;
}

static int scan_process(struct sock_owners *o, int proc_fd, const char *pid_name)
{
	_cleanup_close_ int pid_dirfd = openat(proc_fd, pid_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *fds = NULL;
	struct dirent *de;
	uint32_t proc = UINT32_MAX;
	int fd_dirfd;

	if (pid_dirfd < 0)
		return log_debug("process %s vanished before its fds were read: %m", pid_name), 0;
	fd_dirfd = openat(pid_dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd_dirfd < 0)
		return log_debug("skipping /proc/%s/fd: %m", pid_name), 0;
	fds = fdopendir(fd_dirfd);
	if (!fds) {
		close(fd_dirfd);
		return log_debug("skipping /proc/%s/fd: %m", pid_name), 0;
	}
	while ((de = readdir(fds))) {
		char link[64];
		ssize_t n;
		uint64_t inode;
		int r;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(fds), de->d_name, link, sizeof(link) - 1);
		if (n < 0)
			continue; /* closed meanwhile */
		link[n] = '\0';
		inode = socket_link_inode(link);
		if (!inode)
			continue;
		if (proc == UINT32_MAX) {
			struct sock_owner *p;

			if (o->nprocs == o->procs_cap) {
				size_t nc = o->procs_cap ? o->procs_cap * 2 : 256;
				struct sock_owner *np = realloc(o->procs, nc * sizeof(*np));

				if (!np)
					return -ENOMEM;
				o->procs = np;
				o->procs_cap = nc;
			}
			proc = (uint32_t)o->nprocs++;
			p = &o->procs[proc];
			p->pid = (uint32_t)atoi(pid_name);
			p->mntns = read_ns_inode(pid_dirfd, "ns/mnt");
			read_comm(pid_dirfd, p->comm);
		}
		r = owners_add(o, inode, proc);
		if (r < 0)
			return r;
	}
	return 0;
}

int sock_owners_scan(struct sock_owners **ret)
{
	_cleanup_(sock_owners_freep) struct sock_owners *o = calloc(1, sizeof(*o));
	_cleanup_closedir_ DIR *proc = opendir("/proc");
	struct dirent *de;
	int r;

	if (!o)
		return -ENOMEM;
	if (!proc)
		return log_debug_errno(-errno, "socket owners: cannot list /proc: %m");
	r = owners_grow(o);
	if (r < 0)
		return r;
	while ((de = readdir(proc))) {
		if (!is_pid_name(de->d_name))
			continue;
		r = scan_process(o, dirfd(proc), de->d_name);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(o);
	return 0;
}
