/* SPDX-License-Identifier: Apache-2.0 */
#include "render/output_ps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/escape.h"
#include "common/jsonw.h"
#include "render/render.h"

#define SHORT_ID_LEN 12

/* Everything ps needs, computed once: per connection its container, per container whether shown. */
struct ps_view {
	const struct report *r;
	struct conn_match *match;
	const struct report_container **owner; /* per conn: NULL = host */
	const struct report_container **order; /* containers sorted by name */
	bool *shown;                           /* per entry of order */
	bool host_shown;
	size_t *sorted;       /* conn indices, by owner then process then tuple */
	struct graph *closed; /* the window's closed connections, one edge per
						* (process, server, port), from the edge store */
};

static int by_name(const void *pa, const void *pb)
{
	const struct report_container *a = *(const struct report_container *const *)pa;
	const struct report_container *b = *(const struct report_container *const *)pb;
	int c = strcmp(a->name, b->name);

	return c ? c : strcmp(a->id, b->id);
}

static void view_free(struct ps_view *v)
{
	free(v->match);
	free(v->owner);
	free(v->order);
	free(v->shown);
	free(v->sorted);
	graph_free(v->closed);
}

static int compare_endpoints(const struct report_endpoint *a, const struct report_endpoint *b)
{
	int c;

	if (a->family != b->family)
		return a->family - b->family;
	c = memcmp(a->addr, b->addr, 16);
	return c ? c : a->port - b->port;
}

/* Rows in a stable order whatever order the tables produced them in. */
static const struct ps_view *sort_view;

static int by_process_then_tuple(const void *pa, const void *pb)
{
	const struct report_conn *a = &sort_view->r->conns[*(const size_t *)pa];
	const struct report_conn *b = &sort_view->r->conns[*(const size_t *)pb];
	int c = strcmp(a->comm, b->comm);

	if (c)
		return c;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	c = compare_endpoints(&a->local, &b->local);
	return c ? c : compare_endpoints(&a->remote, &b->remote);
}

/* The container of an aggregated edge's client (out) or server end; HOST_SIDE for a host process,
 * NULL when that end is not a local process. */
static const struct report_container host_side_marker;
#define HOST_SIDE (&host_side_marker)

static const struct report_container *closed_side(const struct graph *g, const struct graph_edge *e, bool out)
{
	const struct graph_node *n = &g->nodes[out ? e->from : e->to];

	if (n->kind != GRAPH_NODE_PROCESS)
		return NULL;
	return n->container ? n->container : HOST_SIDE;
}

static int view_build(const struct report *r, const struct ps_options *o, struct ps_view *v)
{
	const struct report_container *only = NULL;
	size_t n = r->n_conns, m = r->n_containers;
	int err;

	*v = (struct ps_view){ .r = r };
	if (o->container) {
		only = report_container_by_name(r, o->container);
		if (!only)
			only = report_container_by_id(r, o->container);
		if (!only)
			return -ENOENT;
	}
	err = render_match_connections(r, &v->match);
	if (err < 0)
		return err;
	{
		struct render_filter f = { .view = GRAPH_VIEW_PROCESS, .since_ns = o->since_ns, .edges_only = true };

		err = render_graph(r, &f, &v->closed);
		if (err < 0) {
			view_free(v);
			return err;
		}
	}
	v->owner = calloc(n ? n : 1, sizeof(*v->owner));
	v->order = calloc(m ? m : 1, sizeof(*v->order));
	v->shown = calloc(m ? m : 1, sizeof(*v->shown));
	v->sorted = calloc(n ? n : 1, sizeof(*v->sorted));
	if (!v->owner || !v->order || !v->shown || !v->sorted) {
		view_free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m; i++)
		v->order[i] = &r->containers[i];
	qsort(v->order, m, sizeof(*v->order), by_name);
	for (size_t i = 0; i < n; i++) {
		const struct report_conn *c = &r->conns[i];

		v->owner[i] = render_map_container(r, c->mntns, c->cgroup_id, c->container_id, c->netns, c->first_seen);
		if (c->direction != REPORT_DIR_LISTEN && !v->owner[i] && !only)
			v->host_shown = true;
	}
	for (size_t i = 0; i < v->closed->n_edges && !only; i++)
		if (closed_side(v->closed, &v->closed->edges[i], true) == HOST_SIDE ||
		    closed_side(v->closed, &v->closed->edges[i], false) == HOST_SIDE)
			v->host_shown = true;
	for (size_t i = 0; i < n; i++)
		v->sorted[i] = i;
	sort_view = v;
	qsort(v->sorted, n, sizeof(*v->sorted), by_process_then_tuple);
	for (size_t i = 0; i < m; i++) {
		const struct report_container *c = v->order[i];

		if (only && c != only)
			continue;
		v->shown[i] = o->all || only || c->running;
		for (size_t j = 0; j < n && !v->shown[i]; j++)
			if (v->owner[j] == c && r->conns[j].direction != REPORT_DIR_LISTEN)
				v->shown[i] = true; /* a stopped container's last connections still show */
		for (size_t j = 0; j < v->closed->n_edges && !v->shown[i]; j++)
			if (closed_side(v->closed, &v->closed->edges[j], true) == c ||
			    closed_side(v->closed, &v->closed->edges[j], false) == c)
				v->shown[i] = true;
	}
	return 0;
}

