/* SPDX-License-Identifier: Apache-2.0 */
/* From a report to a process graph: endpoints are mapped to processes, processes to containers,
 * outbound endpoints to the inbound or listening endpoint that owns them in another namespace
 * (after NAT), and what matches nothing to pseudo nodes ("The Internet", unknown local hosts).
 * The graph is sorted, so every output of it is deterministic. */
#ifndef CTOPO_RENDER_H
#define CTOPO_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edges/edges.h"
#include "report/report.h"

enum graph_node_kind {
	GRAPH_NODE_PROCESS = 0,
	GRAPH_NODE_INTERNET_IN = 1,   /* clients outside every local network */
	GRAPH_NODE_INTERNET_OUT = 2,  /* servers outside every local network */
	GRAPH_NODE_UNKNOWN_LOCAL = 3, /* a local address with no process we know of */
	GRAPH_NODE_GROUP = 4,         /* a container, an image, a namespace, or the host's processes */
};

/* What a node stands for (--by). */
enum graph_view {
	GRAPH_VIEW_PROCESS = 0,   /* one node per process (pid) */
	GRAPH_VIEW_NAME = 1,      /* processes of one name within one container (or host namespace) */
	GRAPH_VIEW_CONTAINER = 2, /* one node per container; the host's processes per namespace */
	GRAPH_VIEW_IMAGE = 3,     /* containers of one image */
	GRAPH_VIEW_NETNS = 4,     /* one node per network namespace */
	GRAPH_VIEW_SERVICE = 5,   /* Compose's replicas of one project/service as one node; other
				   * containers one node each, as GRAPH_VIEW_CONTAINER */
};

/* "process", "name", ... -> 0 and *ret; -EINVAL otherwise */
int graph_view_parse(const char *s, enum graph_view *ret);
const char *graph_view_name(enum graph_view v);

#define RENDER_DEFAULT_SINCE_NS (15 * 1000000000ull)

struct graph_node {
	char id[REPORT_NAME_LEN + 32]; /* stable: "proc:<netns>:<pid>:<mntns>", "internet:inbound",
					* "local:<addr>", "name:<container>:<comm>", "container:<id>",
					* "image:<image>", "host:<netns>", "netns:<inode>",
					* "service:<project>/<service>"; a group's kind is the id's
					* prefix */
	uint8_t kind;
	uint32_t pid;               /* processes; 0 in the name view */
	char name[REPORT_NAME_LEN]; /* comm; a group's name (container, image, project/service); empty
				     * when unknown */
	uint32_t netns;             /* processes and groups in one namespace; 0: several */
	uint32_t mntns;
	const struct report_container *container; /* NULL: a host process (or pseudo node) */
	char address[48];                         /* unknown local hosts */
	bool listening;                           /* has a listening socket */
};

struct graph_edge {
	size_t from, to;       /* indices into nodes; from is the client */
	uint16_t port;         /* the server's port (after NAT) */
	uint16_t dialled_port; /* what the client dialled; differs from port under DNAT */
	bool nat;
	uint8_t state;                  /* enum report_state: established if any connection still is */
	uint64_t count;                 /* connections in the window: open now, or ended (closed, failed) in it */
	uint64_t closed;                /* of which closed or failed */
	uint64_t bytes;                 /* sent + received by the ended ones (open ones are counted when they end) */
	uint64_t open;                  /* open now */
	struct edge_counters w;         /* the window's counts: opened, closed, failures, bytes (sent: client to
				 * server), durations, not itemised */
	double first_seen, last_seen;   /* UNIX seconds, activity in the window; 0: open ones only */
	struct report_endpoint dialled; /* the server as the client dialled it; family 0: not known */
	struct report_endpoint server;  /* where it went (after DNAT); family 0: not known */
};

struct graph_namespace {
	uint32_t inode;
	bool is_host;
	const struct report_container **containers; /* every container in it, sorted by name */
	size_t n_containers;
};

struct graph {
	struct graph_node *nodes;
	size_t n_nodes;
	struct graph_edge *edges;
	size_t n_edges;
	struct graph_namespace *namespaces; /* sorted: host first, then by inode */
	size_t n_namespaces;
	enum graph_view view;
	uint64_t since_ns; /* the window the edges' counts cover */
};

struct render_filter {
	bool by_netns;
	uint32_t netns;
	const char *container; /* name or id (prefix); NULL: all */
	enum graph_view view;
	uint64_t since_ns; /* the window, back from the report's time; 0: RENDER_DEFAULT_SINCE_NS */
	bool edges_only;   /* only the edge store's counts, no itemised connection (ps) */
};

enum conn_match_kind {
	MATCH_NONE = 0,          /* a listening socket */
	MATCH_PEER = 1,          /* the other end's socket is in the report: peer */
	MATCH_LISTENER = 2,      /* no peer socket, but a listener owns the address: peer */
	MATCH_INTERNET = 3,      /* outside every local network */
	MATCH_UNKNOWN_LOCAL = 4, /* a local address with no process we know of */
};

/* What each connection of a report is linked to. */
struct conn_match {
	bool is_client; /* this socket is the dialling end */
	uint8_t kind;   /* enum conn_match_kind */
	size_t peer;    /* MATCH_PEER / MATCH_LISTENER: index of the peer's socket in report->conns */
};

/* One match per report->conns entry (same order); caller frees. 0 or -ENOMEM. */
int render_match_connections(const struct report *r, struct conn_match **ret);

/* Which container a process belongs to: the container id resolved at build time from its cgroup
 * first (exact for any lifetime: cgroup ids are never reused), then its mount namespace (exact
 * even after it exited, but its inode is reused), then the cgroup id when exactly one container has
 * it, then the netns when exactly one container lives there (never the host's, and not for a
 * process in the host's mount namespace). The kernel reuses a dead namespace's inode for the next
 * one, so when several containers had that mount namespace inode, the one that had started last
 * before `when` (the connection's first sight, UNIX seconds; 0: unknown) is it; without times, a
 * running one, else the one that stopped last. One that started after `when` or stopped before it
 * never is. */
const struct report_container *render_map_container(const struct report *r, uint32_t mntns, uint64_t cgroup_id,
						    const char *container_id, uint32_t netns, double when);

/* Build the graph: the report's open connections, and its edges active in the window; the graph
 * points into r, which must outlive it. 0 or -ENOMEM / -ENOENT (a filter naming no container). */
int render_graph(const struct report *r, const struct render_filter *filter, struct graph **ret);
void graph_free(struct graph *g);

/* A process or a group of them (not a pseudo node). */
bool graph_node_is_local(const struct graph_node *n);

/* "nginx (1234)", "nginx" (by name), "api" (a group), "The Internet (inbound)",
 * "unknown local host 10.0.0.9" */
void graph_node_label(const struct graph_node *n, char *buf, size_t len);

#endif
