/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/net/tcp and tcp6 lines, from files captured on this machine (tests/data/snapshot/,
 * made by capture.sh): listeners, established IPv4, IPv6 and v4-mapped connections, TIME_WAIT. */
#include <arpa/inet.h>
#include <errno.h>
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
#include "conns/proc_net_tcp.h"
#include "sock_lists.h"
#include "unit_helpers.h"

static void ipv4_file(void **state)
{
	struct proc_list l = { .n = 0 };
	unsigned malformed = 99;
	size_t len;
	char *buf = read_sample("snapshot", "proc_net_tcp", &len);
	const struct proc_tcp_sock *s;

	(void)state;
	assert_int_equal(proc_net_tcp_parse(buf, len, AF_INET, proc_list_collect, &l, &malformed), 8);
	assert_int_equal(malformed, 0);
	assert_int_equal(l.n, 8);

	s = proc_list_by_inode(&l, 110565);
	assert_non_null(s);
	assert_int_equal(s->state, TCP_ST_LISTEN);
	assert_endpoint(AF_INET, s->local_addr, s->local_port, "10.203.9.1:18301");
	assert_endpoint(AF_INET, s->remote_addr, s->remote_port, "0.0.0.0:0");

	s = proc_list_by_inode(&l, 110566);
	assert_non_null(s);
	assert_int_equal(s->state, TCP_ST_ESTABLISHED);
	assert_int_equal(s->uid, 0);
	assert_endpoint(AF_INET, s->local_addr, s->local_port, "10.203.9.1:51596");
	assert_endpoint(AF_INET, s->remote_addr, s->remote_port, "10.203.9.1:18301");

	s = proc_list_by_inode(&l, 110575);
	assert_non_null(s);
	assert_endpoint(AF_INET, s->local_addr, s->local_port, "127.0.0.1:44324");
	assert_endpoint(AF_INET, s->remote_addr, s->remote_port, "127.0.0.1:18304");

	/* the closed connection: TIME_WAIT, no inode */
	s = proc_list_by_inode(&l, 0);
	assert_non_null(s);
	assert_int_equal(s->state, TCP_ST_TIME_WAIT);
	assert_endpoint(AF_INET, s->local_addr, s->local_port, "127.0.0.1:44340");
	free(buf);
}

static void ipv6_file(void **state)
{
	struct proc_list l = { .n = 0 };
	unsigned malformed = 99;
	size_t len;
	char *buf = read_sample("snapshot", "proc_net_tcp6", &len);
	const struct proc_tcp_sock *s;

	(void)state;
	assert_int_equal(proc_net_tcp_parse(buf, len, AF_INET6, proc_list_collect, &l, &malformed), 5);
	assert_int_equal(malformed, 0);

	s = proc_list_by_inode(&l, 110568);
	assert_non_null(s);
	assert_int_equal(s->family, AF_INET6);
	assert_int_equal(s->state, TCP_ST_LISTEN);
	assert_endpoint(AF_INET6, s->local_addr, s->local_port, "[fd03:9::1]:18302");

	s = proc_list_by_inode(&l, 110571);
	assert_non_null(s);
	assert_endpoint(AF_INET6, s->local_addr, s->local_port, "[::]:18303");

	/* accepted by the dual-stack listener: v4-mapped, as the file says it */
	s = proc_list_by_inode(&l, 110573);
	assert_non_null(s);
	assert_int_equal(s->state, TCP_ST_ESTABLISHED);
	assert_endpoint(AF_INET6, s->local_addr, s->local_port, "[::ffff:10.203.9.1]:18303");
	assert_endpoint(AF_INET6, s->remote_addr, s->remote_port, "[::ffff:10.203.9.1]:59612");

	s = proc_list_by_inode(&l, 110569);
	assert_non_null(s);
	assert_endpoint(AF_INET6, s->local_addr, s->local_port, "[fd03:9::1]:59488");
	assert_endpoint(AF_INET6, s->remote_addr, s->remote_port, "[fd03:9::1]:18302");
	free(buf);
}

static void header_and_bad_lines(void **state)
{
	struct proc_tcp_sock s;
	static const char *const bad[] = {
		"",
		"   0: 0100007F:4780",
		"   0: 0100007G:4780 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",
		"   0: 100007F:4780 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",
		"   0: 0100007F:47801 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",
		"   0: 0100007F:4780 00000000:0000 0F 00000000:00000000 00:00000000 00000000     0        0 1 1",
		"   0: 0100007F:4780 00000000:0000 0A 00000000:00000000 00:00000000 00000000     x        0 1 1",
		"   0: 0100007F:4780 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99999999999999999999999 1",
		"   0 0100007F:4780 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",
	};

	(void)state;
	assert_int_equal(proc_net_tcp_parse_line("  sl  local_address rem_address   st tx_queue", AF_INET, &s), 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(proc_net_tcp_parse_line(bad[i], AF_INET, &s), -EINVAL);
	/* an IPv4 line read as IPv6 (the wrong file) is refused, not misread */
	assert_int_equal(
		proc_net_tcp_parse_line(
			"   0: 0100007F:4780 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",
			AF_INET6, &s),
		-EINVAL);
	assert_int_equal(
		proc_net_tcp_parse_line(
			"   0: 0100007F:4780 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1",
			AF_INET, &s),
		0);
	assert_int_equal(s.uid, 1000);
	assert_int_equal(s.inode, 4242);
	assert_int_equal(s.local_port, 18304);
}

/* Garbage between good lines is counted and skipped; nothing else is lost. */
static void malformed_lines_are_skipped(void **state)
{
	struct proc_list l = { .n = 0 };
	unsigned malformed = 0;
	size_t len;
	char *sample = read_sample("snapshot", "proc_net_tcp", &len);
	char *buf = malloc(len + 4096);
	size_t n;

	(void)state;
	n = (size_t)sprintf(buf, "garbage line\n%s", sample);
	memset(buf + n, 'A', 1000); /* a line longer than any real one */
	n += 1000;
	buf[n++] = '\n';
	n += (size_t)sprintf(buf + n, "   9: 0100007F:4780 00000000:0000 0A");
	assert_int_equal(proc_net_tcp_parse(buf, n, AF_INET, proc_list_collect, &l, &malformed), 8);
	assert_int_equal(malformed, 3);
	free(buf);
	free(sample);
}

static int stop_at_second(const struct proc_tcp_sock *s, void *userdata)
{
	int *seen = userdata;

	(void)s;
	return ++*seen == 2 ? -ECANCELED : 0;
}

static void callback_can_stop(void **state)
{
	size_t len;
	char *buf = read_sample("snapshot", "proc_net_tcp", &len);
	int seen = 0;

	(void)state;
	assert_int_equal(proc_net_tcp_parse(buf, len, AF_INET, stop_at_second, &seen, NULL), -ECANCELED);
	assert_int_equal(seen, 2);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_file),
		cmocka_unit_test(ipv6_file),
		cmocka_unit_test(header_and_bad_lines),
		cmocka_unit_test(malformed_lines_are_skipped),
		cmocka_unit_test(callback_can_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
