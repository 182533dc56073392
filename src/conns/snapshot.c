/* SPDX-License-Identifier: Apache-2.0 */
#include "conns/snapshot.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/netlink_check.h"
#include "common/util.h"
#include "conns/proc_net_tcp.h"

#define NETLINK_RECV_SIZE 65536
#define NETNS_BIND_DIRS                               \
	{                                             \
		"/run/netns", "/var/run/docker/netns" \
	}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

static bool is_pid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* ---------------------------------------------------------------- namespaces */

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
	static const char *const bind_dirs[] = NETNS_BIND_DIRS;
	struct netns_list l = { 0 };
	_cleanup_closedir_ DIR *proc = opendir("/proc");
	struct dirent *de;
	size_t cap = 0;
	char path[PATH_MAX];
	int r;

	if (!proc)
		return log_error_errno(-errno, "cannot list /proc: %m");
	/* our own first, so it is found even when /proc/1 is refused */
	r = netns_add(&l, &cap, "/proc/self/ns/net", getpid());
	while (r >= 0 && (de = readdir(proc))) {
		if (!is_pid_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		r = netns_add(&l, &cap, path, (pid_t)atoi(de->d_name));
	}
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(bind_dirs); i++) {
		_cleanup_closedir_ DIR *d = opendir(bind_dirs[i]);

		if (!d)
			continue;
		while (r >= 0 && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", bind_dirs[i], de->d_name);
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

/* ---------------------------------------------------------------- inet_diag parsing */

struct diag_parse_ctx {
	diag_sock_fn fn;
	void *userdata;
	unsigned *malformed;
	int fn_result;
};

static int diag_attr_cb(const struct nlattr *attr, void *data)
{
	struct diag_sock *s = data;

	if (mnl_attr_get_type(attr) == INET_DIAG_CGROUP_ID && mnl_attr_get_payload_len(attr) >= sizeof(uint64_t)) {
		uint64_t v;

		memcpy(&v, mnl_attr_get_payload(attr), sizeof(v));
		s->cgroup_id = v;
	}
	return MNL_CB_OK;
}

static int diag_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct diag_parse_ctx *ctx = data;
	const struct inet_diag_msg *m;
	struct diag_sock s = { 0 };

	if (nlh->nlmsg_type != TCPDIAG_GETSOCK && nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return MNL_CB_OK; /* not ours to read */
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m)) {
		if (ctx->malformed)
			(*ctx->malformed)++;
		return MNL_CB_OK;
	}
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6) {
		if (ctx->malformed)
			(*ctx->malformed)++;
		return MNL_CB_OK;
	}
	s.family = m->idiag_family;
	s.state = m->idiag_state;
	s.local_port = ntohs(m->id.idiag_sport);
	s.remote_port = ntohs(m->id.idiag_dport);
	memcpy(s.local_addr, m->id.idiag_src, m->idiag_family == AF_INET ? 4 : 16);
	memcpy(s.remote_addr, m->id.idiag_dst, m->idiag_family == AF_INET ? 4 : 16);
	s.uid = m->idiag_uid;
	s.inode = m->idiag_inode;
	if (mnl_attr_parse(nlh, sizeof(*m), diag_attr_cb, &s) < 0 && ctx->malformed)
		(*ctx->malformed)++;
	if (ctx->fn) {
		ctx->fn_result = ctx->fn(&s, ctx->userdata);
		if (ctx->fn_result != 0)
			return MNL_CB_STOP;
	}
	return MNL_CB_OK;
}

static int diag_parse_run(const void *buf, size_t len, unsigned seq, unsigned portid, diag_sock_fn fn, void *userdata,
			  unsigned *malformed)
{
	struct diag_parse_ctx ctx = { fn, userdata, malformed, 0 };
	int r;

	if (!buf && len)
		return -EINVAL;
	if (!nlmsg_buffer_ok(buf, len))
		return -EBADMSG;
	errno = 0;
	r = mnl_cb_run(buf, len, seq, portid, diag_msg_cb, &ctx);
	if (ctx.fn_result != 0)
		return ctx.fn_result;
	if (r < 0)
		return errno > 0 ? -errno : -EBADMSG;
	return r == MNL_CB_STOP ? 0 : 1;
}

int inet_diag_parse(const void *buf, size_t len, diag_sock_fn fn, void *userdata, unsigned *malformed)
{
	return diag_parse_run(buf, len, 0, 0, fn, userdata, malformed);
}

/* ---------------------------------------------------------------- socket owners */

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

static void sock_owners_freep(struct sock_owners **o)
{
	sock_owners_free(*o);
}

