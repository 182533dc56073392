/* SPDX-License-Identifier: Apache-2.0 */
/* The edge store: folding events, bucket rollover, windows, eviction, and reconciling the
 * kernel's exact counters with what the ring buffer delivered. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "edges/edges.h"

#define S 1000000000ull
/* an arbitrary monotonic "now", far from 0 so windows never clip at the clock's start */
#define T0 (100000 * S)

static struct ctopo_event client_event(uint8_t type, uint64_t ts, const char *comm, const char *server, uint16_t port)
{
	struct ctopo_event ev = { .ts_ns = ts,
				  .type = type,
				  .family = AF_INET,
				  .netns = 4026531840u,
				  .mntns = 4026531841u,
				  .cgroup_id = 7,
				  .pid = 4242,
				  .sport = 40000,
				  .dport = port,
				  .direction = CTOPO_DIR_OUTBOUND };

	inet_pton(AF_INET, "10.0.0.1", ev.saddr);
	inet_pton(AF_INET, server, ev.daddr);
	snprintf(ev.comm, sizeof(ev.comm), "%s", comm);
	return ev;
}

static struct ctopo_event server_event(uint8_t type, uint64_t ts, uint16_t port)
{
	struct ctopo_event ev = client_event(type, ts, "nginx", "10.0.0.1", 40000);

	ev.direction = CTOPO_DIR_INBOUND;
	ev.sport = port;
	ev.pid = 99;
	inet_pton(AF_INET, "10.0.0.2", ev.saddr);
	return ev;
}

static struct edges *new_store(size_t max, uint64_t history)
{
	struct edges_options o = { .max_edges = max, .history_ns = history };
	struct edges *s = NULL;

	assert_int_equal(edges_new(&o, &s), 0);
	return s;
}

static const struct edge_record *lookup_event(struct edges *s, const struct ctopo_event *ev)
{
	struct ctopo_edge_key k;

	assert_int_equal(edge_key_from_event(ev, &k), 0);
	return edges_lookup(s, &k);
}

static struct edge_counters window(const struct edge_record *e, uint64_t since, uint64_t now)
{
	struct edge_counters c;

	edge_window_sum(e->buckets, e->n_buckets, since, now, &c, NULL, NULL);
	return c;
}

/* A connection's three events land on one edge: opened, closed, bytes and duration. */
static void test_fold_connection(void **state)
{
	struct edges *s = new_store(0, 0);
	struct ctopo_event open = client_event(CTOPO_EV_CONNECT, T0, "curl", "10.0.0.2", 80);
	struct ctopo_event close = client_event(CTOPO_EV_CLOSE, T0 + S / 2, "curl", "10.0.0.2", 80);
	struct ctopo_event accept = server_event(CTOPO_EV_ACCEPT, T0, 80);
	const struct edge_record *e;
	struct edge_counters c;

	(void)state;
	close.bytes_sent = 100;
	close.bytes_received = 2000;
	close.duration_ns = S / 2;
	assert_int_equal(edges_fold_event(s, &open, NULL), 0);
	assert_int_equal(edges_fold_event(s, &close, NULL), 0);
	assert_int_equal(edges_fold_event(s, &accept, NULL), 0);
	e = lookup_event(s, &open);
	assert_non_null(e);
	assert_int_equal(e->key.role, CTOPO_EDGE_CLIENT);
	assert_int_equal(e->key.port, 80);
	assert_string_equal(e->key.comm, "curl");
	assert_int_equal(e->last_pid, 4242);
	c = window(e, 15 * S, T0 + S);
	assert_int_equal(c.opened, 1);
	assert_int_equal(c.closed, 1);
	assert_int_equal(c.bytes_sent, 100);
	assert_int_equal(c.bytes_received, 2000);
	assert_int_equal(c.duration_sum_ns, S / 2);
	assert_int_equal(c.duration_max_ns, S / 2);
	assert_int_equal(c.not_itemised, 0);
	/* the server's side is an edge of its own, keyed by its local port */
	e = lookup_event(s, &accept);
	assert_non_null(e);
	assert_int_equal(e->key.role, CTOPO_EDGE_SERVER);
	assert_int_equal(e->key.port, 80);
	assert_int_equal(window(e, 15 * S, T0 + S).opened, 1);
	/* a close of a socket older than the tracker has no side: ignored, like the kernel does */
	close.direction = CTOPO_DIR_UNKNOWN;
	assert_int_equal(edges_fold_event(s, &close, NULL), -EINVAL);
	edges_free(s);
}

