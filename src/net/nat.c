/* SPDX-License-Identifier: Apache-2.0 */
#include "net/nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/errmsg.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/netlink_recv.h"
#include "common/netns.h"
#include "common/util.h"
#include "conns/mnl_run.h"

#define NAT_DEFAULT_RCVBUF (8u << 20)
#define NAT_RECV_SIZE 65536
#define NAT_MIN_BUCKETS 256
#define CT_EVENT_GROUPS (NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_UPDATE | NF_NETLINK_CONNTRACK_DESTROY)

struct nat_tuple {
	uint16_t family;
	uint16_t sport;
	uint16_t dport;
	uint16_t pad; /* 0: tuples are hashed and compared as bytes */
	uint8_t src[16];
	uint8_t dst[16];
};

/* A translated flow, indexed twice: by its original and by its reply tuple. */
struct nat_flow {
	struct nat_flow *next_orig, *next_reply;
	uint32_t netns;
	uint32_t status;
	struct nat_tuple orig, reply;
};

struct nat_ns {
	uint32_t inode;
	struct mnl_socket *events; /* NULL unless subscribed */
	struct mnl_socket *dump;
	bool seen; /* still there at the last namespace discovery */
};

struct nat {
	struct nat_options opts;
	struct nat_ns *ns;
	size_t nns;
	int epfd; /* every namespace's event socket: the one fd callers wait on */
	struct nat_flow **by_orig, **by_reply;
	size_t nbuckets, nflows;
	struct nat_stats stats;
	char *buf;
	unsigned seq;
};

/* ---------------------------------------------------------------- the flow table */

/* the tuples are chosen by peers: seeded */
static uint64_t tuple_hash(const struct nat_tuple *t)
{
	return hash_bytes(hash_seed(), t, sizeof(*t));
}

static int flows_resize(struct nat *n, size_t nb)
{
	struct nat_flow **bo = calloc(nb, sizeof(*bo)), **br = calloc(nb, sizeof(*br));

	if (!bo || !br) {
		free(bo);
		free(br);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n->nbuckets; i++) {
		struct nat_flow *f = n->by_orig[i];

		while (f) {
			struct nat_flow *next = f->next_orig;
			size_t jo = tuple_hash(&f->orig) & (nb - 1), jr = tuple_hash(&f->reply) & (nb - 1);

			f->next_orig = bo[jo];
			bo[jo] = f;
			f->next_reply = br[jr];
			br[jr] = f;
			f = next;
		}
	}
	free(n->by_orig);
	free(n->by_reply);
	n->by_orig = bo;
	n->by_reply = br;
	n->nbuckets = nb;
	return 0;
}

static struct nat_flow *find_by_orig(const struct nat *n, uint32_t netns, const struct nat_tuple *t)
{
	for (struct nat_flow *f = n->by_orig[tuple_hash(t) & (n->nbuckets - 1)]; f; f = f->next_orig)
		if (f->netns == netns && !memcmp(&f->orig, t, sizeof(*t)))
			return f;
	return NULL;
}

