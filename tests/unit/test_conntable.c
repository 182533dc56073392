/* SPDX-License-Identifier: Apache-2.0 */
/* The connection table: retention (a closed connection is in exactly one report), eviction
 * accounting, tuple reuse, events on top of a snapshot, sweeping, and scale. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "conns/conntable.h"

#define NETNS_A 4026532001u
#define NETNS_B 4026532002u

static struct ctopo_event make_event(uint8_t type, uint32_t netns, uint16_t sport, uint16_t dport, uint32_t pid,
				     uint64_t ts)
{
	struct ctopo_event ev = {
		.ts_ns = ts,
		.pid = pid,
		.tid = pid,
		.netns = netns,
		.mntns = 4026531840u + pid,
		.cgroup_id = 100 + pid,
		.sport = sport,
		.dport = dport,
		.family = AF_INET,
		.type = type,
	};

	inet_pton(AF_INET, "10.203.0.2", ev.saddr);
	inet_pton(AF_INET, "10.203.0.1", ev.daddr);
	snprintf(ev.comm, sizeof(ev.comm), "proc%u", pid);
	ev.direction = type == CTOPO_EV_ACCEPT ? CTOPO_DIR_INBOUND : CTOPO_DIR_OUTBOUND;
	return ev;
}

static struct conn_key key_of(const struct ctopo_event *ev)
{
	struct conn_key k;

	conn_key_init(&k, ev->netns, ev->family, ev->saddr, ev->sport, ev->daddr, ev->dport);
	return k;
}

static size_t count_in_report(const struct conn_report *r, uint16_t sport)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->conns[i].key.local_port == sport)
			n++;
	return n;
}

static const struct conn *find_in_report(const struct conn_report *r, uint16_t sport)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->conns[i].key.local_port == sport)
			return &r->conns[i];
	return NULL;
}

static void closed_entry_is_in_exactly_one_report(void **state)
{
	struct conntable *t;
	struct conn_report r1, r2, r3;
	struct ctopo_event c = make_event(CTOPO_EV_CONNECT, NETNS_A, 40001, 80, 7, 1000);
	struct ctopo_event x = make_event(CTOPO_EV_CLOSE, NETNS_A, 40001, 80, 7, 2000);
	struct ctopo_event open = make_event(CTOPO_EV_CONNECT, NETNS_A, 40002, 80, 8, 1500);
	const struct conn *e;

	(void)state;
	assert_int_equal(conntable_new(0, &t), 0);
	x.bytes_sent = 11;
	x.bytes_received = 22;
	x.duration_ns = 1000;
	assert_int_equal(conntable_apply_event(t, &c), 0);
	assert_int_equal(conntable_apply_event(t, &open), 0);
	assert_int_equal(conntable_apply_event(t, &x), 0);

	assert_int_equal(conntable_take_report(t, 3000, &r1), 0);
	assert_int_equal(count_in_report(&r1, 40001), 1);
	e = find_in_report(&r1, 40001);
	assert_int_equal(e->state, CONN_CLOSED);
	assert_int_equal(e->pid, 7);
	assert_string_equal(e->comm, "proc7");
	assert_int_equal(e->direction, CONN_DIR_OUTBOUND);
	assert_int_equal(e->bytes_sent, 11);
	assert_int_equal(e->bytes_received, 22);
	assert_int_equal(e->duration_ns, 1000);
	assert_int_equal(e->first_seen_ns, 1000);
	assert_int_equal(e->last_seen_ns, 2000);

	/* the open one stays in every report; the closed one is gone */
	assert_int_equal(conntable_take_report(t, 4000, &r2), 0);
	assert_int_equal(count_in_report(&r2, 40001), 0);
	assert_int_equal(count_in_report(&r2, 40002), 1);
	assert_int_equal(conntable_take_report(t, 5000, &r3), 0);
	assert_int_equal(count_in_report(&r3, 40002), 1);
	assert_int_equal(conntable_size(t), 1);

	/* a report is a copy: the table moving on does not change it */
	x = make_event(CTOPO_EV_CLOSE, NETNS_A, 40002, 80, 8, 6000);
	assert_int_equal(conntable_apply_event(t, &x), 0);
	assert_int_equal(find_in_report(&r3, 40002)->state, CONN_ESTABLISHED);

	conn_report_free(&r1);
	conn_report_free(&r2);
	conn_report_free(&r3);
	conntable_free(t);
}

