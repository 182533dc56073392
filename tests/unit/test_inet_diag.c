/* SPDX-License-Identifier: Apache-2.0 */
/* inet_diag replies as the kernel sent them on this machine (tests/data/snapshot/, made by
 * capture.sh): the one legacy TCPDIAG_GETSOCK dump ctopo uses (IPv4 and IPv6 together) and a
 * per-family SOCK_DIAG_BY_FAMILY dump; cross-checked against /proc/net/tcp{,6} captured at the
 * same moment from the same namespace. */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/addr.h"
#include "conns/inet_diag.h"
#include "conns/proc_net_tcp.h"
#include "sock_lists.h"
#include "unit_helpers.h"

static void legacy_dump_has_both_families(void **state)
{
	struct diag_list l = { .n = 0 };
	unsigned malformed = 0, v4 = 0, v6 = 0, listeners = 0;
	size_t len;
	char *buf = read_sample("snapshot", "inet_diag_legacy.bin", &len);
	const struct diag_sock *s;

	(void)state;
	assert_int_equal(inet_diag_parse(buf, len, diag_list_collect, &l, &malformed), 0); /* ends with NLMSG_DONE */
	assert_int_equal(malformed, 0);
	assert_int_equal(l.n, 12); /* 4 listeners, 4 connections seen from both ends; no TIME_WAIT */
	for (size_t i = 0; i < l.n; i++) {
		v4 += l.v[i].family == AF_INET;
		v6 += l.v[i].family == AF_INET6;
		listeners += l.v[i].state == TCP_ST_LISTEN;
		assert_int_equal(l.v[i].uid, 0);
		assert_int_equal(l.v[i].cgroup_id, 1); /* INET_DIAG_CGROUP_ID: the v2 root on these hosts */
		assert_true(l.v[i].inode != 0);
	}
	assert_int_equal(v4, 7);
	assert_int_equal(v6, 5);
	assert_int_equal(listeners, 4);

	s = diag_list_by_inode(&l, 110565);
	assert_non_null(s);
	assert_int_equal(s->state, TCP_ST_LISTEN);
	assert_endpoint(s->family, s->local_addr, s->local_port, "10.203.9.1:18301");

	s = diag_list_by_inode(&l, 110566);
	assert_non_null(s);
	assert_int_equal(s->state, TCP_ST_ESTABLISHED);
	assert_endpoint(s->family, s->local_addr, s->local_port, "10.203.9.1:51596");
	assert_endpoint(s->family, s->remote_addr, s->remote_port, "10.203.9.1:18301");

	s = diag_list_by_inode(&l, 110573); /* accepted by the dual-stack listener */
	assert_non_null(s);
	assert_int_equal(s->family, AF_INET6);
	assert_endpoint(s->family, s->local_addr, s->local_port, "[::ffff:10.203.9.1]:18303");
	assert_endpoint(s->family, s->remote_addr, s->remote_port, "[::ffff:10.203.9.1]:59612");

	s = diag_list_by_inode(&l, 110569);
	assert_non_null(s);
	assert_endpoint(s->family, s->local_addr, s->local_port, "[fd03:9::1]:59488");
	assert_endpoint(s->family, s->remote_addr, s->remote_port, "[fd03:9::1]:18302");
	free(buf);
}

static void per_family_dump(void **state)
{
	struct diag_list l = { .n = 0 };
	unsigned malformed = 0;
	size_t len;
	char *buf = read_sample("snapshot", "inet_diag_v2_inet6.bin", &len);

	(void)state;
	assert_int_equal(inet_diag_parse(buf, len, diag_list_collect, &l, &malformed), 0);
	assert_int_equal(malformed, 0);
	assert_int_equal(l.n, 5);
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(l.v[i].family, AF_INET6);
	assert_non_null(diag_list_by_inode(&l, 110568));
	assert_non_null(diag_list_by_inode(&l, 110573));
	free(buf);
}

/* Both readers see the same sockets: sock_diag and /proc/net/tcp{,6} agree on every tuple. */
static void agrees_with_proc_net_tcp(void **state)
{
	struct diag_list d = { .n = 0 };
	struct proc_list p = { .n = 0 };
	size_t len, matched = 0;
	char *buf = read_sample("snapshot", "inet_diag_legacy.bin", &len);

	(void)state;
	assert_int_equal(inet_diag_parse(buf, len, diag_list_collect, &d, NULL), 0);
	free(buf);
	buf = read_sample("snapshot", "proc_net_tcp", &len);
	proc_net_tcp_parse(buf, len, AF_INET, proc_list_collect, &p, NULL);
	free(buf);
	buf = read_sample("snapshot", "proc_net_tcp6", &len);
	proc_net_tcp_parse(buf, len, AF_INET6, proc_list_collect, &p, NULL);
	free(buf);
	for (size_t i = 0; i < p.n; i++) {
		const struct proc_tcp_sock *ps = &p.v[i];
		const struct diag_sock *ds;

		if (ps->state == TCP_ST_TIME_WAIT)
			continue; /* not asked for from sock_diag */
		ds = diag_list_by_inode(&d, ps->inode);
		assert_non_null(ds);
		assert_int_equal(ds->family, ps->family);
		assert_int_equal(ds->state, ps->state);
		assert_int_equal(ds->local_port, ps->local_port);
		assert_int_equal(ds->remote_port, ps->remote_port);
		assert_memory_equal(ds->local_addr, ps->local_addr, 16);
		assert_memory_equal(ds->remote_addr, ps->remote_addr, 16);
		matched++;
	}
	assert_int_equal(matched, d.n);
}