static void short_id(const char *id, bool no_trunc, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", no_trunc ? (int)strlen(id) : SHORT_ID_LEN, id);
}

/* Other containers in the same network namespace, comma separated. */
static void sharing(const struct ps_view *v, const struct report_container *c, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < v->r->n_containers && used < len; i++) {
		const struct report_container *o = v->order[i];

		if (o == c || !report_container_runs_in_netns(c, c->netns) ||
		    !report_container_runs_in_netns(o, c->netns))
			continue;
		used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "", ESCAPED(o->name));
	}
}

static void format_process(const struct report_conn *c, char *buf, size_t len)
{
	if (c->pid)
		snprintf(buf, len, "%s (%u)", ESCAPED_ARRAY(c->comm), c->pid);
	else
		snprintf(buf, len, "?");
}

static void format_peer(const struct ps_view *v, size_t i, char *buf, size_t len)
{
	const struct conn_match *m = &v->match[i];
	char process[4 * REPORT_COMM_LEN + 16];

	switch (m->kind) {
	case MATCH_PEER:
	case MATCH_LISTENER:
		format_process(&v->r->conns[m->peer], process, sizeof(process));
		snprintf(buf, len, "%s: %s", v->owner[m->peer] ? ESCAPED(v->owner[m->peer]->name) : "host", process);
		break;
	case MATCH_INTERNET:
		snprintf(buf, len, "The Internet");
		break;
	default:
		snprintf(buf, len, "unknown local host");
	}
}

static void format_remote(const struct report_conn *c, char *buf, size_t len)
{
	char remote[ENDPOINT_STRLEN], real[ENDPOINT_STRLEN];

	endpoint_format(c->remote.family, c->remote.addr, c->remote.port, remote, sizeof(remote));
	if (!c->nat) {
		snprintf(buf, len, "%s", remote);
		return;
	}
	endpoint_format(c->peer_local.family, c->peer_local.addr, c->peer_local.port, real, sizeof(real));
	snprintf(buf, len, "%s -> %s", remote, real);
}

static void format_age(double seconds, char *buf, size_t len)
{
	if (seconds < 1)
		snprintf(buf, len, "<1s");
	else if (seconds < 120)
		snprintf(buf, len, "%.0fs", seconds);
	else if (seconds < 7200)
		snprintf(buf, len, "%.0fm", seconds / 60);
	else if (seconds < 172800)
		snprintf(buf, len, "%.0fh", seconds / 3600);
	else
		snprintf(buf, len, "%.0fd", seconds / 86400);
}