/* Failures are told apart by errno, and 1000 connections of one edge cost one edge. */
static void test_failures_and_many_connections(void **state)
{
	struct edges *s = new_store(0, 0);
	struct ctopo_event ev = client_event(CTOPO_EV_CONNECT_FAILED, T0, "wget", "10.0.0.3", 5432);
	struct edges_stats st;
	struct edge_counters c;

	(void)state;
	ev.error = ECONNREFUSED;
	edges_fold_event(s, &ev, NULL);
	ev.error = ETIMEDOUT;
	edges_fold_event(s, &ev, NULL);
	ev.error = EHOSTUNREACH;
	edges_fold_event(s, &ev, NULL);
	for (int i = 0; i < 1000; i++) {
		struct ctopo_event o = client_event(CTOPO_EV_CONNECT, T0 + i * 1000, "wget", "10.0.0.3", 5432);

		o.sport = 30000 + i; /* a new client port each time: still one edge */
		o.pid = 5000 + i;
		edges_fold_event(s, &o, NULL);
	}
	edges_get_stats(s, &st);
	assert_int_equal(st.edges, 1);
	c = window(lookup_event(s, &ev), 60 * S, T0 + S);
	assert_int_equal(c.refused, 1);
	assert_int_equal(c.timed_out, 1);
	assert_int_equal(c.failed, 1);
	assert_int_equal(c.opened, 1000);
	assert_int_equal(lookup_event(s, &ev)->last_pid, 5999);
	edges_free(s);
}

/* A connection every 10 s: each second has a bucket of its own for a minute; then the minute's
 * buckets become one, counts kept; windows round outward to the bucket width. */
static void test_bucket_rollover_and_windows(void **state)
{
	struct edges *s = new_store(0, 0);
	struct ctopo_event ev = client_event(CTOPO_EV_CONNECT, 0, "health", "10.0.0.4", 8080);
	const struct edge_record *e;
	uint64_t now = T0 + 120 * S, first, last;
	struct edge_counters c;

	(void)state;
	for (int i = 0; i < 12; i++) { /* T0 .. T0+110 s */
		ev.ts_ns = T0 + i * 10 * S + S / 4;
		edges_fold_event(s, &ev, NULL);
	}
	e = lookup_event(s, &ev);
	assert_int_equal(e->n_buckets, 12);
	/* --since 15s at T0+120 s: the one at T0+110.25 s, and the one at T0+100.25 s is 19.75 s old */
	assert_int_equal(window(e, 15 * S, now).opened, 1);
	assert_true(edge_window_sum(e->buckets, e->n_buckets, 15 * S, now, &c, &first, &last));
	assert_int_equal(first, T0 + 110 * S + S / 4);
	assert_int_equal(last, first);
	/* a window from T0+104 s to now holds one; from T0+100.5 s the bucket [100, 101) overlaps */
	assert_int_equal(window(e, 16 * S, now).opened, 1);
	assert_int_equal(window(e, 19 * S + S / 2, now).opened, 2);
	assert_int_equal(window(e, 0, now).opened, 12);
	/* nothing in a window after the last event */
	assert_false(edge_window_sum(e->buckets, e->n_buckets, 5 * S, now + 10 * S, &c, NULL, NULL));

	/* rollover: buckets older than a minute merge into minute buckets, nothing is lost */
	edges_maintain(s, now);
	e = lookup_event(s, &ev);
	assert_int_equal(window(e, 0, now).opened, 12);
	for (size_t i = 0; i < e->n_buckets; i++) {
		const struct edge_bucket *b = &e->buckets[i];

		if (b->start_ns + b->width_ns <= now - EDGES_FINE_SPAN_NS)
			assert_int_equal(b->width_ns, EDGES_COARSE_NS);
		if (i)
			assert_true(b->start_ns >= e->buckets[i - 1].start_ns);
	}
	assert_true(e->n_buckets < 12);
	/* the recent minute stays at 1 s: --since 15s is still exact */
	assert_int_equal(window(e, 15 * S, now).opened, 1);
	/* maintaining again changes nothing */
	edges_maintain(s, now);
	assert_int_equal(window(lookup_event(s, &ev), 0, now).opened, 12);
	edges_free(s);
}

