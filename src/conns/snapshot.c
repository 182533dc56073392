/* SPDX-License-Identifier: Apache-2.0 */
#include "conns/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/netns.h"
#include "common/util.h"
#include "conns/inet_diag.h"
#include "conns/proc_net_tcp.h"
#include "conns/sock_owners.h"

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

/* One namespace by sock_diag: the single legacy dump when the kernel has it, else one per family. */
static int collect_sock_diag(const struct netns_entry *ns, int home_fd, const struct snapshot_options *opts,
			     struct sock_vec *out, struct snapshot_stats *stats)
{
	struct mnl_socket *nl;
	size_t before = out->n;
	int err, r;

	nl = inet_diag_open_in(ns->fd, home_fd, &err);
	if (!nl)
		return err;
	r = inet_diag_dump(nl, TCPDIAG_GETSOCK, AF_INET, out->states, opts->raw_dump, sock_vec_push, out,
			   &stats->malformed);
	if (r == 0) {
		stats->legacy_dump = true;
	} else if (r == -EINVAL || r == -EOPNOTSUPP || r == -ENOENT) {
		out->n = before;
		r = inet_diag_dump(nl, SOCK_DIAG_BY_FAMILY, AF_INET, out->states, opts->raw_dump, sock_vec_push, out,
				   &stats->malformed);
		if (r == 0)
			r = inet_diag_dump(nl, SOCK_DIAG_BY_FAMILY, AF_INET6, out->states, opts->raw_dump,
					   sock_vec_push, out, &stats->malformed);
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

struct proc_read {
	struct sock_vec *out;
	unsigned *malformed;
};

/* /proc/thread-self/net/tcp{,6}: the sockets of the namespace this thread is in. */
static int read_own_proc_tcp(void *userdata)
{
	const struct proc_read *pr = userdata;
	int r;

	r = read_proc_tcp("/proc/thread-self/net/tcp", AF_INET, pr->out, pr->malformed);
	if (r >= 0)
		r = read_proc_tcp("/proc/thread-self/net/tcp6", AF_INET6, pr->out, pr->malformed);
	return r;
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
	return netns_call(ns->fd, home_fd, read_own_proc_tcp, &(struct proc_read){ out, &stats->malformed });
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
			obs.direction = CONN_DIR_INBOUND; // NOLINT(bugprone-branch-clone): guesses in order
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
	struct netns_list discovered = { 0 };
	const struct netns_list *nslist;
	_cleanup_(sock_vec_free) struct sock_vec socks = { 0 };
	_cleanup_(sock_owners_freep) struct sock_owners *owners = NULL;
	_cleanup_close_ int home_fd = -1;
	uint64_t start = clock_mono_ns();
	unsigned done = 0;
	int r = 0, first_err = 0;

	if (!opts)
		opts = &defaults;
	socks.states = opts->listeners_only ? SNAPSHOT_LISTEN_STATES : SNAPSHOT_CONN_STATES | SNAPSHOT_LISTEN_STATES;
	home_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home_fd < 0)
		return log_debug_errno(-errno, "snapshot: cannot open our own network namespace: %m");
	nslist = opts->namespaces;
	if (!nslist) {
		r = netns_discover(&discovered);
		if (r < 0)
			return r;
		nslist = &discovered;
	}

	for (size_t i = 0; i < nslist->n; i++) {
		const struct netns_entry *ns = &nslist->v[i];
		size_t before = socks.n;

		if (opts->only_netns && ns->inode != opts->only_netns)
			continue;
		stats.namespaces++;
		socks.netns = ns->inode;
		socks.seen_ns = clock_mono_ns();
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
	netns_list_clear(&discovered);
	if (done == 0 && stats.namespaces > 0)
		return log_debug_errno(first_err, "snapshot: could not read the sockets of any network namespace: %m");
	if (opts->only_netns && stats.namespaces == 0)
		return log_debug_errno(-ENOENT, "snapshot: no network namespace with inode %u", opts->only_netns);

	/* after the dumps, so nearly every socket they found is in some fd table by now */
	r = sock_owners_scan(&owners);
	if (r < 0)
		return r;
	conntable_sync_begin(t, start);
	r = feed_table(t, &socks, owners, opts->source, &stats);
	conntable_sync_end(t, opts->listeners_only, opts->only_netns, clock_mono_ns());
	if (r < 0)
		return log_debug_errno(r, "snapshot: cannot store it: %m");
	stats.duration_ns = clock_mono_ns() - start;
	if (ret_stats)
		*ret_stats = stats;
	return 0;
}

int snapshot_take_or_proc(struct conntable *t, const struct snapshot_options *opts, struct snapshot_stats *ret_stats,
			  bool *ret_fell_back)
{
	struct snapshot_options proc = *opts;
	int r;

	*ret_fell_back = false;
	r = snapshot_take(t, opts, ret_stats);
	if (r >= 0 || opts->source != SNAPSHOT_SOCK_DIAG || r == -ENOENT)
		return r;
	log_debug_errno(r, "snapshot: sock_diag failed (%m), reading /proc/PID/net/tcp instead");
	proc.source = SNAPSHOT_PROC;
	*ret_fell_back = true;
	return snapshot_take(t, &proc, ret_stats);
}