static void format_bytes(const struct report_conn *c, char *buf, size_t len)
{
	if (c->state == REPORT_STATE_ESTABLISHED)
		snprintf(buf, len, "-"); /* counted when it closes */
	else
		snprintf(buf, len, "%llu/%llu", (unsigned long long)c->bytes_sent,
			 (unsigned long long)c->bytes_received);
}

static const char *direction_short(const struct conn_match *m, const struct report_conn *c)
{
	if (c->direction == REPORT_DIR_OUTBOUND || c->direction == REPORT_DIR_INBOUND)
		return c->direction == REPORT_DIR_OUTBOUND ? "out" : "in";
	return m->is_client ? "out" : "in";
}

enum { COL_PROCESS, COL_DIR, COL_LOCAL, COL_REMOTE, COL_PEER, COL_STATE, COL_AGE, COL_BYTES, N_COLS };
static const char *const col_names[N_COLS] = { "PROCESS", "DIR",   "LOCAL", "REMOTE",
					       "PEER",    "STATE", "AGE",   "BYTES(out/in)" };

struct row {
	char col[N_COLS][512]; /* names in it are escaped: as wide as a terminal shows them */
};

/* One line of aligned cells; the last one is not padded. */
static void print_cells(FILE *out, const char *const *cells, const size_t *width)
{
	fputs("  ", out);
	for (int k = 0; k < N_COLS - 1; k++) {
		text_print_padded(out, cells[k], width[k]);
		fputs("  ", out);
	}
	fprintf(out, "%s\n", cells[N_COLS - 1]);
}

static void make_row(const struct ps_view *v, size_t i, struct row *row)
{
	const struct report_conn *c = &v->r->conns[i];

	format_process(c, row->col[COL_PROCESS], sizeof(row->col[0]));
	snprintf(row->col[COL_DIR], sizeof(row->col[0]), "%s", direction_short(&v->match[i], c));
	endpoint_format(c->local.family, c->local.addr, c->local.port, row->col[COL_LOCAL], sizeof(row->col[0]));
	format_remote(c, row->col[COL_REMOTE], sizeof(row->col[0]));
	format_peer(v, i, row->col[COL_PEER], sizeof(row->col[0]));
	snprintf(row->col[COL_STATE], sizeof(row->col[0]), "%s", report_state_name(c->state));
	format_age(v->r->generated_at - c->first_seen, row->col[COL_AGE], sizeof(row->col[0]));
	format_bytes(c, row->col[COL_BYTES], sizeof(row->col[0]));
}

/* The other end of an aggregated edge, as the PEER column says it. */
static void format_closed_peer(const struct graph_node *n, char *buf, size_t len)
{
	char label[REPORT_NAME_LEN + 32];

	graph_node_label(n, label, sizeof(label));
	if (n->kind == GRAPH_NODE_PROCESS)
		snprintf(buf, len, "%s: %s", n->container ? ESCAPED(n->container->name) : "host", ESCAPED(label));
	else
		snprintf(buf, len, "%s",
			 n->kind == GRAPH_NODE_INTERNET_IN || n->kind == GRAPH_NODE_INTERNET_OUT ? "The Internet"
												 : label);
}

/* "closed x50, 3 refused", "refused x3" */
static void format_closed_state(const struct graph_edge *e, char *buf, size_t len)
{
	const struct edge_counters *w = &e->w;
	int used = 0;

	if (w->closed)
		used = snprintf(buf, len, "closed x%llu", (unsigned long long)w->closed);
	else if (w->opened)
		used = snprintf(buf, len, "opened x%llu", (unsigned long long)w->opened);
	buf[used] = '\0';
	if (w->refused)
		used += snprintf(buf + used, len - used, "%srefused x%llu", used ? ", " : "",
				 (unsigned long long)w->refused);
	if (w->timed_out && (size_t)used < len)
		used += snprintf(buf + used, len - used, "%stimed out x%llu", used ? ", " : "",
				 (unsigned long long)w->timed_out);
	if (w->failed && (size_t)used < len)
		used += snprintf(buf + used, len - used, "%sfailed x%llu", used ? ", " : "",
				 (unsigned long long)w->failed);
	if (w->not_itemised && (size_t)used < len)
		snprintf(buf + used, len - used, " (%llu not itemised)", (unsigned long long)w->not_itemised);
}

