/* SPDX-License-Identifier: Apache-2.0 */
/* The renderer on a report built here: three containers over two namespaces (two of them sharing
 * one), a published port through DNAT, loopback, the Internet both ways, an unknown local address
 * and short-lived closed connections. Structural asserts first, then golden files per format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <yajl/yajl_tree.h>

#include "addr.h"
#include "output.h"
#include "render.h"
#include "report.h"

#define HOST_NS 4026531840u
#define HOST_MNT 4026531841u
#define NS_FRONT 4026532001u
#define NS_API 4026532002u /* api and sidecar share it */
#define NS_DB 4026532003u
#define NS_JOB 4026532004u
#define MNT_FRONT 4026532101u
#define MNT_API 4026532102u
#define MNT_SIDECAR 4026532103u
#define MNT_DB 4026532104u
#define MNT_JOB 4026532105u

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
	assert_int_equal(report_add_container(r, &c), 0);
}

/* One socket; peer view defaults to the swapped tuple (no NAT). */
static struct report_conn *conn(struct report *r, uint32_t netns, uint32_t pid, const char *comm, uint32_t mntns,
				uint8_t dir, uint8_t state, struct report_endpoint local, struct report_endpoint remote)
{
	struct report_conn c = { .netns = netns, .pid = pid, .mntns = mntns, .direction = dir, .state = state,
				 .local = local, .remote = remote, .peer_local = remote, .peer_remote = local,
				 .first_seen = 1795000000.0, .last_seen = 1795000001.0 };

	snprintf(c.comm, sizeof(c.comm), "%s", comm);
	assert_int_equal(report_add_conn(r, &c), 0);
	return &r->conns[r->n_conns - 1];
}

static struct report *sample_report(void)
{
	struct report *r = report_new();
	struct report_conn *c;

	assert_non_null(r);
	r->generated_at = 1795000002.5;
	r->host_netns = HOST_NS;
	add_prefix(r, HOST_NS, "127.0.0.1", 8);
	add_prefix(r, HOST_NS, "192.168.1.10", 24);
	add_prefix(r, HOST_NS, "172.17.0.1", 16);
	add_prefix(r, NS_FRONT, "127.0.0.1", 8);
	add_prefix(r, NS_FRONT, "172.17.0.2", 16);
	add_prefix(r, NS_API, "127.0.0.1", 8);
	add_prefix(r, NS_API, "172.17.0.3", 16);
	add_prefix(r, NS_DB, "127.0.0.1", 8);
	add_prefix(r, NS_DB, "172.17.0.4", 16);
	add_container(r, "aaaa000000000000000000000000000000000000000000000000000000000001", "frontend", 1001, NS_FRONT, MNT_FRONT, true);
	add_container(r, "bbbb000000000000000000000000000000000000000000000000000000000002", "api", 1002, NS_API, MNT_API, true);
	add_container(r, "cccc000000000000000000000000000000000000000000000000000000000003", "sidecar", 1003, NS_API, MNT_SIDECAR, true);
	add_container(r, "dddd000000000000000000000000000000000000000000000000000000000004", "db", 1004, NS_DB, MNT_DB, true);
	add_container(r, "eeee000000000000000000000000000000000000000000000000000000000005", "job", 0, NS_JOB, MNT_JOB, false);

