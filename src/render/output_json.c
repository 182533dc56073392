/* SPDX-License-Identifier: Apache-2.0 */
/* The graph as JSON; the schema is docs/report-schema.md (bump GRAPH_JSON_VERSION on change). */
#include <string.h>

#include "common/jsonw.h"
#include "render/output.h"

static const char *node_kind_name(unsigned kind)
{
	switch (kind) {
	case GRAPH_NODE_PROCESS:
		return "process";
	case GRAPH_NODE_GROUP:
		return "group";
	default:
		return "pseudo";
	}
}

static const char *pseudo_name(unsigned kind)
{
	switch (kind) {
	case GRAPH_NODE_INTERNET_IN:
		return "internet-inbound";
	case GRAPH_NODE_INTERNET_OUT:
		return "internet-outbound";
	case GRAPH_NODE_UNKNOWN_LOCAL:
		return "unknown-local";
	default:
		return NULL;
	}
}

static void write_container_ref(struct jsonw *w, const struct report_container *c)
{
	if (!c) {
		jsonw_null(w);
		return;
	}
	jsonw_object_begin(w);
	jsonw_kv_string(w, "id", c->id);
	jsonw_kv_string(w, "name", c->name);
	jsonw_kv_string(w, "image", c->image);
	jsonw_kv_string(w, "engine", c->engine[0] ? c->engine : NULL); /* as ps and containers --json */
	jsonw_object_end(w);
}

void output_graph_json(FILE *out, const struct report *r, const struct graph *g)
{
	struct jsonw w;

	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_kv_u64(&w, "version", GRAPH_JSON_VERSION);
	jsonw_key(&w, "generated_at");
	jsonw_double(&w, r->generated_at, 3);
	jsonw_kv_string(&w, "view", graph_view_name(g->view));
	jsonw_kv_u64(&w, "since_s", g->since_ns / 1000000000ull);
	jsonw_key(&w, "history_s");
	jsonw_double(&w, r->history_s, 0);

	jsonw_key(&w, "namespaces");
	jsonw_array_begin(&w);
	for (size_t i = 0; i < g->n_namespaces; i++) {
		const struct graph_namespace *ns = &g->namespaces[i];

		jsonw_object_begin(&w);
		jsonw_kv_u64(&w, "inode", ns->inode);
		jsonw_kv_bool(&w, "host", ns->is_host);
		jsonw_key(&w, "containers");
		jsonw_array_begin(&w);
		for (size_t j = 0; j < ns->n_containers; j++)
			write_container_ref(&w, ns->containers[j]);
		jsonw_array_end(&w);
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);

	jsonw_key(&w, "nodes");
	jsonw_array_begin(&w);
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];
		char label[REPORT_NAME_LEN + 32];

		graph_node_label(n, label, sizeof(label));
		jsonw_object_begin(&w);
		jsonw_kv_string(&w, "id", n->id);
		jsonw_kv_string(&w, "kind", node_kind_name(n->kind));
		jsonw_kv_string(&w, "label", label);
		if (n->kind == GRAPH_NODE_PROCESS) {
			jsonw_kv_u64(&w, "pid", n->pid);
			jsonw_key(&w, "name");
			jsonw_string_n(&w, n->name, sizeof(n->name));
			jsonw_kv_u64(&w, "netns", n->netns);
			jsonw_kv_u64(&w, "mntns", n->mntns);
			jsonw_kv_bool(&w, "listening", n->listening);
			jsonw_key(&w, "container");
			write_container_ref(&w, n->container);
		} else if (n->kind == GRAPH_NODE_GROUP) {
			/* what the group is: its id's prefix (a service view has containers too) */
			jsonw_key(&w, "group");
			jsonw_string_n(&w, n->id, strcspn(n->id, ":"));
			jsonw_kv_string(&w, "name", n->name);
			jsonw_kv_u64(&w, "netns", n->netns);
			jsonw_kv_bool(&w, "listening", n->listening);
			jsonw_key(&w, "container");
			write_container_ref(&w, n->container);
		} else {
			jsonw_kv_string(&w, "pseudo", pseudo_name(n->kind));
			if (n->kind == GRAPH_NODE_UNKNOWN_LOCAL)
				jsonw_kv_string(&w, "address", n->address);
		}
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);

	jsonw_key(&w, "edges");
	jsonw_array_begin(&w);
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct graph_edge *e = &g->edges[i];

		jsonw_object_begin(&w);
		jsonw_kv_string(&w, "from", g->nodes[e->from].id);
		jsonw_kv_string(&w, "to", g->nodes[e->to].id);
		jsonw_kv_u64(&w, "port", e->port);
		jsonw_kv_u64(&w, "dialled_port", e->dialled_port);
		jsonw_kv_bool(&w, "nat", e->nat);
		jsonw_kv_string(&w, "protocol", "tcp");
		jsonw_kv_string(&w, "state", report_state_name(e->state));
		jsonw_kv_u64(&w, "count", e->count);
		jsonw_kv_u64(&w, "closed", e->closed);
		jsonw_kv_u64(&w, "bytes", e->bytes);
		jsonw_kv_u64(&w, "open", e->open);
		jsonw_key(&w, "window");
		jsonw_object_begin(&w);
		jsonw_kv_u64(&w, "opened", e->w.opened);
		jsonw_kv_u64(&w, "closed", e->w.closed);
		jsonw_kv_u64(&w, "refused", e->w.refused);
		jsonw_kv_u64(&w, "timed_out", e->w.timed_out);
		jsonw_kv_u64(&w, "failed", e->w.failed);
		jsonw_kv_u64(&w, "bytes_sent", e->w.bytes_sent);
		jsonw_kv_u64(&w, "bytes_received", e->w.bytes_received);
		jsonw_key(&w, "duration_sum_ms");
		jsonw_double(&w, e->w.duration_sum_ns / 1e6, 3);
		jsonw_key(&w, "duration_max_ms");
		jsonw_double(&w, e->w.duration_max_ns / 1e6, 3);
		jsonw_kv_u64(&w, "not_itemised", e->w.not_itemised);
		jsonw_key(&w, "first_seen");
		jsonw_double(&w, e->first_seen, 3);
		jsonw_key(&w, "last_seen");
		jsonw_double(&w, e->last_seen, 3);
		jsonw_object_end(&w);
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	fputc('\n', out);
}