/* A close with no open before it (the connection predates the tracker, or is so short-lived the
 * open went missing) still makes a closed entry, shown once. */
static void close_without_open_is_shown_once(void **state)
{
	struct conntable *t;
	struct conn_report r1, r2;
	struct ctopo_event x = make_event(CTOPO_EV_CLOSE, NETNS_A, 40010, 443, 0, 5000);

	(void)state;
	x.direction = CTOPO_DIR_UNKNOWN;
	x.duration_ns = 4000;
	assert_int_equal(conntable_new(0, &t), 0);
	assert_int_equal(conntable_apply_event(t, &x), 0);
	assert_int_equal(conntable_take_report(t, 6000, &r1), 0);
	assert_int_equal(r1.n, 1);
	assert_int_equal(r1.conns[0].state, CONN_CLOSED);
	assert_int_equal(r1.conns[0].pid, 0);
	assert_int_equal(r1.conns[0].first_seen_ns, 1000); /* ts - duration */
	assert_int_equal(conntable_take_report(t, 7000, &r2), 0);
	assert_int_equal(r2.n, 0);
	conn_report_free(&r1);
	conn_report_free(&r2);
	conntable_free(t);
}

static void failed_connect_is_reported_once(void **state)
{
	struct conntable *t;
	struct conn_report r1, r2;
	struct ctopo_event f = make_event(CTOPO_EV_CONNECT_FAILED, NETNS_A, 40020, 9, 5, 100);

	(void)state;
	f.error = ECONNREFUSED;
	assert_int_equal(conntable_new(0, &t), 0);
	assert_int_equal(conntable_apply_event(t, &f), 0);
	assert_int_equal(conntable_take_report(t, 200, &r1), 0);
	assert_int_equal(r1.n, 1);
	assert_int_equal(r1.conns[0].state, CONN_FAILED);
	assert_int_equal(r1.conns[0].error, ECONNREFUSED);
	assert_int_equal(conntable_take_report(t, 300, &r2), 0);
	assert_int_equal(r2.n, 0);
	conn_report_free(&r1);
	conn_report_free(&r2);
	conntable_free(t);
}

/* max 4: closed entries go first (oldest close first), then the oldest open ones; every eviction
 * is counted, and each report says how many happened since the one before. */
