/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon protocol's report: what goes out comes back the same, and malformed input from a
 * broken or hostile peer is refused with a reason, never half-applied. */
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

#include "render/output.h"
#include "render/render.h"
#include "report/report_json.h"
#include "report_fixture.h"

static char *to_json(const struct report *r, size_t *len)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);

	report_write_json(out, r);
	fclose(out);
	return buf;
}

static char *to_graph_text(const struct report *r)
{
	struct graph *g;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	assert_int_equal(render_graph(r, NULL, &g), 0);
	out = open_memstream(&buf, &len);
	output_graph_json(out, r, g);
	fclose(out);
	graph_free(g);
	return buf;
}

static void round_trip_is_exact(void **state)
{
	struct report *r = sample_report(), *back = NULL;
	char err[256] = "", *a, *b, *ga, *gb;
	size_t alen, blen;

	(void)state;
	a = to_json(r, &alen);
	assert_int_equal(report_parse_json(a, alen, &back, err, sizeof(err)), 0);
	b = to_json(back, &blen);
	assert_string_equal(a, b);
	assert_int_equal(back->n_conns, r->n_conns);
	assert_int_equal(back->n_containers, r->n_containers);
	for (size_t i = 0; i < back->n_conns; i++) /* only psql went through the published port */
		assert_int_equal(back->conns[i].nat, !strcmp(back->conns[i].comm, "psql"));
	assert_true(back->netns[0].is_host);
	/* what a client renders from the daemon's report is what the daemon would render */
	ga = to_graph_text(r);
	gb = to_graph_text(back);
	assert_string_equal(ga, gb);
	free(a);
	free(b);
	free(ga);
	free(gb);
	report_free(r);
	report_free(back);
}

static void expect_bad(const char *json, const char *why)
{
	struct report *rep = NULL;
	char err[256] = "";

	assert_int_equal(report_parse_json(json, strlen(json), &rep, err, sizeof(err)), -EBADMSG);
	assert_null(rep);
	if (!strstr(err, why))
		fail_msg("'%s': message '%s' does not say '%s'", json, err, why);
}

static void malformed_reports_are_refused(void **state)
{
	struct report *r = sample_report(), *rep = NULL;
	char err[256] = "", *good;
	size_t len;

	(void)state;
	expect_bad("", "not valid JSON");
	expect_bad("[1,2]", "not a JSON object");
	/* a daemon of the previous version: say which side to fix */
	expect_bad("{\"version\":1}", "the daemon speaks report version 1 and this ctopo version 2");
	expect_bad("{\"version\":\"1\"}", "version: expected an integer");
	expect_bad("{\"version\":2,\"conns\":{}}", "conns: expected an array");
	expect_bad("{\"version\":2,\"conns\":[7]}", "not an object");
	expect_bad("{\"version\":2,\"conns\":[{\"local\":\"1.2.3.4\"}]}", "has no port");
	expect_bad("{\"version\":2,\"conns\":[{\"local\":\"1.2.3.4:99999\",\"remote\":\"1.2.3.4:1\"}]}", "malformed");
	expect_bad("{\"version\":2,\"conns\":[{\"local\":\"[::1:80\",\"remote\":\"1.2.3.4:1\"}]}", "malformed");
	expect_bad("{\"version\":2,\"conns\":[{\"local\":\"1.1.1.1:1\",\"remote\":\"1.2.3.4:1\",\"pid\":-1}]}",
		   "pid: -1 is not in 0..4294967295");
	expect_bad(
		"{\"version\":2,\"conns\":[{\"local\":\"1.1.1.1:1\",\"remote\":\"1.2.3.4:1\",\"netns\":4294967296}]}",
		"netns: 4294967296 is not in 0..4294967295");
	expect_bad("{\"version\":2,\"conns\":[{\"local\":\"1.1.1.1:1\",\"remote\":\"1.2.3.4:1\",\"state\":9}]}",
		   "unknown direction or state");
	expect_bad("{\"version\":2,\"containers\":[{\"name\":\"x\"}]}", "no id");
	expect_bad("{\"version\":2,\"containers\":[{\"id\":\"a\",\"running\":1}]}", "running: expected a boolean");
	expect_bad("{\"version\":2,\"netns\":[{\"inode\":1,\"prefixes\":[\"10.0.0.0/33\"]}]}", "malformed");
	expect_bad("{\"version\":2,\"netns\":[{\"inode\":1,\"prefixes\":[\"10.0.0.0\"]}]}", "no length");
	/* times a daemon never writes: they would not even convert to nanoseconds */
	expect_bad("{\"version\":2,\"generated_at\":1e300}", "generated_at is not a time in seconds since the epoch");
	expect_bad("{\"version\":2,\"generated_at\":-1}", "generated_at is not a time");
	expect_bad("{\"version\":2,\"edges\":[{\"role\":\"server\",\"port\":80,\"first_seen\":-0.5}]}",
		   "an edge's first_seen is not a time");
	expect_bad(
		"{\"version\":2,\"edges\":[{\"role\":\"server\",\"port\":80,\"buckets\":[[1e300,1,0,0,0,0,0,0,0,"
		"0,0,0,1,1]]}]}",
		"a bucket's start is not a time");

	/* every truncation of a real report is refused, none crashes or leaks */
	good = to_json(r, &len);
	for (size_t cut = 0; cut < len - 1; cut += 97) {
		rep = NULL;
		assert_int_equal(report_parse_json(good, cut, &rep, err, sizeof(err)), -EBADMSG);
		assert_null(rep);
	}
	/* a NUL byte inside is refused too */
	good[len / 2] = '\0';
	assert_int_equal(report_parse_json(good, len, &rep, err, sizeof(err)), -EBADMSG);
	free(good);
	report_free(r);
}

