/* SPDX-License-Identifier: Apache-2.0 */
/* The initial-state snapshot against the real kernel: connections established before the
 * snapshot, between two network namespaces joined by a veth pair, over IPv4 and IPv6, are found
 * with the right pid, mount namespace and network namespace on both ends, by sock_diag and by
 * /proc/PID/net/tcp{,6} alike. And the namespaces' addresses, as the daemon caches them. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/netns.h"
#include "conns/conntable.h"
#include "conns/snapshot.h"
#include "itest.h"
#include "net/netinfo.h"
#include "report/report.h"

#define NS_SERVER "ctopo-h3-snap-srv"
#define NS_CLIENT "ctopo-h3-snap-cli"
#define NS_EMPTY "ctopo-h3-snap-empty"
#define SERVER_V4 "10.203.2.1"
#define CLIENT_V4 "10.203.2.2"
#define SERVER_V6 "fd03:2::1"
#define CLIENT_V6 "fd03:2::2"
#define EMPTY_V4 "10.203.3.1"
#define PORT_V4 18310
#define PORT_V6 18311

/* A child holding one end of a connection until the test lets go (closes its hold pipe). */
struct holder {
	pid_t pid;
	int hold_fd;
	int report_fd; /* further reports from the child, e.g. a server's accept */
	uint16_t port; /* client: its own local port */
};

static struct holder servers[2], clients[2];
static uint32_t netns_server, netns_client, netns_empty;

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
					      : ((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* Fork; the child runs fn (which writes a port to report_fd, then waits on hold_fd). */
static int start_holder(struct holder *h, void (*fn)(int report_fd, int hold_fd, const void *arg), const void *arg)
{
	int report[2], hold[2];
	uint16_t port;

	if (pipe(report) < 0 || pipe(hold) < 0)
		return -1;
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (h->pid == 0) {
		/* other holders' hold pipes must not stay open here, or they would never see EOF */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != report[1] && fd != hold[0])
				close(fd);
		fn(report[1], hold[0], arg);
		_exit(0);
	}
	close(report[1]);
	close(hold[0]);
	h->hold_fd = hold[1];
	if (read(report[0], &port, sizeof(port)) != sizeof(port)) {
		close(report[0]);
		return -1;
	}
	h->report_fd = report[0];
	h->port = port;
	return 0;
}

static void release(struct holder *h)
{
	if (h->pid <= 0)
		return;
	close(h->hold_fd);
	close(h->report_fd);
	itest_wait(h->pid);
	h->pid = 0;
}

struct endpoint_arg {
	int family;
	const char *addr;
	uint16_t port;
};

static void wait_for_release(int hold_fd)
{
	char c;

	while (read(hold_fd, &c, 1) > 0)
		;
}

/* The child's next report: a server's second one says it has accepted, so the connection has
 * an owner before any snapshot looks (a socket still in the accept queue has none). */
static int holder_wait_report(struct holder *h)
{
	uint16_t port;

	return read(h->report_fd, &port, sizeof(port)) == sizeof(port) ? 0 : -1;
}

/* In the server namespace, with a mount namespace of its own (like a container): listen, report,
 * accept one, report the client's port, hold. */
static void server_main(int report_fd, int hold_fd, const void *argp)
{
	const struct endpoint_arg *arg = argp;
	struct sockaddr_storage ss, peer;
	socklen_t len, plen = sizeof(peer);
	int one = 1, lfd, fd;
	uint16_t p;

	if (itest_netns_enter(NS_SERVER) < 0 || unshare(CLONE_NEWNS) < 0)
		_exit(10);
	lfd = socket(arg->family, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	itest_sockaddr(arg->family, arg->addr, arg->port, &ss, &len);
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 16) < 0)
		_exit(11);
	p = 0; /* listening: the client may come */
	if (write(report_fd, &p, sizeof(p)) != sizeof(p))
		_exit(12);
	fd = accept(lfd, (struct sockaddr *)&peer, &plen);
	if (fd < 0)
		_exit(13);
	p = port_of(&peer);
	if (write(report_fd, &p, sizeof(p)) != sizeof(p))
		_exit(14);
	wait_for_release(hold_fd);
	close(fd);
	_exit(0);
}

static void client_main(int report_fd, int hold_fd, const void *argp)
{
	const struct endpoint_arg *arg = argp;
	struct sockaddr_storage ss, me;
	socklen_t len, mlen = sizeof(me);
	uint16_t p;
	int fd;

	if (itest_netns_enter(NS_CLIENT) < 0)
		_exit(20);
	fd = socket(arg->family, SOCK_STREAM, 0);
	itest_sockaddr(arg->family, arg->addr, arg->port, &ss, &len);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		_exit(21);
	getsockname(fd, (struct sockaddr *)&me, &mlen);
	p = port_of(&me);
	if (write(report_fd, &p, sizeof(p)) != sizeof(p))
		_exit(22);
	wait_for_release(hold_fd);
	_exit(0);
}

