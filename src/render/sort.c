/* SPDX-License-Identifier: Apache-2.0 */
/* The graph in a stable order, so that every output of it is deterministic: nodes sorted (the host's
 * namespace first, then by namespace, container, name and pid; pseudo nodes last), edges renumbered
 * to match, sorted, and merged where they have the same ends and ports. */
#include <stdlib.h>
#include <string.h>

#include "edges/edges.h"
#include "render/render.h"
#include "render/render_internal.h"

/* Processes and groups first (one view has only one of them), then the pseudo nodes. */
static int node_rank(uint8_t kind)
{
	return kind == GRAPH_NODE_GROUP ? 0 : kind;
}

static int compare_nodes(const struct graph_node *a, const struct graph_node *b, uint32_t host)
{
	int r;

	if (node_rank(a->kind) != node_rank(b->kind))
		return node_rank(a->kind) - node_rank(b->kind);
	if (node_rank(a->kind) != 0)
		return strcmp(a->id, b->id);
	if ((a->netns == host) != (b->netns == host))
		return a->netns == host ? -1 : 1;
	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	r = strcmp(a->container ? a->container->name : "", b->container ? b->container->name : "");
	if (r)
		return r;
	r = strcmp(a->name, b->name);
	if (r)
		return r;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return strcmp(a->id, b->id);
}

static uint32_t sort_host_netns;

static int qsort_nodes(const void *a, const void *b)
{
	return compare_nodes(a, b, sort_host_netns);
}

static int qsort_edges(const void *pa, const void *pb)
{
	const struct graph_edge *a = pa, *b = pb;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	if (a->to != b->to)
		return a->to < b->to ? -1 : 1;
	if (a->port != b->port)
		return a->port - b->port;
	return a->dialled_port - b->dialled_port;
}

/* Sort nodes, renumber edges, sort and merge edges with the same ends and ports. */
int render_sort_graph(struct graph *g, uint32_t host_netns)
{
	size_t *new_pos, n = 0;
	struct graph_node *sorted;

	/* remember where each node goes: sort a copy tagged with its old index in pid-free field */
	sorted = malloc((g->n_nodes ? g->n_nodes : 1) * sizeof(*sorted));
	new_pos = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(*new_pos));
	if (!sorted || !new_pos) {
		free(sorted);
		free(new_pos);
		return -ENOMEM;
	}
	if (g->n_nodes)
		memcpy(sorted, g->nodes, g->n_nodes * sizeof(*sorted));
	sort_host_netns = host_netns;
	qsort(sorted, g->n_nodes, sizeof(*sorted), qsort_nodes);
	/* ids are unique: find each old node's new place by id through a hash of the sorted array */
	{
		struct index ix;

		if (index_init(&ix, g->n_nodes) < 0) {
			free(sorted);
			free(new_pos);
			index_free(&ix);
			return -ENOMEM;
		}
		for (size_t i = 0; i < g->n_nodes; i++)
			index_add(&ix, hash_str(sorted[i].id), i);
		for (size_t i = 0; i < g->n_nodes; i++) {
			size_t pos;

			INDEX_FOREACH (&ix, hash_str(g->nodes[i].id), pos)
				if (!strcmp(sorted[pos].id, g->nodes[i].id)) {
					new_pos[i] = pos;
					break;
				}
		}
		index_free(&ix);
	}
	free(g->nodes);
	g->nodes = sorted;
	for (size_t i = 0; i < g->n_edges; i++) {
		g->edges[i].from = new_pos[g->edges[i].from];
		g->edges[i].to = new_pos[g->edges[i].to];
	}
	free(new_pos);

	if (g->n_edges)
		qsort(g->edges, g->n_edges, sizeof(*g->edges), qsort_edges);
	for (size_t i = 0; i < g->n_edges; i++) {
		struct graph_edge *e = &g->edges[i];

		if (n > 0 && !qsort_edges(&g->edges[n - 1], e)) {
			struct graph_edge *m = &g->edges[n - 1];

			m->count += e->count;
			m->closed += e->closed;
			m->bytes += e->bytes;
			m->open += e->open;
			m->nat |= e->nat;
			edge_counters_add(&m->w, &e->w);
			if (e->first_seen && (!m->first_seen || e->first_seen < m->first_seen))
				m->first_seen = e->first_seen;
			if (e->last_seen > m->last_seen)
				m->last_seen = e->last_seen;
			if (e->state == REPORT_STATE_ESTABLISHED ||
			    (e->state == REPORT_STATE_CLOSED && m->state == REPORT_STATE_FAILED))
				m->state = e->state;
			continue;
		}
		g->edges[n++] = *e;
	}
	g->n_edges = n;
	return 0;
}
