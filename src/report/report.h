/* SPDX-License-Identifier: Apache-2.0 */
/* A report: one immutable snapshot of every connection, container and network namespace, built
 * once per interval and then only read (by the renderer, the outputs and the daemon's clients).
 * It owns copies of everything, so the live tables can move on while it is read. */
#ifndef CTOPO_REPORT_H
#define CTOPO_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edges/edges.h"

#define REPORT_ID_LEN 65 /* 64 hex digits of a Docker/OCI id + NUL */
#define REPORT_NAME_LEN 128
#define REPORT_COMM_LEN 16

enum report_direction {
	REPORT_DIR_UNKNOWN = 0, /* found by a snapshot, neither end known as a listener */
	REPORT_DIR_OUTBOUND = 1,
	REPORT_DIR_INBOUND = 2,
	REPORT_DIR_LISTEN = 3, /* a listening socket, not a connection */
};

enum report_state {
	REPORT_STATE_ESTABLISHED = 0,
	REPORT_STATE_CLOSED = 1, /* closed since the previous report: short-lived ones show here */
	REPORT_STATE_FAILED = 2, /* connect failed (refused, unreachable) */
	REPORT_STATE_LISTEN = 3,
};

struct report_endpoint {
	uint16_t family; /* AF_INET or AF_INET6, normalised (no v4-mapped) */
	uint8_t addr[16];
	uint16_t port;
};

struct report_conn {
	uint32_t netns;
	struct report_endpoint local, remote;
	/* NAT: the same flow as the peer's socket sees it (conntrack's reply tuple, reversed).
	 * Without NAT the peer sees local/remote swapped, and nat is false. */
	bool nat;
	struct report_endpoint peer_local, peer_remote;
	uint8_t direction; /* enum report_direction */
	uint8_t state;     /* enum report_state */
	uint32_t pid;      /* 0: no process known */
	char comm[REPORT_COMM_LEN];
	uint32_t mntns;
	uint64_t cgroup_id;
	char container_id[REPORT_ID_LEN]; /* optional: found at build time, e.g. from /proc/PID/cgroup */
	double first_seen, last_seen;     /* UNIX seconds */
	uint64_t bytes_sent, bytes_received;
	double duration_ms; /* closed/failed only */
};

/* A TCP port the container publishes on the host. */
struct report_port {
	struct report_endpoint host; /* the unspecified address: every address of the host */
	uint16_t container_port;
};

#define REPORT_PORTS_MAX 16

struct report_container {
	char id[REPORT_ID_LEN];
	char name[REPORT_NAME_LEN];
	char image[REPORT_NAME_LEN];
	uint32_t pid; /* init process; 0 when stopped */
	uint32_t mntns, netns;
	uint64_t cgroup_id;
	bool running;
	double started_at;             /* UNIX seconds; 0 when unknown */
	double stopped_at;             /* UNIX seconds; 0 while running or when unknown */
	char source[16];               /* "docker", "oci-hook" */
	char engine[16];               /* "docker", "podman"; "" when unknown (a plain runc bundle) */
	char project[REPORT_NAME_LEN]; /* Compose's project and service (labels); "" when none */
	char service[REPORT_NAME_LEN];
	struct report_port ports[REPORT_PORTS_MAX];
	uint8_t n_ports;
};

/* An edge of the store as a report carries it: the container of its own side (a client edge's
 * client, a server edge's server), found at build time from the key's cgroup id through the cgroup
 * ids the cgroup watch learnt, so a container that lived 50 ms and is gone is still named; "" when
 * none was found (a host process, a cgroup learnt by nobody). */
struct report_edge {
	struct edge_record rec;
	char container_id[REPORT_ID_LEN];
};

struct report_prefix {
	uint16_t family;
	uint8_t addr[16];
	uint8_t len; /* prefix length in bits */
};

struct report_netns {
	uint32_t inode;
	bool is_host;
	char label[64];                 /* e.g. "host", "/run/netns/blue"; may be empty */
	struct report_prefix *prefixes; /* interface addresses with their prefix lengths */
	size_t n_prefixes;
};

struct report {
	double generated_at;
	uint32_t host_netns;
	uint32_t host_mntns; /* a process in it is a host process, whatever netns it entered */
	struct report_conn *conns;
	size_t n_conns;
	struct report_container *containers;
	size_t n_containers;
	struct report_netns *netns;
	size_t n_netns;
	struct report_prefix *extra_prefixes; /* local networks known otherwise (Docker subnets) */
	size_t n_extra_prefixes;
	/* who talked to whom over the history: edges with their time buckets, times in UNIX ns
	 * (a snapshot has none: it saw no connection close) */
	struct report_edge *edges;
	size_t n_edges;
	double history_s; /* how far back the buckets reach; 0: no edge store */
};

struct report *report_new(void);
void report_free(struct report *r);

/* Appenders copy their argument; they return 0 or -ENOMEM. */
int report_add_conn(struct report *r, const struct report_conn *c);
int report_add_container(struct report *r, const struct report_container *c);
/* Takes e's buckets (e->rec.buckets is the report's afterwards, also on failure). */
int report_add_edge(struct report *r, const struct report_edge *e);
/* Returns the namespace record for inode, adding it when new (NULL on ENOMEM). */
struct report_netns *report_netns_get(struct report *r, uint32_t inode);
int report_netns_add_prefix(struct report_netns *ns, const struct report_prefix *p);
int report_add_extra_prefix(struct report *r, const struct report_prefix *p);

/* Lookups over the report (linear; reports are read a few times per interval). */
const struct report_container *report_container_by_id(const struct report *r, const char *id_or_prefix);
const struct report_container *report_container_by_name(const struct report *r, const char *name);
const struct report_netns *report_netns_find(const struct report *r, uint32_t inode);

/* Does container c run in network namespace netns now? A stopped container's namespace is gone and
 * its inode may already name another namespace (the kernel reuses them), so it runs nowhere. */
bool report_container_runs_in_netns(const struct report_container *c, uint32_t netns);

/* True when addr falls in a prefix of any namespace or in extra_prefixes. */
bool report_address_is_local(const struct report *r, uint16_t family, const uint8_t addr[16]);
bool prefix_contains(const struct report_prefix *p, uint16_t family, const uint8_t addr[16]);

const char *report_state_name(unsigned state);         /* "established", "closed", ... */
const char *report_direction_name(unsigned direction); /* "outbound", "inbound", ... */

#endif
