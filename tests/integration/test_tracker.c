/* SPDX-License-Identifier: Apache-2.0 */
/* The BPF tracker against the real kernel: real processes in real network namespaces joined
 * by a veth pair; each event must carry the right pid, netns, mntns, ports and byte counts. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
#include <unistd.h>
#include <cmocka.h>

#include "common/addr.h"
#include "itest.h"
#include "tracker/tracker.h"

#define NS_SERVER "ctopo-trk-srv"
#define NS_CLIENT "ctopo-trk-cli"
#define NS_STORM "ctopo-trk-storm"
#define NS_TFO "ctopo-trk-tfo"
#define TFO_TRACE_INSTANCE "/sys/kernel/tracing/instances/ctopo-trk-tfo"
#define SERVER_V4 "10.77.0.1"
#define CLIENT_V4 "10.77.0.2"
#define SERVER_V6 "fd77::1"
#define CLIENT_V6 "fd77::2"
#define STORM_CONNECTIONS 20000

struct event_log {
	struct ctopo_event *v;
	size_t n, cap;
};

static struct tracker *tracker;
static struct event_log events;
static uint32_t netns_server, netns_client, netns_storm, netns_tfo, host_mntns;

/* Keep only our namespaces' events: the host may be busy with its own connections. */
static int collect(const struct ctopo_event *ev, void *userdata)
{
	(void)userdata;
	if (ev->netns != netns_server && ev->netns != netns_client && ev->netns != netns_storm &&
	    ev->netns != netns_tfo)
		return 0;
	if (events.n == events.cap) {
		events.cap = events.cap ? events.cap * 2 : 1024;
		events.v = realloc(events.v, events.cap * sizeof(*events.v));
		if (!events.v)
			abort();
	}
	events.v[events.n++] = *ev;
	return 0;
}

/* Poll the ring buffer until the child exits, then drain; returns the child's status. */
static int wait_pumping(pid_t pid)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		tracker_poll(tracker, 20);
	}
	for (int i = 0; i < 10; i++) /* events of the last close may still be in flight */
		tracker_poll(tracker, 20);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct server_plan {
	const char *netns;
	int family;
	const char *addr;
	uint16_t port;
	int connections;
	size_t reply_bytes;
	bool own_mntns; /* unshare -m: a mount namespace of its own, like a container */
	bool drain;     /* read until EOF before replying */
};

/* Fork a server; returns its pid once it listens. ready_fd reports readiness. */
static pid_t start_server(const struct server_plan *plan)
{
	int ready[2];
	pid_t pid;
	char ok;

	if (pipe(ready) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct sockaddr_storage ss;
		socklen_t len;
		int one = 1, lfd;
		char buf[65536];

		close(ready[0]);
		if (itest_netns_enter(plan->netns) < 0)
			_exit(10);
		if (plan->own_mntns && unshare(CLONE_NEWNS) < 0)
			_exit(11);
		lfd = socket(plan->family, SOCK_STREAM, 0);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		itest_sockaddr(plan->family, plan->addr, plan->port, &ss, &len);
		if (bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 4096) < 0)
			_exit(12);
		if (write(ready[1], "1", 1) != 1)
			_exit(13);
		memset(buf, 'r', sizeof(buf));
		for (int i = 0; i < plan->connections; i++) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			size_t left = plan->reply_bytes;

			if (fd < 0)
				_exit(14);
			while (plan->drain && read(fd, buf, sizeof(buf)) > 0)
				;
			while (left > 0) {
				ssize_t w = write(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

				if (w <= 0)
					_exit(15);
				left -= w;
			}
			close(fd);
		}
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &ok, 1) != 1) {
		close(ready[0]);
		itest_wait(pid);
		return -1;
	}
	close(ready[0]);
	return pid;
}

struct client_plan {
	const char *netns;
	int family;
	const char *addr;
	uint16_t port;
	size_t send_bytes;
	bool expect_refused;
	bool read_reply;
};

