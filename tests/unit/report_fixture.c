/* SPDX-License-Identifier: Apache-2.0 */
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
#include "report_fixture.h"

static struct report_endpoint ep(const char *addr, uint16_t port)
{
	struct report_endpoint e = { .port = port };

	if (addr_parse(addr, &e.family, e.addr) < 0)
		fail_msg("bad address %s", addr);
	return e;
}

static void add_prefix(struct report *r, uint32_t netns, const char *addr, uint8_t len)
{
	struct report_prefix p = { .len = len };
	struct report_netns *ns = report_netns_get(r, netns);

	assert_non_null(ns);
	assert_int_equal(addr_parse(addr, &p.family, p.addr), 0);
	assert_int_equal(report_netns_add_prefix(ns, &p), 0);
}

static void add_container(struct report *r, const char *id, const char *name, uint32_t pid, uint32_t netns,
			  uint32_t mntns, bool running)
{
	struct report_container c = { .pid = pid, .netns = netns, .mntns = mntns, .running = running };

	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.image, sizeof(c.image), "ctopo-test/busybox:1");
	snprintf(c.source, sizeof(c.source), "docker");
	snprintf(c.engine, sizeof(c.engine), "docker");
	assert_int_equal(report_add_container(r, &c), 0);
}

/* One socket; peer view defaults to the swapped tuple (no NAT). */
static struct report_conn *conn(struct report *r, uint32_t netns, uint32_t pid, const char *comm, uint32_t mntns,
				uint8_t dir, uint8_t state, struct report_endpoint local, struct report_endpoint remote)
{
	struct report_conn c = { .netns = netns,
				 .pid = pid,
				 .mntns = mntns,
				 .direction = dir,
				 .state = state,
				 .local = local,
				 .remote = remote,
				 .peer_local = remote,
				 .peer_remote = local,
				 .first_seen = 1795000000.0,
				 .last_seen = 1795000001.0 };

	snprintf(c.comm, sizeof(c.comm), "%s", comm);
	assert_int_equal(report_add_conn(r, &c), 0);
	return &r->conns[r->n_conns - 1];
}

struct report *sample_report(void)
{
	struct report *r = report_new();
	struct report_conn *c;

	assert_non_null(r);
	r->generated_at = 1795000002.5;
	r->host_netns = HOST_NS;
	r->host_mntns = HOST_MNT;
	add_prefix(r, HOST_NS, "127.0.0.1", 8);
	add_prefix(r, HOST_NS, "192.168.1.10", 24);
	add_prefix(r, HOST_NS, "172.17.0.1", 16);
	add_prefix(r, NS_FRONT, "127.0.0.1", 8);
	add_prefix(r, NS_FRONT, "172.17.0.2", 16);
	add_prefix(r, NS_API, "127.0.0.1", 8);
	add_prefix(r, NS_API, "172.17.0.3", 16);
	add_prefix(r, NS_DB, "127.0.0.1", 8);
	add_prefix(r, NS_DB, "172.17.0.4", 16);
	add_container(r, "aaaa000000000000000000000000000000000000000000000000000000000001", "frontend", 1001, NS_FRONT,
		      MNT_FRONT, true);
	add_container(r, "bbbb000000000000000000000000000000000000000000000000000000000002", "api", 1002, NS_API,
		      MNT_API, true);
	add_container(r, "cccc000000000000000000000000000000000000000000000000000000000003", "sidecar", 1003, NS_API,
		      MNT_SIDECAR, true);
	add_container(r, "dddd000000000000000000000000000000000000000000000000000000000004", "db", 1004, NS_DB, MNT_DB,
		      true);
	add_container(r, "eeee000000000000000000000000000000000000000000000000000000000005", "job", 0, NS_JOB, MNT_JOB,
		      false);