static void read_comm(int pid_dirfd, char comm[16])
{
	_cleanup_close_ int fd = openat(pid_dirfd, "comm", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	comm[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, comm, 15);
	if (n <= 0) {
		comm[0] = '\0';
		return;
	}
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
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
		return log_error_errno(-errno, "cannot list /proc: %m");
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

/* ---------------------------------------------------------------- collecting sockets */

struct found_sock {
	struct diag_sock s;
	uint32_t netns;
	uint64_t seen_ns; /* when the dump of its namespace began */
};

struct sock_vec {
	struct found_sock *v;
	size_t n, cap;
	uint32_t netns; /* the namespace being read */
	uint64_t seen_ns;
	uint32_t states; /* TCPF_* bits to keep */
};

static void sock_vec_free(struct sock_vec *v)
{
	free(v->v);
}

static int sock_vec_push(const struct diag_sock *s, void *userdata)
{
	struct sock_vec *v = userdata;

	if (s->state >= 32 || !(v->states & (1u << s->state)))
		return 0;
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 1024;
		struct found_sock *nv = realloc(v->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = nc;
	}
	v->v[v->n++] = (struct found_sock){ .s = *s, .netns = v->netns, .seen_ns = v->seen_ns };
	return 0;
}

static int proc_sock_push(const struct proc_tcp_sock *p, void *userdata)
{
	struct diag_sock s = {
		.family = p->family,
		.state = p->state,
		.local_port = p->local_port,
		.remote_port = p->remote_port,
		.uid = p->uid,
		.inode = p->inode,
	};

	memcpy(s.local_addr, p->local_addr, 16);
	memcpy(s.remote_addr, p->remote_addr, 16);
	return sock_vec_push(&s, userdata);
}

/* Enter the namespace only to create the socket: afterwards it keeps talking to that namespace. */
static struct mnl_socket *open_diag_socket_in(int netns_fd, int home_fd, int *ret_err)
{
	struct mnl_socket *nl;
	int err = 0;

	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		*ret_err = -errno;
		return NULL;
	}
	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl)
		err = -errno;
	if (setns(home_fd, CLONE_NEWNET) < 0) {
		/* staying in a foreign namespace would mislabel everything after: do not go on */
		log_error("cannot return to ctopo's own network namespace: %m");
		abort();
	}
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(nl);
		nl = NULL;
	}
	*ret_err = err;
	return nl;
}

static int diag_dump(struct mnl_socket *nl, uint16_t type, uint8_t family, uint32_t states, FILE *raw,
		     struct sock_vec *out, unsigned *malformed)
{
	_cleanup_free_ char *buf = malloc(NETLINK_RECV_SIZE);
	unsigned seq = (unsigned)time(NULL), portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh;
	ssize_t n;
	int r;

	if (!buf)
		return -ENOMEM;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (type == TCPDIAG_GETSOCK) {
		/* the legacy request: the kernel dumps both families for it */
		struct inet_diag_req *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));

		req->idiag_family = family;
		req->idiag_states = states;
	} else {
		struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));

		req->sdiag_family = family;
		req->sdiag_protocol = IPPROTO_TCP;
		req->idiag_states = states;
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, NETLINK_RECV_SIZE);
		if (n < 0)
			return -errno;
		if (raw)
			fwrite(buf, 1, (size_t)n, raw);
		r = diag_parse_run(buf, (size_t)n, seq, portid, sock_vec_push, out, malformed);
	} while (r == 1);
	return r;
}

/* One namespace by sock_diag: the single legacy dump when the kernel has it, else one per family. */
static int collect_sock_diag(const struct netns_entry *ns, int home_fd, const struct snapshot_options *opts,
			     struct sock_vec *out, struct snapshot_stats *stats)
{
	struct mnl_socket *nl;
	size_t before = out->n;
	int err, r;

	nl = open_diag_socket_in(ns->fd, home_fd, &err);
	if (!nl)
		return err;
	r = diag_dump(nl, TCPDIAG_GETSOCK, AF_INET, out->states, opts->raw_dump, out, &stats->malformed);
	if (r == 0) {
		stats->legacy_dump = true;
	} else if (r == -EINVAL || r == -EOPNOTSUPP || r == -ENOENT) {
		out->n = before;
		r = diag_dump(nl, SOCK_DIAG_BY_FAMILY, AF_INET, out->states, opts->raw_dump, out, &stats->malformed);
		if (r == 0)
			r = diag_dump(nl, SOCK_DIAG_BY_FAMILY, AF_INET6, out->states, opts->raw_dump, out,
				      &stats->malformed);
	}
	mnl_socket_close(nl);
	return r;
}

