/* SPDX-License-Identifier: Apache-2.0 */
/* The live connection table and what keeps it right: the BPF tracker's events applied as they
 * come, one snapshot at start (attach first, buffer the events, snapshot, then apply the buffer:
 * nothing that happens during the snapshot is lost), and a refresh each interval — listeners
 * only normally, a full resync when the ring buffer lost events. Without eBPF (--no-ebpf, or
 * when BPF cannot load) every interval is a full /proc snapshot instead. */
#ifndef CTOPO_COLLECTOR_H
#define CTOPO_COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "conns/conntable.h"
#include "edges/edges.h"
#include "tracker/tracker.h"

struct collector_options {
	bool no_ebpf;        /* poll /proc/PID/net/tcp instead of the tracker */
	bool fall_back;      /* when the tracker cannot load, poll rather than fail */
	uint32_t only_netns; /* 0: every namespace */
	size_t max_entries;  /* connection table bound; 0: its default */
	bool forget_closed;  /* closed connections live on as edges only */
	struct tracker_options tracker;
	struct edges_options edges; /* the edge store (fed by the tracker only) */
};

struct collector_stats {
	bool ebpf; /* the tracker runs (else: /proc polling) */
	struct tracker_stats tracker;
	struct conntable_stats table;
	uint64_t resyncs; /* full snapshots taken because events were lost (said by the caller) */
	uint64_t snapshots;
	struct edges_stats edges;
	uint64_t edge_drains; /* kernel counter drains */
};

struct collector;

/* 0 or -errno with the reason in why, for the caller to say. With fall_back, a tracker that
 * cannot load leaves its reason in why and the collector polls /proc (stats: ebpf false). */
int collector_new(const struct collector_options *o, struct collector **ret, struct errmsg *why);
void collector_free(struct collector *c);

/* The tracker's ring buffer fd for epoll; -1 when polling /proc. */
int collector_fd(const struct collector *c);
/* Apply whatever the tracker has waiting; 0 or -ENOMEM. */
int collector_process(struct collector *c);
/* Once per interval: refresh (listeners, or all after losses, or all from /proc), then copy
 * the table into ret (conn_report_free it); closed entries go after this one report. */
int collector_take_report(struct collector *c, struct conn_report *ret);

/* Where a client's connection really went (DNAT), asked when its connect and close are folded
 * into the edge store: 0 and *ret, or -ENOENT. */
typedef int (*collector_nat_fn)(const struct conn_key *key, struct edge_nat *ret, void *userdata);
void collector_set_nat_resolver(struct collector *c, collector_nat_fn fn, void *userdata);
/* The edge store, up to date as of the last collector_take_report. */
const struct edges *collector_edges(const struct collector *c);
void collector_get_stats(struct collector *c, struct collector_stats *ret);

#endif
