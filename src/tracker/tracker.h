/* SPDX-License-Identifier: Apache-2.0 */
/* The BPF tracker's lifecycle: open, size, load, attach, read the ring buffer, detach.
 * Events reach the caller one decoded struct at a time; the ring buffer fd can join an epoll set. */
#ifndef CTOPO_TRACKER_H
#define CTOPO_TRACKER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/errmsg.h"
#include "ctopo_edge.h"
#include "ctopo_event.h"

struct tracker;

struct tracker_options {
	const char *btf_path;   /* BTF of the running kernel; NULL: /sys/kernel/btf/vmlinux */
	uint32_t ringbuf_bytes; /* 0: the default (2 MiB); a power of two >= page size */
	uint32_t max_sockets;   /* 0: the default (65536) sockets remembered between events */
	bool libbpf_debug;      /* pass libbpf's own messages through (-v) */
	/* false: the fd is readable at every event. true: only once a quarter of the ring is
	 * full; the caller must also call tracker_poll() on a timer of its own (the daemon: every
	 * TRACKER_BATCH_POLL_MS), so that a few events do not wait in the ring for long. */
	bool batch_wakeups;
};

#define TRACKER_BATCH_POLL_MS 100

struct tracker_stats {
	uint64_t events;                           /* decoded and delivered */
	uint64_t lost;                             /* ring buffer full: events the kernel could not hand over */
	uint64_t lost_by_type[CTOPO_EV_CLOSE + 1]; /* the same, per enum ctopo_event_type */
	uint64_t untracked;                        /* connect/accept-side events whose process was not known */
	uint64_t malformed;                        /* samples that failed to decode (should stay 0) */
	uint64_t edge_map_full;                    /* counts the kernel could not keep: its edge counter map was full */
	uint64_t nested;                           /* state changes that interrupted the tracker and were redone */
	uint64_t skipped;                          /* program runs the kernel skipped and nobody redid (from 5.12) */
};

/* Return non-zero to stop the current poll early (the value is returned by tracker_poll). */
typedef int (*tracker_event_fn)(const struct ctopo_event *ev, void *userdata);

/* Load and attach. On failure returns -errno with one message in why that names the fix, for the
 * caller to say (nothing is logged but libbpf's detail with libbpf_debug). */
int tracker_new(const struct tracker_options *opts, tracker_event_fn fn, void *userdata, struct tracker **ret,
		struct errmsg *why);
void tracker_free(struct tracker *t);

/* An fd that becomes readable when events are waiting (for epoll). */
int tracker_fd(const struct tracker *t);

/* Deliver waiting events, waiting up to timeout_ms for the first (0: do not wait).
 * Returns the number delivered, or -errno. */
int tracker_poll(struct tracker *t, int timeout_ms);

int tracker_read_stats(struct tracker *t, struct tracker_stats *ret);

/* The kernel's per-edge counters (include/ctopo_edge.h). Call once per interval: hands every key
 * of the map that stopped being counted into at the previous call to fn, empties that map, and
 * flips, so that each connection is handed over exactly once, an interval or two after it
 * happened. Returns the number of keys, or -errno. */
typedef void (*tracker_edge_fn)(const struct ctopo_edge_key *key, const struct ctopo_edge_counts *counts,
				void *userdata);
int tracker_drain_edge_counts(struct tracker *t, tracker_edge_fn fn, void *userdata);

#endif
