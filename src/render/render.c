/* SPDX-License-Identifier: Apache-2.0 */
#include "render/render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/util.h"
#include "render/render_internal.h"

/* ---- building ---------------------------------------------------------------------------- */

int graph_view_parse(const char *s, enum graph_view *ret)
{
	static const char *const names[] = { "process", "name", "container", "image", "netns", "service" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*ret = (enum graph_view)i;
			return 0;
		}
	return -EINVAL;
}

const char *graph_view_name(enum graph_view v)
{
	switch (v) {
	case GRAPH_VIEW_NAME:
		return "name";
	case GRAPH_VIEW_CONTAINER:
		return "container";
	case GRAPH_VIEW_IMAGE:
		return "image";
	case GRAPH_VIEW_NETNS:
		return "netns";
	case GRAPH_VIEW_SERVICE:
		return "service";
	default:
		return "process";
	}
}

/* Compose's "project/service" of c (its labels; the service alone without a project); false when
 * Compose did not make it. */
static bool compose_service(const struct report_container *c, char *buf, size_t len)
{
	int used = 0;

	if (!c->service[0])
		return false;
	if (c->project[0])
		used = snprintf(buf, len, "%s/", c->project);
	if (used >= 0 && (size_t)used < len)
		snprintf(buf + used, len - used, "%s", c->service);
	return true;
}

static int grow(void **array, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 64;
	p = realloc(*array, *cap * size);
	if (!p)
		return -ENOMEM;
	*array = p;
	return 0;
}

/* Find or add a node by id; returns its index or -ENOMEM. */
ssize_t builder_node_get(struct builder *b, const struct graph_node *proto)
{
	uint64_t h = hash_str(proto->id);
	size_t pos;

	INDEX_FOREACH (&b->node_ix, h, pos)
		// NOLINTNEXTLINE(clang-analyzer-core.*): only positions of existing nodes are indexed
		if (!strcmp(b->g->nodes[pos].id, proto->id))
			return pos;
	if (b->g->n_nodes >= b->node_ix_cap)
		return -ENOMEM; /* sized for the worst case up front; cannot happen */
	if (grow((void **)&b->g->nodes, &b->nodes_cap, b->g->n_nodes, sizeof(*proto)) < 0)
		return -ENOMEM;
	b->g->nodes[b->g->n_nodes] = *proto; // NOLINT(clang-analyzer-core.*): grow() made room
	index_add(&b->node_ix, h, b->g->n_nodes);
	return b->g->n_nodes++;
}

/* The node a process is in the builder's view. */
ssize_t builder_view_node(struct builder *b, const struct proc_ident *p)
{
	const struct report_container *c =
		render_map_container(b->r, p->mntns, p->cgroup_id, p->container_id, p->netns, p->when);
	const char *comm = p->comm ? p->comm : "";
	struct graph_node n = { .kind = GRAPH_NODE_PROCESS, .netns = p->netns, .container = c };
	ssize_t i;

	switch (b->view) {
	case GRAPH_VIEW_PROCESS:
		n.pid = p->pid;
		n.mntns = p->mntns;
		snprintf(n.id, sizeof(n.id), "proc:%u:%u:%u", p->netns, p->pid, p->mntns);
		snprintf(n.name, sizeof(n.name), "%.*s", REPORT_COMM_LEN - 1, comm);
		break;
	case GRAPH_VIEW_NAME:
		if (c)
			snprintf(n.id, sizeof(n.id), "name:%s:%.*s", c->id, REPORT_COMM_LEN - 1, comm);
		else
			snprintf(n.id, sizeof(n.id), "name:host:%u:%.*s", p->netns, REPORT_COMM_LEN - 1, comm);
		snprintf(n.name, sizeof(n.name), "%.*s", REPORT_COMM_LEN - 1, comm);
		break;
	case GRAPH_VIEW_CONTAINER:
	case GRAPH_VIEW_IMAGE:
	case GRAPH_VIEW_SERVICE:
		n.kind = GRAPH_NODE_GROUP;
		if (!c) {
			snprintf(n.id, sizeof(n.id), "host:%u", p->netns);
			snprintf(n.name, sizeof(n.name), "host");
		} else if (b->view == GRAPH_VIEW_IMAGE) {
			/* an image's containers may live in several namespaces */
			snprintf(n.name, sizeof(n.name), "%s", c->image[0] ? c->image : c->name);
			snprintf(n.id, sizeof(n.id), "image:%s", n.name);
			n.netns = 0;
			n.container = NULL;
		} else if (b->view == GRAPH_VIEW_SERVICE && compose_service(c, n.name, sizeof(n.name))) {
			/* so may a service's replicas */
			snprintf(n.id, sizeof(n.id), "service:%s", n.name);
			n.netns = 0;
			n.container = NULL;
		} else {
			snprintf(n.id, sizeof(n.id), "container:%s", c->id);
			snprintf(n.name, sizeof(n.name), "%s", c->name);
		}
		break;
	case GRAPH_VIEW_NETNS:
		n.kind = GRAPH_NODE_GROUP;
		n.container = NULL;
		snprintf(n.id, sizeof(n.id), "netns:%u", p->netns);
		snprintf(n.name, sizeof(n.name), "netns %u%s", p->netns, p->netns == b->r->host_netns ? " (host)" : "");
		break;
	}
	i = builder_node_get(b, &n);
	if (i >= 0 && p->listening)
		b->g->nodes[i].listening = true;
	return i;
}