static struct conn_key key_of(uint32_t netns, int family, const char *laddr, uint16_t lport, const char *raddr,
			      uint16_t rport)
{
	uint8_t l[16] = { 0 }, r[16] = { 0 };
	struct conn_key k;

	inet_pton(family, laddr, l);
	if (raddr)
		inet_pton(family, raddr, r);
	conn_key_init(&k, netns, family, l, lport, r, rport);
	return k;
}

static void check_both_ends(struct conntable *t, int i, int family, const char *saddr, const char *caddr,
			    uint16_t sport, uint8_t source)
{
	struct conn_key ck = key_of(netns_client, family, caddr, clients[i].port, saddr, sport);
	struct conn_key sk = key_of(netns_server, family, saddr, sport, caddr, clients[i].port);
	struct conn_key lk = key_of(netns_server, family, saddr, sport, NULL, 0);
	const struct conn *c = conntable_lookup(t, &ck), *s = conntable_lookup(t, &sk), *l = conntable_lookup(t, &lk);

	assert_non_null(c);
	assert_int_equal(c->pid, clients[i].pid);
	assert_int_equal(c->key.netns, netns_client);
	assert_int_equal(c->mntns, itest_ns_inode(clients[i].pid, "mnt"));
	assert_int_equal(c->direction, CONN_DIR_OUTBOUND);
	assert_int_equal(c->state, CONN_ESTABLISHED);
	assert_int_equal(c->source, source);
	assert_true(c->inode != 0);

	assert_non_null(s);
	assert_int_equal(s->pid, servers[i].pid);
	assert_int_equal(s->key.netns, netns_server);
	assert_int_equal(s->mntns, itest_ns_inode(servers[i].pid, "mnt"));
	assert_true(s->mntns != c->mntns); /* the server has a mount namespace of its own */
	assert_int_equal(s->direction, CONN_DIR_INBOUND);
	assert_int_equal(s->state, CONN_ESTABLISHED);

	assert_non_null(l);
	assert_int_equal(l->pid, servers[i].pid);
	assert_int_equal(l->direction, CONN_DIR_LISTENING);
}

static void preexisting_connections_by_sock_diag(void **state)
{
	struct snapshot_options o = { .source = SNAPSHOT_SOCK_DIAG };
	struct snapshot_stats st;
	struct conntable *t;

	(void)state;
	assert_int_equal(conntable_new(0, &t), 0);
	assert_int_equal(snapshot_take(t, &o, &st), 0);
	assert_true(st.namespaces >= 3);
	assert_true(st.legacy_dump);
	check_both_ends(t, 0, AF_INET, SERVER_V4, CLIENT_V4, PORT_V4, CONN_SRC_SOCK_DIAG);
	check_both_ends(t, 1, AF_INET6, SERVER_V6, CLIENT_V6, PORT_V6, CONN_SRC_SOCK_DIAG);
	conntable_free(t);
}

static void preexisting_connections_by_proc(void **state)
{
	struct snapshot_options o = { .source = SNAPSHOT_PROC };
	struct snapshot_stats st;
	struct conntable *t;

	(void)state;
	assert_int_equal(conntable_new(0, &t), 0);
	assert_int_equal(snapshot_take(t, &o, &st), 0);
	assert_int_equal(st.malformed, 0);
	check_both_ends(t, 0, AF_INET, SERVER_V4, CLIENT_V4, PORT_V4, CONN_SRC_PROC);
	check_both_ends(t, 1, AF_INET6, SERVER_V6, CLIENT_V6, PORT_V6, CONN_SRC_PROC);
	conntable_free(t);
}

static size_t ours(const struct conn_report *r, struct conn *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n && n < max; i++)
		if (r->conns[i].key.netns == netns_server || r->conns[i].key.netns == netns_client)
			out[n++] = r->conns[i];
	return n;
}

