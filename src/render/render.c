/* SPDX-License-Identifier: Apache-2.0 */
#include "render/render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "common/hash.h"
#include "common/util.h"

/* ---- a small chained hash index over array positions ------------------------------------ */

struct index {
	size_t *heads; /* bucket -> position + 1 (0: empty) */
	size_t *next;  /* position -> next position + 1 in the same bucket */
	size_t n_buckets;
};

static int index_init(struct index *ix, size_t n_items)
{
	ix->n_buckets = 64;
	while (ix->n_buckets < n_items * 2)
		ix->n_buckets <<= 1;
	ix->heads = calloc(ix->n_buckets, sizeof(size_t));
	ix->next = calloc(n_items ? n_items : 1, sizeof(size_t));
	return ix->heads && ix->next ? 0 : -ENOMEM;
}

static void index_free(struct index *ix)
{
	free(ix->heads);
	free(ix->next);
}

static void index_add(struct index *ix, uint64_t hash, size_t pos)
{
	size_t b = hash & (ix->n_buckets - 1);

	ix->next[pos] = ix->heads[b];
	ix->heads[b] = pos + 1;
}

#define INDEX_FOREACH(ix, hash, pos)                                                             \
	for (size_t _p = (ix)->heads[(hash) & ((ix)->n_buckets - 1)]; _p && ((pos) = _p - 1, 1); \
	     _p = (ix)->next[_p - 1])

static uint64_t hash_endpoint(uint64_t h, const struct report_endpoint *e)
{
	struct {
		uint16_t family, port;
		uint8_t addr[16];
	} k = { .family = e->family, .port = e->port };

	memcpy(k.addr, e->addr, e->family == AF_INET ? 4 : 16);
	return hash_bytes(h, &k, sizeof(k));
}

static uint64_t hash_tuple(const struct report_endpoint *local, const struct report_endpoint *remote)
{
	return hash_endpoint(hash_endpoint(hash_seed(), local), remote);
}

static bool endpoint_equal(const struct report_endpoint *a, const struct report_endpoint *b)
{
	return a->family == b->family && a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

static bool addr_unspecified(const struct report_endpoint *e)
{
	static const uint8_t zero[16];

	return !memcmp(e->addr, zero, 16);
}

/* ---- container mapping ------------------------------------------------------------------ */

/* Containers start within this of the moment the tracker first sees their first connection. */
#define START_SLACK_S 0.2
/* A runtime records a stop a little after the last process died. */
#define STOP_SLACK_S 0.5

/* Of the containers that had mount namespace mntns, the one a process seen at `when` was in. */
static const struct report_container *container_by_mntns(const struct report *r, uint32_t mntns, double when)
{
	const struct report_container *started = NULL, *fallback = NULL;

	for (size_t i = 0; i < r->n_containers; i++) {
		const struct report_container *c = &r->containers[i];

		if (c->mntns != mntns)
			continue;
		/* stopped before the connection was first seen: its inode names a newer namespace, of a
		 * container the registry may not know yet */
		if (when > 0 && !c->running && c->stopped_at > 0 && c->stopped_at + STOP_SLACK_S < when)
			continue;
		/* started after it: the inode was reused by a newer namespace than the connection's */
		if (when > 0 && c->started_at > 0 && c->started_at > when + START_SLACK_S)
			continue;
		if (when > 0 && c->started_at > 0 && c->started_at <= when + START_SLACK_S &&
		    (!started || c->started_at > started->started_at))
			started = c;
		if (!fallback || (c->running && !fallback->running) ||
		    (c->running == fallback->running && c->stopped_at > fallback->stopped_at))
			fallback = c;
	}
	return started ? started : fallback;
}

const struct report_container *render_map_container(const struct report *r, uint32_t mntns, uint64_t cgroup_id,
						    const char *container_id, uint32_t netns, double when)
{
	const struct report_container *only = NULL;
	size_t matches = 0;

	/* found at build time from the cgroup: exact, where a mount namespace inode may have been
	 * reused by a container the registry never knew */
	if (container_id && container_id[0]) {
		const struct report_container *c = report_container_by_id(r, container_id);

		if (c)
			return c;
	}
	if (mntns) {
		const struct report_container *c = container_by_mntns(r, mntns, when);

		if (c)
			return c;
	}
	/* on hybrid cgroup hosts every process shares the root cgroup id: only a unique one names */
	if (cgroup_id) {
		for (size_t i = 0; i < r->n_containers; i++)
			if (r->containers[i].cgroup_id == cgroup_id) {
				only = &r->containers[i];
				matches++;
			}
		if (matches == 1)
			return only;
	}
	/* dockerd's resolver listens inside a container's netns, yet is a host process; and a
	 * container that started after the process was first seen got the inode of a dead namespace
	 * (an edge of the store outlives its namespace) */
	if (netns && netns != r->host_netns && (!mntns || mntns != r->host_mntns)) {
		matches = 0;
		for (size_t i = 0; i < r->n_containers; i++)
			if (r->containers[i].netns == netns && r->containers[i].running &&
			    !(when > 0 && r->containers[i].started_at > when + START_SLACK_S)) {
				only = &r->containers[i];
				matches++;
			}
		if (matches == 1)
			return only;
	}
	return NULL;
}

/* ---- building ---------------------------------------------------------------------------- */

struct builder {
	const struct report *r;
	struct graph *g;
	size_t nodes_cap, edges_cap;
	struct index node_ix; /* by hash of node id */
	size_t node_ix_cap;
	enum graph_view view;
};

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

static uint64_t hash_str(const char *s)
{
	return hash_string(hash_seed(), s);
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
static ssize_t node_get(struct builder *b, const struct graph_node *proto)
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

/* A process as a socket or an edge knows it. */
struct proc_ident {
	uint32_t netns, pid, mntns;
	uint64_t cgroup_id;
	const char *comm;         /* NULL or "": unknown */
	const char *container_id; /* resolved at build time; may be NULL */
	double when;              /* first seen, for a reused mount namespace inode */
	bool listening;
};

/* The node a process is in the builder's view. */
static ssize_t view_node(struct builder *b, const struct proc_ident *p)
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
	i = node_get(b, &n);
	if (i >= 0 && p->listening)
		b->g->nodes[i].listening = true;
	return i;
}

static ssize_t process_node(struct builder *b, const struct report_conn *c)
{
	struct proc_ident p = { .netns = c->netns,
				.pid = c->pid,
				.mntns = c->mntns,
				.cgroup_id = c->cgroup_id,
				.comm = c->pid ? c->comm : NULL,
				.container_id = c->container_id,
				.when = c->first_seen,
				.listening = c->direction == REPORT_DIR_LISTEN };

	return view_node(b, &p);
}

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

	return view_node(b, &p);
}