ssize_t builder_process_node(struct builder *b, const struct report_conn *c)
{
	struct proc_ident p = { .netns = c->netns,
				.pid = c->pid,
				.mntns = c->mntns,
				.cgroup_id = c->cgroup_id,
				.comm = c->pid ? c->comm : NULL,
				.container_id = c->container_id,
				.when = c->first_seen,
				.listening = c->direction == REPORT_DIR_LISTEN };

	return builder_view_node(b, &p);
}

ssize_t builder_pseudo_node(struct builder *b, bool inbound, const struct report_endpoint *remote)
{
	struct graph_node n = { 0 };

	if (report_address_is_local(b->r, remote->family, remote->addr)) {
		n.kind = GRAPH_NODE_UNKNOWN_LOCAL;
		addr_format(remote->family, remote->addr, n.address, sizeof(n.address));
		snprintf(n.id, sizeof(n.id), "local:%s", n.address);
	} else {
		n.kind = inbound ? GRAPH_NODE_INTERNET_IN : GRAPH_NODE_INTERNET_OUT;
		snprintf(n.id, sizeof(n.id), inbound ? "internet:inbound" : "internet:outbound");
	}
	return builder_node_get(b, &n);
}

struct graph_edge *builder_new_edge(struct builder *b, size_t from, size_t to, uint16_t port, uint16_t dialled)
{
	struct graph_edge *e;

	if (grow((void **)&b->g->edges, &b->edges_cap, b->g->n_edges, sizeof(*e)) < 0)
		return NULL;
	e = &b->g->edges[b->g->n_edges++];
	*e = (struct graph_edge){ .from = from, .to = to, .port = port, .dialled_port = dialled };
	return e;
}

/* One itemised connection of the report. */
static int add_edge(struct builder *b, size_t from, size_t to, const struct report_conn *client_side,
		    const struct report_conn *server_side, uint16_t port, uint16_t dialled)
{
	const struct report_conn *c = client_side ? client_side : server_side;
	struct graph_edge *e = builder_new_edge(b, from, to, port, dialled);

	if (!e)
		return -ENOMEM;
	e->nat = client_side && client_side->nat;
	e->state = c->state;
	e->count = 1;
	if (client_side) {
		e->dialled = client_side->remote;
		e->server = client_side->peer_local;
	}
	if (c->state == REPORT_STATE_ESTABLISHED) {
		e->open = 1;
		return 0;
	}
	/* a closed one in a report without edges (a version 1 report, a test's) */
	e->closed = 1;
	e->bytes = c->bytes_sent + c->bytes_received;
	e->first_seen = c->first_seen;
	e->last_seen = c->last_seen;
	if (c->state == REPORT_STATE_FAILED) {
		e->w.failed = 1;
		return 0;
	}
	e->w.opened = e->w.closed = 1;
	e->w.bytes_sent = client_side ? c->bytes_sent : c->bytes_received;
	e->w.bytes_received = client_side ? c->bytes_received : c->bytes_sent;
	e->w.duration_sum_ns = e->w.duration_max_ns = (uint64_t)(c->duration_ms * 1e6);
	return 0;
}

static int qsort_containers(const void *pa, const void *pb)
{
	const struct report_container *a = *(const struct report_container *const *)pa;
	const struct report_container *b = *(const struct report_container *const *)pb;
	int r = strcmp(a->name, b->name);

	return r ? r : strcmp(a->id, b->id);
}