static int read_proc_tcp(const char *path, uint16_t family, struct sock_vec *out, unsigned *malformed)
{
	_cleanup_free_ char *buf = NULL;
	unsigned bad = 0;
	size_t len;
	int r;

	r = proc_read_file(path, &buf, &len);
	if (r == -ENOENT && family == AF_INET6)
		return 0; /* a kernel without IPv6 */
	if (r < 0)
		return r;
	r = proc_net_tcp_parse(buf, len, family, proc_sock_push, out, &bad);
	*malformed += bad;
	return r < 0 ? r : 0;
}

/* One namespace from /proc/PID/net/tcp{,6}; a namespace only a bind mount keeps has no PID to
 * read through, so enter it and read our own. */
static int collect_proc(const struct netns_entry *ns, int home_fd, struct sock_vec *out, struct snapshot_stats *stats)
{
	char p4[64], p6[64];
	struct stat st;
	int r;

	/* the pid may have moved to another namespace (setns) since discovery: check it still names ours */
	snprintf(p4, sizeof(p4), "/proc/%d/ns/net", (int)ns->pid);
	if (ns->pid > 0 && ns->pid != getpid() && stat(p4, &st) == 0 && (uint32_t)st.st_ino == ns->inode) {
		snprintf(p4, sizeof(p4), "/proc/%d/net/tcp", (int)ns->pid);
		snprintf(p6, sizeof(p6), "/proc/%d/net/tcp6", (int)ns->pid);
		r = read_proc_tcp(p4, AF_INET, out, &stats->malformed);
		if (r >= 0)
			r = read_proc_tcp(p6, AF_INET6, out, &stats->malformed);
		if (r != -ENOENT && r != -ESRCH)
			return r;
		/* the process went away: fall through and read through the namespace itself */
	}
	if (setns(ns->fd, CLONE_NEWNET) < 0)
		return -errno;
	r = read_proc_tcp("/proc/thread-self/net/tcp", AF_INET, out, &stats->malformed);
	if (r >= 0)
		r = read_proc_tcp("/proc/thread-self/net/tcp6", AF_INET6, out, &stats->malformed);
	if (setns(home_fd, CLONE_NEWNET) < 0) {
		log_error("cannot return to ctopo's own network namespace: %m");
		abort();
	}
	return r;
}

/* ---------------------------------------------------------------- feeding the table */

/* Which end opened a connection the tracker did not see open: an established socket on a local
 * port something listens on was accepted (inbound); failing that, the end on an ephemeral port
 * (ip_local_port_range) is the one that connected. A heuristic for sockets that predate the
 * tracker; its own events say it exactly. */
struct listen_ports {
	uint8_t bits[65536 / 8];
	uint16_t ephemeral_low, ephemeral_high;
};

static void read_ephemeral_range(struct listen_ports *lp)
{
	_cleanup_free_ char *buf = NULL;
	unsigned lo, hi;
	size_t len;

	lp->ephemeral_low = 32768; /* the kernel's default */
	lp->ephemeral_high = 60999;
	if (proc_read_file("/proc/sys/net/ipv4/ip_local_port_range", &buf, &len) == 0 &&
	    sscanf(buf, "%u %u", &lo, &hi) == 2 && lo <= hi && hi <= 65535) {
		lp->ephemeral_low = (uint16_t)lo;
		lp->ephemeral_high = (uint16_t)hi;
	}
}

static bool is_ephemeral(const struct listen_ports *lp, uint16_t port)
{
	return port >= lp->ephemeral_low && port <= lp->ephemeral_high;
}

static void mark_listeners(struct listen_ports *lp, const struct found_sock *v, size_t from, size_t to)
{
	memset(lp->bits, 0, sizeof(lp->bits));
	for (size_t i = from; i < to; i++)
		if (v[i].s.state == TCP_ST_LISTEN)
			lp->bits[v[i].s.local_port / 8] |= (uint8_t)(1u << (v[i].s.local_port % 8));
}

static bool is_listening_port(const struct listen_ports *lp, uint16_t port)
{
	return lp->bits[port / 8] & (1u << (port % 8));
}

