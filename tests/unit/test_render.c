/* SPDX-License-Identifier: Apache-2.0 */
/* The renderer on a report built here: three containers over two namespaces (two of them sharing
 * one), a published port through DNAT, loopback, the Internet both ways, an unknown local address
 * and short-lived closed connections. Structural asserts first, then golden files per format. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <yajl/yajl_tree.h>
#include <cmocka.h>

#include "common/addr.h"
#include "render/output.h"
#include "render/render.h"
#include "report/report.h"
#include "report_fixture.h"
#include "unit_helpers.h"

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

	/* a stopped container whose old netns inode db's namespace has now: not in db's label */
	{
		struct report_container ghost = r->containers[4]; /* "job", stopped */

		ghost.netns = NS_DB;
		ghost.mntns = 4026539998u;
		snprintf(ghost.id, sizeof(ghost.id), "ffff");
		snprintf(ghost.name, sizeof(ghost.name), "ghost");
		assert_int_equal(report_add_container(r, &ghost), 0);
	}
	assert_int_equal(render_graph(r, NULL, &g), 0);
	assert_int_equal(g->namespaces[3].inode, NS_DB);
	assert_int_equal(g->namespaces[3].n_containers, 1);
	assert_string_equal(g->namespaces[3].containers[0]->name, "db");
	assert_int_equal(g->namespaces[4].n_containers, 1); /* job, stopped, still shows where it ran */
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
	assert_string_equal(render_map_container(r, MNT_SIDECAR, 0, NULL, NS_API, 0)->name, "sidecar");
	/* a shared netns alone names nobody */
	assert_null(render_map_container(r, 0, 0, NULL, NS_API, 0));
	/* a netns with exactly one running container names it */
	assert_string_equal(render_map_container(r, 0, 0, NULL, NS_DB, 0)->name, "db");
	/* ... but not a host process that opened a socket there (dockerd's embedded resolver) */
	assert_null(render_map_container(r, HOST_MNT, 0, NULL, NS_DB, 0));
	/* the host netns never names a container */
	assert_null(render_map_container(r, 0, 0, NULL, HOST_NS, 0));
	/* a stopped container runs in no namespace: its old inode may name another one now */
	assert_true(report_container_runs_in_netns(&r->containers[3], NS_DB));   /* db, running */
	assert_false(report_container_runs_in_netns(&r->containers[4], NS_JOB)); /* job, stopped */
	/* a mount namespace inode reused by a later container: the one started last before the
	 * connection was seen names it; without a time, the running one */
	{
		struct report_container old = r->containers[0], now = r->containers[0];

		old.mntns = now.mntns = 4026539999u;
		old.running = false, old.started_at = 100, old.stopped_at = 110;
		now.running = true, now.started_at = 111, now.stopped_at = 0;
		snprintf(old.name, sizeof(old.name), "client-1");
		snprintf(now.name, sizeof(now.name), "client-2");
		assert_int_equal(report_add_container(r, &old), 0);
		assert_int_equal(report_add_container(r, &now), 0);
		assert_string_equal(render_map_container(r, 4026539999u, 0, NULL, 0, 105.0)->name, "client-1");
		assert_string_equal(render_map_container(r, 4026539999u, 0, NULL, 0, 111.1)->name, "client-2");
		assert_string_equal(render_map_container(r, 4026539999u, 0, NULL, 0, 0)->name, "client-2");
		/* after client-1 stopped and before client-2 is known: nobody, not the stopped one */
		r->n_containers--;
		assert_null(render_map_container(r, 4026539999u, 0, NULL, 0, 112.0));
		assert_string_equal(render_map_container(r, 4026539999u, 0, NULL, 0, 110.2)->name, "client-1");
		r->n_containers++;
	}
	/* a netns inode reused by a container that started after the process was first seen (an
	 * edge of the store outlives its namespace): not that container's */
	r->containers[3].started_at = 111;
	assert_null(render_map_container(r, 0, 0, NULL, NS_DB, 105.0));
	assert_string_equal(render_map_container(r, 0, 0, NULL, NS_DB, 112.0)->name, "db");
	/* an id prefix found at build time */
	assert_string_equal(render_map_container(r, 0, 0, "cccc0000", 0, 0)->name, "sidecar");
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