static void flow_unlink(struct nat *n, struct nat_flow *f)
{
	struct nat_flow **pp = &n->by_orig[tuple_hash(&f->orig) & (n->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next_orig)
		if (*pp == f) {
			*pp = f->next_orig;
			break;
		}
	pp = &n->by_reply[tuple_hash(&f->reply) & (n->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->next_reply)
		if (*pp == f) {
			*pp = f->next_reply;
			break;
		}
	n->nflows--;
	free(f);
}

static int flow_upsert(struct nat *n, uint32_t netns, const struct nat_tuple *orig, const struct nat_tuple *reply,
		       uint32_t status)
{
	struct nat_flow *f = find_by_orig(n, netns, orig);
	size_t jo, jr;

	if (f) {
		if (!memcmp(&f->reply, reply, sizeof(*reply))) {
			f->status = status;
			return 0;
		}
		flow_unlink(n, f); /* the reply tuple changed: re-index */
	}
	if (n->nflows >= n->nbuckets)
		flows_resize(n, n->nbuckets * 2); /* on failure chains grow longer; nothing is lost */
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->netns = netns;
	f->status = status;
	f->orig = *orig;
	f->reply = *reply;
	jo = tuple_hash(orig) & (n->nbuckets - 1);
	jr = tuple_hash(reply) & (n->nbuckets - 1);
	f->next_orig = n->by_orig[jo];
	n->by_orig[jo] = f;
	f->next_reply = n->by_reply[jr];
	n->by_reply[jr] = f;
	n->nflows++;
	return 0;
}

static void flows_drop_netns(struct nat *n, uint32_t netns)
{
	for (size_t i = 0; i < n->nbuckets; i++) {
		struct nat_flow *f = n->by_orig[i];

		while (f) {
			struct nat_flow *next = f->next_orig;

			if (f->netns == netns)
				flow_unlink(n, f);
			f = next;
		}
	}
}

static void flows_free(struct nat *n)
{
	for (size_t i = 0; i < n->nbuckets; i++) {
		struct nat_flow *f = n->by_orig[i];

		while (f) {
			struct nat_flow *next = f->next_orig;

			free(f);
			f = next;
		}
	}
	free(n->by_orig);
	free(n->by_reply);
	n->by_orig = n->by_reply = NULL;
	n->nbuckets = n->nflows = 0;
}

/* ---------------------------------------------------------------- ctnetlink messages */

/* ctnetlink messages are read with libmnl, not nfct_nlmsg_parse(): libnetfilter_conntrack 1.0.9
 * exit()s the whole process on an attribute of an unexpected size ("ctnetlink kernel ABI is
 * broken", found by tests/fuzz/fuzz_nat), and a sender with CAP_NET_ADMIN in a container's user
 * namespace can put such a message on our socket there. A message with a member missing or of
 * the wrong size is simply not a flow we use. */
struct attr_table {
	const struct nlattr **tb;
	unsigned max;
};

static int attr_table_cb(const struct nlattr *attr, void *data)
{
	const struct attr_table *t = data;
	unsigned type = mnl_attr_get_type(attr);

	if (type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

static bool attr_has_size(const struct nlattr *attr, size_t size)
{
	return attr && mnl_attr_get_payload_len(attr) == size;
}

/* One CTA_TUPLE_ORIG or CTA_TUPLE_REPLY nest: both addresses, the protocol and both ports. */
static bool parse_tuple(const struct nlattr *nest, uint16_t family, struct nat_tuple *t, uint8_t *ret_proto)
{
	const struct nlattr *tb[CTA_TUPLE_MAX + 1] = { 0 }, *ip[CTA_IP_MAX + 1] = { 0 };
	const struct nlattr *proto[CTA_PROTO_MAX + 1] = { 0 };
	const struct nlattr *src, *dst;
	size_t alen = family == AF_INET ? 4 : 16;

	if (!nest || mnl_attr_parse_nested(nest, attr_table_cb, &(struct attr_table){ tb, CTA_TUPLE_MAX }) < 0 ||
	    !tb[CTA_TUPLE_IP] || !tb[CTA_TUPLE_PROTO] ||
	    mnl_attr_parse_nested(tb[CTA_TUPLE_IP], attr_table_cb, &(struct attr_table){ ip, CTA_IP_MAX }) < 0 ||
	    mnl_attr_parse_nested(tb[CTA_TUPLE_PROTO], attr_table_cb, &(struct attr_table){ proto, CTA_PROTO_MAX }) < 0)
		return false;
	src = ip[family == AF_INET ? CTA_IP_V4_SRC : CTA_IP_V6_SRC];
	dst = ip[family == AF_INET ? CTA_IP_V4_DST : CTA_IP_V6_DST];
	if (!attr_has_size(src, alen) || !attr_has_size(dst, alen) || !attr_has_size(proto[CTA_PROTO_NUM], 1) ||
	    !attr_has_size(proto[CTA_PROTO_SRC_PORT], 2) || !attr_has_size(proto[CTA_PROTO_DST_PORT], 2))
		return false;
	memset(t, 0, sizeof(*t));
	t->family = family;
	memcpy(t->src, mnl_attr_get_payload(src), alen);
	memcpy(t->dst, mnl_attr_get_payload(dst), alen);
	t->sport = ntohs(mnl_attr_get_u16(proto[CTA_PROTO_SRC_PORT]));
	t->dport = ntohs(mnl_attr_get_u16(proto[CTA_PROTO_DST_PORT]));
	*ret_proto = mnl_attr_get_u8(proto[CTA_PROTO_NUM]);
	return true;
}

struct apply_ctx {
	struct nat *nat;
	uint32_t netns;
	int err;
	unsigned messages;
	unsigned unexpected;
};

static int ct_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct apply_ctx *c = data;
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };
	const struct nfgenmsg *nfh;
	struct nat_tuple orig, reply;
	uint8_t type = NFNL_MSG_TYPE(nlh->nlmsg_type), orig_proto, reply_proto;
	uint32_t status = 0;
	int r = 0;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK ||
	    (type != IPCTNL_MSG_CT_NEW && type != IPCTNL_MSG_CT_DELETE)) {
		c->unexpected++;
		return MNL_CB_OK;
	}
	c->messages++;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nfh))
		return MNL_CB_OK;
	nfh = mnl_nlmsg_get_payload(nlh);
	if (nfh->nfgen_family != AF_INET && nfh->nfgen_family != AF_INET6)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*nfh), attr_table_cb, &(struct attr_table){ tb, CTA_MAX }) < 0 ||
	    !parse_tuple(tb[CTA_TUPLE_ORIG], nfh->nfgen_family, &orig, &orig_proto) ||
	    !parse_tuple(tb[CTA_TUPLE_REPLY], nfh->nfgen_family, &reply, &reply_proto))
		return MNL_CB_OK; /* not a complete flow: nothing to translate */
	if (orig_proto != IPPROTO_TCP)
		return MNL_CB_OK;
	if (tb[CTA_STATUS]) {
		if (!attr_has_size(tb[CTA_STATUS], 4))
			return MNL_CB_OK;
		status = ntohl(mnl_attr_get_u32(tb[CTA_STATUS]));
	}

	if (type == IPCTNL_MSG_CT_NEW && (status & IPS_NAT_MASK)) {
		r = flow_upsert(c->nat, c->netns, &orig, &reply, status);
	} else {
		struct nat_flow *f = find_by_orig(c->nat, c->netns, &orig);

		if (f)
			flow_unlink(c->nat, f);
	}
	if (r < 0) {
		c->err = r;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int apply_run(struct nat *n, uint32_t netns, const void *buf, size_t len, unsigned seq, unsigned portid,
		     unsigned *messages)
{
	struct apply_ctx c = { n, netns, 0, 0, 0 };
	int r;

	r = mnl_run_checked(buf, len, seq, portid, ct_msg_cb, &c);
	n->stats.unexpected += c.unexpected;
	if (messages)
		*messages += c.messages;
	return c.err ? c.err : r;
}

int nat_apply_netlink(struct nat *n, uint32_t netns, const void *buf, size_t len)
{
	return apply_run(n, netns, buf, len, 0, 0, NULL);
}

/* ---------------------------------------------------------------- sockets per namespace */

static int ct_dump_filtered(struct nat *n, struct nat_ns *ns, uint32_t status_val, uint32_t status_mask)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(n->buf);
	struct nfgenmsg *nfh;
	unsigned portid = mnl_socket_get_portid(ns->dump), seq = ++n->seq, messages = 0;
	ssize_t len;
	int r;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = AF_UNSPEC;
	nfh->version = NFNETLINK_V0;
	if (status_mask) {
		struct nfct_filter_dump *fd = nfct_filter_dump_create();
		struct nfct_filter_dump_mark m = { .val = status_val, .mask = status_mask };

		if (!fd)
			return -ENOMEM;
		nfct_filter_dump_set_attr(fd, NFCT_FILTER_DUMP_STATUS, &m);
		nfct_nlmsg_build_filter(nlh, fd);
		nfct_filter_dump_destroy(fd);
	}
	if (mnl_socket_sendto(ns->dump, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = netlink_recv_kernel(mnl_socket_get_fd(ns->dump), n->buf, NAT_RECV_SIZE, 0, &n->stats.rejected);
		if (len < 0)
			return (int)len;
		r = apply_run(n, ns->inode, n->buf, (size_t)len, seq, portid, &messages);
	} while (r == 1);
	log_debug("conntrack dump of network namespace %u (status %#x/%#x): %u flows sent", ns->inode, status_val,
		  status_mask, messages);
	return r;
}

/* Two dumps the kernel filters by status (SNAT, then DNAT without SNAT) carry every translated
 * flow and nothing else; a kernel without the status filter sends all, filtered here. */
static int ct_dump(struct nat *n, struct nat_ns *ns)
{
	int r = ct_dump_filtered(n, ns, IPS_SRC_NAT, IPS_SRC_NAT);

	if (r == -EINVAL || r == -EOPNOTSUPP)
		return ct_dump_filtered(n, ns, 0, 0);
	if (r == 0)
		r = ct_dump_filtered(n, ns, IPS_DST_NAT, IPS_NAT_MASK);
	return r;
}

static void set_rcvbuf(int fd, uint32_t bytes)
{
	int v = (int)bytes;

	/* FORCE goes past rmem_max for root; the plain one is the best an unprivileged caller gets */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

static void attach_tcp_filter(int fd)
{
	struct nfct_filter *f = nfct_filter_create();

	if (!f)
		return;
	nfct_filter_add_attr_u32(f, NFCT_FILTER_L4PROTO, IPPROTO_TCP);
	if (nfct_filter_attach(fd, f) < 0)
		log_debug("cannot attach the conntrack event filter (%m): filtering in user space only");
	nfct_filter_destroy(f);
}

static void ns_close(struct nat_ns *ns)
{
	if (ns->events)
		mnl_socket_close(ns->events);
	if (ns->dump)
		mnl_socket_close(ns->dump);
	ns->events = ns->dump = NULL;
}

static struct mnl_socket *open_ct_socket(unsigned groups)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

struct ct_sockets {
	struct nat_ns *ns;
	bool subscribe;
};

/* Inside the namespace: the dump socket, and the events socket when subscribing. */
static int open_ct_sockets(void *userdata)
{
	const struct ct_sockets *cs = userdata;

	cs->ns->dump = open_ct_socket(0);
	if (!cs->ns->dump)
		return -errno;
	if (cs->subscribe) {
		cs->ns->events = open_ct_socket(CT_EVENT_GROUPS);
		if (!cs->ns->events)
			return -errno;
	}
	return 0;
}

/* Make the sockets inside the namespace (they stay bound to it), come back, then dump. */
static int ns_open(struct nat *n, struct nat_ns *ns, int netns_fd, int home_fd)
{
	int err;

	err = netns_call(netns_fd, home_fd, open_ct_sockets, &(struct ct_sockets){ ns, n->opts.subscribe });
	if (err < 0) {
		ns_close(ns);
		return err;
	}
	if (ns->events) {
		int fd = mnl_socket_get_fd(ns->events);

		set_rcvbuf(fd, n->opts.rcvbuf_bytes ? n->opts.rcvbuf_bytes : NAT_DEFAULT_RCVBUF);
		attach_tcp_filter(fd);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		/* closing the socket takes it out of the set again */
		if (epoll_ctl(n->epfd, EPOLL_CTL_ADD, fd, &(struct epoll_event){ .events = EPOLLIN, .data.fd = fd }) <
		    0) {
			err = -errno;
			ns_close(ns);
			return err;
		}
	}
	/* subscribed before the dump: a flow that ends meanwhile is still removed by its event */
	err = ct_dump(n, ns);
	if (err < 0)
		ns_close(ns);
	return err;
}

static struct nat_ns *find_ns(struct nat *n, uint32_t inode)
{
	for (size_t i = 0; i < n->nns; i++)
		if (n->ns[i].inode == inode)
			return &n->ns[i];
	return NULL;
}

int nat_update_namespaces(struct nat *n, const struct netns_list *namespaces)
{
	struct netns_list discovered = { 0 };
	const struct netns_list *list = namespaces;
	_cleanup_close_ int home_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	size_t kept = 0;
	int r;

	if (home_fd < 0)
		return -errno;
	if (!list) {
		r = netns_discover(&discovered);
		if (r < 0)
			return r;
		list = &discovered;
	}
	for (size_t i = 0; i < n->nns; i++)
		n->ns[i].seen = false;
	for (size_t i = 0; i < list->n; i++) {
		struct nat_ns *ns = find_ns(n, list->v[i].inode);

		if (ns)
			ns->seen = true;
	}
	/* let go of namespaces that are gone: our sockets alone would keep them alive */
	for (size_t i = 0; i < n->nns; i++) {
		if (n->ns[i].seen) {
			n->ns[kept++] = n->ns[i];
			continue;
		}
		flows_drop_netns(n, n->ns[i].inode);
		ns_close(&n->ns[i]);
	}
	n->nns = kept;
	for (size_t i = 0; i < list->n; i++) {
		const struct netns_entry *e = &list->v[i];
		struct nat_ns *nv, fresh = { .inode = e->inode, .seen = true };

		if (find_ns(n, e->inode) || (n->opts.only_netns && e->inode != n->opts.only_netns))
			continue;
		r = ns_open(n, &fresh, e->fd, home_fd);
		if (r < 0) {
			log_debug_errno(r, "no NAT information from network namespace %u: %m", e->inode);
			n->stats.namespaces_failed++;
			if (r == -EPROTONOSUPPORT) {
				netns_list_clear(&discovered);
				return r;
			}
			continue;
		}
		nv = realloc(n->ns, (n->nns + 1) * sizeof(*nv));
		if (!nv) {
			ns_close(&fresh);
			netns_list_clear(&discovered);
			return -ENOMEM;
		}
		n->ns = nv;
		n->ns[n->nns++] = fresh;
	}
	netns_list_clear(&discovered);
	n->stats.namespaces = (unsigned)n->nns;
	return 0;
}

int nat_new_empty(struct nat **ret)
{
	struct nat *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (n->epfd < 0) {
		int r = -errno;

		nat_free(n);
		return r < 0 ? r : -EIO;
	}
	n->buf = malloc(NAT_RECV_SIZE);
	if (!n->buf || flows_resize(n, NAT_MIN_BUCKETS) < 0) {
		nat_free(n);
		return -ENOMEM;
	}
	n->seq = (unsigned)time(NULL);
	*ret = n;
	return 0;
}

int nat_new(const struct nat_options *opts, struct nat **ret, struct errmsg *why)
{
	struct nat *n;
	int r;

	r = nat_new_empty(&n);
	if (r < 0)
		return r;
	if (opts)
		n->opts = *opts;
	r = nat_update_namespaces(n, opts ? opts->namespaces : NULL);
	if (r == -EPROTONOSUPPORT) {
		nat_free(n);
		return errmsg_set(why, r,
				  "conntrack is not available (%m): load it with modprobe nf_conntrack_netlink");
	}
	if (r < 0) {
		nat_free(n);
		return errmsg_set(why, r, "cannot read conntrack: %m");
	}
	*ret = n;
	return 0;
}

void nat_free(struct nat *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nns; i++)
		ns_close(&n->ns[i]);
	free(n->ns);
	if (n->epfd >= 0)
		close(n->epfd);
	flows_free(n);
	free(n->buf);
	free(n);
}

int nat_fd(const struct nat *n)
{
	return n->epfd;
}

/* Read everything waiting on one namespace's event socket. */
static int process_ns(struct nat *n, struct nat_ns *ns)
{
	int fd = mnl_socket_get_fd(ns->events);

	for (;;) {
		/* others in the namespace can send to this socket: only the kernel is believed */
		ssize_t len = netlink_recv_kernel(fd, n->buf, NAT_RECV_SIZE, MSG_DONTWAIT, &n->stats.rejected);
		int r;

		if (len == -EMSGSIZE) {
			n->stats.unexpected++; /* the kernel's, but longer than any event: skipped */
			continue;
		}
		if (len < 0) {
			if (len == -EAGAIN)
				return 0;
			if (len != -ENOBUFS)
				return (int)len;
			/* events were dropped: what we hold may be wrong, so start again from a dump */
			n->stats.resyncs++;
			log_debug("conntrack events overflowed in network namespace %u: re-reading it", ns->inode);
			flows_drop_netns(n, ns->inode);
			r = ct_dump(n, ns);
			if (r < 0)
				return r;
			continue;
		}
		n->stats.events++;
		r = apply_run(n, ns->inode, n->buf, (size_t)len, 0, 0, NULL);
		if (r < 0 && r != -EBADMSG)
			return r;
	}
}

int nat_process(struct nat *n)
{
	struct epoll_event ev[64];
	int nev, first_err = 0;

	nev = epoll_wait(n->epfd, ev, (int)ARRAY_SIZE(ev), 0);
	if (nev < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < nev; i++) {
		struct nat_ns *ns = NULL;
		int r;

		for (size_t j = 0; j < n->nns && !ns; j++)
			if (n->ns[j].events && mnl_socket_get_fd(n->ns[j].events) == ev[i].data.fd)
				ns = &n->ns[j];
		if (!ns)
			continue; /* closed since epoll_wait */
		r = process_ns(n, ns);
		if (r < 0 && !first_err)
			first_err = r;
	}
	return first_err;
}

static bool tuple_from_key(const struct conn_key *key, struct nat_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->family = key->family;
	t->sport = key->local_port;
	t->dport = key->remote_port;
	memcpy(t->src, key->local_addr, 16);
	memcpy(t->dst, key->remote_addr, 16);
	return addr_is_loopback(key->family, key->local_addr) || addr_is_loopback(key->family, key->remote_addr);
}

static void endpoint_of(uint16_t family, const uint8_t addr[16], uint16_t port, struct nat_endpoint *e)
{
	e->family = family;
	e->port = port;
	memcpy(e->addr, addr, 16);
}

static bool netns_ok(uint32_t flow_netns, uint32_t want, bool same)
{
	return same ? flow_netns == want : flow_netns != want;
}

int nat_lookup(const struct nat *n, const struct conn_key *key, struct nat_translation *ret)
{
	struct nat_tuple t;
	bool loopback = tuple_from_key(key, &t);
	size_t b;

	if (!n || !n->nflows)
		return -ENOENT;
	b = tuple_hash(&t) & (n->nbuckets - 1);
	for (int pass = 0; pass < 2; pass++) {
		bool same = pass == 0;

		if (!same && loopback)
			break; /* a loopback flow never leaves its namespace */
		for (const struct nat_flow *f = n->by_orig[b]; f; f = f->next_orig) {
			if (!netns_ok(f->netns, key->netns, same) || memcmp(&f->orig, &t, sizeof(t)))
				continue;
			*ret = (struct nat_translation){ .netns = f->netns,
							 .originator = true,
							 .dnat = f->status & IPS_DST_NAT,
							 .snat = f->status & IPS_SRC_NAT };
			endpoint_of(f->reply.family, f->reply.src, f->reply.sport, &ret->peer);
			endpoint_of(f->reply.family, f->reply.dst, f->reply.dport, &ret->local);
			return 0;
		}
		for (const struct nat_flow *f = n->by_reply[b]; f; f = f->next_reply) {
			if (!netns_ok(f->netns, key->netns, same) || memcmp(&f->reply, &t, sizeof(t)))
				continue;
			*ret = (struct nat_translation){ .netns = f->netns,
							 .originator = false,
							 .dnat = f->status & IPS_DST_NAT,
							 .snat = f->status & IPS_SRC_NAT };
			endpoint_of(f->orig.family, f->orig.src, f->orig.sport, &ret->peer);
			endpoint_of(f->orig.family, f->orig.dst, f->orig.dport, &ret->local);
			return 0;
		}
	}
	return -ENOENT;
}

void nat_get_stats(const struct nat *n, struct nat_stats *ret)
{
	*ret = n->stats;
	ret->flows = n->nflows;
	ret->namespaces = (unsigned)n->nns;
}