static void eviction_takes_oldest_closed_first_and_counts(void **state)
{
	struct conntable *t;
	struct conntable_stats st;
	struct conn_report r;
	struct ctopo_event ev;
	struct conn_key k1, k3;

	(void)state;
	assert_int_equal(conntable_new(4, &t), 0);
	for (uint16_t p = 1; p <= 4; p++) {
		ev = make_event(CTOPO_EV_CONNECT, NETNS_A, p, 80, p, p * 10);
		assert_int_equal(conntable_apply_event(t, &ev), 0);
	}
	/* close 3 first, then 1: the closed list is in order of closing */
	ev = make_event(CTOPO_EV_CLOSE, NETNS_A, 3, 80, 3, 100);
	assert_int_equal(conntable_apply_event(t, &ev), 0);
	ev = make_event(CTOPO_EV_CLOSE, NETNS_A, 1, 80, 1, 110);
	assert_int_equal(conntable_apply_event(t, &ev), 0);

	ev = make_event(CTOPO_EV_CONNECT, NETNS_A, 5, 80, 5, 120);
	assert_int_equal(conntable_apply_event(t, &ev), 0);
	ev = make_event(CTOPO_EV_CONNECT, NETNS_A, 3, 80, 3, 0);
	k3 = key_of(&ev);
	ev = make_event(CTOPO_EV_CONNECT, NETNS_A, 1, 80, 1, 0);
	k1 = key_of(&ev);
	assert_null(conntable_lookup(t, &k3));     /* closed first: gone */
	assert_non_null(conntable_lookup(t, &k1)); /* closed later: still there */
	conntable_get_stats(t, &st);
	assert_int_equal(st.evicted_closed, 1);
	assert_int_equal(st.evicted_open, 0);
	assert_int_equal(st.entries, 4);

	/* two more: the last closed one goes, then the oldest open one (port 2) */
	ev = make_event(CTOPO_EV_CONNECT, NETNS_A, 6, 80, 6, 130);
	assert_int_equal(conntable_apply_event(t, &ev), 0);
	ev = make_event(CTOPO_EV_CONNECT, NETNS_A, 7, 80, 7, 140);
	assert_int_equal(conntable_apply_event(t, &ev), 0);
	conntable_get_stats(t, &st);
	assert_int_equal(st.evicted_closed, 2);
	assert_int_equal(st.evicted_open, 1);
	assert_int_equal(st.entries, 4);

	assert_int_equal(conntable_take_report(t, 200, &r), 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.evicted_since_last, 3);
	assert_int_equal(count_in_report(&r, 2), 0);
	assert_int_equal(count_in_report(&r, 4), 1);
	assert_int_equal(count_in_report(&r, 7), 1);
	conn_report_free(&r);
	assert_int_equal(conntable_take_report(t, 300, &r), 0);
	assert_int_equal(r.evicted_since_last, 0);
	assert_int_equal(r.stats.evicted_closed + r.stats.evicted_open, 3);
	conn_report_free(&r);
	conntable_free(t);
}

/* A new connection on the tuple of a closed one gets an entry of its own: no pid, comm, mntns or
 * byte count of the old one survives in it, and the old one still reaches the next report (ports
 * are reused within one interval under load: a storm must not lose its short connections). */
static void tuple_reuse_replaces_cleanly(void **state)
{
	struct conntable *t;
	struct ctopo_event a = make_event(CTOPO_EV_CONNECT, NETNS_A, 40030, 80, 11, 100);
	struct ctopo_event ax = make_event(CTOPO_EV_CLOSE, NETNS_A, 40030, 80, 11, 200);
	struct ctopo_event b = make_event(CTOPO_EV_ACCEPT, NETNS_A, 40030, 80, 22, 300);
	struct conn_key k = key_of(&a);
	struct conntable_stats st;
	const struct conn *e;

	(void)state;
	ax.bytes_sent = 999;
	ax.duration_ns = 100;
	assert_int_equal(conntable_new(0, &t), 0);
	assert_int_equal(conntable_apply_event(t, &a), 0);
	assert_int_equal(conntable_apply_event(t, &ax), 0);
	assert_int_equal(conntable_apply_event(t, &b), 0);
	e = conntable_lookup(t, &k);
	assert_non_null(e);
	assert_int_equal(e->state, CONN_ESTABLISHED);
	assert_int_equal(e->pid, 22);
	assert_string_equal(e->comm, "proc22");
	assert_int_equal(e->mntns, 4026531840u + 22);
	assert_int_equal(e->cgroup_id, 122);
	assert_int_equal(e->direction, CONN_DIR_INBOUND);
	assert_int_equal(e->bytes_sent, 0);
	assert_int_equal(e->duration_ns, 0);
	assert_int_equal(e->first_seen_ns, 300);
	conntable_get_stats(t, &st);
	assert_int_equal(st.replaced, 1);
	assert_int_equal(conntable_size(t), 2); /* the closed one waits for its report */
	{
		struct conn_report r;
		size_t closed = 0, open = 0;

		assert_int_equal(conntable_take_report(t, 350, &r), 0);
		assert_int_equal(r.n, 2);
		for (size_t i = 0; i < r.n; i++) {
			assert_memory_equal(&r.conns[i].key, &k, sizeof(k));
			if (r.conns[i].state == CONN_CLOSED) {
				closed++;
				assert_int_equal(r.conns[i].pid, 11);
				assert_int_equal(r.conns[i].bytes_sent, 999);
			} else {
				open++;
				assert_int_equal(r.conns[i].pid, 22);
			}
		}
		assert_int_equal(closed, 1);
		assert_int_equal(open, 1);
		conn_report_free(&r);
		assert_int_equal(conntable_size(t), 1); /* shown once, then gone */
	}

	/* a close of an unknown process after a pid-carrying open keeps the open's process */
	ax = make_event(CTOPO_EV_CLOSE, NETNS_A, 40030, 80, 0, 400);
	ax.direction = CTOPO_DIR_UNKNOWN;
	assert_int_equal(conntable_apply_event(t, &ax), 0);
	e = conntable_lookup(t, &k);
	assert_int_equal(e->state, CONN_CLOSED);
	assert_int_equal(e->pid, 22);
	assert_string_equal(e->comm, "proc22");
	assert_int_equal(e->direction, CONN_DIR_INBOUND);
	conntable_free(t);
}