/* Past the history buckets go, and an edge left without any goes too. */
static void test_history_expiry(void **state)
{
	struct edges *s = new_store(0, 300 * S);
	struct ctopo_event old = client_event(CTOPO_EV_CONNECT, T0, "cron", "10.0.0.5", 443);
	struct ctopo_event fresh = client_event(CTOPO_EV_CONNECT, T0 + 200 * S, "api", "10.0.0.6", 5432);
	struct edges_stats st;

	(void)state;
	edges_fold_event(s, &old, NULL);
	edges_fold_event(s, &fresh, NULL);
	old.ts_ns = T0 + 250 * S;
	edges_fold_event(s, &old, NULL);
	edges_maintain(s, T0 + 400 * S); /* keeps what is newer than T0+100 s */
	assert_non_null(lookup_event(s, &old));
	assert_int_equal(window(lookup_event(s, &old), 0, T0 + 400 * S).opened, 1);
	edges_maintain(s, T0 + 600 * S);
	assert_null(lookup_event(s, &old));
	assert_null(lookup_event(s, &fresh));
	edges_get_stats(s, &st);
	assert_int_equal(st.edges, 0);
	assert_int_equal(st.buckets, 0);
	assert_int_equal(st.expired, 2);
	edges_free(s);
}

/* At max_edges the least recently active edge goes, and the eviction is counted. */
static void test_eviction_accounting(void **state)
{
	struct edges *s = new_store(3, 0);
	struct ctopo_event ev[5];
	struct edges_stats st;

	(void)state;
	for (int i = 0; i < 5; i++)
		ev[i] = client_event(CTOPO_EV_CONNECT, T0 + i * S, "c", "10.0.1.1", 1000 + i);
	edges_fold_event(s, &ev[0], NULL);
	edges_fold_event(s, &ev[1], NULL);
	edges_fold_event(s, &ev[2], NULL);
	ev[0].ts_ns = T0 + 3 * S; /* edge 0 talks again: edge 1 is now the least recent */
	edges_fold_event(s, &ev[0], NULL);
	edges_fold_event(s, &ev[3], NULL);
	assert_null(lookup_event(s, &ev[1]));
	assert_non_null(lookup_event(s, &ev[0]));
	edges_fold_event(s, &ev[4], NULL);
	assert_null(lookup_event(s, &ev[2]));
	edges_get_stats(s, &st);
	assert_int_equal(st.edges, 3);
	assert_int_equal(st.evicted, 2);
	assert_true(st.memory_bytes > 0);
	edges_free(s);
}

/* The kernel's counts are read an interval late; the ring runs ahead, nothing is added. When the
 * ring lost some, exactly the loss is added, without detail, and the counts are exact. */
