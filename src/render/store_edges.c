/* SPDX-License-Identifier: Apache-2.0 */
/* The edge store's edges in the graph: what each edge did in the window, drawn from its process to
 * the listener it reached (or the process serving that port, or a pseudo node), and for each
 * server (namespace, port) the remote clients its own counts show beyond the client edges we saw. */
#include <string.h>

#include "common/addr.h"
#include "common/hash.h"
#include "edges/edges.h"
#include "render/render.h"
#include "render/render_internal.h"

/* ---- an edge of the store in the graph ------------------------------------------------------ */

/* The process behind an edge of the store (the last process that used it). */
static ssize_t edge_process_node(struct builder *b, const struct report_edge *re)
{
	const struct edge_record *e = &re->rec;
	struct proc_ident p = { .netns = e->key.netns,
				.pid = e->last_pid,
				.mntns = e->key.mntns,
				.cgroup_id = e->key.cgroup_id,
				.comm = e->key.comm,
				.container_id = re->container_id,
				.when = e->first_ns / 1e9 };

	return builder_view_node(b, &p);
}

/* What an edge of the store did in the window. */
static int add_window_edge(struct builder *b, size_t from, size_t to, const struct report_endpoint *server,
			   const struct report_endpoint *dialled, bool nat, const struct edge_counters *w,
			   uint64_t first_ns, uint64_t last_ns)
{
	struct graph_edge *e = builder_new_edge(b, from, to, server->port, dialled ? dialled->port : server->port);
	uint64_t failures = w->refused + w->timed_out + w->failed;

	if (!e)
		return -ENOMEM;
	e->nat = nat;
	e->w = *w;
	e->count = w->closed + failures;
	e->closed = e->count;
	e->bytes = w->bytes_sent + w->bytes_received;
	e->state = w->opened || w->closed ? REPORT_STATE_CLOSED : REPORT_STATE_FAILED;
	e->first_seen = first_ns / 1e9;
	e->last_seen = last_ns / 1e9;
	if (dialled) {
		e->dialled = *dialled;
		e->server = *server;
	}
	return 0;
}

/* ---- server groups ------------------------------------------------------------------------ */

/* The servers of one (namespace, port) as the store's server edges saw them, and what the client
 * edges that found them there account for: the rest came from clients we did not see connect. */
struct server_group {
	uint32_t netns;
	uint16_t port;
	size_t best; /* the server edge that opened most in the window */
	uint64_t best_opened;
	struct edge_counters server, clients; /* window sums */
	uint64_t first_ns, last_ns;
};

static uint64_t hash_server(uint32_t netns, uint16_t port)
{
	const struct {
		uint32_t netns;
		uint16_t port, pad;
	} k = { netns, port, 0 };

	return hash_bytes(hash_seed(), &k, sizeof(k));
}

static struct server_group *group_find(struct server_group *v, const struct index *ix, uint32_t netns, uint16_t port)
{
	size_t pos;

	INDEX_FOREACH (ix, hash_server(netns, port), pos)
		if (v[pos].netns == netns && v[pos].port == port)
			return &v[pos];
	return NULL;
}

/* The namespace an address belongs to (loopback: the dialler's own), or 0. */
static uint32_t netns_owning(const struct report *r, const struct report_endpoint *want, uint32_t from_netns)
{
	if (addr_is_loopback(want->family, want->addr))
		return from_netns;
	for (size_t i = 0; i < r->n_netns; i++)
		for (size_t j = 0; j < r->netns[i].n_prefixes; j++)
			if (r->netns[i].prefixes[j].family == want->family &&
			    !memcmp(r->netns[i].prefixes[j].addr, want->addr, 16))
				return r->netns[i].inode;
	return 0;
}

