/* SPDX-License-Identifier: Apache-2.0 */
/* Interface addresses from the real kernel (our own namespace needs no privileges), and a parser
 * that refuses broken netlink buffers instead of reading past them. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/addr.h"
#include "net/netinfo.h"
#include "report/report.h"

static bool has_prefix(const struct report_netns *ns, const char *addr, uint8_t len)
{
	uint8_t bytes[16];
	uint16_t family;

	assert_int_equal(addr_parse(addr, &family, bytes), 0);
	for (size_t i = 0; i < ns->n_prefixes; i++)
		if (ns->prefixes[i].family == family && ns->prefixes[i].len == len &&
		    !memcmp(ns->prefixes[i].addr, bytes, 16))
			return true;
	return false;
}

static void own_namespace_has_loopback(void **state)
{
	struct report *r = report_new();
	struct report_netns *ns = report_netns_get(r, 1);

	(void)state;
	assert_int_equal(netinfo_read_prefixes(-1, ns), 0);
	assert_true(has_prefix(ns, "127.0.0.1", 8));
	report_free(r);
}

static void cache_gives_what_a_fresh_read_gives(void **state)
{
	struct report *r = report_new();
	struct report_netns *fresh = report_netns_get(r, 1);
	struct netinfo_cache *cache;

	(void)state;
	assert_int_equal(netinfo_read_prefixes(-1, fresh), 0);
	assert_int_equal(netinfo_cache_new(60000, &cache), 0);
	for (int round = 0; round < 3; round++) {
		struct report_netns *ns = report_netns_get(r, 2 + round);

		/* rounds 0 and 1 read (the second settles the entry when the namespace has more than
		 * loopback), round 2 comes from the cache after a sweep that kept it */
		assert_int_equal(netinfo_cache_read(cache, 7, -1, ns), 0);
		ns = report_netns_get(r, 2 + round); /* the report's array may have moved */
		assert_int_equal(ns->n_prefixes, report_netns_get(r, 1)->n_prefixes);
		assert_memory_equal(ns->prefixes, report_netns_get(r, 1)->prefixes,
				    ns->n_prefixes * sizeof(*ns->prefixes));
		assert_true(has_prefix(ns, "127.0.0.1", 8));
		netinfo_cache_sweep(cache);
	}
	netinfo_cache_free(cache);
	report_free(r);
}

static int count(const struct report_prefix *p, void *userdata)
{
	(void)p;
	(*(int *)userdata)++;
	return 0;
}

static void broken_buffers_are_refused(void **state)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
		struct nlattr a;
		uint8_t addr[4];
	} msg = {
		.h = { .nlmsg_len = sizeof(msg), .nlmsg_type = RTM_NEWADDR },
		.ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 24 },
		.a = { .nla_len = sizeof(struct nlattr) + 4, .nla_type = IFA_LOCAL },
		.addr = { 10, 1, 2, 3 },
	};
	int n = 0;

	(void)state;
	assert_int_equal(netinfo_parse_addr_dump(&msg, sizeof(msg), count, &n), 1);
	assert_int_equal(n, 1);
	/* a message claiming more bytes than the buffer holds */
	msg.h.nlmsg_len = sizeof(msg) + 64;
	n = 0;
	assert_true(netinfo_parse_addr_dump(&msg, sizeof(msg), count, &n) <= 1);
	assert_int_equal(n, 0);
	/* an attribute longer than its message is never read */
	msg.h.nlmsg_len = sizeof(msg);
	msg.a.nla_len = 200;
	netinfo_parse_addr_dump(&msg, sizeof(msg), count, &n);
	assert_int_equal(n, 0);
	/* a wrong-sized address is skipped, not copied */
	msg.a.nla_len = sizeof(struct nlattr) + 2;
	n = 0;
	netinfo_parse_addr_dump(&msg, sizeof(msg), count, &n);
	assert_int_equal(n, 0);
}

/* Found by tests/fuzz/fuzz_netinfo (tests/data/fuzz-regressions/fuzz_netinfo/): libmnl takes a
 * length of 2 GiB or more for a negative int, hands the message on and steps far past the buffer. */
static void length_past_int_max_is_refused(void **state)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
		struct nlattr a;
		uint8_t addr[4];
		struct nlmsghdr huge;
	} msg = {
		.h = { .nlmsg_len = offsetof(__typeof__(msg), huge), .nlmsg_type = RTM_NEWADDR },
		.ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 24 },
		.a = { .nla_len = sizeof(struct nlattr) + 4, .nla_type = IFA_LOCAL },
		.addr = { 10, 1, 2, 3 },
		.huge = { .nlmsg_len = 0x80000000u, .nlmsg_type = RTM_NEWADDR },
	};
	int n = 0;

	(void)state;
	assert_int_equal(netinfo_parse_addr_dump(&msg, sizeof(msg), count, &n), -EBADMSG);
	assert_int_equal(n, 0);
}

/* Found by tests/fuzz/fuzz_netinfo: libmnl reads a message's attributes up to its length rounded up
 * to 4, past the end of a buffer that stops short of that. */
static void attribute_past_unpadded_end_is_refused(void **state)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
		struct nlattr a;
		uint8_t addr[4];
	} msg = {
		.h = { .nlmsg_len = sizeof(msg) - 2, .nlmsg_type = RTM_NEWADDR },
		.ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 24 },
		.a = { .nla_len = sizeof(struct nlattr) + 4, .nla_type = IFA_LOCAL },
		.addr = { 10, 1, 2, 3 },
	};
	int n = 0;

	(void)state;
	/* the buffer ends 2 bytes into the address */
	assert_int_equal(netinfo_parse_addr_dump(&msg, sizeof(msg) - 2, count, &n), -EBADMSG);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(own_namespace_has_loopback),
		cmocka_unit_test(cache_gives_what_a_fresh_read_gives),
		cmocka_unit_test(broken_buffers_are_refused),
		cmocka_unit_test(length_past_int_max_is_refused),
		cmocka_unit_test(attribute_past_unpadded_end_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