/* The client child: 0 on the expected outcome. */
static pid_t start_client(const struct client_plan *plan)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[65536];
	size_t left = plan->send_bytes;
	int fd;

	if (itest_netns_enter(plan->netns) < 0)
		_exit(20);
	fd = socket(plan->family, SOCK_STREAM, 0);
	itest_sockaddr(plan->family, plan->addr, plan->port, &ss, &len);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		_exit(plan->expect_refused && errno == ECONNREFUSED ? 0 : 21);
	if (plan->expect_refused)
		_exit(22);
	memset(buf, 's', sizeof(buf));
	while (left > 0) {
		ssize_t w = write(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

		if (w <= 0)
			_exit(23);
		left -= w;
	}
	shutdown(fd, SHUT_WR);
	while (plan->read_reply && read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	_exit(0);
}

static const struct ctopo_event *find_event(uint8_t type, uint32_t netns, uint16_t sport, uint16_t dport)
{
	for (size_t i = 0; i < events.n; i++) {
		const struct ctopo_event *ev = &events.v[i];

		if (ev->type == type && ev->netns == netns && (!sport || ev->sport == sport) &&
		    (!dport || ev->dport == dport))
			return ev;
	}
	return NULL;
}

static void assert_addr(const struct ctopo_event *ev, const uint8_t bytes[16], const char *expected)
{
	char s[ADDR_STRLEN];

	addr_format(ev->family, bytes, s, sizeof(s));
	assert_string_equal(s, expected);
}

/* One conversation across the veth, every event checked from both sides. */
static void conversation(int family, const char *server_addr, const char *client_addr, uint16_t port)
{
	const size_t sent = 123457, replied = 5678;
	struct server_plan sp = { NS_SERVER, family, server_addr, port, 1, replied, true, true };
	struct client_plan cp = { NS_CLIENT, family, server_addr, port, sent, false, true };
	const struct ctopo_event *conn, *acc, *cclose, *sclose;
	uint32_t server_mntns;
	pid_t server, client;

	events.n = 0;
	server = start_server(&sp);
	assert_true(server > 0);
	server_mntns = itest_ns_inode(server, "mnt");
	assert_true(server_mntns != 0 && server_mntns != host_mntns);
	client = start_client(&cp);
	assert_int_equal(wait_pumping(client), 0);
	assert_int_equal(wait_pumping(server), 0);

	conn = find_event(CTOPO_EV_CONNECT, netns_client, 0, port);
	assert_non_null(conn);
	assert_int_equal(conn->pid, client);
	assert_int_equal(conn->family, family);
	assert_int_equal(conn->mntns, host_mntns);
	assert_int_equal(conn->direction, CTOPO_DIR_OUTBOUND);
	assert_true(conn->sport != 0);
	assert_addr(conn, conn->saddr, client_addr);
	assert_addr(conn, conn->daddr, server_addr);

	acc = find_event(CTOPO_EV_ACCEPT, netns_server, port, conn->sport);
	assert_non_null(acc);
	assert_int_equal(acc->pid, server);
	assert_int_equal(acc->mntns, server_mntns);
	assert_int_equal(acc->direction, CTOPO_DIR_INBOUND);
	assert_addr(acc, acc->saddr, server_addr);
	assert_addr(acc, acc->daddr, client_addr);

	cclose = find_event(CTOPO_EV_CLOSE, netns_client, conn->sport, port);
	assert_non_null(cclose);
	assert_int_equal(cclose->pid, client);
	assert_int_equal(cclose->direction, CTOPO_DIR_OUTBOUND);
	assert_int_equal(cclose->bytes_sent, sent);
	assert_int_equal(cclose->bytes_received, replied);
	assert_true(cclose->duration_ns > 0);

	sclose = find_event(CTOPO_EV_CLOSE, netns_server, port, conn->sport);
	assert_non_null(sclose);
	assert_int_equal(sclose->pid, server);
	assert_int_equal(sclose->mntns, server_mntns);
	assert_int_equal(sclose->direction, CTOPO_DIR_INBOUND);
	assert_int_equal(sclose->bytes_sent, replied);
	assert_int_equal(sclose->bytes_received, sent);
}

static void ipv4_connect_accept_close(void **state)
{
	(void)state;
	conversation(AF_INET, SERVER_V4, CLIENT_V4, 7001);
}

static void ipv6_connect_accept_close(void **state)
{
	(void)state;
	conversation(AF_INET6, SERVER_V6, CLIENT_V6, 7002);
}

static void refused_connect_is_reported(void **state)
{
	struct client_plan cp = { NS_CLIENT, AF_INET, SERVER_V4, 7999, 0, true, false };
	const struct ctopo_event *ev;
	pid_t client;

	(void)state;
	events.n = 0;
	client = start_client(&cp);
	assert_int_equal(wait_pumping(client), 0);
	ev = find_event(CTOPO_EV_CONNECT_FAILED, netns_client, 0, 7999);
	assert_non_null(ev);
	assert_int_equal(ev->pid, client);
	assert_int_equal(ev->error, ECONNREFUSED);
	assert_int_equal(ev->direction, CTOPO_DIR_OUTBOUND);
	assert_null(find_event(CTOPO_EV_CONNECT, netns_client, 0, 7999));
}

/* Connect and close at once: it lives well under a millisecond, and is still seen whole. */
static void short_lived_connection_is_seen(void **state)
{
	struct server_plan sp = { NS_SERVER, AF_INET, SERVER_V4, 7003, 1, 0, false, false };
	struct client_plan cp = { NS_CLIENT, AF_INET, SERVER_V4, 7003, 0, false, false };
	const struct ctopo_event *conn, *cclose;
	pid_t server, client;

	(void)state;
	events.n = 0;
	server = start_server(&sp);
	assert_true(server > 0);
	client = start_client(&cp);
	assert_int_equal(wait_pumping(client), 0);
	assert_int_equal(wait_pumping(server), 0);
	conn = find_event(CTOPO_EV_CONNECT, netns_client, 0, 7003);
	assert_non_null(conn);
	assert_int_equal(conn->pid, client);
	assert_non_null(find_event(CTOPO_EV_ACCEPT, netns_server, 7003, conn->sport));
	cclose = find_event(CTOPO_EV_CLOSE, netns_client, conn->sport, 7003);
	assert_non_null(cclose);
	assert_int_equal(cclose->pid, client);
	assert_int_equal(cclose->bytes_sent, 0);
	assert_non_null(find_event(CTOPO_EV_CLOSE, netns_server, 7003, conn->sport));
}

/* A child in the storm namespace that connects to 127.0.0.1:port n times as fast as it can, closing
 * each at once; exits 0 when all connected. */
static pid_t start_storm_client(uint16_t port, int n)
{
	struct sockaddr_storage ss;
	socklen_t len;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (itest_netns_enter(NS_STORM) < 0)
		_exit(30);
	itest_sockaddr(AF_INET, "127.0.0.1", port, &ss, &len);
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0)
			_exit(31);
		close(fd);
	}
	_exit(0);
}

