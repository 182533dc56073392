/* SPDX-License-Identifier: Apache-2.0 */
/* The edge store: who talked to whom, over time. Every connection the tracker reports is folded
 * into an edge, keyed like the kernel's counters (struct ctopo_edge_key: a process in a network
 * namespace and the server it dialled, or the local port it serves), with per-edge time buckets:
 * opened, closed, failed (refused, timed out, other), payload bytes each way, duration (sum,
 * max), first and last seen. Buckets are 1 s wide for the last minute and 1 min wide after that,
 * up to the history; memory grows with edges x buckets, never with closed connections, and the
 * number of edges is bounded (the least recently active goes first; evictions are counted).
 *
 * The kernel's exact counters (drained each interval) are reconciled with what the ring buffer
 * delivered: what the ring lost is added to the edge as counts without detail ("not itemised"),
 * so an edge's counts are exact even when its bytes and durations are not.
 *
 * Times are nanoseconds of one clock chosen by the owner: CLOCK_MONOTONIC in the daemon's store,
 * UNIX time in a report. The bucket arithmetic below works on either. */
#ifndef CTOPO_EDGES_H
#define CTOPO_EDGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctopo_edge.h"
#include "ctopo_event.h"

#define EDGES_FINE_NS 1000000000ull /* bucket width for the most recent minute */
#define EDGES_FINE_SPAN_NS 60000000000ull
#define EDGES_COARSE_NS 60000000000ull /* bucket width after that */
#define EDGES_DEFAULT_HISTORY_NS 3600000000000ull
#define EDGES_DEFAULT_MAX 50000

struct edge_counters {
	uint64_t opened;
	uint64_t closed;
	uint64_t refused;
	uint64_t timed_out;
	uint64_t failed;     /* failed otherwise */
	uint64_t bytes_sent; /* payload, from this side's socket: a client's sent is its request */
	uint64_t bytes_received;
	uint64_t duration_sum_ns; /* of the closed and failed ones the ring delivered */
	uint64_t duration_max_ns;
	uint64_t not_itemised; /* ended (closed or failed) without detail: the ring lost it */
};

struct edge_bucket {
	uint64_t start_ns;          /* aligned to its width */
	uint64_t width_ns;          /* EDGES_FINE_NS or EDGES_COARSE_NS */
	uint64_t first_ns, last_ns; /* first and last event in it */
	struct edge_counters c;
};

/* The server a client dialled as conntrack translated it (DNAT), when it did. */
struct edge_nat {
	bool nat;
	uint16_t family;
	uint8_t addr[16];
	uint16_t port;
};

/* One edge as a reader sees it: the store's snapshot and a report's edge are this. */
struct edge_record {
	struct ctopo_edge_key key; /* normalised: v4-mapped IPv6 is AF_INET, comm zero-padded */
	struct edge_nat nat;
	uint32_t last_pid; /* the process that last opened one; 0: unknown */
	uint64_t first_ns, last_ns;
	size_t n_buckets;
	struct edge_bucket *buckets; /* oldest first */
};

/* ---- bucket arithmetic, for the store and for readers of a report ------------------------- */

/* Add the buckets overlapping [now - since, now] into *sum (zeroed first); a bucket partly inside
 * counts whole, so a window is rounded outward to the bucket width. since 0: everything.
 * *first / *last (either may be NULL) get the first and last event inside, 0 when none.
 * Returns true when any bucket overlaps. */
bool edge_window_sum(const struct edge_bucket *b, size_t n, uint64_t since_ns, uint64_t now_ns,
		     struct edge_counters *sum, uint64_t *first, uint64_t *last);
void edge_counters_add(struct edge_counters *into, const struct edge_counters *c);

/* The key of a tracker event's socket (client: connect, connect_failed, outbound close; server:
 * accept, inbound close). -EINVAL when the event has no side (a close of a socket older than the
 * tracker: the kernel counts none either). */
int edge_key_from_event(const struct ctopo_event *ev, struct ctopo_edge_key *ret);
/* Normalise a key read from the kernel the way events are (v4-mapped -> IPv4, comm padding). */
void edge_key_normalize(struct ctopo_edge_key *key);

/* ---- the store ---------------------------------------------------------------------------- */

struct edges_options {
	size_t max_edges;    /* 0: EDGES_DEFAULT_MAX */
	uint64_t history_ns; /* 0: EDGES_DEFAULT_HISTORY_NS */
};

struct edges_stats {
	uint64_t edges;
	uint64_t max_edges;
	uint64_t buckets;
	uint64_t memory_bytes; /* the store's own allocations (estimated from its sizes) */
	uint64_t evicted;      /* edges dropped to stay within max_edges */
	uint64_t expired;      /* edges dropped after history without activity */
	uint64_t folded;       /* ring events folded */
	uint64_t not_itemised; /* connections counted only by the kernel */
	uint64_t kernel_keys;  /* kernel counter entries applied */
};

struct edges;

int edges_new(const struct edges_options *o, struct edges **ret);
void edges_free(struct edges *s);

/* Fold one tracker event (its ts_ns is the store's clock). nat: the DNAT of a connect, or NULL.
 * 0, -EINVAL (an event without a side: ignored) or -ENOMEM. */
int edges_fold_event(struct edges *s, const struct ctopo_event *ev, const struct edge_nat *nat);

/* Apply one drained kernel counter (the counts since the previous drain of that key) at now_ns:
 * what the ring did not deliver for this key is added without detail. 0 or -ENOMEM. */
int edges_apply_kernel(struct edges *s, const struct ctopo_edge_key *key, const struct ctopo_edge_counts *delta,
		       uint64_t now_ns);

/* Once per interval: coarsen buckets older than a minute, drop those past the history and the
 * edges left without any. */
void edges_maintain(struct edges *s, uint64_t now_ns);

/* Copy every edge (buckets included) into *ret (free with edges_records_free). 0 or -ENOMEM. */
int edges_snapshot(const struct edges *s, struct edge_record **ret, size_t *ret_n);
void edges_records_free(struct edge_record *r, size_t n);

/* The edge of key, or NULL (tests and lookups; the pointer is valid until the next change). */
const struct edge_record *edges_lookup(const struct edges *s, const struct ctopo_edge_key *key);

void edges_get_stats(const struct edges *s, struct edges_stats *ret);
uint64_t edges_history_ns(const struct edges *s);

#endif