static struct conn_observation observe(uint32_t netns, const char *local, uint16_t lport, const char *remote,
				       uint16_t rport, uint8_t direction, uint32_t pid)
{
	struct conn_observation o = { .direction = direction,
				      .source = CONN_SRC_SOCK_DIAG,
				      .pid = pid,
				      .mntns = 4026531840u,
				      .inode = 5000 + lport };
	uint8_t l[16] = { 0 }, r[16] = { 0 };
	int family = strchr(local, ':') ? AF_INET6 : AF_INET;

	inet_pton(family, local, l);
	if (remote)
		inet_pton(family, remote, r);
	conn_key_init(&o.key, netns, family, l, lport, r, rport);
	snprintf(o.comm, sizeof(o.comm), "snap%u", pid);
	return o;
}

/* The snapshot saw the socket at t=1000; buffered events applied on top must not undo it:
 * an older close ends an older socket on the tuple, a later one ends this one. */
static void events_on_top_of_snapshot(void **state)
{
	struct conntable *t;
	struct conn_observation o = observe(NETNS_A, "10.203.0.2", 40040, "10.203.0.1", 80, CONN_DIR_OUTBOUND, 31);
	struct ctopo_event old_close = make_event(CTOPO_EV_CLOSE, NETNS_A, 40040, 80, 30, 900);
	struct ctopo_event connect = make_event(CTOPO_EV_CONNECT, NETNS_A, 40040, 80, 30, 950);
	struct ctopo_event close = make_event(CTOPO_EV_CLOSE, NETNS_A, 40040, 80, 0, 1200);
	struct conntable_stats st;
	const struct conn *e;

	(void)state;
	close.direction = CTOPO_DIR_UNKNOWN;
	assert_int_equal(conntable_new(0, &t), 0);
	conntable_sync_begin(t, 1000);
	assert_int_equal(conntable_upsert_snapshot(t, &o, 1000), 0);
	conntable_sync_end(t, false, 0, 1001);

	assert_int_equal(conntable_apply_event(t, &old_close), 0);
	e = conntable_lookup(t, &o.key);
	assert_int_equal(e->state, CONN_ESTABLISHED);
	conntable_get_stats(t, &st);
	assert_int_equal(st.stale_events, 1);

	/* the connect before the snapshot: the snapshot's fd holder stays, direction is confirmed */
	assert_int_equal(conntable_apply_event(t, &connect), 0);
	e = conntable_lookup(t, &o.key);
	assert_int_equal(e->pid, 31);
	assert_string_equal(e->comm, "snap31");
	assert_int_equal(e->first_seen_ns, 950);

	assert_int_equal(conntable_apply_event(t, &close), 0);
	e = conntable_lookup(t, &o.key);
	assert_int_equal(e->state, CONN_CLOSED);
	assert_int_equal(e->pid, 31);
	conntable_free(t);
}