/* 20,000 connections as fast as one client can make them: every connect and accept is
 * reported, or the shortfall is exactly what the kernel counted as lost. */
static void storm_loses_nothing_silently(void **state)
{
	struct server_plan sp = { NS_STORM, AF_INET, "127.0.0.1", 7100, STORM_CONNECTIONS, 0, false, false };
	struct tracker_stats before, after;
	size_t connects = 0, accepts = 0;
	pid_t server, client;

	(void)state;
	events.n = 0;
	assert_int_equal(tracker_read_stats(tracker, &before), 0);
	server = start_server(&sp);
	assert_true(server > 0);
	client = start_storm_client(7100, STORM_CONNECTIONS);
	assert_true(client > 0);
	assert_int_equal(wait_pumping(client), 0);
	assert_int_equal(wait_pumping(server), 0);
	assert_int_equal(tracker_read_stats(tracker, &after), 0);

	for (size_t i = 0; i < events.n; i++) {
		if (events.v[i].netns != netns_storm)
			continue;
		if (events.v[i].type == CTOPO_EV_CONNECT && events.v[i].dport == 7100)
			connects++;
		if (events.v[i].type == CTOPO_EV_ACCEPT && events.v[i].sport == 7100)
			accepts++;
	}
	fprintf(stderr, "storm: %zu connects, %zu accepts reported; lost connect %llu, accept %llu\n", connects,
		accepts,
		(unsigned long long)(after.lost_by_type[CTOPO_EV_CONNECT] - before.lost_by_type[CTOPO_EV_CONNECT]),
		(unsigned long long)(after.lost_by_type[CTOPO_EV_ACCEPT] - before.lost_by_type[CTOPO_EV_ACCEPT]));
	/* lost counters are host-wide: other traffic may add to them, never subtract */
	assert_true(STORM_CONNECTIONS - connects <=
		    after.lost_by_type[CTOPO_EV_CONNECT] - before.lost_by_type[CTOPO_EV_CONNECT]);
	assert_true(STORM_CONNECTIONS - accepts <=
		    after.lost_by_type[CTOPO_EV_ACCEPT] - before.lost_by_type[CTOPO_EV_ACCEPT]);
	if (after.lost == before.lost) {
		assert_int_equal(connects, STORM_CONNECTIONS);
		assert_int_equal(accepts, STORM_CONNECTIONS);
	}
	assert_int_equal(after.malformed, 0);
}