static ssize_t pseudo_node(struct builder *b, bool inbound, const struct report_endpoint *remote)
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
	return node_get(b, &n);
}

static struct graph_edge *new_edge(struct builder *b, size_t from, size_t to, uint16_t port, uint16_t dialled)
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
	struct graph_edge *e = new_edge(b, from, to, port, dialled);

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

/* What an edge of the store did in the window. */
static int add_window_edge(struct builder *b, size_t from, size_t to, const struct report_endpoint *server,
			   const struct report_endpoint *dialled, bool nat, const struct edge_counters *w,
			   uint64_t first_ns, uint64_t last_ns)
{
	struct graph_edge *e = new_edge(b, from, to, server->port, dialled ? dialled->port : server->port);
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

/* A listener that owns endpoint want, as seen from namespace from_netns. */
static const struct report_conn *find_listener(const struct report *r, const struct index *listeners,
					       const struct report_endpoint *want, uint32_t from_netns)
{
	bool loopback = addr_is_loopback(want->family, want->addr);
	const struct report_conn *wildcard = NULL;
	size_t pos;

	INDEX_FOREACH (listeners, want->port, pos) {
		const struct report_conn *l = &r->conns[pos];
		const struct report_netns *ns;

		if (l->local.port != want->port)
			continue;
		if (loopback && l->netns != from_netns)
			continue; /* loopback never leaves its namespace */
		if (l->local.family == want->family && !memcmp(l->local.addr, want->addr, 16))
			return l;
		if (!addr_unspecified(&l->local) || wildcard)
			continue;
		if (loopback) {
			wildcard = l;
			continue;
		}
		ns = report_netns_find(r, l->netns);
		for (size_t i = 0; ns && i < ns->n_prefixes; i++)
			if (ns->prefixes[i].family == want->family && !memcmp(ns->prefixes[i].addr, want->addr, 16)) {
				wildcard = l;
				break;
			}
	}
	return wildcard;
}

/* The listener of the container that publishes want (a host address and port), or NULL: a client
 * of a published port reached it, even once conntrack forgot the flow's DNAT. (Docker without its
 * userland proxy holds the host port with a listener of its own that never gets a connection.) */
static const struct report_conn *find_published(const struct report *r, const struct index *listeners,
						const struct report_endpoint *want, uint32_t from_netns)
{
	if (addr_is_loopback(want->family, want->addr) ? from_netns != r->host_netns
						       : !report_address_is_local(r, want->family, want->addr))
		return NULL;
	for (size_t i = 0; i < r->n_containers; i++) {
		const struct report_container *c = &r->containers[i];

		for (size_t j = 0; j < c->n_ports; j++) {
			const struct report_port *p = &c->ports[j];
			size_t pos;

			if (p->host.port != want->port ||
			    (!addr_unspecified(&p->host) && !endpoint_equal(&p->host, want)))
				continue;
			INDEX_FOREACH (listeners, p->container_port, pos) {
				const struct report_conn *l = &r->conns[pos];

				if (l->local.port == p->container_port && report_container_runs_in_netns(c, l->netns))
					return l;
			}
		}
	}
	return NULL;
}

/* The peer connection of c (the other end's socket), or NULL. */
static const struct report_conn *find_peer(const struct report *r, const struct index *tuples,
					   const struct report_conn *c, const bool *is_client)
{
	const struct report_endpoint *pl = &c->peer_local, *pr = &c->peer_remote;
	bool loopback = addr_is_loopback(pl->family, pl->addr);
	size_t pos;

	const struct report_conn *found = NULL;

	INDEX_FOREACH (tuples, hash_tuple(pl, pr), pos) {
		const struct report_conn *p = &r->conns[pos];

		if (p == c || is_client[pos] || !endpoint_equal(&p->local, pl) || !endpoint_equal(&p->remote, pr))
			continue;
		if (loopback && p->netns != c->netns)
			continue;
		/* a reused tuple can be in a report twice, closed and open: pair like with like */
		if (p->state == c->state)
			return p;
		if (!found)
			found = p;
	}
	return found;
}

/* ---- edges of the store ------------------------------------------------------------------- */

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

static uint64_t minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* The remote clients of a server group: its counts beyond what local client edges explain. */
static int add_remote_clients(struct builder *b, const struct server_group *sg)
{
	struct graph_node pseudo = { .kind = GRAPH_NODE_INTERNET_IN, .id = "internet:inbound" };
	const struct edge_counters *s = &sg->server, *c = &sg->clients;
	struct edge_counters rest = {
		.opened = minus(s->opened, c->opened),
		.closed = minus(s->closed, c->closed),
		/* the server's received is what its clients sent */
		.bytes_sent = minus(s->bytes_received, c->bytes_sent),
		.bytes_received = minus(s->bytes_sent, c->bytes_received),
		.duration_sum_ns = minus(s->duration_sum_ns, c->duration_sum_ns),
		.duration_max_ns = s->duration_max_ns,
		.not_itemised = minus(s->not_itemised, c->not_itemised),
	};
	ssize_t from, to;

	if (!rest.opened && !rest.closed)
		return 0;
	from = node_get(b, &pseudo);
	to = edge_process_node(b, &b->r->edges[sg->best]);
	if (from < 0 || to < 0)
		return -ENOMEM;
	return add_window_edge(b, from, to, &(struct report_endpoint){ .port = sg->port }, NULL, false, &rest,
			       sg->first_ns, sg->last_ns);
}

static int add_store_edges(struct builder *b, const struct index *listeners, uint64_t since_ns)
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
		l = find_listener(r, listeners, &want, e->key.netns);
		owner = l ? l->netns : netns_owning(r, &want, e->key.netns);
		sg = owner ? group_find(groups, &gix, owner, want.port) : NULL;
		from = edge_process_node(b, &r->edges[i]);
		if (l)
			to = process_node(b, l);
		else if (sg)
			to = edge_process_node(b, &r->edges[sg->best]);
		else
			to = pseudo_node(b, false, &want);
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

static int qsort_containers(const void *pa, const void *pb)
{
	const struct report_container *a = *(const struct report_container *const *)pa;
	const struct report_container *b = *(const struct report_container *const *)pb;
	int r = strcmp(a->name, b->name);

	return r ? r : strcmp(a->id, b->id);
}

/* Sort nodes, renumber edges, sort and merge edges with the same ends and ports. */
static int finish(struct graph *g, uint32_t host_netns)
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

int render_match_connections(const struct report *r, struct conn_match **ret)
{
	struct index tuples = { 0 }, listeners = { 0 };
	struct conn_match *m;
	bool *is_client = NULL;
	size_t n = r->n_conns;
	int err = -ENOMEM;

	m = calloc(n ? n : 1, sizeof(*m));
	is_client = calloc(n ? n : 1, sizeof(bool));
	if (!m || !is_client || index_init(&tuples, n) < 0 || index_init(&listeners, n) < 0)
		goto out;

	for (size_t i = 0; i < n; i++) {
		const struct report_conn *c = &r->conns[i];

		if (c->direction == REPORT_DIR_LISTEN)
			index_add(&listeners, c->local.port, i);
		else
			index_add(&tuples, hash_tuple(&c->local, &c->remote), i);
	}
	/* who is the client: outbound ones; unknown ones unless a listener owns their local port */
	for (size_t i = 0; i < n; i++) {
		const struct report_conn *c = &r->conns[i];

		if (c->direction == REPORT_DIR_OUTBOUND)
			is_client[i] = true;
		else if (c->direction == REPORT_DIR_UNKNOWN)
			is_client[i] = !find_listener(r, &listeners, &c->local, c->netns);
		m[i].is_client = is_client[i];
	}
	for (size_t i = 0; i < n; i++) {
		const struct report_conn *c = &r->conns[i], *peer, *l;

		if (!is_client[i])
			continue;
		peer = find_peer(r, &tuples, c, is_client);
		if (peer) {
			size_t p = peer - r->conns;

			m[i] = (struct conn_match){ .is_client = true, .kind = MATCH_PEER, .peer = p };
			m[p] = (struct conn_match){ .is_client = false, .kind = MATCH_PEER, .peer = i };
			continue;
		}
		l = c->state == REPORT_STATE_FAILED || c->nat ? NULL
							      : find_published(r, &listeners, &c->peer_local, c->netns);
		if (!l && c->state != REPORT_STATE_FAILED)
			l = find_listener(r, &listeners, &c->peer_local, c->netns);
		if (l)
			m[i] = (struct conn_match){ .is_client = true, .kind = MATCH_LISTENER, .peer = l - r->conns };
		else
			m[i].kind = report_address_is_local(r, c->peer_local.family, c->peer_local.addr)
					    ? MATCH_UNKNOWN_LOCAL
					    : MATCH_INTERNET;
	}
	/* servers whose client we do not know */
	for (size_t i = 0; i < n; i++) {
		const struct report_conn *c = &r->conns[i];

		if (is_client[i] || m[i].kind != MATCH_NONE || c->direction == REPORT_DIR_LISTEN)
			continue;
		m[i].kind = report_address_is_local(r, c->remote.family, c->remote.addr) ? MATCH_UNKNOWN_LOCAL
											 : MATCH_INTERNET;
	}
	*ret = TAKE_PTR(m);
	err = 0;
out:
	index_free(&tuples);
	index_free(&listeners);
	free(is_client);
	free(m);
	return err;
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
			    process_node(&b, c) < 0)
				goto out;
			continue;
		}
		if (m[i].is_client) {
			const struct report_conn *p = &r->conns[m[i].peer];

			from = process_node(&b, c);
			if (m[i].kind == MATCH_PEER || m[i].kind == MATCH_LISTENER)
				to = process_node(&b, p);
			else
				to = pseudo_node(&b, false, &c->peer_local);
			if (from < 0 || to < 0)
				goto out;
			if (add_edge(&b, from, to, c, NULL, c->peer_local.port, c->remote.port) < 0)
				goto out;
		} else if (m[i].kind != MATCH_PEER) {
			/* a server whose client we do not know: the edge starts at a pseudo node */
			to = process_node(&b, c);
			from = pseudo_node(&b, true, &c->remote);
			if (to < 0 || from < 0 || add_edge(&b, from, to, NULL, c, c->local.port, c->local.port) < 0)
				goto out;
		} else if (process_node(&b, c) < 0) { /* its edge comes from the client's side */
			goto out;
		}
	}
	if (add_store_edges(&b, &listeners, since) < 0)
		goto out;
	b.g->view = b.view;
	b.g->since_ns = since;

	err = finish(b.g, r->host_netns);
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