/* A snapshot that runs after a close it could not have seen does not resurrect the entry. */
static void snapshot_older_than_close_does_not_reopen(void **state)
{
	struct conntable *t;
	struct ctopo_event c = make_event(CTOPO_EV_CONNECT, NETNS_A, 40050, 80, 40, 100);
	struct ctopo_event x = make_event(CTOPO_EV_CLOSE, NETNS_A, 40050, 80, 40, 600);
	struct conn_observation o = observe(NETNS_A, "10.203.0.2", 40050, "10.203.0.1", 80, CONN_DIR_OUTBOUND, 40);
	struct conn_observation later = o;

	(void)state;
	assert_int_equal(conntable_new(0, &t), 0);
	assert_int_equal(conntable_apply_event(t, &c), 0);
	assert_int_equal(conntable_apply_event(t, &x), 0);
	assert_int_equal(conntable_upsert_snapshot(t, &o, 500), 0); /* dump began before the close */
	assert_int_equal(conntable_lookup(t, &o.key)->state, CONN_CLOSED);
	later.pid = 41;
	assert_int_equal(conntable_upsert_snapshot(t, &later, 700), 0); /* a new socket on the tuple */
	assert_int_equal(conntable_lookup(t, &o.key)->state, CONN_ESTABLISHED);
	assert_int_equal(conntable_lookup(t, &o.key)->pid, 41);
	conntable_free(t);
}

/* Polling mode: what a sync no longer finds was closed in between; listeners-only syncs leave
 * connections alone, and a sync of one namespace leaves the others alone. */
static void sync_sweeps_what_vanished(void **state)
{
	struct conntable *t;
	struct conn_observation a = observe(NETNS_A, "10.203.0.2", 40060, "10.203.0.1", 80, CONN_DIR_OUTBOUND, 50);
	struct conn_observation b = observe(NETNS_A, "10.203.0.2", 40061, "10.203.0.1", 80, CONN_DIR_OUTBOUND, 50);
	struct conn_observation l = observe(NETNS_A, "0.0.0.0", 80, NULL, 0, CONN_DIR_LISTENING, 51);
	struct conn_observation other = observe(NETNS_B, "fd03::2", 40062, "fd03::1", 80, CONN_DIR_OUTBOUND, 52);
	struct conn_report r1, r2;

	(void)state;
	assert_int_equal(conntable_new(0, &t), 0);
	conntable_sync_begin(t, 1000);
	assert_int_equal(conntable_upsert_snapshot(t, &a, 1000), 0);
	assert_int_equal(conntable_upsert_snapshot(t, &b, 1000), 0);
	assert_int_equal(conntable_upsert_snapshot(t, &l, 1000), 0);
	assert_int_equal(conntable_upsert_snapshot(t, &other, 1000), 0);
	conntable_sync_end(t, false, 0, 1010);
	assert_int_equal(conntable_size(t), 4);

	/* listeners only, and the listener is gone: only it is swept */
	conntable_sync_begin(t, 2000);
	conntable_sync_end(t, true, 0, 2010);
	assert_int_equal(conntable_lookup(t, &l.key)->state, CONN_CLOSED);
	assert_int_equal(conntable_lookup(t, &a.key)->state, CONN_ESTABLISHED);

	/* namespace A only, and b is gone: b is swept, B's connection is not */
	conntable_sync_begin(t, 3000);
	assert_int_equal(conntable_upsert_snapshot(t, &a, 3000), 0);
	conntable_sync_end(t, false, NETNS_A, 3010);
	assert_int_equal(conntable_lookup(t, &b.key)->state, CONN_CLOSED);
	assert_int_equal(conntable_lookup(t, &other.key)->state, CONN_ESTABLISHED);

	assert_int_equal(conntable_take_report(t, 4000, &r1), 0);
	assert_int_equal(r1.n, 4);
	assert_int_equal(r1.stats.swept, 2);
	/* listeners sort first within a namespace */
	assert_int_equal(r1.conns[0].direction, CONN_DIR_LISTENING);
	assert_int_equal(r1.conns[0].key.netns, NETNS_A);
	assert_int_equal(conntable_take_report(t, 5000, &r2), 0);
	assert_int_equal(r2.n, 2);
	conn_report_free(&r1);
	conn_report_free(&r2);
	conntable_free(t);
}