/* A dump arrives in several reads: without NLMSG_DONE the parser asks for more. */
static void partial_buffer_wants_more(void **state)
{
	struct diag_list l = { .n = 0 };
	size_t len;
	char *buf = read_sample("snapshot", "inet_diag_legacy.bin", &len);
	const struct nlmsghdr *first = (const struct nlmsghdr *)buf;

	(void)state;
	assert_int_equal(inet_diag_parse(buf, first->nlmsg_len, diag_list_collect, &l, NULL), 1);
	assert_int_equal(l.n, 1);
	/* cut in the middle of the second message: the whole first one is still read */
	l.n = 0;
	assert_int_equal(inet_diag_parse(buf, first->nlmsg_len + 20, diag_list_collect, &l, NULL), 1);
	assert_int_equal(l.n, 1);
	assert_int_equal(inet_diag_parse(NULL, 0, diag_list_collect, &l, NULL), 1);
	free(buf);
}

static void error_and_short_messages(void **state)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} err = { .h = { .nlmsg_len = sizeof(err), .nlmsg_type = NLMSG_ERROR }, .e = { .error = -EINVAL } };
	struct {
		struct nlmsghdr h;
		uint8_t payload[8];
	} shortmsg = { .h = { .nlmsg_len = sizeof(shortmsg), .nlmsg_type = TCPDIAG_GETSOCK } };
	struct diag_list l = { .n = 0 };
	unsigned malformed = 0;

	(void)state;
	assert_int_equal(inet_diag_parse(&err, sizeof(err), diag_list_collect, &l, NULL), -EINVAL);
	assert_int_equal(inet_diag_parse(&shortmsg, sizeof(shortmsg), diag_list_collect, &l, &malformed), 1);
	assert_int_equal(malformed, 1);
	assert_int_equal(l.n, 0);
}

/* Found by tests/fuzz/fuzz_inet_diag (tests/data/fuzz-regressions/fuzz_inet_diag/): libmnl takes a
 * length of 2 GiB or more for a negative int, hands the message on and steps far past the buffer. */
static void length_past_int_max_is_refused(void **state)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_msg m;
		struct nlmsghdr huge;
	} buf = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct inet_diag_msg)), .nlmsg_type = TCPDIAG_GETSOCK },
		.m = { .idiag_family = AF_INET, .idiag_state = 10, .idiag_inode = 42 },
		.huge = { .nlmsg_len = 0x80000000u, .nlmsg_type = TCPDIAG_GETSOCK },
	};
	struct diag_list l = { .n = 0 };

	(void)state;
	assert_int_equal(inet_diag_parse(&buf, sizeof(buf), diag_list_collect, &l, NULL), -EBADMSG);
	assert_int_equal(l.n, 0);
}

/* Found by tests/fuzz/fuzz_inet_diag: libmnl reads a message's attributes up to its length rounded
 * up to 4, past the end of a buffer that stops short of that. */
static void attribute_past_unpadded_end_is_refused(void **state)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_msg m;
		struct nlattr a;
		uint8_t cgroup_id[8];
	} buf = {
		.h = { .nlmsg_len = sizeof(buf) - 2, .nlmsg_type = TCPDIAG_GETSOCK },
		.m = { .idiag_family = AF_INET, .idiag_state = 10, .idiag_inode = 42 },
		.a = { .nla_len = sizeof(struct nlattr) + 8, .nla_type = INET_DIAG_CGROUP_ID },
		.cgroup_id = { 7 },
	};
	struct diag_list l = { .n = 0 };

	(void)state;
	/* the buffer ends 2 bytes into the cgroup id */
	assert_int_equal(inet_diag_parse(&buf, sizeof(buf) - 2, diag_list_collect, &l, NULL), -EBADMSG);
	assert_int_equal(l.n, 0);
}

static int stop_now(const struct diag_sock *s, void *userdata)
{
	(void)s;
	(void)userdata;
	return -ECANCELED;
}

static void callback_can_stop(void **state)
{
	size_t len;
	char *buf = read_sample("snapshot", "inet_diag_legacy.bin", &len);

	(void)state;
	assert_int_equal(inet_diag_parse(buf, len, stop_now, NULL, NULL), -ECANCELED);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(legacy_dump_has_both_families),
		cmocka_unit_test(per_family_dump),
		cmocka_unit_test(agrees_with_proc_net_tcp),
		cmocka_unit_test(partial_buffer_wants_more),
		cmocka_unit_test(error_and_short_messages),
		cmocka_unit_test(length_past_int_max_is_refused),
		cmocka_unit_test(attribute_past_unpadded_end_is_refused),
		cmocka_unit_test(callback_can_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