/* A stopped container belongs to a namespace's label only when one of its processes shows there:
 * by itself its old inode may name somebody else's namespace now. */
static bool stopped_container_seen_in(const struct graph *g, const struct report_container *c, uint32_t netns)
{
	if (c->running || c->netns != netns)
		return false;
	for (size_t i = 0; i < g->n_nodes; i++)
		if (g->nodes[i].container == c && g->nodes[i].netns == netns)
			return true;
	return false;
}

static int build_namespaces(const struct report *r, struct graph *g)
{
	uint32_t *seen = calloc(g->n_nodes + r->n_containers + 1, sizeof(uint32_t));
	size_t n_seen = 0;

	if (!seen)
		return -ENOMEM;
	/* nodes are sorted host netns first, then by inode: collect in that order */
	for (size_t i = 0; i < g->n_nodes; i++) {
		uint32_t ns = g->nodes[i].netns;

		if (!graph_node_is_local(&g->nodes[i]) || !ns || (n_seen && seen[n_seen - 1] == ns))
			continue;
		seen[n_seen++] = ns;
	}
	g->namespaces = calloc(n_seen ? n_seen : 1, sizeof(*g->namespaces));
	if (!g->namespaces) {
		free(seen);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_seen; i++) {
		struct graph_namespace *gn = &g->namespaces[g->n_namespaces++];

		gn->inode = seen[i];
		gn->is_host = seen[i] == r->host_netns;
		gn->containers = calloc(r->n_containers ? r->n_containers : 1, sizeof(*gn->containers));
		if (!gn->containers) {
			free(seen);
			return -ENOMEM;
		}
		for (size_t j = 0; j < r->n_containers; j++)
			if (report_container_runs_in_netns(&r->containers[j], seen[i]) ||
			    stopped_container_seen_in(g, &r->containers[j], seen[i]))
				gn->containers[gn->n_containers++] = &r->containers[j];
		qsort(gn->containers, gn->n_containers, sizeof(*gn->containers), qsort_containers);
	}
	free(seen);
	return 0;
}

/* Does the group node n (of an image, a service) stand for container c among others? */
static bool group_has(const struct graph_node *n, enum graph_view view, const struct report_container *c)
{
	char service[REPORT_NAME_LEN];

	if (view == GRAPH_VIEW_IMAGE)
		return !strcmp(n->name, c->image[0] ? c->image : c->name);
	return view == GRAPH_VIEW_SERVICE && !strncmp(n->id, "service:", 8) &&
	       compose_service(c, service, sizeof(service)) && !strcmp(n->name, service);
}

static bool node_matches_filter(const struct graph_node *n, const struct render_filter *f,
				const struct report_container *want)
{
	if (!graph_node_is_local(n))
		return false;
	if (f->by_netns && n->netns != f->netns)
		return false;
	if (want && n->container != want && !group_has(n, f->view, want))
		return false;
	return true;
}

/* Keep the nodes the filter names, their edges and the nodes at the other ends of those. */
static int apply_filter(struct graph *g, const struct render_filter *f, const struct report_container *want)
{
	bool *keep = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(bool));
	size_t *new_pos = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(size_t));
	size_t n = 0, m = 0;

	if (!keep || !new_pos) {
		free(keep);
		free(new_pos);
		return -ENOMEM;
	}
	for (size_t i = 0; i < g->n_nodes; i++)
		keep[i] = node_matches_filter(&g->nodes[i], f, want);
	for (size_t i = 0; i < g->n_edges; i++) {
		struct graph_edge *e = &g->edges[i];

		if (!keep[e->from] && !keep[e->to])
			continue;
		g->edges[m++] = *e;
	}
	g->n_edges = m;
	for (size_t i = 0; i < m; i++) /* the other ends of kept edges stay too */
		keep[g->edges[i].from] = keep[g->edges[i].to] = true;
	for (size_t i = 0; i < g->n_nodes; i++) {
		if (!keep[i])
			continue;
		new_pos[i] = n;
		g->nodes[n++] = g->nodes[i];
	}
	g->n_nodes = n;
	for (size_t i = 0; i < m; i++) {
		g->edges[i].from = new_pos[g->edges[i].from];
		g->edges[i].to = new_pos[g->edges[i].to];
	}
	free(keep);
	free(new_pos);
	return 0;
}

