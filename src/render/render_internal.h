/* SPDX-License-Identifier: Apache-2.0 */
/* The graph builder's insides, shared by render.c (the builder: nodes of each view, edges of the
 * report's connections, filters, the namespaces list), sort.c (the graph in a stable order),
 * match.c (which socket, listener or container each connection belongs to) and store_edges.c (the
 * edge store's edges in the window, and the server groups that find their remote clients). Not for
 * use outside src/render. */
#ifndef CTOPO_RENDER_INTERNAL_H
#define CTOPO_RENDER_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include "common/hash.h"
#include "render/render.h"

/* ---- a small chained hash index over array positions ------------------------------------ */

struct index {
	size_t *heads; /* bucket -> position + 1 (0: empty) */
	size_t *next;  /* position -> next position + 1 in the same bucket */
	size_t n_buckets;
};

static inline int index_init(struct index *ix, size_t n_items)
{
	ix->n_buckets = 64;
	while (ix->n_buckets < n_items * 2)
		ix->n_buckets <<= 1;
	ix->heads = calloc(ix->n_buckets, sizeof(size_t));
	ix->next = calloc(n_items ? n_items : 1, sizeof(size_t));
	return ix->heads && ix->next ? 0 : -ENOMEM;
}

static inline void index_free(struct index *ix)
{
	free(ix->heads);
	free(ix->next);
}

static inline void index_add(struct index *ix, uint64_t hash, size_t pos)
{
	size_t b = hash & (ix->n_buckets - 1);

	ix->next[pos] = ix->heads[b];
	ix->heads[b] = pos + 1;
}

#define INDEX_FOREACH(ix, hash, pos)                                                             \
	for (size_t _p = (ix)->heads[(hash) & ((ix)->n_buckets - 1)]; _p && ((pos) = _p - 1, 1); \
	     _p = (ix)->next[_p - 1])

/* The seeded hash of a string, for indexes of node ids. */
static inline uint64_t hash_str(const char *s)
{
	return hash_string(hash_seed(), s);
}

/* ---- the builder -------------------------------------------------------------------------- */

struct builder {
	const struct report *r;
	struct graph *g;
	size_t nodes_cap, edges_cap;
	struct index node_ix; /* by hash of node id */
	size_t node_ix_cap;
	enum graph_view view;
};

/* A process as a socket or an edge knows it. */
struct proc_ident {
	uint32_t netns, pid, mntns;
	uint64_t cgroup_id;
	const char *comm;         /* NULL or "": unknown */
	const char *container_id; /* resolved at build time; may be NULL */
	double when;              /* first seen, for a reused mount namespace inode */
	bool listening;
};

/* Find or add a node by id; returns its index or -ENOMEM. */
ssize_t builder_node_get(struct builder *b, const struct graph_node *proto);
/* The node a process is in the builder's view. */
ssize_t builder_view_node(struct builder *b, const struct proc_ident *p);
/* The node of a connection's process. */
ssize_t builder_process_node(struct builder *b, const struct report_conn *c);
/* "The Internet" (inbound: its clients; else its servers), or the unknown local host remote. */
ssize_t builder_pseudo_node(struct builder *b, bool inbound, const struct report_endpoint *remote);
/* A new edge from -> to appended to the graph, its counts zero; NULL: no memory. */
struct graph_edge *builder_new_edge(struct builder *b, size_t from, size_t to, uint16_t port, uint16_t dialled);

/* ---- match.c ------------------------------------------------------------------------------ */

/* A listener that owns endpoint want, as seen from namespace from_netns; listeners indexes the
 * report's listening sockets by port. */
const struct report_conn *render_find_listener(const struct report *r, const struct index *listeners,
					       const struct report_endpoint *want, uint32_t from_netns);

/* ---- sort.c ------------------------------------------------------------------------------- */

/* Sort nodes, renumber edges, sort and merge edges with the same ends and ports. 0 or -ENOMEM. */
int render_sort_graph(struct graph *g, uint32_t host_netns);

/* ---- store_edges.c ------------------------------------------------------------------------ */

/* The edges of the store active in the window since_ns back from the report's time, with the remote
 * clients of the servers they reach. 0 or -ENOMEM. */
int render_add_store_edges(struct builder *b, const struct index *listeners, uint64_t since_ns);

#endif