/* One aggregated row: the edge from its client's side (out) or its server's (in). */
static void make_closed_row(const struct ps_view *v, const struct graph_edge *e, bool out_side, struct row *row)
{
	const struct graph *g = v->closed;
	const struct graph_node *self = &g->nodes[out_side ? e->from : e->to];
	const struct graph_node *other = &g->nodes[out_side ? e->to : e->from];
	const size_t len = sizeof(row->col[0]);
	char label[REPORT_NAME_LEN + 32];

	graph_node_label(self, label, sizeof(label));
	escape_strn(row->col[COL_PROCESS], len, label, sizeof(label));
	snprintf(row->col[COL_DIR], len, "%s", out_side ? "out" : "in");
	if (out_side) {
		snprintf(row->col[COL_LOCAL], len, "-");
		if (e->dialled.family)
			endpoint_format(e->dialled.family, e->dialled.addr, e->dialled.port, row->col[COL_REMOTE], len);
		else
			snprintf(row->col[COL_REMOTE], len, ":%u", e->dialled_port);
	} else {
		snprintf(row->col[COL_LOCAL], len, ":%u", e->port);
		snprintf(row->col[COL_REMOTE], len, "-");
	}
	format_closed_peer(other, row->col[COL_PEER], len);
	format_closed_state(e, row->col[COL_STATE], len);
	format_age(v->r->generated_at - e->last_seen, row->col[COL_AGE], len);
	snprintf(row->col[COL_BYTES], len, "%llu/%llu",
		 (unsigned long long)(out_side ? e->w.bytes_sent : e->w.bytes_received),
		 (unsigned long long)(out_side ? e->w.bytes_received : e->w.bytes_sent));
}

/* Calls fn for each aggregated row of owner c (NULL: host), out sides first. */
static void
for_each_closed_row(const struct ps_view *v, const struct report_container *c,
		    void (*fn)(const struct ps_view *v, const struct graph_edge *e, bool out_side, void *ud), void *ud)
{
	const struct report_container *want = c ? c : HOST_SIDE;

	for (int out_side = 1; out_side >= 0; out_side--)
		for (size_t i = 0; i < v->closed->n_edges; i++)
			if (closed_side(v->closed, &v->closed->edges[i], out_side) == want)
				fn(v, &v->closed->edges[i], out_side, ud);
}

struct print_ctx {
	FILE *out;
	const size_t *width;
	size_t *grow; /* widths to grow instead of printing */
	bool any;
};

static void print_closed_row(const struct ps_view *v, const struct graph_edge *e, bool out_side, void *ud)
{
	struct print_ctx *p = ud;
	const char *cells[N_COLS];
	struct row row = { 0 }; /* make_closed_row fills every column; cppcheck cannot tell */

	make_closed_row(v, e, out_side, &row);
	for (int k = 0; k < N_COLS; k++) {
		cells[k] = row.col[k];
		if (p->grow && text_columns(cells[k]) > p->grow[k])
			p->grow[k] = text_columns(cells[k]);
	}
	if (p->grow)
		return;
	if (!p->any)
		print_cells(p->out, col_names, p->width);
	p->any = true;
	print_cells(p->out, cells, p->width);
}

/* Connections of one group in a stable order: by process, then local, then remote. */
static bool in_group(const struct ps_view *v, size_t i, const struct report_container *c)
{
	return v->r->conns[i].direction != REPORT_DIR_LISTEN && v->owner[i] == c;
}