	/* frontend -> api :8080, across namespaces, one live and one short-lived closed */
	conn(r, NS_FRONT, 1001, "wget", MNT_FRONT, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED, ep("172.17.0.2", 40000), ep("172.17.0.3", 8080));
	conn(r, NS_API, 1002, "httpd", MNT_API, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED, ep("172.17.0.3", 8080), ep("172.17.0.2", 40000));
	c = conn(r, NS_FRONT, 1001, "wget", MNT_FRONT, REPORT_DIR_OUTBOUND, REPORT_STATE_CLOSED, ep("172.17.0.2", 40001), ep("172.17.0.3", 8080));
	c->bytes_sent = 300, c->bytes_received = 200, c->duration_ms = 0.4;
	c = conn(r, NS_API, 1002, "httpd", MNT_API, REPORT_DIR_INBOUND, REPORT_STATE_CLOSED, ep("172.17.0.3", 8080), ep("172.17.0.2", 40001));
	c->bytes_sent = 200, c->bytes_received = 300;
	conn(r, NS_API, 1002, "httpd", MNT_API, REPORT_DIR_LISTEN, REPORT_STATE_LISTEN, ep("0.0.0.0", 8080), ep("0.0.0.0", 0));
	/* the sidecar shares api's namespace: its mntns names it, not api */
	conn(r, NS_API, 1003, "nc", MNT_SIDECAR, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED, ep("172.17.0.3", 40100), ep("172.17.0.4", 5432));
	conn(r, NS_DB, 1004, "db", MNT_DB, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED, ep("172.17.0.4", 5432), ep("172.17.0.3", 40100));
	conn(r, NS_DB, 1004, "db", MNT_DB, REPORT_DIR_LISTEN, REPORT_STATE_LISTEN, ep("0.0.0.0", 5432), ep("0.0.0.0", 0));
	/* loopback inside the shared namespace: api -> sidecar :9000 */
	conn(r, NS_API, 1002, "httpd", MNT_API, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED, ep("127.0.0.1", 41000), ep("127.0.0.1", 9000));
	conn(r, NS_API, 1003, "nc", MNT_SIDECAR, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED, ep("127.0.0.1", 9000), ep("127.0.0.1", 41000));
	/* the same loopback tuple in db's namespace has no server there: it must not reach the sidecar */
	conn(r, NS_DB, 1004, "db", MNT_DB, REPORT_DIR_OUTBOUND, REPORT_STATE_FAILED, ep("127.0.0.1", 41000), ep("127.0.0.1", 9000));
	/* a host client of db's published port 127.0.0.1:15432 -> 172.17.0.4:5432 (DNAT + masquerade) */
	c = conn(r, HOST_NS, 2001, "psql", HOST_MNT, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED, ep("127.0.0.1", 50000), ep("127.0.0.1", 15432));
	c->nat = true, c->peer_local = ep("172.17.0.4", 5432), c->peer_remote = ep("172.17.0.1", 50000);
	conn(r, NS_DB, 1004, "db", MNT_DB, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED, ep("172.17.0.4", 5432), ep("172.17.0.1", 50000));
	/* a host client whose server socket is gone: db's wildcard listener still owns the address */
	c = conn(r, HOST_NS, 2003, "wget", HOST_MNT, REPORT_DIR_OUTBOUND, REPORT_STATE_CLOSED, ep("172.17.0.1", 50500), ep("172.17.0.4", 5432));
	c->bytes_sent = 10, c->bytes_received = 20;
	/* the Internet, both ways */
	conn(r, NS_FRONT, 1001, "wget", MNT_FRONT, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED, ep("172.17.0.2", 40200), ep("93.184.216.34", 443));
	conn(r, HOST_NS, 2002, "nginx", HOST_MNT, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED, ep("192.168.1.10", 80), ep("203.0.113.9", 51000));
	conn(r, HOST_NS, 2002, "nginx", HOST_MNT, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED, ep("2001:db8::10", 80), ep("2001:db8:ffff::9", 51001));
	/* a local address nobody we know owns */
	conn(r, NS_API, 1002, "httpd", MNT_API, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED, ep("172.17.0.3", 40300), ep("172.17.0.99", 6379));
	/* a short-lived container that already exited: its connection still shows, named by its mntns */
	c = conn(r, NS_JOB, 3001, "wget", MNT_JOB, REPORT_DIR_OUTBOUND, REPORT_STATE_CLOSED, ep("172.17.0.5", 40400), ep("172.17.0.3", 8080));
	c->bytes_sent = 700, c->bytes_received = 300;
	c = conn(r, NS_API, 1002, "httpd", MNT_API, REPORT_DIR_INBOUND, REPORT_STATE_CLOSED, ep("172.17.0.3", 8080), ep("172.17.0.5", 40400));
	c->bytes_sent = 300, c->bytes_received = 700;
	return r;
}

