/* SPDX-License-Identifier: Apache-2.0 */
/* The NAT table fed with ctnetlink messages the kernel sent on this machine
 * (tests/data/fuzz-seeds/, made by capture.sh: a client in one namespace reaching a server through
 * DNAT, IPv4 and IPv6), and with broken messages that must be skipped without costing the rest. */
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
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
#include "conns/conntable.h"
#include "conns/proc_net_tcp.h"
#include "net/nat.h"
#include "unit_helpers.h"

#define CLIENT_NETNS 7
#define SERVER_NETNS 8

static void make_key(struct conn_key *key, uint32_t netns, const char *local, uint16_t lport, const char *remote,
		     uint16_t rport)
{
	uint8_t l[16] = { 0 }, r[16] = { 0 };
	uint16_t family, family2;

	assert_int_equal(addr_parse(local, &family, l), 0);
	assert_int_equal(addr_parse(remote, &family2, r), 0);
	conn_key_init(key, netns, family, l, lport, r, rport);
}

static void assert_endpoint(const struct nat_endpoint *e, const char *expected)
{
	char s[ENDPOINT_STRLEN];

	endpoint_format(e->family, e->addr, e->port, s, sizeof(s));
	assert_string_equal(s, expected);
}

static struct nat *table_from(const char *sample)
{
	struct nat *n;
	size_t len;
	char *buf = read_sample("fuzz-seeds", sample, &len);

	assert_int_equal(nat_new_empty(&n), 0);
	assert_true(nat_apply_netlink(n, CLIENT_NETNS, buf, len) >= 0);
	free(buf);
	return n;
}

/* The dump: both DNATed flows resolve from either end; the direct one was not translated. */
static void captured_dump_resolves_dnat(void **state)
{
	struct nat *n = table_from("ctnetlink_dump.bin");
	struct nat_translation tr;
	struct nat_stats stats;
	struct conn_key key;

	(void)state;
	nat_get_stats(n, &stats);
	assert_int_equal(stats.flows, 2);

	make_key(&key, CLIENT_NETNS, "10.209.0.2", 35682, "10.209.0.99", 18980);
	assert_int_equal(nat_lookup(n, &key, &tr), 0);
	assert_true(tr.dnat && tr.originator);
	assert_endpoint(&tr.peer, "10.209.0.1:18981");

	/* the server's socket lives in another namespace: it finds the client's own address */
	make_key(&key, SERVER_NETNS, "10.209.0.1", 18981, "10.209.0.2", 35682);
	assert_int_equal(nat_lookup(n, &key, &tr), 0);
	assert_false(tr.originator);
	assert_endpoint(&tr.peer, "10.209.0.2:35682");
	assert_endpoint(&tr.local, "10.209.0.99:18980");

	make_key(&key, CLIENT_NETNS, "fd09::2", 58534, "fd09::99", 18980);
	assert_int_equal(nat_lookup(n, &key, &tr), 0);
	assert_endpoint(&tr.peer, "[fd09::1]:18981");

	make_key(&key, CLIENT_NETNS, "10.209.0.2", 42922, "10.209.0.1", 18981);
	assert_int_equal(nat_lookup(n, &key, &tr), -ENOENT);
	nat_free(n);
}

/* The events: NEW and UPDATE add the flows, the DESTROY at the end removes its one. */
static void captured_events_add_and_remove(void **state)
{
	struct nat *n = table_from("ctnetlink_events.bin");
	struct nat_translation tr;
	struct conn_key key;

	(void)state;
	make_key(&key, CLIENT_NETNS, "10.209.0.2", 35682, "10.209.0.99", 18980);
	assert_int_equal(nat_lookup(n, &key, &tr), 0);
	make_key(&key, CLIENT_NETNS, "10.209.0.2", 35690, "10.209.0.99", 18980);
	assert_int_equal(nat_lookup(n, &key, &tr), -ENOENT);
	nat_free(n);
}

static size_t put_attr(uint8_t *p, uint16_t type, const void *payload, size_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };

	memcpy(p, &a, sizeof(a));
	memcpy(p + NLA_HDRLEN, payload, len);
	return NLA_ALIGN(NLA_HDRLEN + len);
}

/* Found by tests/fuzz/fuzz_nat (tests/data/fuzz-regressions/fuzz_nat/): an IPv4 address of two
 * bytes made libnetfilter_conntrack exit() the whole process. It is skipped; the flows after it
 * are still read. */
static void wrong_sized_attribute_is_skipped(void **state)
{
	uint8_t buf[4096] __attribute__((aligned(4))) = { 0 };
	uint8_t ip[16], tuple[16];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nfgenmsg nfg = { .nfgen_family = AF_INET };
	struct nat_translation tr;
	struct nat_stats stats;
	struct conn_key key;
	size_t off = NLMSG_HDRLEN, iplen, tuplelen, dlen;
	char *dump = read_sample("fuzz-seeds", "ctnetlink_dump.bin", &dlen);
	struct nat *n;

	(void)state;
	iplen = put_attr(ip, CTA_IP_V4_SRC, "\x0a\x00", 2);
	tuplelen = put_attr(tuple, CTA_TUPLE_IP | NLA_F_NESTED, ip, iplen);
	memcpy(buf + off, &nfg, sizeof(nfg));
	off += NLMSG_ALIGN(sizeof(nfg));
	off += put_attr(buf + off, CTA_TUPLE_ORIG | NLA_F_NESTED, tuple, tuplelen);
	h->nlmsg_len = (uint32_t)off;
	h->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	assert_true(off + dlen <= sizeof(buf));
	memcpy(buf + off, dump, dlen);
	free(dump);

	assert_int_equal(nat_new_empty(&n), 0);
	assert_int_equal(nat_apply_netlink(n, CLIENT_NETNS, buf, off + dlen), 0);
	nat_get_stats(n, &stats);
	assert_int_equal(stats.flows, 2);
	make_key(&key, CLIENT_NETNS, "10.209.0.2", 35682, "10.209.0.99", 18980);
	assert_int_equal(nat_lookup(n, &key, &tr), 0);
	nat_free(n);
}

/* Found by tests/fuzz/fuzz_nat: libmnl takes a length of 2 GiB or more for a negative int. */
static void length_past_int_max_is_refused(void **state)
{
	struct nlmsghdr h = { .nlmsg_len = 0x80000000u,
			      .nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW };
	struct nat *n;

	(void)state;
	assert_int_equal(nat_new_empty(&n), 0);
	assert_int_equal(nat_apply_netlink(n, CLIENT_NETNS, &h, sizeof(h)), -EBADMSG);
	nat_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(captured_dump_resolves_dnat),
		cmocka_unit_test(captured_events_add_and_remove),
		cmocka_unit_test(wrong_sized_attribute_is_skipped),
		cmocka_unit_test(length_past_int_max_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
