/* SPDX-License-Identifier: Apache-2.0 */
/* An indented tree per network namespace: each process with what it dials (->) and what dials
 * it (<-), so one glance at a process answers both questions. */
#include <errno.h>
#include <string.h>

#include "common/escape.h"
#include "render/output.h"

int output_format_parse(const char *s, enum output_format *ret)
{
	if (!strcmp(s, "text"))
		*ret = OUTPUT_TEXT;
	else if (!strcmp(s, "json"))
		*ret = OUTPUT_JSON;
	else if (!strcmp(s, "dot"))
		*ret = OUTPUT_DOT;
	else
		return -EINVAL;
	return 0;
}

void output_graph(FILE *out, enum output_format f, const struct report *r, const struct graph *g)
{
	switch (f) {
	case OUTPUT_JSON:
		output_graph_json(out, r, g);
		break;
	case OUTPUT_DOT:
		output_graph_dot(out, r, g);
		break;
	default:
		output_graph_text(out, r, g);
	}
}

static void print_peer(FILE *out, const struct graph *g, size_t node, uint32_t from_netns)
{
	const struct graph_node *n = &g->nodes[node];
	char label[REPORT_NAME_LEN + 32];

	graph_node_label(n, label, sizeof(label));
	fputs(ESCAPED(label), out);
	if (n->kind == GRAPH_NODE_PROCESS)
		fprintf(out, " [%s]", n->container ? ESCAPED(n->container->name) : "host");
	if (graph_node_is_local(n) && n->netns && n->netns != from_netns)
		fprintf(out, " in netns %u", n->netns);
}

static void part(FILE *out, bool *first, const char *what, unsigned long long v)
{
	if (!v)
		return;
	fprintf(out, "%s%llu %s", *first ? " " : ", ", v, what);
	*first = false;
}

/* " :5432 established: 1 open, 14 closed, 1 refused, 1200 B out, 30000 B in" */
static void print_edge_detail(FILE *out, const struct graph_edge *e)
{
	bool first = true;

	fprintf(out, " :%u", e->port);
	if (e->nat && e->dialled_port != e->port)
		fprintf(out, " (dialled :%u, NAT)", e->dialled_port);
	else if (e->nat)
		fputs(" (NAT)", out);
	fprintf(out, " %s:", report_state_name(e->state));
	part(out, &first, "open", e->open);
	part(out, &first, "closed", e->w.closed);
	part(out, &first, "refused", e->w.refused);
	part(out, &first, "timed out", e->w.timed_out);
	part(out, &first, "failed", e->w.failed);
	part(out, &first, "B out", e->w.bytes_sent);
	part(out, &first, "B in", e->w.bytes_received);
	part(out, &first, "not itemised", e->w.not_itemised);
	fputc('\n', out);
}

static void print_node(FILE *out, const struct graph *g, size_t k)
{
	const struct graph_node *n = &g->nodes[k];
	char label[REPORT_NAME_LEN + 32];

	graph_node_label(n, label, sizeof(label));
	fprintf(out, "  %s", ESCAPED(label));
	if (n->kind == GRAPH_NODE_PROCESS)
		fprintf(out, " [%s]", n->container ? ESCAPED(n->container->name) : "host");
	fprintf(out, "%s\n", n->listening ? " listening" : "");
	for (size_t e = 0; e < g->n_edges; e++) {
		if (g->edges[e].from != k)
			continue;
		fputs("    -> ", out);
		print_peer(out, g, g->edges[e].to, n->netns);
		print_edge_detail(out, &g->edges[e]);
	}
	for (size_t e = 0; e < g->n_edges; e++) {
		if (g->edges[e].to != k)
			continue;
		fputs("    <- ", out);
		print_peer(out, g, g->edges[e].from, n->netns);
		print_edge_detail(out, &g->edges[e]);
	}
}

void output_graph_text(FILE *out, const struct report *r, const struct graph *g)
{
	bool across = false;

	(void)r;
	if (g->n_nodes == 0)
		fputs("no TCP connections\n", out);
	else
		fprintf(out, "by %s, counts of the last %llu s\n", graph_view_name(g->view),
			(unsigned long long)(g->since_ns / 1000000000ull));
	for (size_t i = 0; i < g->n_namespaces; i++) {
		const struct graph_namespace *ns = &g->namespaces[i];

		fprintf(out, "netns %u%s", ns->inode, ns->is_host ? " (host)" : "");
		for (size_t j = 0; j < ns->n_containers; j++)
			fprintf(out, "%s%s", j ? ", " : ": ", ESCAPED(ns->containers[j]->name));
		fputc('\n', out);
		for (size_t k = 0; k < g->n_nodes; k++)
			if (graph_node_is_local(&g->nodes[k]) && g->nodes[k].netns == ns->inode)
				print_node(out, g, k);
	}
	/* groups over several namespaces (images) */
	for (size_t k = 0; k < g->n_nodes; k++) {
		if (!graph_node_is_local(&g->nodes[k]) || g->nodes[k].netns)
			continue;
		if (!across)
			fputs("across namespaces\n", out);
		across = true;
		print_node(out, g, k);
	}
}
