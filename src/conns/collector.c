/* SPDX-License-Identifier: Apache-2.0 */
#include "conns/collector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "conns/snapshot.h"

struct collector {
	struct collector_options opts;
	struct conntable *table;
	struct tracker *tracker;
	/* events wait here until the first snapshot is in the table, then flow straight in */
	bool buffering;
	struct ctopo_event *buf;
	size_t n, cap;
	int err;
	uint64_t lost_seen;
	uint64_t resyncs, snapshots;
	struct edges *edges;
	collector_nat_fn nat_fn;
	void *nat_userdata;
	uint64_t edge_drains;
};

/* One event into the table and the edge store. */
static int apply_event(struct collector *c, const struct ctopo_event *ev)
{
	struct edge_nat nat = { 0 };
	int r = conntable_apply_event(c->table, ev);

	if (r == -ENOMEM)
		return r;
	if (c->nat_fn && ev->direction != CTOPO_DIR_INBOUND &&
	    (ev->type == CTOPO_EV_CONNECT || ev->type == CTOPO_EV_CLOSE)) {
		struct conn_key key;

		conn_key_init(&key, ev->netns, ev->family, ev->saddr, ev->sport, ev->daddr, ev->dport);
		if (c->nat_fn(&key, &nat, c->nat_userdata) < 0)
			nat.nat = false;
	}
	r = edges_fold_event(c->edges, ev, nat.nat ? &nat : NULL);
	return r == -ENOMEM ? r : 0;
}

static int sink_event(const struct ctopo_event *ev, void *userdata)
{
	struct collector *c = userdata;

	if (c->opts.only_netns && ev->netns != c->opts.only_netns)
		return 0;
	if (!c->buffering) {
		if (apply_event(c, ev) == -ENOMEM)
			c->err = -ENOMEM;
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4096;
		struct ctopo_event *grown = realloc(c->buf, cap * sizeof(*grown));

		if (!grown) {
			c->err = -ENOMEM;
			return 0;
		}
		c->buf = grown;
		c->cap = cap;
	}
	c->buf[c->n++] = *ev;
	return 0;
}

static int take_snapshot(struct collector *c, bool listeners_only)
{
	struct snapshot_options so = { .source = c->tracker ? SNAPSHOT_SOCK_DIAG : SNAPSHOT_PROC,
				       .listeners_only = listeners_only,
				       .only_netns = c->opts.only_netns };
	struct snapshot_stats st;
	bool fell_back;
	int r = snapshot_take_or_proc(c->table, &so, &st, &fell_back);

	if (r < 0)
		return log_debug_errno(r, "taking a snapshot of TCP sockets failed: %m");
	c->snapshots++;
	log_debug("snapshot%s: %u namespaces (%u skipped), %u sockets (%u without a process), %.1f ms",
		  listeners_only ? " of listeners" : "", st.namespaces, st.namespaces_failed, st.sockets,
		  st.sockets_without_owner, st.duration_ns / 1e6);
	return 0;
}

int collector_new(const struct collector_options *o, struct collector **ret, struct errmsg *why)
{
	struct collector *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->opts = *o;
	r = conntable_new(o->max_entries, &c->table);
	if (r < 0)
		goto fail;
	conntable_forget_closed(c->table, o->forget_closed);
	r = edges_new(&o->edges, &c->edges);
	if (r < 0)
		goto fail;
	if (!o->no_ebpf) {
		c->buffering = true;
		r = tracker_new(&o->tracker, sink_event, c, &c->tracker, why);
		if (r < 0 && !o->fall_back)
			goto fail;
		/* else polling /proc: why says why, for the caller */
	}
	r = take_snapshot(c, false);
	if (r < 0) {
		if (!o->no_ebpf && !c->tracker && why) { /* fell back: both reasons count */
			char tracker_why[sizeof(why->text)];

			snprintf(tracker_why, sizeof(tracker_why), "%s", why->text);
			errmsg_set(why, r, "%s; and polling /proc instead failed: taking a snapshot of TCP sockets: %m",
				   tracker_why);
		} else {
			errmsg_set(why, r, "taking a snapshot of TCP sockets failed: %m");
		}
		goto fail;
	}
	if (c->tracker) {
		tracker_poll(c->tracker, 0);
		for (size_t i = 0; i < c->n; i++)
			apply_event(c, &c->buf[i]);
		log_debug("applied %zu events buffered during the snapshot", c->n);
	}
	free(c->buf);
	c->buf = NULL;
	c->n = c->cap = 0;
	c->buffering = false;
	*ret = c;
	return 0;
fail:
	collector_free(c);
	return r;
}

void collector_free(struct collector *c)
{
	if (!c)
		return;
	tracker_free(c->tracker);
	conntable_free(c->table);
	edges_free(c->edges);
	free(c->buf);
	free(c);
}

int collector_fd(const struct collector *c)
{
	return c->tracker ? tracker_fd(c->tracker) : -1;
}

int collector_process(struct collector *c)
{
	if (c->tracker)
		tracker_poll(c->tracker, 0);
	return c->err;
}

static void apply_kernel_counts(const struct ctopo_edge_key *key, const struct ctopo_edge_counts *counts,
				void *userdata)
{
	struct collector *c = userdata;

	if (c->opts.only_netns && key->netns != c->opts.only_netns)
		return;
	if (edges_apply_kernel(c->edges, key, counts, clock_mono_ns()) == -ENOMEM)
		c->err = -ENOMEM;
}

/* Bring the table and the edge store up to date for a report. */
static int refresh(struct collector *c)
{
	struct tracker_stats ts;

	if (c->tracker) {
		tracker_poll(c->tracker, 0);
		if (tracker_read_stats(c->tracker, &ts) == 0 && ts.lost != c->lost_seen) {
			/* lost events leave the table wrong: a full snapshot sets it right, closing
			 * what closed unseen */
			log_debug("%llu events lost (ring buffer full): resynchronising from a snapshot",
				  (unsigned long long)(ts.lost - c->lost_seen));
			c->lost_seen = ts.lost;
			c->resyncs++;
			take_snapshot(c, false);
		} else {
			/* the tracker sees no listener open or close: those come from a snapshot */
			take_snapshot(c, true);
		}
		/* every event of the counters' period is in the ring by now: take them first, so
		 * the counters are compared with everything the ring delivered */
		tracker_poll(c->tracker, 0);
		if (tracker_drain_edge_counts(c->tracker, apply_kernel_counts, c) >= 0)
			c->edge_drains++;
	} else {
		take_snapshot(c, false);
	}
	edges_maintain(c->edges, clock_mono_ns());
	return c->err;
}

int collector_take_report(struct collector *c, struct conn_report *ret)
{
	int r = refresh(c);

	if (r < 0)
		return r;
	return conntable_take_report(c->table, clock_mono_ns(), ret);
}

void collector_set_nat_resolver(struct collector *c, collector_nat_fn fn, void *userdata)
{
	c->nat_fn = fn;
	c->nat_userdata = userdata;
}

const struct edges *collector_edges(const struct collector *c)
{
	return c->edges;
}

void collector_get_stats(struct collector *c, struct collector_stats *ret)
{
	*ret = (struct collector_stats){ .ebpf = c->tracker != NULL,
					 .resyncs = c->resyncs,
					 .snapshots = c->snapshots,
					 .edge_drains = c->edge_drains };
	edges_get_stats(c->edges, &ret->edges);
	if (c->tracker)
		tracker_read_stats(c->tracker, &ret->tracker);
	conntable_get_stats(c->table, &ret->table);
}