static const struct graph_node *node_by_id(const struct graph *g, const char *id)
{
	for (size_t i = 0; i < g->n_nodes; i++)
		if (!strcmp(g->nodes[i].id, id))
			return &g->nodes[i];
	return NULL;
}

static const struct graph_edge *edge(const struct graph *g, const char *from, const char *to, uint16_t port)
{
	for (size_t i = 0; i < g->n_edges; i++)
		if (!strcmp(g->nodes[g->edges[i].from].id, from) && !strcmp(g->nodes[g->edges[i].to].id, to) &&
		    g->edges[i].port == port)
			return &g->edges[i];
	return NULL;
}

#define FRONT "proc:4026532001:1001:4026532101"
#define API "proc:4026532002:1002:4026532102"
#define SIDECAR "proc:4026532002:1003:4026532103"
#define DB "proc:4026532003:1004:4026532104"
#define PSQL "proc:4026531840:2001:4026531841"
#define HOST_WGET "proc:4026531840:2003:4026531841"
#define NGINX "proc:4026531840:2002:4026531841"
#define JOB "proc:4026532004:3001:4026532105"

static void edges_link_the_right_processes(void **state)
{
	struct report *r = sample_report();
	struct graph *g;
	const struct graph_edge *e;

	(void)state;
	assert_int_equal(render_graph(r, NULL, &g), 0);

	e = edge(g, FRONT, API, 8080);
	assert_non_null(e);
	assert_int_equal(e->count, 2);
	assert_int_equal(e->closed, 1);
	assert_int_equal(e->bytes, 500);
	assert_int_equal(e->state, REPORT_STATE_ESTABLISHED);
	assert_string_equal(node_by_id(g, SIDECAR)->container->name, "sidecar");
	assert_string_equal(node_by_id(g, API)->container->name, "api");
	assert_non_null(edge(g, SIDECAR, DB, 5432));
	assert_non_null(edge(g, API, SIDECAR, 9000));

	e = edge(g, PSQL, DB, 5432);
	assert_non_null(e);
	assert_true(e->nat);
	assert_int_equal(e->dialled_port, 15432);
	e = edge(g, HOST_WGET, DB, 5432);
	assert_non_null(e);
	assert_int_equal(e->state, REPORT_STATE_CLOSED);
	assert_int_equal(e->bytes, 30);

	assert_non_null(edge(g, FRONT, "internet:outbound", 443));
	e = edge(g, "internet:inbound", NGINX, 80);
	assert_non_null(e);
	assert_int_equal(e->count, 2); /* IPv4 and IPv6 clients */
	assert_non_null(edge(g, API, "local:172.17.0.99", 6379));
	assert_non_null(edge(g, DB, "local:127.0.0.1", 9000)); /* loopback stayed home */
	assert_null(edge(g, DB, SIDECAR, 9000));

	e = edge(g, JOB, API, 8080);
	assert_non_null(e);
	assert_int_equal(e->state, REPORT_STATE_CLOSED);
	assert_string_equal(node_by_id(g, JOB)->container->name, "job");
	assert_true(node_by_id(g, DB)->listening);
	assert_null(node_by_id(g, PSQL)->container);

	/* every connection is accounted for: each edge counts its client's sockets once */
	{
		uint32_t total = 0;

		for (size_t i = 0; i < g->n_edges; i++)
			total += g->edges[i].count;
		assert_int_equal(total, 12);
	}
	graph_free(g);
	report_free(r);
}

static void namespaces_list_the_containers_sharing_them(void **state)
{
	struct report *r = sample_report();
	struct graph *g;

	(void)state;
	assert_int_equal(render_graph(r, NULL, &g), 0);
	assert_int_equal(g->n_namespaces, 5);
	assert_int_equal(g->namespaces[0].inode, HOST_NS);
	assert_true(g->namespaces[0].is_host);
	assert_int_equal(g->namespaces[2].inode, NS_API);
	assert_int_equal(g->namespaces[2].n_containers, 2);
	assert_string_equal(g->namespaces[2].containers[0]->name, "api");
	assert_string_equal(g->namespaces[2].containers[1]->name, "sidecar");
	graph_free(g);
	report_free(r);
}

