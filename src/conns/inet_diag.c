/* SPDX-License-Identifier: Apache-2.0 */
#include "conns/inet_diag.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/netlink_recv.h"
#include "common/netns.h"
#include "common/util.h"
#include "conns/mnl_run.h"

#define NETLINK_RECV_SIZE 65536

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
	r = mnl_run_checked(buf, len, seq, portid, diag_msg_cb, &ctx);
	return ctx.fn_result ? ctx.fn_result : r;
}

int inet_diag_parse(const void *buf, size_t len, diag_sock_fn fn, void *userdata, unsigned *malformed)
{
	return diag_parse_run(buf, len, 0, 0, fn, userdata, malformed);
}

static int open_diag_socket(void *userdata)
{
	struct mnl_socket **nl = userdata;

	*nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	return *nl ? 0 : -errno;
}

/* Enter the namespace only to create the socket: afterwards it keeps talking to that namespace. */
struct mnl_socket *inet_diag_open_in(int netns_fd, int home_fd, int *ret_err)
{
	struct mnl_socket *nl = NULL;
	int err;

	err = netns_call(netns_fd, home_fd, open_diag_socket, &nl);
	if (err < 0) {
		*ret_err = err;
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(nl);
		nl = NULL;
	}
	*ret_err = err;
	return nl;
}

int inet_diag_dump(struct mnl_socket *nl, uint16_t type, uint8_t family, uint32_t states, FILE *raw, diag_sock_fn fn,
		   void *userdata, unsigned *malformed)
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
		uint64_t forged = 0;

		/* others in the namespace can send to this socket too: only the kernel is believed */
		n = netlink_recv_kernel(mnl_socket_get_fd(nl), buf, NETLINK_RECV_SIZE, 0, &forged);
		*malformed += (unsigned)forged;
		if (n < 0)
			return (int)n;
		if (raw)
			fwrite(buf, 1, (size_t)n, raw);
		r = diag_parse_run(buf, (size_t)n, seq, portid, fn, userdata, malformed);
	} while (r == 1);
	return r;
}
