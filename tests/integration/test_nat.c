/* SPDX-License-Identifier: Apache-2.0 */
/* NAT resolution against the real kernel's conntrack: a client in one namespace connects to a
 * loopback port that an iptables DNAT rule (made by this test, inside that namespace) sends to a
 * server in another namespace, masqueraded on the way. The client's connection must resolve to
 * the server's real address, the server's to the client's real one; events keep the map current;
 * an overflowing event queue triggers a re-dump instead of a failure. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/addr.h"
#include "conns/conntable.h"
#include "itest.h"
#include "net/nat.h"

#define NS_SERVER "ctopo-h3-nat-srv"
#define NS_CLIENT "ctopo-h3-nat-cli"
#define SERVER_V4 "10.203.1.1"
#define CLIENT_V4 "10.203.1.2"
#define PUBLISHED_PORT 18380 /* what the client asks for, on 127.0.0.1 */
#define SERVER_PORT 18381    /* where DNAT sends it */
#define STORM 300

struct holder {
	pid_t pid;
	int hold_fd;
	uint16_t port;
};

static struct holder server, client;
static uint32_t netns_server, netns_client;

static void close_other_fds(int keep1, int keep2)
{
	for (int fd = 3; fd < 1024; fd++)
		if (fd != keep1 && fd != keep2)
			close(fd);
}

static int connect_published(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PUBLISHED_PORT) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	return fd;
}

static void client_main(int report_fd, int hold_fd)
{
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	uint16_t p;
	char c;
	int fd;

	if (itest_netns_enter(NS_CLIENT) < 0)
		_exit(20);
	fd = connect_published();
	if (fd < 0)
		_exit(21);
	getsockname(fd, (struct sockaddr *)&me, &len);
	p = ntohs(me.sin_port);
	if (write(report_fd, &p, sizeof(p)) != sizeof(p))
		_exit(22);
	while (read(hold_fd, &c, 1) > 0)
		;
	_exit(0);
}

static int start_holder(struct holder *h, void (*fn)(int, int))
{
	int report[2], hold[2];

	if (pipe(report) < 0 || pipe(hold) < 0)
		return -1;
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (h->pid == 0) {
		close_other_fds(report[1], hold[0]);
		fn(report[1], hold[0]);
		_exit(0);
	}
	close(report[1]);
	close(hold[0]);
	h->hold_fd = hold[1];
	if (read(report[0], &h->port, sizeof(h->port)) != sizeof(h->port)) {
		close(report[0]);
		return -1;
	}
	close(report[0]);
	return 0;
}

static void release(struct holder *h)
{
	if (h->pid <= 0)
		return;
	close(h->hold_fd);
	itest_wait(h->pid);
	h->pid = 0;
}

static struct conn_key key_of(uint32_t netns, const char *laddr, uint16_t lport, const char *raddr, uint16_t rport)
{
	uint8_t l[16] = { 0 }, r[16] = { 0 };
	struct conn_key k;

	inet_pton(AF_INET, laddr, l);
	inet_pton(AF_INET, raddr, r);
	conn_key_init(&k, netns, AF_INET, l, lport, r, rport);
	return k;
}

static void assert_endpoint(const struct nat_endpoint *e, const char *expected)
{
	char s[ENDPOINT_STRLEN];

	endpoint_format(e->family, e->addr, e->port, s, sizeof(s));
	assert_string_equal(s, expected);
}

/* Read whatever events are waiting on every conntrack socket (the one fd nat hands out). */
static void pump(struct nat *nat, int timeout_ms)
{
	struct pollfd pfd = { .fd = nat_fd(nat), .events = POLLIN };

	assert_true(pfd.fd >= 0);
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return;
	assert_int_equal(nat_process(nat), 0);
}

/* Pump until lookup's outcome is `want_found`, for up to 10 s (readiness, not timing). */
static bool pump_until(struct nat *nat, const struct conn_key *k, bool want_found)
{
	struct nat_translation x;

	for (int i = 0; i < 200; i++) {
		if ((nat_lookup(nat, k, &x) == 0) == want_found)
			return true;
		pump(nat, 50);
	}
	return false;
}