/* A listener's child that dies in SYN_RECV before anyone accepted it never was a connection (issue
 * 16: on 5.10, two CPUs completing one handshake leave such a duplicate child). Made here on purpose
 * with TCP Fast Open, which creates the child at the SYN: its SYN-ACK is dropped, the client closes
 * from SYN_SENT (no RST), then the retransmitted SYN-ACK meets no socket and the RST kills the child.
 * The kernel's own trace (a tracefs instance) says the child went SYN_RECV -> CLOSE; the tracker
 * must report no close for it. */
static void unaccepted_child_closing_in_syn_recv_is_no_connection(void **state)
{
	const char *ns = NS_TFO, *inst = TFO_TRACE_INSTANCE;
	const uint16_t port = 7200;
	int go[2], done[2];
	pid_t child;
	char c;

	(void)state;
	events.n = 0;
	netns_tfo = itest_netns_create(ns);
	assert_true(netns_tfo != 0);
	/* 0x207: Fast Open on both sides, no cookie needed; drop every SYN-ACK for now */
	assert_int_equal(itest_sh("ip netns exec %s sysctl -qw net.ipv4.tcp_fastopen=0x207", ns), 0);
	assert_int_equal(itest_sh("ip netns exec %s iptables -A OUTPUT -p tcp --tcp-flags SYN,ACK SYN,ACK -j DROP", ns),
			 0);
	assert_int_equal(
		itest_sh(
			"rmdir %s 2>/dev/null; mkdir %s && echo 'oldstate == 3 && newstate == 7 && sport == %u' "
			">%s/events/sock/inet_sock_set_state/filter && echo 1 >%s/events/sock/inet_sock_set_state/enable",
			inst, inst, port, inst, inst),
		0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct sockaddr_storage ss;
		socklen_t len;
		int qlen = 8, lfd, cfd;
		struct pollfd p;

		close(go[1]);
		close(done[0]);
		if (itest_netns_enter(ns) < 0)
			_exit(40);
		itest_sockaddr(AF_INET, "127.0.0.1", port, &ss, &len);
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		if (setsockopt(lfd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)) < 0 ||
		    bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 16) < 0)
			_exit(41);
		cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (sendto(cfd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
			_exit(42);
		p = (struct pollfd){ .fd = lfd, .events = POLLIN };
		if (poll(&p, 1, 2000) != 1) /* the Fast Open child is in the accept queue */
			_exit(43);
		close(cfd); /* from SYN_SENT: no RST */
		if (write(done[1], "1", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(44);
		sleep(3); /* the SYN-ACK is retransmitted after 1 s, and the RST answers it */
		close(lfd);
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	assert_int_equal(read(done[0], &c, 1), 1);
	assert_int_equal(itest_sh("ip netns exec %s iptables -D OUTPUT -p tcp --tcp-flags SYN,ACK SYN,ACK -j DROP", ns),
			 0);
	assert_int_equal(write(go[1], "1", 1), 1);
	close(go[1]);
	close(done[0]);
	assert_int_equal(wait_pumping(child), 0);
	/* the kernel did close a never-accepted child in SYN_RECV on the server port */
	assert_int_equal(itest_sh("grep -q 'sport=%u .*oldstate=TCP_SYN_RECV newstate=TCP_CLOSE' %s/trace", port, inst),
			 0);
	itest_sh("echo 0 >%s/events/sock/inet_sock_set_state/enable; rmdir %s", inst, inst);
	for (size_t i = 0; i < events.n; i++)
		if (events.v[i].netns == netns_tfo && events.v[i].sport == port)
			fail_msg("the tracker reported an event (type %u, pid %u) for a child never accepted",
				 events.v[i].type, events.v[i].pid);
}

/* What the kernel's edge counters say for one namespace and port, summed per role. */
struct edge_sums {
	uint32_t netns;
	uint16_t port;
	struct ctopo_edge_counts client, server;
};

/* userdata: an array of edge_sums ending with netns 0 */
static void sum_edge(const struct ctopo_edge_key *key, const struct ctopo_edge_counts *c, void *userdata)
{
	struct edge_sums *s = userdata;
	struct ctopo_edge_counts *into;

	while (s->netns && (key->netns != s->netns || key->port != s->port))
		s++;
	if (!s->netns)
		return;
	into = key->role == CTOPO_EDGE_CLIENT ? &s->client : &s->server;
	into->opened += c->opened;
	into->refused += c->refused;
	into->timed_out += c->timed_out;
	into->failed += c->failed;
	into->closed += c->closed;
}

/* Client closes to port in the storm namespace that the ring delivered so far (it is emptied first). */
static size_t ring_closes(uint16_t port)
{
	size_t n = 0;

	while (tracker_poll(tracker, 0) > 0)
		;
	for (size_t i = 0; i < events.n; i++)
		n += events.v[i].netns == netns_storm && events.v[i].type == CTOPO_EV_CLOSE &&
		     events.v[i].dport == port && events.v[i].direction == CTOPO_DIR_OUTBOUND;
	return n;
}

/* Hand over everything counted so far: the map counted into now becomes quiet at the first
 * drain and is read at the second. */
static void drain_all(struct edge_sums *s)
{
	assert_true(tracker_drain_edge_counts(tracker, sum_edge, s) >= 0);
	assert_true(tracker_drain_edge_counts(tracker, sum_edge, s) >= 0);
}

/* The kernel counts every connection per edge key, however fast they come: 5000 connections and
 * 3 refusals in a namespace give exactly those counts, once. */
static void kernel_counts_are_exact(void **state)
{
	struct server_plan sp = { NS_STORM, AF_INET, "127.0.0.1", 7200, 5000, 0, false, false };
	struct client_plan refused = { NS_STORM, AF_INET, "127.0.0.1", 7201, 0, true, false };
	struct edge_sums s[3] = { { .netns = netns_storm, .port = 7200 }, { .netns = netns_storm, .port = 7201 } };
	struct tracker_stats st;
	size_t before, after;
	uint64_t lost_at_start;
	pid_t server, client;

	(void)state;
	drain_all(s); /* whatever earlier tests left */
	events.n = 0;
	assert_int_equal(tracker_read_stats(tracker, &st), 0);
	lost_at_start = st.lost;
	memset(s, 0, sizeof(s));
	s[0] = (struct edge_sums){ .netns = netns_storm, .port = 7200 };
	s[1] = (struct edge_sums){ .netns = netns_storm, .port = 7201 };
	server = start_server(&sp);
	assert_true(server > 0);
	client = start_storm_client(7200, 5000);
	assert_true(client > 0);
	assert_int_equal(wait_pumping(client), 0);
	assert_int_equal(wait_pumping(server), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(wait_pumping(start_client(&refused)), 0);
	/* under the storm some client sockets close only seconds later (retransmissions, more on a busy
	 * machine): at each drain the kernel has counted at least what the ring delivered before it,
	 * and no more than what it delivered after (unless the ring lost some) */
	for (int i = 0; i < 50 && s[0].client.closed < 5000; i++) {
		usleep(200 * 1000);
		before = ring_closes(7200);
		drain_all(s);
		after = ring_closes(7200);
		assert_int_equal(tracker_read_stats(tracker, &st), 0);
		assert_true(before <= s[0].client.closed && s[0].client.closed <= 5000);
		if (st.lost == lost_at_start) /* else the ring has fewer: the kernel's count is the true one */
			assert_true(s[0].client.closed <= after);
	}
	assert_true(s[0].client.closed > 0);
	assert_int_equal(s[0].client.opened, 5000);
	assert_int_equal(s[0].server.opened, 5000);
	assert_int_equal(s[0].server.closed, 5000);
	assert_int_equal(s[0].client.refused + s[0].client.failed + s[0].client.timed_out, 0);
	assert_int_equal(s[1].client.refused, 3);
	assert_int_equal(s[1].client.opened + s[1].server.opened, 0);
	/* handed over once: drained again, nothing */
	memset(&s[0].client, 0, sizeof(s[0].client));
	memset(&s[1].client, 0, sizeof(s[1].client));
	drain_all(s);
	assert_int_equal(s[0].client.opened + s[1].client.refused, 0);
}

static int setup(void **state)
{
	struct tracker_options opts = { 0 };
	struct errmsg why = { "" };

	(void)state;
	itest_ensure_tracefs();
	host_mntns = itest_ns_inode(getpid(), "mnt");
	netns_server = itest_netns_create(NS_SERVER);
	netns_client = itest_netns_create(NS_CLIENT);
	netns_storm = itest_netns_create(NS_STORM);
	if (!netns_server || !netns_client || !netns_storm)
		return -1;
	if (itest_veth_link(NS_SERVER, "ctopo-trk0", SERVER_V4, SERVER_V6, NS_CLIENT, "ctopo-trk1", CLIENT_V4,
			    CLIENT_V6) < 0)
		return -1;
	if (tracker_new(&opts, collect, NULL, &tracker, &why) < 0) {
		print_error("%s\n", why.text);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tracker_free(tracker);
	free(events.v);
	itest_netns_delete(NS_SERVER);
	itest_netns_delete(NS_CLIENT);
	itest_netns_delete(NS_STORM);
	itest_netns_delete(NS_TFO);
	itest_sh("rmdir " TFO_TRACE_INSTANCE " 2>/dev/null || true");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_connect_accept_close),
		cmocka_unit_test(ipv6_connect_accept_close),
		cmocka_unit_test(refused_connect_is_reported),
		cmocka_unit_test(short_lived_connection_is_seen),
		cmocka_unit_test(storm_loses_nothing_silently),
		cmocka_unit_test(unaccepted_child_closing_in_syn_recv_is_no_connection),
		cmocka_unit_test(kernel_counts_are_exact),
	};

	itest_require_root("test_tracker");
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