	/* frontend -> api :8080, across namespaces, one live and one short-lived closed */
	conn(r, NS_FRONT, 1001, "wget", MNT_FRONT, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED,
	     ep("172.17.0.2", 40000), ep("172.17.0.3", 8080));
	conn(r, NS_API, 1002, "httpd", MNT_API, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED, ep("172.17.0.3", 8080),
	     ep("172.17.0.2", 40000));
	c = conn(r, NS_FRONT, 1001, "wget", MNT_FRONT, REPORT_DIR_OUTBOUND, REPORT_STATE_CLOSED,
		 ep("172.17.0.2", 40001), ep("172.17.0.3", 8080));
	c->bytes_sent = 300, c->bytes_received = 200, c->duration_ms = 0.4;
	c = conn(r, NS_API, 1002, "httpd", MNT_API, REPORT_DIR_INBOUND, REPORT_STATE_CLOSED, ep("172.17.0.3", 8080),
		 ep("172.17.0.2", 40001));
	c->bytes_sent = 200, c->bytes_received = 300;
	conn(r, NS_API, 1002, "httpd", MNT_API, REPORT_DIR_LISTEN, REPORT_STATE_LISTEN, ep("0.0.0.0", 8080),
	     ep("0.0.0.0", 0));
	/* the sidecar shares api's namespace: its mntns names it, not api */
	conn(r, NS_API, 1003, "nc", MNT_SIDECAR, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED, ep("172.17.0.3", 40100),
	     ep("172.17.0.4", 5432));
	conn(r, NS_DB, 1004, "db", MNT_DB, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED, ep("172.17.0.4", 5432),
	     ep("172.17.0.3", 40100));
	conn(r, NS_DB, 1004, "db", MNT_DB, REPORT_DIR_LISTEN, REPORT_STATE_LISTEN, ep("0.0.0.0", 5432),
	     ep("0.0.0.0", 0));
	/* loopback inside the shared namespace: api -> sidecar :9000 */
	conn(r, NS_API, 1002, "httpd", MNT_API, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED, ep("127.0.0.1", 41000),
	     ep("127.0.0.1", 9000));
	conn(r, NS_API, 1003, "nc", MNT_SIDECAR, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED, ep("127.0.0.1", 9000),
	     ep("127.0.0.1", 41000));
	/* the same loopback tuple in db's namespace has no server there: it must not reach the sidecar */
	conn(r, NS_DB, 1004, "db", MNT_DB, REPORT_DIR_OUTBOUND, REPORT_STATE_FAILED, ep("127.0.0.1", 41000),
	     ep("127.0.0.1", 9000));
	/* a host client of db's published port 127.0.0.1:15432 -> 172.17.0.4:5432 (DNAT + masquerade) */
	c = conn(r, HOST_NS, 2001, "psql", HOST_MNT, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED,
		 ep("127.0.0.1", 50000), ep("127.0.0.1", 15432));
	c->nat = true, c->peer_local = ep("172.17.0.4", 5432), c->peer_remote = ep("172.17.0.1", 50000);
	conn(r, NS_DB, 1004, "db", MNT_DB, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED, ep("172.17.0.4", 5432),
	     ep("172.17.0.1", 50000));
	/* a host client whose server socket is gone: db's wildcard listener still owns the address */
	c = conn(r, HOST_NS, 2003, "wget", HOST_MNT, REPORT_DIR_OUTBOUND, REPORT_STATE_CLOSED, ep("172.17.0.1", 50500),
		 ep("172.17.0.4", 5432));
	c->bytes_sent = 10, c->bytes_received = 20;
	/* the Internet, both ways */
	conn(r, NS_FRONT, 1001, "wget", MNT_FRONT, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED,
	     ep("172.17.0.2", 40200), ep("93.184.216.34", 443));
	conn(r, HOST_NS, 2002, "nginx", HOST_MNT, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED, ep("192.168.1.10", 80),
	     ep("203.0.113.9", 51000));
	conn(r, HOST_NS, 2002, "nginx", HOST_MNT, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED, ep("2001:db8::10", 80),
	     ep("2001:db8:ffff::9", 51001));
	/* a local address nobody we know owns */
	conn(r, NS_API, 1002, "httpd", MNT_API, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED, ep("172.17.0.3", 40300),
	     ep("172.17.0.99", 6379));
	/* a short-lived container that already exited: its connection still shows, named by its mntns */
	c = conn(r, NS_JOB, 3001, "wget", MNT_JOB, REPORT_DIR_OUTBOUND, REPORT_STATE_CLOSED, ep("172.17.0.5", 40400),
		 ep("172.17.0.3", 8080));
	c->bytes_sent = 700, c->bytes_received = 300;
	c = conn(r, NS_API, 1002, "httpd", MNT_API, REPORT_DIR_INBOUND, REPORT_STATE_CLOSED, ep("172.17.0.3", 8080),
		 ep("172.17.0.5", 40400));
	c->bytes_sent = 300, c->bytes_received = 700;
	return r;
}