static int feed_table(struct conntable *t, const struct sock_vec *socks, const struct sock_owners *owners,
		      enum snapshot_source source, struct snapshot_stats *stats)
{
	_cleanup_free_ struct listen_ports *lp = malloc(sizeof(*lp));
	if (!lp)
		return -ENOMEM;
	read_ephemeral_range(lp);
	for (size_t i = 0; i < socks->n; i++) {
		const struct found_sock *f = &socks->v[i];
		const struct sock_owner *o;
		struct conn_observation obs = { 0 };
		int r;

		/* sockets arrive grouped by namespace */
		if (i == 0 || f->netns != socks->v[i - 1].netns) {
			size_t end = i;

			while (end < socks->n && socks->v[end].netns == f->netns)
				end++;
			mark_listeners(lp, socks->v, i, end);
		}
		conn_key_init(&obs.key, f->netns, f->s.family, f->s.local_addr, f->s.local_port, f->s.remote_addr,
			      f->s.remote_port);
		if (f->s.state == TCP_ST_LISTEN)
			obs.direction = CONN_DIR_LISTENING;
		else if (is_listening_port(lp, f->s.local_port))
			obs.direction = CONN_DIR_INBOUND;
		else if (is_ephemeral(lp, f->s.local_port) && !is_ephemeral(lp, f->s.remote_port))
			obs.direction = CONN_DIR_OUTBOUND;
		else if (is_ephemeral(lp, f->s.remote_port) && !is_ephemeral(lp, f->s.local_port))
			obs.direction = CONN_DIR_INBOUND;
		else
			obs.direction = CONN_DIR_UNKNOWN;
		obs.source = source == SNAPSHOT_PROC ? CONN_SRC_PROC : CONN_SRC_SOCK_DIAG;
		obs.inode = f->s.inode;
		obs.cgroup_id = f->s.cgroup_id;
		o = sock_owners_find(owners, f->s.inode);
		if (o) {
			obs.pid = o->pid;
			obs.mntns = o->mntns;
			memcpy(obs.comm, o->comm, sizeof(obs.comm));
		} else {
			stats->sockets_without_owner++;
		}
		r = conntable_upsert_snapshot(t, &obs, f->seen_ns);
		if (r < 0)
			return r;
		stats->sockets++;
	}
	return 0;
}

int snapshot_take(struct conntable *t, const struct snapshot_options *opts, struct snapshot_stats *ret_stats)
{
	static const struct snapshot_options defaults = { 0 };
	struct snapshot_stats stats = { 0 };
	struct netns_list nslist = { 0 };
	_cleanup_(sock_vec_free) struct sock_vec socks = { 0 };
	_cleanup_(sock_owners_freep) struct sock_owners *owners = NULL;
	_cleanup_close_ int home_fd = -1;
	uint64_t start = conn_now_ns();
	unsigned done = 0;
	int r = 0, first_err = 0;

	if (!opts)
		opts = &defaults;
	socks.states = opts->listeners_only ? SNAPSHOT_LISTEN_STATES : SNAPSHOT_CONN_STATES | SNAPSHOT_LISTEN_STATES;
	home_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home_fd < 0)
		return log_error_errno(-errno, "cannot open our own network namespace: %m");
	r = netns_discover(&nslist);
	if (r < 0)
		return r;

	for (size_t i = 0; i < nslist.n; i++) {
		const struct netns_entry *ns = &nslist.v[i];
		size_t before = socks.n;

		if (opts->only_netns && ns->inode != opts->only_netns)
			continue;
		stats.namespaces++;
		socks.netns = ns->inode;
		socks.seen_ns = conn_now_ns();
		if (opts->source == SNAPSHOT_PROC)
			r = collect_proc(ns, home_fd, &socks, &stats);
		else
			r = collect_sock_diag(ns, home_fd, opts, &socks, &stats);
		if (r < 0) {
			/* a namespace that vanished or refuses us costs only its own sockets */
			log_debug_errno(r, "skipping network namespace %u: %m", ns->inode);
			socks.n = before;
			stats.namespaces_failed++;
			if (!first_err)
				first_err = r;
			continue;
		}
		done++;
	}
	netns_list_clear(&nslist);
	if (done == 0 && stats.namespaces > 0)
		return log_error_errno(first_err, "could not read the sockets of any network namespace: %m");
	if (opts->only_netns && stats.namespaces == 0)
		return log_error_errno(-ENOENT, "no network namespace with inode %u", opts->only_netns);

	/* after the dumps, so nearly every socket they found is in some fd table by now */
	r = sock_owners_scan(&owners);
	if (r < 0)
		return r;
	conntable_sync_begin(t, start);
	r = feed_table(t, &socks, owners, opts->source, &stats);
	conntable_sync_end(t, opts->listeners_only, opts->only_netns, conn_now_ns());
	if (r < 0)
		return log_error_errno(r, "cannot store the snapshot: %m");
	stats.duration_ns = conn_now_ns() - start;
	if (ret_stats)
		*ret_stats = stats;
	return 0;
}
