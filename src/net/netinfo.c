/* SPDX-License-Identifier: Apache-2.0 */
#include "net/netinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/netlink_recv.h"
#include "common/netns.h"
#include "common/util.h"
#include "conns/mnl_run.h"

struct addr_attrs {
	const struct nlattr *address, *local;
};

static int collect_attr(const struct nlattr *attr, void *data)
{
	struct addr_attrs *a = data;

	if (mnl_attr_get_type(attr) == IFA_ADDRESS)
		a->address = attr;
	else if (mnl_attr_get_type(attr) == IFA_LOCAL)
		a->local = attr;
	return MNL_CB_OK;
}

struct parse_ctx {
	netinfo_prefix_fn fn;
	void *userdata;
	int err;
};

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct parse_ctx *ctx = data;
	const struct ifaddrmsg *ifa;
	struct addr_attrs a = { 0 };
	const struct nlattr *use;
	struct report_prefix p = { 0 };
	size_t want;

	if (nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifa), collect_attr, &a) < 0)
		return MNL_CB_ERROR;
	/* IPv4 point-to-point links put the peer in IFA_ADDRESS: our own address is IFA_LOCAL */
	use = a.local ? a.local : a.address;
	want = ifa->ifa_family == AF_INET ? 4 : 16;
	if (!use || mnl_attr_get_payload_len(use) != want)
		return MNL_CB_OK;
	p.family = ifa->ifa_family;
	memcpy(p.addr, mnl_attr_get_payload(use), want);
	p.len = ifa->ifa_prefixlen;
	addr_normalize(&p.family, p.addr);
	ctx->err = ctx->fn(&p, ctx->userdata);
	return ctx->err ? MNL_CB_STOP : MNL_CB_OK;
}

int netinfo_parse_addr_dump(const void *buf, size_t len, netinfo_prefix_fn fn, void *userdata)
{
	struct parse_ctx ctx = { fn, userdata, 0 };
	int r;

	r = mnl_run_checked(buf, len, 0, 0, on_addr, &ctx);
	return ctx.err ? ctx.err : r;
}

/* A NETLINK_ROUTE socket bound to the namespace at netns_fd: a netlink socket belongs to the
 * namespace it was created in, so step in, create it, step back. */
static int open_route(void *userdata)
{
	struct mnl_socket **nl = userdata;

	*nl = mnl_socket_open(NETLINK_ROUTE);
	return *nl ? 0 : -errno;
}

static struct mnl_socket *open_route_socket(int netns_fd)
{
	struct mnl_socket *nl = NULL;
	int r;

	if (netns_fd < 0)
		return mnl_socket_open(NETLINK_ROUTE);
	r = netns_call(netns_fd, -1, open_route, &nl);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return nl;
}

static int append_prefix(const struct report_prefix *p, void *userdata)
{
	return report_netns_add_prefix(userdata, p);
}

int netinfo_read_prefixes(int netns_fd, struct report_netns *ns)
{
	char buf[8192]; /* MNL_SOCKET_BUFFER_SIZE's upper bound, without a variable-length array */
	struct mnl_socket *nl = open_route_socket(netns_fd);
	struct nlmsghdr *nlh;
	struct rtgenmsg *gen;
	uint32_t seq = (uint32_t)time(NULL);
	uint64_t forged = 0;
	int r;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	gen = mnl_nlmsg_put_extra_header(nlh, sizeof(*gen));
	gen->rtgen_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		/* others in the namespace can send to this socket too: only the kernel is believed */
		ssize_t n = netlink_recv_kernel(mnl_socket_get_fd(nl), buf, sizeof(buf), 0, &forged);

		if (n < 0) {
			r = (int)n;
			break;
		}
		r = netinfo_parse_addr_dump(buf, n, append_prefix, ns);
		if (r <= 0)
			break;
	}
	if (forged)
		log_debug("netinfo: dropped %llu datagrams the kernel did not send", (unsigned long long)forged);
out:
	mnl_socket_close(nl);
	return r;
}

/* ---- cache ------------------------------------------------------------------------------- */

