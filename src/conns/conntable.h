/* SPDX-License-Identifier: Apache-2.0 */
/* The connection table: user space's memory of every TCP connection (and listening socket),
 * keyed by network namespace + family-aware 4-tuple. Fed by the tracker's events and by
 * snapshots; read through reports, immutable copies taken once per interval. A closed entry
 * stays until one report has carried it, so a connection shorter than an interval shows once. */
#ifndef CTOPO_CONNTABLE_H
#define CTOPO_CONNTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctopo_event.h"

enum conn_direction {
	CONN_DIR_UNKNOWN = 0,   /* same values as enum ctopo_direction */
	CONN_DIR_OUTBOUND = 1,  /* we connected */
	CONN_DIR_INBOUND = 2,   /* we accepted (or the local port is one we listen on) */
	CONN_DIR_LISTENING = 3, /* a listening socket; the remote end is all zeros */
};

enum conn_state {
	CONN_ESTABLISHED = 0, /* open (for a listener: listening) */
	CONN_CLOSED = 1,
	CONN_FAILED = 2, /* connect() that never got established */
};

/* Where the entry's information last came from. */
enum conn_source {
	CONN_SRC_EVENT = 0, /* the BPF tracker */
	CONN_SRC_SOCK_DIAG = 1,
	CONN_SRC_PROC = 2, /* /proc/PID/net/tcp{,6} */
};

struct conn_key {
	uint32_t netns;
	uint16_t family; /* AF_INET or AF_INET6; v4-mapped IPv6 is stored as AF_INET */
	uint16_t local_port;
	uint16_t remote_port;
	uint16_t pad; /* always 0: keys are hashed and compared as bytes */
	uint8_t local_addr[16];
	uint8_t remote_addr[16];
};

struct conn {
	struct conn_key key;
	uint32_t pid; /* 0: unknown (no process holds it, or it predates us) */
	uint32_t mntns;
	uint64_t cgroup_id;
	uint64_t inode; /* socket inode when a snapshot saw it; 0 otherwise */
	char comm[CTOPO_COMM_LEN];
	uint8_t direction;      /* enum conn_direction */
	uint8_t state;          /* enum conn_state */
	uint8_t source;         /* enum conn_source */
	int32_t error;          /* failed: the errno the connect ended with */
	uint64_t first_seen_ns; /* CLOCK_MONOTONIC */
	uint64_t last_seen_ns;
	uint64_t bytes_sent; /* closed (from the tracker) only */
	uint64_t bytes_received;
	uint64_t duration_ns; /* closed/failed only */
};

struct conntable_stats {
	uint64_t entries; /* now in the table */
	uint64_t max_entries;
	uint64_t inserted;       /* since the table was made */
	uint64_t evicted_closed; /* closed entries removed before a report carried them */
	uint64_t evicted_open;   /* open entries removed because the table was full of them */
	uint64_t replaced;       /* a new connection reused the tuple of a closed one */
	uint64_t stale_events;   /* events older than a snapshot that already saw a newer socket */
	uint64_t swept;          /* open entries a full sync no longer found (closed unseen) */
};

/* An immutable copy of the table at one instant; the table moves on independently. */
struct conn_report {
	uint64_t taken_ns; /* CLOCK_MONOTONIC */
	size_t n;
	struct conn *conns; /* sorted: netns, direction (listening first), local, remote */
	struct conntable_stats stats;
	uint64_t evicted_since_last; /* evictions (closed + open) since the previous report */
};

struct conntable;

/* max_entries 0: the default (262144). */
int conntable_new(size_t max_entries, struct conntable **ret);
void conntable_free(struct conntable *t);
static inline void conntable_freep(struct conntable **t)
{
	conntable_free(*t);
}

/* Drop a connection as soon as it closes instead of keeping it for the next report (the daemon:
 * its reports carry closed connections as edges). */
void conntable_forget_closed(struct conntable *t, bool forget);

size_t conntable_size(const struct conntable *t);
const struct conn *conntable_lookup(const struct conntable *t, const struct conn_key *key);

/* Apply one decoded tracker event: connect/accept open (or cleanly replace a closed entry on the
 * same tuple), connect_failed and close close. 0 or -ENOMEM. */
int conntable_apply_event(struct conntable *t, const struct ctopo_event *ev);

/* What a snapshot saw of one socket. pid 0 when no process holds it. */
struct conn_observation {
	struct conn_key key;
	uint8_t direction; /* CONN_DIR_* (unknown when it could not be told) */
	uint8_t source;    /* CONN_SRC_SOCK_DIAG or CONN_SRC_PROC */
	uint32_t pid;
	uint32_t mntns;
	uint64_t cgroup_id;
	uint64_t inode;
	char comm[CTOPO_COMM_LEN];
};

/* A sync is one full (or listeners-only) snapshot: entries it does not see again, and that no
 * event touched since it began, are closed at the end. Nothing is swept unless a sync is open. */
void conntable_sync_begin(struct conntable *t, uint64_t now_ns);
int conntable_upsert_snapshot(struct conntable *t, const struct conn_observation *obs, uint64_t now_ns);
/* listeners_only: only listening entries are swept (the tracker reports no listener's close);
 * only_netns: when not 0, only that namespace's entries are swept. */
void conntable_sync_end(struct conntable *t, bool listeners_only, uint32_t only_netns, uint64_t now_ns);

/* Copy the table into ret (free with conn_report_free), then drop the closed and failed
 * entries the copy carries: each closed connection is in exactly one report. 0 or -ENOMEM. */
int conntable_take_report(struct conntable *t, uint64_t now_ns, struct conn_report *ret);
void conn_report_free(struct conn_report *r);

void conntable_get_stats(const struct conntable *t, struct conntable_stats *ret);

/* Fill key from a socket's two ends, normalising v4-mapped IPv6 (both ends, or one end and an
 * all-zero other end) to AF_INET, the way the tracker's events are. */
void conn_key_init(struct conn_key *key, uint32_t netns, uint16_t family, const uint8_t local_addr[16],
		   uint16_t local_port, const uint8_t remote_addr[16], uint16_t remote_port);

const char *conn_direction_name(unsigned direction); /* "outbound", "inbound", "listening", "unknown" */
const char *conn_state_name(unsigned state);         /* "established", "closed", "failed" */

#endif