static void print_rows(FILE *out, const struct ps_view *v, const struct report_container *c, const size_t *width)
{
	struct print_ctx closed = { .out = out, .width = width };
	struct row row;
	bool any = false;

	for (size_t k = 0; k < v->r->n_conns; k++) {
		size_t i = v->sorted[k];
		const char *cells[N_COLS];

		if (!in_group(v, i, c))
			continue;
		if (!any) {
			print_cells(out, col_names, width);
			any = true;
		}
		make_row(v, i, &row);
		for (int col = 0; col < N_COLS; col++)
			cells[col] = row.col[col];
		print_cells(out, cells, width);
	}
	closed.any = any;
	for_each_closed_row(v, c, print_closed_row, &closed);
	if (!closed.any)
		fputs("  (no TCP connections)\n", out);
}

int output_ps_table(FILE *out, const struct report *r, const struct ps_options *o)
{
	int groups = 0;
	size_t width[N_COLS];
	struct ps_view v;
	struct row row;
	int err = view_build(r, o, &v);

	if (err < 0)
		return err;
	for (int k = 0; k < N_COLS; k++)
		width[k] = strlen(col_names[k]);
	for (size_t i = 0; i < r->n_conns; i++) {
		if (r->conns[i].direction == REPORT_DIR_LISTEN)
			continue;
		make_row(&v, i, &row);
		for (int k = 0; k < N_COLS; k++)
			if (text_columns(row.col[k]) > width[k])
				width[k] = text_columns(row.col[k]);
	}
	{
		struct print_ctx grow = { .grow = width };

		for (size_t i = 0; i < r->n_containers; i++)
			for_each_closed_row(&v, v.order[i], print_closed_row, &grow);
		for_each_closed_row(&v, NULL, print_closed_row, &grow);
	}
	for (size_t i = 0; i < r->n_containers; i++) {
		const struct report_container *c = v.order[i];
		char id[REPORT_ID_LEN], shared[2048];

		if (!v.shown[i])
			continue;
		groups++;
		short_id(c->id, o->no_trunc, id, sizeof(id));
		sharing(&v, c, shared, sizeof(shared));
		fprintf(out, "%s  %s  %s  netns %u%s%s%s\n", ESCAPED(c->name), ESCAPED(id),
			c->image[0] ? ESCAPED(c->image) : "-", c->netns, shared[0] ? " shared with " : "", shared,
			c->running ? "" : "  (stopped)");
		print_rows(out, &v, c, width);
	}
	if (v.host_shown) {
		fprintf(out, "host  (processes in no container)\n");
		print_rows(out, &v, NULL, width);
		groups++;
	}
	view_free(&v);
	return groups;
}

static void json_endpoint(struct jsonw *w, const char *key, const struct report_endpoint *e)
{
	char s[ENDPOINT_STRLEN];

	endpoint_format(e->family, e->addr, e->port, s, sizeof(s));
	jsonw_kv_string(w, key, s);
}

static void json_container_ref(struct jsonw *w, const struct report_container *c)
{
	if (!c) {
		jsonw_null(w);
		return;
	}
	jsonw_object_begin(w);
	jsonw_kv_string(w, "id", c->id);
	jsonw_kv_string(w, "name", c->name);
	jsonw_object_end(w);
}

static void json_process(struct jsonw *w, const struct report_conn *c)
{
	jsonw_object_begin(w);
	jsonw_kv_u64(w, "pid", c->pid);
	jsonw_key(w, "name");
	jsonw_string_n(w, c->comm, sizeof(c->comm));
	jsonw_kv_u64(w, "mntns", c->mntns);
	jsonw_object_end(w);
}

static const char *peer_kind(unsigned kind)
{
	switch (kind) {
	case MATCH_PEER:
	case MATCH_LISTENER:
		return "process";
	case MATCH_INTERNET:
		return "internet";
	default:
		return "unknown-local";
	}
}