int render_graph(const struct report *r, const struct render_filter *filter, struct graph **ret)
{
	struct builder b = { .r = r, .view = filter ? filter->view : GRAPH_VIEW_PROCESS };
	uint64_t since = filter && filter->since_ns ? filter->since_ns : RENDER_DEFAULT_SINCE_NS;
	const struct report_container *want = NULL;
	struct conn_match *m = NULL;
	struct index listeners = { 0 };
	size_t n = r->n_conns;
	int err;

	if (filter && filter->container) {
		want = report_container_by_name(r, filter->container);
		if (!want)
			want = report_container_by_id(r, filter->container);
		if (!want)
			return -ENOENT;
	}
	err = render_match_connections(r, &m);
	if (err < 0)
		return err;
	err = -ENOMEM;
	b.g = calloc(1, sizeof(*b.g));
	b.node_ix_cap = 2 * (n + r->n_edges) + 4; /* at most two nodes per connection or edge */
	if (!b.g || index_init(&b.node_ix, b.node_ix_cap) < 0 || index_init(&listeners, n) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (r->conns[i].direction == REPORT_DIR_LISTEN)
			index_add(&listeners, r->conns[i].local.port, i);

	for (size_t i = 0; i < n; i++) {
		const struct report_conn *c = &r->conns[i];
		ssize_t from, to;

		if (filter && filter->edges_only)
			continue;
		if (c->direction == REPORT_DIR_LISTEN) {
			/* a listening process shows only when it belongs to a container */
			if (render_map_container(r, c->mntns, c->cgroup_id, c->container_id, c->netns, c->first_seen) &&
			    builder_process_node(&b, c) < 0)
				goto out;
			continue;
		}
		if (m[i].is_client) {
			const struct report_conn *p = &r->conns[m[i].peer];

			from = builder_process_node(&b, c);
			if (m[i].kind == MATCH_PEER || m[i].kind == MATCH_LISTENER)
				to = builder_process_node(&b, p);
			else
				to = builder_pseudo_node(&b, false, &c->peer_local);
			if (from < 0 || to < 0)
				goto out;
			if (add_edge(&b, from, to, c, NULL, c->peer_local.port, c->remote.port) < 0)
				goto out;
		} else if (m[i].kind != MATCH_PEER) {
			/* a server whose client we do not know: the edge starts at a pseudo node */
			to = builder_process_node(&b, c);
			from = builder_pseudo_node(&b, true, &c->remote);
			if (to < 0 || from < 0 || add_edge(&b, from, to, NULL, c, c->local.port, c->local.port) < 0)
				goto out;
		} else if (builder_process_node(&b, c) < 0) { /* its edge comes from the client's side */
			goto out;
		}
	}
	if (render_add_store_edges(&b, &listeners, since) < 0)
		goto out;
	b.g->view = b.view;
	b.g->since_ns = since;

	err = render_sort_graph(b.g, r->host_netns);
	if (err < 0)
		goto out;
	if (filter && (filter->by_netns || want)) {
		err = apply_filter(b.g, filter, want);
		if (err < 0)
			goto out;
	}
	err = build_namespaces(r, b.g);
	if (err < 0)
		goto out;
	*ret = TAKE_PTR(b.g);
out:
	index_free(&b.node_ix);
	index_free(&listeners);
	free(m);
	graph_free(b.g);
	return err;
}

void graph_free(struct graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_namespaces; i++)
		free(g->namespaces[i].containers);
	free(g->namespaces);
	free(g->nodes);
	free(g->edges);
	free(g);
}

bool graph_node_is_local(const struct graph_node *n)
{
	return n->kind == GRAPH_NODE_PROCESS || n->kind == GRAPH_NODE_GROUP;
}

void graph_node_label(const struct graph_node *n, char *buf, size_t len)
{
	switch (n->kind) {
	case GRAPH_NODE_INTERNET_IN:
		snprintf(buf, len, "The Internet (inbound)");
		break;
	case GRAPH_NODE_INTERNET_OUT:
		snprintf(buf, len, "The Internet (outbound)");
		break;
	case GRAPH_NODE_UNKNOWN_LOCAL:
		snprintf(buf, len, "unknown local host %s", n->address);
		break;
	case GRAPH_NODE_GROUP:
		snprintf(buf, len, "%s", n->name);
		break;
	default:
		if (n->pid)
			snprintf(buf, len, "%s (%u)", n->name[0] ? n->name : "?", n->pid);
		else if (n->name[0])
			snprintf(buf, len, "%s", n->name);
		else
			snprintf(buf, len, "unknown process");
	}
}