static void compare_golden(enum output_format f, const char *name)
{
	struct report *r = sample_report();
	struct graph *g;
	char *got;

	assert_int_equal(render_graph(r, NULL, &g), 0);
	got = render_to_string(f, r, g);
	assert_golden(got, "render", name);
	free(got);
	graph_free(g);
	report_free(r);
}

static void golden_text(void **state)
{
	(void)state;
	compare_golden(OUTPUT_TEXT, "graph.txt");
}
static void golden_json(void **state)
{
	(void)state;
	compare_golden(OUTPUT_JSON, "graph.json");
}
static void golden_dot(void **state)
{
	(void)state;
	compare_golden(OUTPUT_DOT, "graph.dot");
}

/* The JSON parses, and every documented field is there with its type. */
static void json_has_the_documented_fields(void **state)
{
	struct report *r = sample_report();
	const char *node_fields[] = { "id", "kind", "label" };
	const char *proc_fields[] = { "pid", "name", "netns", "mntns", "listening", "container" };
	const char *edge_fields[] = { "from",     "to",    "port",  "dialled_port", "nat",
				      "protocol", "state", "count", "closed",       "bytes" };
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

static struct graph *render_view(const struct report *r, enum graph_view view, uint64_t since_s)
{
	struct render_filter f = { .view = view, .since_ns = since_s * 1000000000ull };
	struct graph *g = NULL;

	assert_int_equal(render_graph(r, &f, &g), 0);
	return g;
}

static struct report_container *container_named(struct report *r, const char *name)
{
	for (size_t i = 0; i < r->n_containers; i++)
		if (!strcmp(r->containers[i].name, name))
			return &r->containers[i];
	fail_msg("no container %s in the sample", name);
	return NULL;
}

/* The engine of a container node, as ps --json and containers --json say it: "docker", "podman",
 * or null when unknown (a plain runc bundle); NULL when the node or the field is missing. */
static yajl_val json_container_engine(yajl_val nodes, const char *id)
{
	const char *id_path[] = { "id", NULL }, *engine_path[] = { "container", "engine", NULL };

	for (size_t i = 0; i < YAJL_GET_ARRAY(nodes)->len; i++) {
		yajl_val n = YAJL_GET_ARRAY(nodes)->values[i];
		const char *node_id = YAJL_GET_STRING(yajl_tree_get(n, id_path, yajl_t_string));

		if (node_id && !strcmp(node_id, id))
			return yajl_tree_get(n, engine_path, yajl_t_any);
	}
	return NULL;
}

/* Container nodes carry their engine: one podman container, one a plain runc bundle (no engine
 * known), the others Docker's. */
static void json_container_nodes_say_their_engine(void **state)
{
	struct report *r = sample_report();
	struct graph *g = NULL;
	const char *p_nodes[] = { "nodes", NULL };
	char err[256], *text;
	yajl_val root, nodes, engine;

	(void)state;
	snprintf(container_named(r, "api")->engine, sizeof(r->containers->engine), "podman");
	container_named(r, "sidecar")->engine[0] = '\0';
	g = render_view(r, GRAPH_VIEW_CONTAINER, 15);
	text = render_to_string(OUTPUT_JSON, r, g);
	root = yajl_tree_parse(text, err, sizeof(err));
	assert_non_null(root);
	nodes = yajl_tree_get(root, p_nodes, yajl_t_array);
	assert_non_null(nodes);

	engine = json_container_engine(nodes,
				       "container:bbbb000000000000000000000000000000000000000000000000000000000002");
	assert_true(YAJL_IS_STRING(engine));
	assert_string_equal(YAJL_GET_STRING(engine), "podman");
	engine = json_container_engine(nodes,
				       "container:cccc000000000000000000000000000000000000000000000000000000000003");
	assert_true(YAJL_IS_NULL(engine));
	engine = json_container_engine(nodes,
				       "container:aaaa000000000000000000000000000000000000000000000000000000000001");
	assert_true(YAJL_IS_STRING(engine));
	assert_string_equal(YAJL_GET_STRING(engine), "docker");

	yajl_tree_free(root);
	free(text);
	graph_free(g);
	report_free(r);
}

#define JOB_WGET "proc:4026532004:3050:4026532105"
#define PSQL_REFUSED "proc:4026531840:2009:4026531841"

/* The store's edges: resolved to the listener's process, counted over the window; what the
 * server saw beyond its local clients comes from the Internet; old edges fall out of the window. */
static void store_edges_in_the_window(void **state)
{
	struct report *r = sample_report_with_edges();
	struct graph *g = render_view(r, GRAPH_VIEW_PROCESS, 60);
	const struct graph_edge *e;

	(void)state;
	e = edge(g, JOB_WGET, API, 8080);
	assert_non_null(e);
	assert_int_equal(e->w.opened, 50);
	assert_int_equal(e->w.closed, 50);
	assert_int_equal(e->w.bytes_sent, 5000);
	assert_int_equal(e->w.bytes_received, 70000);
	assert_int_equal(e->open, 0);
	assert_int_equal(e->state, REPORT_STATE_CLOSED);
	e = edge(g, "internet:inbound", API, 8080);
	assert_non_null(e);
	assert_int_equal(e->w.opened, 5);
	assert_int_equal(e->w.bytes_sent, 500); /* the server received 5500, 5000 of it from job */
	e = edge(g, PSQL_REFUSED, "local:127.0.0.1", 5433);
	assert_non_null(e);
	assert_int_equal(e->w.refused, 3);
	assert_int_equal(e->state, REPORT_STATE_FAILED);
	assert_null(edge(g, "proc:4026531840:2100:4026531841", "internet:outbound", 443));
	graph_free(g);

	/* 15 s: only the refusals are recent enough; an hour: cron too */
	g = render_view(r, GRAPH_VIEW_PROCESS, 15);
	assert_null(edge(g, JOB_WGET, API, 8080));
	assert_non_null(edge(g, PSQL_REFUSED, "local:127.0.0.1", 5433));
	graph_free(g);
	g = render_view(r, GRAPH_VIEW_PROCESS, 3600);
	assert_non_null(edge(g, "proc:4026531840:2100:4026531841", "internet:outbound", 443));
	graph_free(g);
	report_free(r);
}

/* Views: 51 short-lived wgets (50 in the store, one itemised in the report) are one node by name;
 * containers, images and namespaces group. */
static void views_group_nodes(void **state)
{
	struct report *r = sample_report_with_edges();
	struct graph *g = render_view(r, GRAPH_VIEW_NAME, 60);
	const struct graph_edge *e;
	size_t wget_nodes = 0;

	(void)state;
	for (size_t i = 0; i < g->n_nodes; i++)
		if (!strcmp(g->nodes[i].name, "wget") && g->nodes[i].container &&
		    !strcmp(g->nodes[i].container->name, "job"))
			wget_nodes++;
	assert_int_equal(wget_nodes, 1);
	e = edge(g, "name:eeee000000000000000000000000000000000000000000000000000000000005:wget",
		 "name:bbbb000000000000000000000000000000000000000000000000000000000002:httpd", 8080);
	assert_non_null(e);
	assert_int_equal(e->w.opened, 51);
	assert_non_null(edge(g, "name:host:4026531840:psql", "local:127.0.0.1", 5433));
	graph_free(g);

	g = render_view(r, GRAPH_VIEW_CONTAINER, 60);
	e = edge(g, "container:eeee000000000000000000000000000000000000000000000000000000000005",
		 "container:bbbb000000000000000000000000000000000000000000000000000000000002", 8080);
	assert_non_null(e);
	assert_int_equal(e->w.opened, 51);
	assert_int_equal(
		node_by_id(g, "container:eeee000000000000000000000000000000000000000000000000000000000005")->kind,
		GRAPH_NODE_GROUP);
	assert_non_null(edge(g, "host:4026531840", "local:127.0.0.1", 5433));
	/* frontend's live and closed connection to api: one edge, one open */
	e = edge(g, "container:aaaa000000000000000000000000000000000000000000000000000000000001",
		 "container:bbbb000000000000000000000000000000000000000000000000000000000002", 8080);
	assert_non_null(e);
	assert_int_equal(e->open, 1);
	graph_free(g);

	/* every fixture container runs one image: job -> api and frontend -> api are a loop on it */
	g = render_view(r, GRAPH_VIEW_IMAGE, 60);
	e = edge(g, "image:ctopo-test/busybox:1", "image:ctopo-test/busybox:1", 8080);
	assert_non_null(e);
	assert_int_equal(e->w.opened, 52);
	assert_int_equal(node_by_id(g, "image:ctopo-test/busybox:1")->netns, 0);
	graph_free(g);

	g = render_view(r, GRAPH_VIEW_NETNS, 60);
	e = edge(g, "netns:4026532004", "netns:4026532002", 8080);
	assert_non_null(e);
	assert_int_equal(e->w.opened, 51);
	graph_free(g);
	report_free(r);
}

/* A container that lived 50 ms has no mount namespace or netns the report knows: its edges are
 * named through the container_id the daemon found from their cgroup, client side and server side,
 * in every view; without it they are nobody's. */
static void store_edges_named_by_their_container_id(void **state)
{
	const char *rm_client = "proc:4026532006:4001:4026532106", *rm_server = "proc:4026532007:4002:4026532107";

	(void)state;
	for (int named = 0; named <= 1; named++) {
		struct report *r = sample_report_with_edges();
		struct graph *g;
		const struct graph_node *client, *server;

		add_short_lived_containers(r, named);
		g = render_view(r, GRAPH_VIEW_PROCESS, 60);
		assert_non_null(edge(g, rm_client, API, 8080));
		assert_non_null(edge(g, "internet:inbound", rm_server, 9090));
		client = node_by_id(g, rm_client);
		server = node_by_id(g, rm_server);
		if (named) {
			assert_non_null(client->container);
			assert_string_equal(client->container->name, "rm-client");
			assert_non_null(server->container);
			assert_string_equal(server->container->name, "rm-server");
		} else {
			assert_null(client->container);
			assert_null(server->container);
		}
		graph_free(g);
		if (named) {
			g = render_view(r, GRAPH_VIEW_CONTAINER, 60);
			assert_non_null(edge(
				g, "container:" RM_CLIENT_ID,
				"container:bbbb000000000000000000000000000000000000000000000000000000000002", 8080));
			assert_non_null(edge(g, "internet:inbound", "container:" RM_SERVER_ID, 9090));
			graph_free(g);
		}
		report_free(r);
	}
}

#define API_CONTAINER "container:bbbb000000000000000000000000000000000000000000000000000000000002"

/* --by service: Compose's replicas of one service (frontend and job here, in two namespaces) are
 * one node and their edges add up; a container without the labels is its own node, as --by
 * container; --container keeps the service a replica is in. */
static void service_view_groups_replicas(void **state)
{
	struct report *r = sample_report_with_edges();
	struct render_filter only_job = { .view = GRAPH_VIEW_SERVICE,
					  .since_ns = 60 * 1000000000ull,
					  .container = "job" };
	struct graph *g;
	const struct graph_node *web;
	const struct graph_edge *e;
	char *s;

	(void)state;
	for (size_t i = 0; i < r->n_containers; i++)
		if (!strcmp(r->containers[i].name, "frontend") || !strcmp(r->containers[i].name, "job")) {
			snprintf(r->containers[i].project, sizeof(r->containers[i].project), "shop");
			snprintf(r->containers[i].service, sizeof(r->containers[i].service), "web");
		}
	g = render_view(r, GRAPH_VIEW_SERVICE, 60);
	web = node_by_id(g, "service:shop/web");
	assert_non_null(web);
	assert_int_equal(web->kind, GRAPH_NODE_GROUP);
	assert_string_equal(web->name, "shop/web");
	assert_int_equal(web->netns, 0);
	assert_null(web->container);
	assert_null(node_by_id(g, "container:aaaa000000000000000000000000000000000000000000000000000000000001"));
	assert_null(node_by_id(g, "container:eeee000000000000000000000000000000000000000000000000000000000005"));
	assert_string_equal(node_by_id(g, API_CONTAINER)->container->name, "api");
	/* job's 50 + its itemised one, frontend's closed one; frontend's live one is open */
	e = edge(g, "service:shop/web", API_CONTAINER, 8080);
	assert_non_null(e);
	assert_int_equal(e->w.opened, 52);
	assert_int_equal(e->open, 1);

	s = render_to_string(OUTPUT_JSON, r, g);
	assert_non_null(strstr(s,
			       "{\"id\":\"service:shop/web\",\"kind\":\"group\",\"label\":\"shop/web\","
			       "\"group\":\"service\""));
	assert_non_null(strstr(s, "\"label\":\"api\",\"group\":\"container\""));
	assert_non_null(strstr(s, "\"view\":\"service\""));
	free(s);
	s = render_to_string(OUTPUT_TEXT, r, g);
	assert_non_null(strstr(s, "across namespaces\n  shop/web\n    -> api in netns 4026532002 :8080"));
	free(s);
	s = render_to_string(OUTPUT_DOT, r, g);
	assert_non_null(strstr(s, "\n  \"service:shop/web\" [label=\"shop/web\", style=\"rounded,filled\""));
	assert_non_null(strstr(s, "\"service:shop/web\" -> \"" API_CONTAINER "\" [label=\":8080 x"));
	free(s);
	graph_free(g);

	assert_int_equal(render_graph(r, &only_job, &g), 0);
	assert_non_null(node_by_id(g, "service:shop/web"));
	assert_non_null(edge(g, "service:shop/web", API_CONTAINER, 8080));
	assert_null(node_by_id(g, "container:dddd000000000000000000000000000000000000000000000000000000000004"));
	graph_free(g);
	report_free(r);
}

/* DOT: an edge with nothing open is dashed, its label has the count, the width grows with volume. */
static void dot_marks_closed_edges(void **state)
{
	struct report *r = sample_report_with_edges();
	struct graph *g = render_view(r, GRAPH_VIEW_NAME, 60);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	output_graph_dot(out, r, g);
	fclose(out);
	assert_non_null(strstr(buf,
			       "\"name:eeee000000000000000000000000000000000000000000000000000000000005:wget\" -> "
			       "\"name:bbbb000000000000000000000000000000000000000000000000000000000002:httpd\" "
			       "[label=\":8080 x51\", penwidth=3.0, style=dashed];"));
	assert_non_null(strstr(buf, "[label=\":5433 x3 (3 failed)\", penwidth=1.0, style=dashed];"));
	free(buf);
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
		cmocka_unit_test(json_container_nodes_say_their_engine),
		cmocka_unit_test(empty_report_renders),
		cmocka_unit_test(store_edges_in_the_window),
		cmocka_unit_test(views_group_nodes),
		cmocka_unit_test(store_edges_named_by_their_container_id),
		cmocka_unit_test(service_view_groups_replicas),
		cmocka_unit_test(dot_marks_closed_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