static void long_strings_are_truncated_not_overflowed(void **state)
{
	char json[4096], name[1500];
	struct report *rep = NULL;
	char err[256];

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(json, sizeof(json),
		 "{\"version\":2,\"containers\":[{\"id\":\"abc\",\"name\":\"%s\"}],"
		 "\"future_field\":{\"x\":[1,2]}}",
		 name);
	assert_int_equal(report_parse_json(json, strlen(json), &rep, err, sizeof(err)), 0);
	assert_int_equal(strlen(rep->containers[0].name), REPORT_NAME_LEN - 1);
	report_free(rep);
}

/* Report version 2: the edges, with their buckets, come back exactly. */
static void edges_round_trip(void **state)
{
	struct report *r = sample_report(), *back = NULL;
	struct edge_bucket b[2] = {
		{ .start_ns = 1795000000000000000ull,
		  .width_ns = EDGES_COARSE_NS,
		  .first_ns = 1795000001500000000ull,
		  .last_ns = 1795000059000000000ull,
		  .c = { .opened = 40,
			 .closed = 38,
			 .refused = 2,
			 .timed_out = 1,
			 .failed = 1,
			 .bytes_sent = 4000,
			 .bytes_received = 123456,
			 .duration_sum_ns = 380000000,
			 .duration_max_ns = 25000000,
			 .not_itemised = 3 } },
		{ .start_ns = 1795000100000000000ull,
		  .width_ns = EDGES_FINE_NS,
		  .first_ns = 1795000100250000000ull,
		  .last_ns = 1795000100250000000ull,
		  .c = { .opened = 1 } },
	};
	struct report_edge client = { .rec = { .key = { .netns = 4026532001u,
							.mntns = 4026532101u,
							.cgroup_id = 9,
							.role = CTOPO_EDGE_CLIENT,
							.family = AF_INET,
							.port = 8080,
							.comm = "wget" },
					       .nat = { .nat = true, .family = AF_INET, .port = 80 },
					       .last_pid = 31337,
					       .first_ns = 1795000001500000000ull,
					       .last_ns = 1795000100250000000ull,
					       .n_buckets = 2 },
				      .container_id =
					      "aaaa000000000000000000000000000000000000000000000000000000000001" };
	struct report_edge server = { .rec = { .key = { .netns = 4026532002u,
							.cgroup_id = 12,
							.role = CTOPO_EDGE_SERVER,
							.port = 80,
							.comm = "httpd" },
					       .last_pid = 77,
					       .n_buckets = 1 },
				      .container_id = "bbbb" };
	char err[256] = "", *a, *b2;
	size_t alen, blen;
	struct edge_counters sum;

	(void)state;
	inet_pton(AF_INET, "172.17.0.1", client.rec.key.addr);
	inet_pton(AF_INET, "172.17.0.3", client.rec.nat.addr);
	client.rec.buckets = malloc(sizeof(b));
	memcpy(client.rec.buckets, b, sizeof(b));
	server.rec.buckets = malloc(sizeof(b[0]));
	memcpy(server.rec.buckets, b, sizeof(b[0]));
	assert_int_equal(report_add_edge(r, &client), 0);
	assert_int_equal(report_add_edge(r, &server), 0);
	r->history_s = 3600;
	a = to_json(r, &alen);
	if (report_parse_json(a, alen, &back, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	b2 = to_json(back, &blen);
	assert_string_equal(a, b2);
	assert_int_equal(back->n_edges, 2);
	assert_int_equal(back->history_s, 3600);
	assert_memory_equal(&back->edges[0].rec.key, &client.rec.key, sizeof(client.rec.key));
	assert_true(back->edges[0].rec.nat.nat);
	assert_int_equal(back->edges[0].rec.nat.port, 80);
	assert_int_equal(back->edges[0].rec.last_pid, 31337);
	assert_int_equal(back->edges[1].rec.key.role, CTOPO_EDGE_SERVER);
	assert_int_equal(back->edges[1].rec.key.port, 80);
	/* the container of each side, as the daemon found it from the edge's cgroup */
	assert_string_equal(back->edges[0].container_id, client.container_id);
	assert_string_equal(back->edges[1].container_id, "bbbb");
	assert_int_equal(back->edges[1].rec.key.cgroup_id, 12);
	assert_non_null(strstr(a, "\"container_id\":\"bbbb\""));
	edge_window_sum(back->edges[0].rec.buckets, back->edges[0].rec.n_buckets, 0, 1795000200000000000ull, &sum, NULL,
			NULL);
	assert_int_equal(sum.opened, 41);
	assert_int_equal(sum.refused, 2);
	assert_int_equal(sum.bytes_received, 123456);
	assert_int_equal(sum.duration_max_ns, 25000000);
	assert_int_equal(sum.not_itemised, 3);
	free(a);
	free(b2);
	report_free(r);
	report_free(back);

	expect_bad("{\"version\":2,\"edges\":[{\"role\":\"peer\"}]}", "neither client nor server");
	expect_bad("{\"version\":2,\"edges\":[{\"role\":\"client\",\"server\":\"1.2.3.4\"}]}", "has no port");
	expect_bad("{\"version\":2,\"edges\":[{\"role\":\"server\",\"port\":80,\"buckets\":[[1,2,3]]}]}",
		   "not an array of 14");
	expect_bad(
		"{\"version\":2,\"edges\":[{\"role\":\"server\",\"port\":80,\"buckets\":"
		"[[1,7,0,0,0,0,0,0,0,0,0,0,0,0]]}]}",
		"7 s wide");
	expect_bad(
		"{\"version\":2,\"edges\":[{\"role\":\"server\",\"port\":80,\"buckets\":"
		"[[1,1,-1,0,0,0,0,0,0,0,0,0,0,0]]}]}",
		"negative");
	expect_bad(
		"{\"version\":2,\"edges\":[{\"role\":\"server\",\"port\":80,\"buckets\":"
		"[[1,1,0.5,0,0,0,0,0,0,0,0,0,0,0]]}]}",
		"not an integer");
	expect_bad("{\"version\":2,\"window\":[]}", "window: expected an object");
}

/* The daemon writes its report in slices with other work in between: the slices together must
 * be the one-shot JSON byte for byte, whatever the slice size, and no slice may write more
 * than it was allowed (what bounds the daemon's time away from its ring buffer). */
static void sliced_json_is_the_one_shot_json(void **state)
{
	struct report *r = sample_report();
	const size_t sizes[] = { 1, 2, 3, 7, 1000, SIZE_MAX };
	char *whole;
	size_t whole_len, items;

	(void)state;
	for (int i = 0; i < 9; i++) {
		struct edge_bucket b = { .start_ns = 1795000000000000000ull + i * EDGES_FINE_NS,
					 .width_ns = EDGES_FINE_NS,
					 .first_ns = 1795000000000000000ull + i * EDGES_FINE_NS + 123456789,
					 .last_ns = 1795000000000000000ull + i * EDGES_FINE_NS + 987654321,
					 .c = { .opened = i + 1u, .closed = i, .bytes_sent = 100u * i } };
		struct report_edge e = { .rec = { .key = { .netns = 4026532001u + i,
							   .role = i % 2 ? CTOPO_EDGE_SERVER : CTOPO_EDGE_CLIENT,
							   .family = AF_INET,
							   .port = 8080 + i,
							   .comm = "client" },
						  .last_pid = 100 + i,
						  .first_ns = b.first_ns,
						  .last_ns = b.last_ns,
						  .n_buckets = 1 } };

		if (i % 3 == 0) /* some edges named after a container, as report_build does */
			snprintf(e.container_id, sizeof(e.container_id), "c0ffee%02d", i);
		e.rec.buckets = malloc(sizeof(b));
		assert_non_null(e.rec.buckets);
		memcpy(e.rec.buckets, &b, sizeof(b));
		assert_int_equal(report_add_edge(r, &e), 0);
	}
	items = r->n_conns + r->n_containers + r->n_edges;
	assert_true(r->n_conns > 1 && r->n_containers > 1);
	whole = to_json(r, &whole_len);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct report_json_cursor c;
		char *buf = NULL;
		size_t len = 0, slices = 0;
		FILE *out = open_memstream(&buf, &len);
		int more;

		report_json_start(&c, out, r);
		do {
			more = report_json_slice(&c, sizes[s]);
			slices++;
			assert_true(slices <= items);
		} while (more > 0);
		assert_int_equal(more, 0);
		fclose(out);
		assert_int_equal(len, whole_len);
		assert_memory_equal(buf, whole, len);
		/* one item a slice: as many slices as items; everything at once: one */
		if (sizes[s] == 1)
			assert_int_equal(slices, items);
		if (sizes[s] == SIZE_MAX)
			assert_int_equal(slices, 1);
		free(buf);
	}
	free(whole);
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_is_exact),
		cmocka_unit_test(edges_round_trip),
		cmocka_unit_test(sliced_json_is_the_one_shot_json),
		cmocka_unit_test(malformed_reports_are_refused),
		cmocka_unit_test(long_strings_are_truncated_not_overflowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