static void json_connections(struct jsonw *w, const struct ps_view *v, const struct report_container *owner)
{
	jsonw_key(w, "connections");
	jsonw_array_begin(w);
	for (size_t k = 0; k < v->r->n_conns; k++) {
		size_t i = v->sorted[k];
		const struct report_conn *c = &v->r->conns[i];
		const struct conn_match *m = &v->match[i];

		if (!in_group(v, i, owner))
			continue;
		jsonw_object_begin(w);
		jsonw_key(w, "process");
		json_process(w, c);
		jsonw_kv_u64(w, "netns", c->netns);
		jsonw_kv_string(w, "direction", !strcmp(direction_short(m, c), "out") ? "outbound" : "inbound");
		json_endpoint(w, "local", &c->local);
		json_endpoint(w, "remote", &c->remote);
		jsonw_key(w, "nat");
		if (c->nat) {
			jsonw_object_begin(w);
			json_endpoint(w, "translated_remote", &c->peer_local);
			json_endpoint(w, "translated_local", &c->peer_remote);
			jsonw_object_end(w);
		} else {
			jsonw_null(w);
		}
		jsonw_key(w, "peer");
		jsonw_object_begin(w);
		jsonw_kv_string(w, "kind", peer_kind(m->kind));
		jsonw_key(w, "container");
		json_container_ref(w, m->kind == MATCH_PEER || m->kind == MATCH_LISTENER ? v->owner[m->peer] : NULL);
		jsonw_key(w, "process");
		if (m->kind == MATCH_PEER || m->kind == MATCH_LISTENER)
			json_process(w, &v->r->conns[m->peer]);
		else
			jsonw_null(w);
		jsonw_object_end(w);
		jsonw_kv_string(w, "state", report_state_name(c->state));
		jsonw_key(w, "age_s");
		jsonw_double(w, v->r->generated_at - c->first_seen, 3);
		if (c->state != REPORT_STATE_ESTABLISHED) {
			jsonw_kv_u64(w, "bytes_sent", c->bytes_sent);
			jsonw_kv_u64(w, "bytes_received", c->bytes_received);
			jsonw_key(w, "duration_ms");
			jsonw_double(w, c->duration_ms, 3);
		}
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
}

static void json_node_process(struct jsonw *w, const struct graph_node *n)
{
	jsonw_object_begin(w);
	jsonw_kv_u64(w, "pid", n->pid);
	jsonw_kv_string(w, "name", n->name);
	jsonw_kv_u64(w, "mntns", n->mntns);
	jsonw_object_end(w);
}

static void json_closed_row(const struct ps_view *v, const struct graph_edge *e, bool out_side, void *ud)
{
	struct jsonw *w = ud;
	const struct graph_node *self = &v->closed->nodes[out_side ? e->from : e->to];
	const struct graph_node *other = &v->closed->nodes[out_side ? e->to : e->from];
	char s[ENDPOINT_STRLEN];

	jsonw_object_begin(w);
	jsonw_key(w, "process");
	json_node_process(w, self);
	jsonw_kv_u64(w, "netns", self->netns);
	jsonw_kv_string(w, "direction", out_side ? "outbound" : "inbound");
	jsonw_kv_u64(w, "port", e->port);
	if (out_side && e->dialled.family) {
		endpoint_format(e->dialled.family, e->dialled.addr, e->dialled.port, s, sizeof(s));
		jsonw_kv_string(w, "remote", s);
	}
	jsonw_key(w, "nat");
	if (e->nat && e->server.family) {
		jsonw_object_begin(w);
		json_endpoint(w, "translated_remote", &e->server);
		jsonw_object_end(w);
	} else {
		jsonw_null(w);
	}
	jsonw_key(w, "peer");
	jsonw_object_begin(w);
	jsonw_kv_string(w, "kind",
			other->kind == GRAPH_NODE_PROCESS         ? "process"
			: other->kind == GRAPH_NODE_UNKNOWN_LOCAL ? "unknown-local"
								  : "internet");
	jsonw_key(w, "container");
	json_container_ref(w, other->kind == GRAPH_NODE_PROCESS ? other->container : NULL);
	jsonw_key(w, "process");
	if (other->kind == GRAPH_NODE_PROCESS)
		json_node_process(w, other);
	else
		jsonw_null(w);
	jsonw_object_end(w);
	jsonw_kv_string(w, "state", e->w.opened || e->w.closed ? "closed" : "failed");
	jsonw_kv_u64(w, "count", e->count);
	jsonw_kv_u64(w, "opened", e->w.opened);
	jsonw_kv_u64(w, "closed", e->w.closed);
	jsonw_kv_u64(w, "refused", e->w.refused);
	jsonw_kv_u64(w, "timed_out", e->w.timed_out);
	jsonw_kv_u64(w, "failed", e->w.failed);
	jsonw_kv_u64(w, "bytes_sent", out_side ? e->w.bytes_sent : e->w.bytes_received);
	jsonw_kv_u64(w, "bytes_received", out_side ? e->w.bytes_received : e->w.bytes_sent);
	jsonw_key(w, "duration_max_ms");
	jsonw_double(w, e->w.duration_max_ns / 1e6, 3);
	jsonw_kv_u64(w, "not_itemised", e->w.not_itemised);
	jsonw_key(w, "age_s");
	jsonw_double(w, v->r->generated_at - e->first_seen, 3);
	jsonw_key(w, "last_seen_age_s");
	jsonw_double(w, v->r->generated_at - e->last_seen, 3);
	jsonw_object_end(w);
}

/* The window's closed and failed connections of owner (NULL: host), aggregated. */
static void json_closed(struct jsonw *w, const struct ps_view *v, const struct report_container *owner)
{
	jsonw_key(w, "closed");
	jsonw_array_begin(w);
	for_each_closed_row(v, owner, json_closed_row, w);
	jsonw_array_end(w);
}

int output_ps_json(FILE *out, const struct report *r, const struct ps_options *o)
{
	struct ps_view v;
	struct jsonw w;
	int err = view_build(r, o, &v);

	if (err < 0)
		return err;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_kv_u64(&w, "version", PS_JSON_VERSION);
	jsonw_key(&w, "generated_at");
	jsonw_double(&w, r->generated_at, 3);
	jsonw_kv_u64(&w, "since_s", v.closed->since_ns / 1000000000ull);
	jsonw_key(&w, "containers");
	jsonw_array_begin(&w);
	for (size_t i = 0; i < r->n_containers; i++) {
		const struct report_container *c = v.order[i];

		if (!v.shown[i])
			continue;
		jsonw_object_begin(&w);
		jsonw_kv_string(&w, "id", c->id);
		jsonw_kv_string(&w, "name", c->name);
		jsonw_kv_string(&w, "image", c->image);
		jsonw_kv_bool(&w, "running", c->running);
		jsonw_kv_u64(&w, "pid", c->pid);
		jsonw_kv_u64(&w, "netns", c->netns);
		jsonw_kv_u64(&w, "mntns", c->mntns);
		jsonw_kv_string(&w, "source", c->source);
		jsonw_kv_string(&w, "engine", c->engine[0] ? c->engine : NULL);
		if (c->project[0] || c->service[0]) {
			jsonw_kv_string(&w, "project", c->project);
			jsonw_kv_string(&w, "service", c->service);
		}
		jsonw_key(&w, "shares_netns_with");
		jsonw_array_begin(&w);
		for (size_t j = 0; j < r->n_containers; j++)
			if (v.order[j] != c && report_container_runs_in_netns(c, c->netns) &&
			    report_container_runs_in_netns(v.order[j], c->netns))
				jsonw_string(&w, v.order[j]->name);
		jsonw_array_end(&w);
		json_connections(&w, &v, c);
		json_closed(&w, &v, c);
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);
	jsonw_key(&w, "host");
	jsonw_object_begin(&w);
	json_connections(&w, &v, NULL);
	json_closed(&w, &v, NULL);
	jsonw_object_end(&w);
	jsonw_object_end(&w);
	fputc('\n', out);
	view_free(&v);
	return 0;
}