/* --no-ebpf's source lists exactly what sock_diag lists, with the same processes. */
static void proc_and_sock_diag_agree(void **state)
{
	struct snapshot_options diag = { .source = SNAPSHOT_SOCK_DIAG }, proc = { .source = SNAPSHOT_PROC };
	struct conntable *td, *tp;
	struct conn_report rd, rp;
	struct conn a[64], b[64];
	size_t na, nb;

	(void)state;
	assert_int_equal(conntable_new(0, &td), 0);
	assert_int_equal(conntable_new(0, &tp), 0);
	assert_int_equal(snapshot_take(td, &diag, NULL), 0);
	assert_int_equal(snapshot_take(tp, &proc, NULL), 0);
	assert_int_equal(conntable_take_report(td, clock_mono_ns(), &rd), 0);
	assert_int_equal(conntable_take_report(tp, clock_mono_ns(), &rp), 0);
	na = ours(&rd, a, 64);
	nb = ours(&rp, b, 64);
	assert_int_equal(na, 6); /* 2 listeners + 2 connections seen from both ends */
	assert_int_equal(nb, na);
	for (size_t i = 0; i < na; i++) {
		assert_memory_equal(&a[i].key, &b[i].key, sizeof(a[i].key));
		assert_int_equal(a[i].pid, b[i].pid);
		assert_int_equal(a[i].mntns, b[i].mntns);
		assert_int_equal(a[i].direction, b[i].direction);
		assert_int_equal(a[i].inode, b[i].inode);
		assert_string_equal(a[i].comm, b[i].comm);
	}
	conn_report_free(&rd);
	conn_report_free(&rp);
	conntable_free(td);
	conntable_free(tp);
}

static void only_one_namespace(void **state)
{
	struct snapshot_options o = { .source = SNAPSHOT_SOCK_DIAG, .only_netns = netns_client };
	struct snapshot_stats st;
	struct conntable *t;
	struct conn_report r;

	(void)state;
	assert_int_equal(conntable_new(0, &t), 0);
	assert_int_equal(snapshot_take(t, &o, &st), 0);
	assert_int_equal(st.namespaces, 1);
	assert_int_equal(conntable_take_report(t, clock_mono_ns(), &r), 0);
	assert_int_equal(r.n, 2); /* the two client ends */
	for (size_t i = 0; i < r.n; i++)
		assert_int_equal(r.conns[i].key.netns, netns_client);
	conn_report_free(&r);
	o.only_netns = 1; /* no such namespace: a clear error */
	assert_int_equal(snapshot_take(t, &o, &st), -ENOENT);
	conntable_free(t);
}

/* A namespace no process is in, kept only by a bind mount under /run/netns, is still found. */
static void bind_mounted_namespace_is_discovered(void **state)
{
	struct netns_list l;
	bool found = false;

	(void)state;
	assert_int_equal(netns_discover(&l), 0);
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].inode == netns_empty) {
			found = true;
			assert_int_equal(l.v[i].pid, 0);
			assert_true(l.v[i].fd >= 0);
		}
	assert_true(found);
	netns_list_clear(&l);
}

static bool has_address(const struct report_netns *ns, const char *addr)
{
	uint8_t bytes[16];
	uint16_t family;

	assert_int_equal(addr_parse(addr, &family, bytes), 0);
	for (size_t i = 0; i < ns->n_prefixes; i++)
		if (ns->prefixes[i].family == family && !memcmp(ns->prefixes[i].addr, bytes, 16))
			return true;
	return false;
}

/* The daemon keeps each namespace's addresses for a while, and the kernel gives a dead namespace's
 * inode number to the next one (short-lived containers churn through a few): an entry read for
 * one namespace must not answer for another that has its inode number now. Here the client's
 * namespace comes with the server's inode number. */
static void address_cache_tells_namespaces_apart(void **state)
{
	int server_fd = open("/run/netns/" NS_SERVER, O_RDONLY | O_CLOEXEC);
	int client_fd = open("/run/netns/" NS_CLIENT, O_RDONLY | O_CLOEXEC);
	struct report *r = report_new();
	struct netinfo_cache *cache;
	struct stat a, b;

	(void)state;
	assert_true(server_fd >= 0 && client_fd >= 0 && r);
	/* made one after the other by `ip netns add`: their nsfs inodes were not made in one tick */
	assert_int_equal(fstat(server_fd, &a), 0);
	assert_int_equal(fstat(client_fd, &b), 0);
	assert_true(a.st_ctim.tv_sec != b.st_ctim.tv_sec || a.st_ctim.tv_nsec != b.st_ctim.tv_nsec);
	assert_int_equal(netinfo_cache_new(60000, &cache), 0);
	assert_int_equal(netinfo_cache_read(cache, netns_server, server_fd, report_netns_get(r, 1)), 0);
	assert_true(has_address(report_netns_get(r, 1), SERVER_V4));
	assert_int_equal(netinfo_cache_read(cache, netns_server, client_fd, report_netns_get(r, 2)), 0);
	assert_true(has_address(report_netns_get(r, 2), CLIENT_V4));
	assert_false(has_address(report_netns_get(r, 2), SERVER_V4));
	/* the server's namespace again: its own addresses, whatever the cache held */
	assert_int_equal(netinfo_cache_read(cache, netns_server, server_fd, report_netns_get(r, 3)), 0);
	assert_true(has_address(report_netns_get(r, 3), SERVER_V4));
	netinfo_cache_free(cache);
	report_free(r);
	close(server_fd);
	close(client_fd);
}