struct cached_netns {
	uint32_t inode;
	struct timespec born; /* the ctime of the namespace's nsfs inode when read */
	bool settled;         /* the last two reads agreed, on more than loopback */
	bool used;            /* read since the last sweep */
	uint64_t read_at_ms;
	struct report_prefix *prefixes;
	size_t n;
};

struct netinfo_cache {
	uint64_t max_age_ms;
	struct cached_netns *v;
	size_t n, cap;
};

int netinfo_cache_new(uint64_t max_age_ms, struct netinfo_cache **ret)
{
	struct netinfo_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->max_age_ms = max_age_ms;
	*ret = c;
	return 0;
}

void netinfo_cache_free(struct netinfo_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].prefixes);
	free(c->v);
	free(c);
}

/* An address a namespace has only once something configured it (not loopback, not IPv6
 * link-local, which an interface gets as it comes up). */
static bool configured(const struct report_prefix *p)
{
	return !addr_is_loopback(p->family, p->addr) &&
	       !(p->family == AF_INET6 && p->addr[0] == 0xfe && (p->addr[1] & 0xc0) == 0x80);
}

/* Docker makes a container's namespace, and only then moves its interface in and gives it an
 * address: a read in between would be kept for max_age. An entry serves from the cache only once
 * two reads in a row found the same addresses, one of them configured. */
static bool settles(const struct cached_netns *e, const struct report_netns *fresh)
{
	bool any = false;

	if (e->n != fresh->n_prefixes || (e->n && memcmp(e->prefixes, fresh->prefixes, e->n * sizeof(*e->prefixes))))
		return false;
	for (size_t i = 0; i < e->n && !any; i++)
		any = configured(&e->prefixes[i]);
	return any;
}

int netinfo_cache_read(struct netinfo_cache *c, uint32_t inode, int netns_fd, struct report_netns *ns)
{
	struct cached_netns *e = NULL;
	struct report_netns fresh = { .inode = inode };
	uint64_t now = clock_mono_ms();
	struct timespec born = { 0 };
	struct stat st;
	bool same;
	int r;

	/* The kernel gives a dead namespace's inode number to the next one, maybe within an
	 * interval: the entry is that namespace's only while its nsfs inode is the same, and a new
	 * nsfs inode gets its ctime when it is made. (A namespace nothing holds open gets a new nsfs
	 * inode at each open: then it is only read again.) */
	if (netns_fd >= 0 && fstat(netns_fd, &st) == 0)
		born = st.st_ctim;
	for (size_t i = 0; i < c->n && !e; i++)
		if (c->v[i].inode == inode)
			e = &c->v[i];
	same = e && e->born.tv_sec == born.tv_sec && e->born.tv_nsec == born.tv_nsec;
	if (!same || !e->settled || now - e->read_at_ms > c->max_age_ms) {
		r = netinfo_read_prefixes(netns_fd, &fresh);
		if (r < 0) {
			free(fresh.prefixes);
			return r;
		}
		if (!e) {
			if (c->n == c->cap) {
				size_t cap = c->cap ? c->cap * 2 : 16;
				struct cached_netns *grown = realloc(c->v, cap * sizeof(*grown));

				if (!grown) {
					free(fresh.prefixes);
					return -ENOMEM;
				}
				c->v = grown;
				c->cap = cap;
			}
			e = &c->v[c->n++];
			*e = (struct cached_netns){ .inode = inode };
		}
		e->settled = same && settles(e, &fresh);
		free(e->prefixes);
		e->prefixes = fresh.prefixes;
		e->n = fresh.n_prefixes;
		e->read_at_ms = now;
		e->born = born;
	}
	e->used = true;
	for (size_t i = 0; i < e->n; i++) {
		r = report_netns_add_prefix(ns, &e->prefixes[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

void netinfo_cache_sweep(struct netinfo_cache *c)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (!c->v[i].used) {
			free(c->v[i].prefixes);
			continue;
		}
		c->v[i].used = false;
		c->v[kept++] = c->v[i];
	}
	c->n = kept;
}