static void filters_keep_the_named_part_and_its_peers(void **state)
{
	struct report *r = sample_report();
	struct render_filter by_container = { .container = "sidecar" };
	struct render_filter by_netns = { .by_netns = true, .netns = NS_DB };
	struct render_filter nobody = { .container = "nope" };
	struct graph *g;

	(void)state;
	assert_int_equal(render_graph(r, &by_container, &g), 0);
	assert_int_equal(g->n_edges, 2); /* sidecar -> db, api -> sidecar */
	assert_non_null(edge(g, SIDECAR, DB, 5432));
	assert_non_null(edge(g, API, SIDECAR, 9000));
	assert_null(node_by_id(g, FRONT));
	graph_free(g);

	assert_int_equal(render_graph(r, &by_netns, &g), 0);
	for (size_t i = 0; i < g->n_edges; i++)
		assert_true(g->nodes[g->edges[i].from].netns == NS_DB || g->nodes[g->edges[i].to].netns == NS_DB);
	assert_non_null(edge(g, PSQL, DB, 5432));
	graph_free(g);

	assert_int_equal(render_graph(r, &nobody, &g), -ENOENT);
	report_free(r);
}

static void container_mapping_order(void **state)
{
	struct report *r = sample_report();

	(void)state;
	/* mntns wins even when the netns is shared */
	assert_string_equal(render_map_container(r, MNT_SIDECAR, 0, NULL, NS_API)->name, "sidecar");
	/* a shared netns alone names nobody */
	assert_null(render_map_container(r, 0, 0, NULL, NS_API));
	/* a netns with exactly one running container names it */
	assert_string_equal(render_map_container(r, 0, 0, NULL, NS_DB)->name, "db");
	/* the host netns never names a container */
	assert_null(render_map_container(r, 0, 0, NULL, HOST_NS));
	/* an id prefix found at build time */
	assert_string_equal(render_map_container(r, 0, 0, "cccc0000", 0)->name, "sidecar");
	report_free(r);
}

/* ---- golden files ---- */

