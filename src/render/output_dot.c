/* SPDX-License-Identifier: Apache-2.0 */
/* Graphviz DOT: one cluster per network namespace labelled with its containers, process nodes
 * "name (pid)", pseudo nodes outside every cluster, edges labelled with the server port. */
#include <string.h>

#include "common/escape.h"
#include "render/output.h"

/* A DOT double-quoted string of text ctopo composed from escaped names: quotes and backslashes
 * escaped (so a name's \x1b shows as such), and its own newlines made DOT's line breaks. */
static void dot_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			fputs("\\n", out); /* DOT's line break inside a label */
		else if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c >= 0x20 && c != 0x7f)
			fputc(c, out);
	}
	fputc('"', out);
}

static void dot_node(FILE *out, const struct graph_node *n, const char *indent)
{
	char label[2 * ESCAPE_MAX], text[REPORT_NAME_LEN + 32];

	graph_node_label(n, text, sizeof(text));
	fputs(indent, out);
	dot_string(out, n->id);
	if (n->kind == GRAPH_NODE_GROUP) {
		fputs(" [label=", out);
		dot_string(out, ESCAPED(text));
		fputs(n->name[0] && strcmp(n->name, "host") ? ", style=\"rounded,filled\", fillcolor=\"#dbe9f6\"];\n"
							    : "];\n",
		      out);
	} else if (n->kind == GRAPH_NODE_PROCESS) {
		snprintf(label, sizeof(label), "%s\n%s", ESCAPED(text),
			 n->container ? ESCAPED(n->container->name) : "host");
		fputs(" [label=", out);
		dot_string(out, label);
		fputs(n->container ? ", style=\"rounded,filled\", fillcolor=\"#dbe9f6\"];\n" : "];\n", out);
	} else {
		fputs(" [label=", out);
		dot_string(out, ESCAPED(text));
		fputs(n->kind == GRAPH_NODE_UNKNOWN_LOCAL ? ", shape=ellipse, style=dashed];\n"
							  : ", shape=ellipse, style=filled, fillcolor=\"#eeeeee\"];\n",
		      out);
	}
}

/* Width follows volume (bytes, else connections) on a log scale: 1 for nothing, +0.5 a digit, at
 * most 6. */
static double pen_width(uint64_t volume)
{
	double w = 1.0;

	for (; volume >= 10 && w < 6.0; volume /= 10)
		w += 0.5;
	return w;
}

void output_graph_dot(FILE *out, const struct report *r, const struct graph *g)
{
	(void)r;
	fputs("digraph ctopo {\n"
	      "  rankdir=LR;\n"
	      "  graph [fontname=\"Helvetica\"];\n"
	      "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
	      "  edge [fontname=\"Helvetica\", fontsize=10];\n",
	      out);
	for (size_t i = 0; i < g->n_namespaces; i++) {
		const struct graph_namespace *ns = &g->namespaces[i];
		char label[4 * ESCAPE_MAX];
		int len;

		len = snprintf(label, sizeof(label), "netns %u%s", ns->inode, ns->is_host ? " (host)" : "");
		for (size_t j = 0; j < ns->n_containers && len > 0 && (size_t)len < sizeof(label); j++)
			len += snprintf(label + len, sizeof(label) - len, "%s%s", j ? ", " : "\n",
					ESCAPED(ns->containers[j]->name));
		fprintf(out, "  subgraph \"cluster_%u\" {\n    label=", ns->inode);
		dot_string(out, label);
		fputs(";\n    style=rounded;\n", out);
		for (size_t k = 0; k < g->n_nodes; k++)
			if (graph_node_is_local(&g->nodes[k]) && g->nodes[k].netns == ns->inode)
				dot_node(out, &g->nodes[k], "    ");
		fputs("  }\n", out);
	}
	for (size_t k = 0; k < g->n_nodes; k++)
		if (!graph_node_is_local(&g->nodes[k]) || !g->nodes[k].netns)
			dot_node(out, &g->nodes[k], "  ");
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct graph_edge *e = &g->edges[i];
		uint64_t failures = e->w.refused + e->w.timed_out + e->w.failed;
		char label[128];
		int len = snprintf(label, sizeof(label), ":%u", e->port);

		if (e->nat && e->dialled_port != e->port)
			len += snprintf(label + len, sizeof(label) - len, " (NAT :%u)", e->dialled_port);
		if (e->count > 1)
			len += snprintf(label + len, sizeof(label) - len, " x%llu", (unsigned long long)e->count);
		if (failures)
			snprintf(label + len, sizeof(label) - len, " (%llu failed)", (unsigned long long)failures);
		fputs("  ", out);
		dot_string(out, g->nodes[e->from].id);
		fputs(" -> ", out);
		dot_string(out, g->nodes[e->to].id);
		fputs(" [label=", out);
		dot_string(out, label);
		fprintf(out, ", penwidth=%.1f", pen_width(e->bytes ? e->bytes : e->count));
		fputs(e->open ? "];\n" : ", style=dashed];\n", out); /* dashed: nothing open now */
	}
	fputs("}\n", out);
}