/* A dual-stack socket's v4-mapped tuple and the tracker's IPv4 event name one connection. */
static void v4_mapped_snapshot_matches_ipv4_event(void **state)
{
	struct conntable *t;
	struct conn_observation o =
		observe(NETNS_A, "::ffff:10.203.0.1", 80, "::ffff:10.203.0.2", 40070, CONN_DIR_INBOUND, 60);
	struct ctopo_event x = make_event(CTOPO_EV_CLOSE, NETNS_A, 80, 40070, 60, 5000);
	const struct conn *e;

	(void)state;
	inet_pton(AF_INET, "10.203.0.1", x.saddr);
	inet_pton(AF_INET, "10.203.0.2", x.daddr);
	assert_int_equal(o.key.family, AF_INET);
	assert_int_equal(conntable_new(0, &t), 0);
	assert_int_equal(conntable_upsert_snapshot(t, &o, 1000), 0);
	assert_int_equal(conntable_apply_event(t, &x), 0);
	assert_int_equal(conntable_size(t), 1);
	e = conntable_lookup(t, &o.key);
	assert_int_equal(e->state, CONN_CLOSED);

	/* a wildcard dual-stack listener stays IPv6 */
	o = observe(NETNS_A, "::", 80, NULL, 0, CONN_DIR_LISTENING, 60);
	assert_int_equal(o.key.family, AF_INET6);
	conntable_free(t);
}

/* 150,000 connections in and out: every one is found, the table never exceeds its bound. */
static void scales_past_100k(void **state)
{
	const unsigned total = 150000;
	struct conntable *t;
	struct conntable_stats st;
	struct conn_report r;

	(void)state;
	assert_int_equal(conntable_new(200000, &t), 0);
	for (unsigned i = 0; i < total; i++) {
		struct ctopo_event ev = make_event(CTOPO_EV_CONNECT, NETNS_A + i % 7, (uint16_t)(i % 60000 + 1),
						   (uint16_t)(i / 60000 + 1), i + 1, i + 1);

		assert_int_equal(conntable_apply_event(t, &ev), 0);
	}
	assert_int_equal(conntable_size(t), total);
	for (unsigned i = 0; i < total; i++) {
		struct ctopo_event ev = make_event(CTOPO_EV_CLOSE, NETNS_A + i % 7, (uint16_t)(i % 60000 + 1),
						   (uint16_t)(i / 60000 + 1), i + 1, total + i + 1);
		struct conn_key k = key_of(&ev);
		const struct conn *e = conntable_lookup(t, &k);

		assert_non_null(e);
		assert_int_equal(e->pid, i + 1);
		if (i % 2)
			assert_int_equal(conntable_apply_event(t, &ev), 0);
	}
	assert_int_equal(conntable_take_report(t, 1ull << 40, &r), 0);
	assert_int_equal(r.n, total);
	conn_report_free(&r);
	assert_int_equal(conntable_size(t), total / 2);
	conntable_get_stats(t, &st);
	assert_int_equal(st.evicted_closed + st.evicted_open, 0);
	conntable_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(closed_entry_is_in_exactly_one_report),
		cmocka_unit_test(close_without_open_is_shown_once),
		cmocka_unit_test(failed_connect_is_reported_once),
		cmocka_unit_test(eviction_takes_oldest_closed_first_and_counts),
		cmocka_unit_test(tuple_reuse_replaces_cleanly),
		cmocka_unit_test(events_on_top_of_snapshot),
		cmocka_unit_test(snapshot_older_than_close_does_not_reopen),
		cmocka_unit_test(sync_sweeps_what_vanished),
		cmocka_unit_test(v4_mapped_snapshot_matches_ipv4_event),
		cmocka_unit_test(scales_past_100k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