static char *render_to_string(enum output_format f, const struct report *r, const struct graph *g)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	output_graph(out, f, r, g);
	fclose(out);
	return buf;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, len + 1);
	if (buf && fread(buf, 1, len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* CTOPO_UPDATE_GOLDEN=1 rewrites the golden file (then review the diff before committing). */
static void compare_golden(enum output_format f, const char *name)
{
	struct report *r = sample_report();
	struct graph *g;
	char path[512], *got, *want;

	assert_int_equal(render_graph(r, NULL, &g), 0);
	got = render_to_string(f, r, g);
	snprintf(path, sizeof(path), "%s/render/%s", TEST_DATA_DIR, name);
	if (getenv("CTOPO_UPDATE_GOLDEN")) {
		FILE *out = fopen(path, "we");

		assert_non_null(out);
		fputs(got, out);
		fclose(out);
	}
	want = read_file(path);
	assert_non_null(want);
	assert_string_equal(got, want);
	free(got);
	free(want);
	graph_free(g);
	report_free(r);
}

static void golden_text(void **state) { (void)state; compare_golden(OUTPUT_TEXT, "graph.txt"); }
static void golden_json(void **state) { (void)state; compare_golden(OUTPUT_JSON, "graph.json"); }
static void golden_dot(void **state) { (void)state; compare_golden(OUTPUT_DOT, "graph.dot"); }

/* The JSON parses, and every documented field is there with its type. */
static void json_has_the_documented_fields(void **state)
{
	struct report *r = sample_report();
	const char *node_fields[] = { "id", "kind", "label" };
	const char *proc_fields[] = { "pid", "name", "netns", "mntns", "listening", "container" };
	const char *edge_fields[] = { "from", "to", "port", "dialled_port", "nat", "protocol", "state", "count", "closed", "bytes" };
	const char *p_version[] = { "version", NULL }, *p_nodes[] = { "nodes", NULL };
	const char *p_edges[] = { "edges", NULL }, *p_ns[] = { "namespaces", NULL };
	char err[256], *text;
	struct graph *g;
	yajl_val root, nodes, edges, namespaces;

	(void)state;
	assert_int_equal(render_graph(r, NULL, &g), 0);
	text = render_to_string(OUTPUT_JSON, r, g);
	root = yajl_tree_parse(text, err, sizeof(err));
	assert_non_null(root);
	assert_int_equal(YAJL_GET_INTEGER(yajl_tree_get(root, p_version, yajl_t_number)), GRAPH_JSON_VERSION);
	nodes = yajl_tree_get(root, p_nodes, yajl_t_array);
	edges = yajl_tree_get(root, p_edges, yajl_t_array);
	namespaces = yajl_tree_get(root, p_ns, yajl_t_array);
	assert_non_null(nodes);
	assert_non_null(edges);
	assert_non_null(namespaces);
	assert_int_equal(YAJL_GET_ARRAY(nodes)->len, g->n_nodes);
	assert_int_equal(YAJL_GET_ARRAY(edges)->len, g->n_edges);
	for (size_t i = 0; i < YAJL_GET_ARRAY(nodes)->len; i++) {
		yajl_val n = YAJL_GET_ARRAY(nodes)->values[i];
		const char *kind_path[] = { "kind", NULL };

		for (size_t j = 0; j < sizeof(node_fields) / sizeof(*node_fields); j++) {
			const char *path[] = { node_fields[j], NULL };

			assert_non_null(yajl_tree_get(n, path, yajl_t_string));
		}
		const char *kind = YAJL_GET_STRING(yajl_tree_get(n, kind_path, yajl_t_string));

		assert_non_null(kind);
		if (!strcmp(kind, "process"))
			for (size_t j = 0; j < sizeof(proc_fields) / sizeof(*proc_fields); j++) {
				const char *path[] = { proc_fields[j], NULL };

				assert_non_null(yajl_tree_get(n, path, yajl_t_any));
			}
	}
	for (size_t i = 0; i < YAJL_GET_ARRAY(edges)->len; i++) {
		yajl_val e = YAJL_GET_ARRAY(edges)->values[i];
		const char *from_path[] = { "from", NULL };

		for (size_t j = 0; j < sizeof(edge_fields) / sizeof(*edge_fields); j++) {
			const char *path[] = { edge_fields[j], NULL };

			assert_non_null(yajl_tree_get(e, path, yajl_t_any));
		}
		assert_non_null(node_by_id(g, YAJL_GET_STRING(yajl_tree_get(e, from_path, yajl_t_string))));
	}
	yajl_tree_free(root);
	free(text);
	graph_free(g);
	report_free(r);
}

static void empty_report_renders(void **state)
{
	struct report *r = report_new();
	struct graph *g;
	char *s;

	(void)state;
	assert_int_equal(render_graph(r, NULL, &g), 0);
	s = render_to_string(OUTPUT_TEXT, r, g);
	assert_string_equal(s, "no TCP connections\n");
	free(s);
	s = render_to_string(OUTPUT_DOT, r, g);
	assert_non_null(strstr(s, "digraph ctopo {"));
	free(s);
	graph_free(g);
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(edges_link_the_right_processes),
		cmocka_unit_test(namespaces_list_the_containers_sharing_them),
		cmocka_unit_test(filters_keep_the_named_part_and_its_peers),
		cmocka_unit_test(container_mapping_order),
		cmocka_unit_test(golden_text),
		cmocka_unit_test(golden_json),
		cmocka_unit_test(golden_dot),
		cmocka_unit_test(json_has_the_documented_fields),
		cmocka_unit_test(empty_report_renders),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