static void test_kernel_drain_arithmetic(void **state)
{
	struct edges *s = new_store(0, 0);
	struct ctopo_event open = client_event(CTOPO_EV_CONNECT, T0, "storm", "127.0.0.1", 18800);
	struct ctopo_event close = client_event(CTOPO_EV_CLOSE, T0, "storm", "127.0.0.1", 18800);
	struct ctopo_edge_counts k = { 0 };
	struct ctopo_edge_key key;
	struct edge_counters c;
	struct edges_stats st;
	const struct edge_record *e;

	(void)state;
	assert_int_equal(edge_key_from_event(&open, &key), 0);
	/* interval 1: 10 connections, all delivered; the kernel's counts of them come later */
	for (int i = 0; i < 10; i++) {
		edges_fold_event(s, &open, NULL);
		edges_fold_event(s, &close, NULL);
	}
	/* interval 2: 10 more delivered; the drain brings interval 1's 10: the ring is ahead */
	open.ts_ns = close.ts_ns = T0 + 3 * S;
	for (int i = 0; i < 10; i++) {
		edges_fold_event(s, &open, NULL);
		edges_fold_event(s, &close, NULL);
	}
	k.opened = k.closed = 10;
	edges_apply_kernel(s, &key, &k, T0 + 3 * S);
	c = window(lookup_event(s, &open), 0, T0 + 4 * S);
	assert_int_equal(c.opened, 20);
	assert_int_equal(c.closed, 20);
	assert_int_equal(c.not_itemised, 0);
	/* interval 3: 50 made, the ring lost 30 closes and 5 opens; the drain brings interval 2's 10 */
	open.ts_ns = close.ts_ns = T0 + 6 * S;
	for (int i = 0; i < 45; i++)
		edges_fold_event(s, &open, NULL);
	for (int i = 0; i < 20; i++)
		edges_fold_event(s, &close, NULL);
	edges_apply_kernel(s, &key, &k, T0 + 6 * S);
	c = window(lookup_event(s, &open), 0, T0 + 7 * S);
	assert_int_equal(c.opened, 65); /* not yet known lost */
	assert_int_equal(c.closed, 40);
	/* interval 4: quiet; the drain brings interval 3's 50 and 50: now the loss shows exactly */
	k.opened = k.closed = 50;
	edges_apply_kernel(s, &key, &k, T0 + 9 * S);
	e = lookup_event(s, &open);
	c = window(e, 0, T0 + 10 * S);
	assert_int_equal(c.opened, 70);
	assert_int_equal(c.closed, 70);
	assert_int_equal(c.not_itemised, 30);
	/* the loss lands in the bucket of the drain: a window of the last 2 s has only it */
	c = window(e, 2 * S, T0 + 10 * S);
	assert_int_equal(c.opened, 5);
	assert_int_equal(c.closed, 30);
	assert_int_equal(c.not_itemised, 30);
	/* a later empty drain adds nothing again */
	k = (struct ctopo_edge_counts){ 0 };
	edges_apply_kernel(s, &key, &k, T0 + 12 * S);
	assert_int_equal(window(lookup_event(s, &open), 0, T0 + 13 * S).closed, 70);
	edges_get_stats(s, &st);
	assert_int_equal(st.not_itemised, 30);
	edges_free(s);
}

/* An edge the ring never delivered anything of (all lost): the kernel's key makes it, failures
 * included; the key is normalised like events are (v4-mapped IPv6, comm padding). */
static void test_kernel_only_edge(void **state)
{
	struct edges *s = new_store(0, 0);
	struct ctopo_edge_counts k = { .refused = 7, .opened = 3, .closed = 3 };
	struct ctopo_edge_key key = {
		.netns = 1, .mntns = 2, .cgroup_id = 3, .role = CTOPO_EDGE_CLIENT, .family = AF_INET6, .port = 5432
	};
	struct ctopo_event ev = client_event(CTOPO_EV_CONNECT, T0, "psql", "192.0.2.7", 5432);
	const struct edge_record *e;
	struct edge_counters c;

	(void)state;
	memcpy(key.comm, "psql\0garbage", 12);
	inet_pton(AF_INET6, "::ffff:192.0.2.7", key.addr);
	ev.netns = 1;
	ev.mntns = 2;
	ev.cgroup_id = 3;
	assert_int_equal(edges_apply_kernel(s, &key, &k, T0), 0);
	e = lookup_event(s, &ev);
	assert_non_null(e);
	assert_int_equal(e->key.family, AF_INET);
	c = window(e, 60 * S, T0 + S);
	assert_int_equal(c.refused, 7);
	assert_int_equal(c.opened, 3);
	assert_int_equal(c.not_itemised, 10);
	edges_free(s);
}

/* A snapshot is a deep copy: the store moves on, the copy does not. */
static void test_snapshot_is_a_copy(void **state)
{
	struct edges *s = new_store(0, 0);
	struct ctopo_event ev = client_event(CTOPO_EV_CONNECT, T0, "a", "10.0.0.9", 9);
	struct edge_record *v = NULL;
	size_t n = 0;

	(void)state;
	edges_fold_event(s, &ev, NULL);
	assert_int_equal(edges_snapshot(s, &v, &n), 0);
	assert_int_equal(n, 1);
	edges_fold_event(s, &ev, NULL);
	assert_int_equal(window(&v[0], 0, T0 + S).opened, 1);
	assert_int_equal(window(lookup_event(s, &ev), 0, T0 + S).opened, 2);
	edges_records_free(v, n);
	edges_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_connection),
		cmocka_unit_test(test_failures_and_many_connections),
		cmocka_unit_test(test_bucket_rollover_and_windows),
		cmocka_unit_test(test_history_expiry),
		cmocka_unit_test(test_eviction_accounting),
		cmocka_unit_test(test_kernel_drain_arithmetic),
		cmocka_unit_test(test_kernel_only_edge),
		cmocka_unit_test(test_snapshot_is_a_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