static uint64_t minus_or_zero(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* The remote clients of a server group: its counts beyond what local client edges explain. */
static int add_remote_clients(struct builder *b, const struct server_group *sg)
{
	struct graph_node pseudo = { .kind = GRAPH_NODE_INTERNET_IN, .id = "internet:inbound" };
	const struct edge_counters *s = &sg->server, *c = &sg->clients;
	struct edge_counters rest = {
		.opened = minus_or_zero(s->opened, c->opened),
		.closed = minus_or_zero(s->closed, c->closed),
		/* the server's received is what its clients sent */
		.bytes_sent = minus_or_zero(s->bytes_received, c->bytes_sent),
		.bytes_received = minus_or_zero(s->bytes_sent, c->bytes_received),
		.duration_sum_ns = minus_or_zero(s->duration_sum_ns, c->duration_sum_ns),
		.duration_max_ns = s->duration_max_ns,
		.not_itemised = minus_or_zero(s->not_itemised, c->not_itemised),
	};
	ssize_t from, to;

	if (!rest.opened && !rest.closed)
		return 0;
	from = builder_node_get(b, &pseudo);
	to = edge_process_node(b, &b->r->edges[sg->best]);
	if (from < 0 || to < 0)
		return -ENOMEM;
	return add_window_edge(b, from, to, &(struct report_endpoint){ .port = sg->port }, NULL, false, &rest,
			       sg->first_ns, sg->last_ns);
}

int render_add_store_edges(struct builder *b, const struct index *listeners, uint64_t since_ns)
{
	const struct report *r = b->r;
	uint64_t now = (uint64_t)(r->generated_at * 1e9);
	size_t n = r->n_edges, n_groups = 0;
	struct edge_counters *w = calloc(n ? n : 1, sizeof(*w));
	uint64_t *first = calloc(n ? n : 1, sizeof(*first)), *last = calloc(n ? n : 1, sizeof(*last));
	bool *active = calloc(n ? n : 1, sizeof(*active));
	struct server_group *groups = calloc(n ? n : 1, sizeof(*groups));
	struct index gix = { 0 };
	int err = -ENOMEM;

	if (!w || !first || !last || !active || !groups || index_init(&gix, n) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct edge_record *e = &r->edges[i].rec;
		struct server_group *sg;

		active[i] = edge_window_sum(e->buckets, e->n_buckets, since_ns, now, &w[i], &first[i], &last[i]);
		if (!active[i] || e->key.role != CTOPO_EDGE_SERVER)
			continue;
		sg = group_find(groups, &gix, e->key.netns, e->key.port);
		if (!sg) {
			sg = &groups[n_groups];
			*sg = (struct server_group){ .netns = e->key.netns, .port = e->key.port, .best = i };
			index_add(&gix, hash_server(sg->netns, sg->port), n_groups++);
		}
		edge_counters_add(&sg->server, &w[i]);
		if (w[i].opened > sg->best_opened) {
			sg->best = i;
			sg->best_opened = w[i].opened;
		}
		if (first[i] && (!sg->first_ns || first[i] < sg->first_ns))
			sg->first_ns = first[i];
		if (last[i] > sg->last_ns)
			sg->last_ns = last[i];
	}
	for (size_t i = 0; i < n; i++) {
		const struct edge_record *e = &r->edges[i].rec;
		struct report_endpoint want = { .family = e->key.family, .port = e->key.port }, dialled;
		const struct report_conn *l;
		struct server_group *sg;
		ssize_t from, to;
		uint32_t owner;

		if (!active[i] || e->key.role != CTOPO_EDGE_CLIENT)
			continue;
		memcpy(want.addr, e->key.addr, 16);
		dialled = want;
		if (e->nat.nat) {
			want.family = e->nat.family;
			want.port = e->nat.port;
			memcpy(want.addr, e->nat.addr, 16);
		}
		l = render_find_listener(r, listeners, &want, e->key.netns);
		owner = l ? l->netns : netns_owning(r, &want, e->key.netns);
		sg = owner ? group_find(groups, &gix, owner, want.port) : NULL;
		from = edge_process_node(b, &r->edges[i]);
		if (l)
			to = builder_process_node(b, l);
		else if (sg)
			to = edge_process_node(b, &r->edges[sg->best]);
		else
			to = builder_pseudo_node(b, false, &want);
		if (from < 0 || to < 0)
			goto out;
		if (sg)
			edge_counters_add(&sg->clients, &w[i]);
		if (add_window_edge(b, from, to, &want, &dialled, e->nat.nat, &w[i], first[i], last[i]) < 0)
			goto out;
	}
	for (size_t i = 0; i < n_groups; i++)
		if (add_remote_clients(b, &groups[i]) < 0)
			goto out;
	err = 0;
out:
	index_free(&gix);
	free(w);
	free(first);
	free(last);
	free(active);
	free(groups);
	return err;
}