#define NS_PER_S 1000000000ull
#define NOW_NS 1795000002500000000ull

/* A store edge with one bucket, `ago` seconds before the report. */
static struct report_edge *store_edge(struct report *r, uint8_t role, uint32_t netns, uint32_t mntns, const char *comm,
				      uint32_t pid, const char *server, uint16_t port, uint64_t ago,
				      struct edge_counters c)
{
	struct edge_record e = { .key = { .netns = netns, .mntns = mntns, .role = role, .port = port },
				 .last_pid = pid,
				 .n_buckets = 1 };
	uint64_t at = NOW_NS - ago * NS_PER_S;

	snprintf(e.key.comm, sizeof(e.key.comm), "%s", comm);
	if (server) {
		struct report_endpoint ep_ = ep(server, port);

		e.key.family = ep_.family;
		memcpy(e.key.addr, ep_.addr, 16);
	}
	e.first_ns = e.last_ns = at;
	e.buckets = calloc(1, sizeof(*e.buckets));
	assert_non_null(e.buckets);
	e.buckets[0] = (struct edge_bucket){
		.start_ns = at - at % NS_PER_S, .width_ns = NS_PER_S, .first_ns = at, .last_ns = at, .c = c
	};
	assert_int_equal(report_add_edge(r, &(struct report_edge){ .rec = e }), 0);
	return &r->edges[r->n_edges - 1];
}

struct report *sample_report_with_edges(void)
{
	struct report *r = sample_report();

	r->history_s = 3600;
	store_edge(r, CTOPO_EDGE_CLIENT, NS_JOB, MNT_JOB, "wget", 3050, "172.17.0.3", 8080, 30,
		   (struct edge_counters){ .opened = 50,
					   .closed = 50,
					   .bytes_sent = 5000,
					   .bytes_received = 70000,
					   .duration_sum_ns = 50 * 2000000ull,
					   .duration_max_ns = 9000000 });
	store_edge(r, CTOPO_EDGE_SERVER, NS_API, MNT_API, "httpd", 1002, NULL, 8080, 30,
		   (struct edge_counters){ .opened = 55, .closed = 55, .bytes_sent = 77000, .bytes_received = 5500 });
	store_edge(r, CTOPO_EDGE_CLIENT, HOST_NS, HOST_MNT, "psql", 2009, "127.0.0.1", 5433, 5,
		   (struct edge_counters){ .refused = 3 });
	store_edge(r, CTOPO_EDGE_CLIENT, HOST_NS, HOST_MNT, "cron", 2100, "93.184.216.34", 443, 600,
		   (struct edge_counters){ .opened = 1, .closed = 1, .bytes_sent = 100, .bytes_received = 4000 });
	return r;
}

void add_short_lived_containers(struct report *r, bool named)
{
	struct report_edge *e;

	/* Docker's events named them; inspect came too late for a pid, a mount namespace or a netns */
	add_container(r, RM_CLIENT_ID, "rm-client", 0, 0, 0, false);
	add_container(r, RM_SERVER_ID, "rm-server", 0, 0, 0, false);
	e = store_edge(r, CTOPO_EDGE_CLIENT, NS_RM_CLIENT, MNT_RM_CLIENT, "wget", 4001, "172.17.0.3", 8080, 20,
		       (struct edge_counters){ .opened = 1, .closed = 1, .bytes_sent = 80, .bytes_received = 900 });
	e->rec.key.cgroup_id = CGROUP_RM_CLIENT;
	if (named)
		snprintf(e->container_id, sizeof(e->container_id), "%s", RM_CLIENT_ID);
	e = store_edge(r, CTOPO_EDGE_SERVER, NS_RM_SERVER, MNT_RM_SERVER, "nc", 4002, NULL, 9090, 20,
		       (struct edge_counters){ .opened = 2, .closed = 2, .bytes_sent = 10, .bytes_received = 20 });
	e->rec.key.cgroup_id = CGROUP_RM_SERVER;
	if (named)
		snprintf(e->container_id, sizeof(e->container_id), "%s", RM_SERVER_ID);
}