static void dump_resolves_both_ends(void **state)
{
	struct nat_options o = { .subscribe = false };
	struct conn_key ck = key_of(netns_client, "127.0.0.1", client.port, "127.0.0.1", PUBLISHED_PORT), sk;
	struct nat_translation cx, sx;
	struct nat_stats st;
	struct nat *nat;
	char masq[ENDPOINT_STRLEN], expect[ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(nat_new(&o, &nat, NULL), 0);
	nat_get_stats(nat, &st);
	assert_true(st.flows >= 1);

	/* the client asked for 127.0.0.1:18380 and really reached the server */
	assert_int_equal(nat_lookup(nat, &ck, &cx), 0);
	assert_true(cx.originator);
	assert_true(cx.dnat);
	assert_true(cx.snat);
	assert_int_equal(cx.netns, netns_client);
	assert_endpoint(&cx.peer, SERVER_V4 ":18381");
	endpoint_format(cx.local.family, cx.local.addr, cx.local.port, masq, sizeof(masq));
	assert_memory_equal(masq, CLIENT_V4 ":", strlen(CLIENT_V4) + 1); /* masqueraded to the veth address */

	/* the server's socket sees the masqueraded client; undone, it is 127.0.0.1:cport asking for :18380 */
	sk = key_of(netns_server, SERVER_V4, SERVER_PORT, CLIENT_V4, cx.local.port);
	assert_int_equal(nat_lookup(nat, &sk, &sx), 0);
	assert_false(sx.originator);
	assert_int_equal(sx.netns, netns_client); /* translated in the client's namespace */
	snprintf(expect, sizeof(expect), "127.0.0.1:%u", client.port);
	assert_endpoint(&sx.peer, expect);
	assert_endpoint(&sx.local, "127.0.0.1:18380");

	/* nothing else is claimed: the same tuple in another namespace, or an untranslated one */
	ck.netns = netns_server;
	assert_int_equal(nat_lookup(nat, &ck, &cx), -ENOENT); /* loopback never leaves its namespace */
	sk = key_of(netns_server, SERVER_V4, SERVER_PORT, CLIENT_V4, 1);
	assert_int_equal(nat_lookup(nat, &sk, &sx), -ENOENT);
	nat_free(nat);
}

static int make_connection(uint16_t *ret_port)
{
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	int fd;

	if (itest_netns_enter(NS_CLIENT) < 0)
		return -1;
	fd = connect_published();
	if (fd >= 0) {
		getsockname(fd, (struct sockaddr *)&me, &len);
		*ret_port = ntohs(me.sin_port);
	}
	return fd;
}

/* NEW events add flows that appear after the start, DESTROY events remove them. */
static void events_keep_the_map_current(void **state)
{
	struct nat_options o = { .subscribe = true };
	struct nat_stats st;
	struct nat *nat;
	struct conn_key k;
	uint16_t port = 0;
	int home, fd;

	(void)state;
	assert_int_equal(nat_new(&o, &nat, NULL), 0);
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(home >= 0);
	fd = make_connection(&port);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	close(home);
	assert_true(fd >= 0);
	k = key_of(netns_client, "127.0.0.1", port, "127.0.0.1", PUBLISHED_PORT);
	assert_true(pump_until(nat, &k, true));

	/* delete just this flow (never a flush): its DESTROY event must remove it */
	assert_int_equal(itest_sh("ip netns exec %s conntrack -D -p tcp --orig-port-src %u --orig-port-dst %u "
				  ">/dev/null 2>&1",
				  NS_CLIENT, port, PUBLISHED_PORT),
			 0);
	assert_true(pump_until(nat, &k, false));
	nat_get_stats(nat, &st);
	assert_true(st.events >= 2);
	assert_int_equal(st.resyncs, 0);
	close(fd);
	nat_free(nat);
}

/* A tiny receive buffer and a burst of flows: the queue overflows (ENOBUFS), the namespace is
 * re-dumped and counted, and lookups are right afterwards. */
static void overflow_resyncs_instead_of_failing(void **state)
{
	struct nat_options o = { .subscribe = true, .rcvbuf_bytes = 1 };
	struct conn_key k = key_of(netns_client, "127.0.0.1", client.port, "127.0.0.1", PUBLISHED_PORT);
	struct nat_translation x;
	struct nat_stats st;
	struct nat *nat;
	pid_t burst;

	(void)state;
	assert_int_equal(nat_new(&o, &nat, NULL), 0);
	burst = fork();
	assert_true(burst >= 0);
	if (burst == 0) {
		if (itest_netns_enter(NS_CLIENT) < 0)
			_exit(1);
		for (int i = 0; i < STORM; i++) {
			int fd = connect_published();

			if (fd < 0)
				_exit(2);
			close(fd);
		}
		_exit(0);
	}
	assert_int_equal(itest_wait(burst), 0);
	for (int i = 0; i < 20; i++)
		pump(nat, 50);
	nat_get_stats(nat, &st);
	fprintf(stderr, "nat: %llu events read, %llu resyncs, %llu flows\n", (unsigned long long)st.events,
		(unsigned long long)st.resyncs, (unsigned long long)st.flows);
	assert_true(st.resyncs >= 1);
	assert_int_equal(nat_lookup(nat, &k, &x), 0);
	assert_endpoint(&x.peer, SERVER_V4 ":18381");
	nat_free(nat);
}

static int setup(void **state)
{
	(void)state;
	netns_server = itest_netns_create(NS_SERVER);
	netns_client = itest_netns_create(NS_CLIENT);
	if (!netns_server || !netns_client)
		return -1;
	if (itest_veth_link(NS_SERVER, "c3nat0", SERVER_V4, "fd03:1::1", NS_CLIENT, "c3nat1", CLIENT_V4, "fd03:1::2") <
	    0)
		return -1;
	if (itest_loopback_dnat(NS_CLIENT, "c3nat1", PUBLISHED_PORT, SERVER_V4, SERVER_PORT))
		return -1;
	server.pid = itest_tcp_server(NS_SERVER, SERVER_V4, SERVER_PORT, &server.hold_fd);
	if (server.pid < 0 || start_holder(&client, client_main) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	release(&client);
	release(&server);
	/* the namespaces' conntrack tables and rules go with them */
	itest_netns_delete(NS_SERVER);
	itest_netns_delete(NS_CLIENT);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dump_resolves_both_ends),
		cmocka_unit_test(events_keep_the_map_current),
		cmocka_unit_test(overflow_resyncs_instead_of_failing),
	};

	itest_require_root("test_nat");
	signal(SIGPIPE, SIG_IGN);
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