/* Docker makes a container's namespace first and gives it its address a moment later: a read in
 * between must not stand for the cache's 30 s. */
static void address_given_after_a_read_shows(void **state)
{
	int fd = open("/run/netns/" NS_EMPTY, O_RDONLY | O_CLOEXEC);
	struct report *r = report_new();
	struct netinfo_cache *cache;

	(void)state;
	assert_true(fd >= 0 && r);
	assert_int_equal(netinfo_cache_new(60000, &cache), 0);
	assert_int_equal(netinfo_cache_read(cache, netns_empty, fd, report_netns_get(r, 1)), 0);
	assert_false(has_address(report_netns_get(r, 1), EMPTY_V4));
	assert_int_equal(itest_sh("ip -n " NS_EMPTY " addr add " EMPTY_V4 "/24 dev lo"), 0);
	assert_int_equal(netinfo_cache_read(cache, netns_empty, fd, report_netns_get(r, 2)), 0);
	assert_true(has_address(report_netns_get(r, 2), EMPTY_V4));
	netinfo_cache_free(cache);
	report_free(r);
	close(fd);
}

/* Closed connections: a later snapshot (one sync) no longer finds them and closes them once. */
static void sync_closes_what_went_away(void **state)
{
	struct snapshot_options o = { .source = SNAPSHOT_SOCK_DIAG, .only_netns = netns_client };
	struct conntable *t;
	struct conn_report r;
	struct holder extra_server = { 0 }, extra_client = { 0 };
	struct endpoint_arg sarg = { AF_INET, SERVER_V4, PORT_V4 + 2 }, carg = { AF_INET, SERVER_V4, PORT_V4 + 2 };
	struct conn_key k;
	size_t closed = 0;

	(void)state;
	assert_int_equal(start_holder(&extra_server, server_main, &sarg), 0);
	assert_int_equal(start_holder(&extra_client, client_main, &carg), 0);
	assert_int_equal(holder_wait_report(&extra_server), 0);
	assert_int_equal(conntable_new(0, &t), 0);
	assert_int_equal(snapshot_take(t, &o, NULL), 0);
	k = key_of(netns_client, AF_INET, CLIENT_V4, extra_client.port, SERVER_V4, PORT_V4 + 2);
	assert_non_null(conntable_lookup(t, &k));
	release(&extra_client);
	release(&extra_server);
	assert_int_equal(snapshot_take(t, &o, NULL), 0);
	assert_int_equal(conntable_lookup(t, &k)->state, CONN_CLOSED);
	assert_int_equal(conntable_take_report(t, clock_mono_ns(), &r), 0);
	for (size_t i = 0; i < r.n; i++)
		closed += r.conns[i].state == CONN_CLOSED;
	assert_int_equal(closed, 1);
	conn_report_free(&r);
	assert_null(conntable_lookup(t, &k));
	conntable_free(t);
}

static int setup(void **state)
{
	static const struct endpoint_arg sargs[2] = { { AF_INET, SERVER_V4, PORT_V4 },
						      { AF_INET6, SERVER_V6, PORT_V6 } };
	static const struct endpoint_arg cargs[2] = { { AF_INET, SERVER_V4, PORT_V4 },
						      { AF_INET6, SERVER_V6, PORT_V6 } };

	(void)state;
	netns_server = itest_netns_create(NS_SERVER);
	netns_client = itest_netns_create(NS_CLIENT);
	netns_empty = itest_netns_create(NS_EMPTY);
	if (!netns_server || !netns_client || !netns_empty)
		return -1;
	if (itest_veth_link(NS_SERVER, "c3snap0", SERVER_V4, SERVER_V6, NS_CLIENT, "c3snap1", CLIENT_V4, CLIENT_V6) < 0)
		return -1;
	/* every connection is made before any snapshot runs */
	for (int i = 0; i < 2; i++) {
		if (start_holder(&servers[i], server_main, &sargs[i]) < 0)
			return -1;
		if (start_holder(&clients[i], client_main, &cargs[i]) < 0 || holder_wait_report(&servers[i]) < 0)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		release(&clients[i]);
		release(&servers[i]);
	}
	itest_netns_delete(NS_SERVER);
	itest_netns_delete(NS_CLIENT);
	itest_netns_delete(NS_EMPTY);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(preexisting_connections_by_sock_diag),
		cmocka_unit_test(preexisting_connections_by_proc),
		cmocka_unit_test(proc_and_sock_diag_agree),
		cmocka_unit_test(only_one_namespace),
		cmocka_unit_test(bind_mounted_namespace_is_discovered),
		cmocka_unit_test(sync_closes_what_went_away),
		cmocka_unit_test(address_cache_tells_namespaces_apart),
		cmocka_unit_test(address_given_after_a_read_shows),
	};

	itest_require_root("test_snapshot");
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
