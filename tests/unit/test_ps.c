/* SPDX-License-Identifier: Apache-2.0 */
/* `ctopo ps` output on the hand-built report: who owns each connection, who is at the other end,
 * NAT shown, stopped short-lived containers kept; golden table and JSON. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include <cmocka.h>

#include "render/output_ps.h"
#include "report_fixture.h"
#include "unit_helpers.h"

/* the groups of tests/data/ps/ps.txt: api, db, frontend, job (stopped), sidecar, host */
#define SAMPLE_TABLE_GROUPS 6

/* ps's table or JSON of r into *ret_buf (the caller frees it); what output_ps_* returned. */
static int ps_of(const struct report *r, bool json, const struct ps_options *o, char **ret_buf)
{
	size_t len = 0;
	FILE *out = open_memstream(ret_buf, &len);
	int ret = json ? output_ps_json(out, r, o) : output_ps_table(out, r, o);

	fclose(out);
	return ret;
}

static char *ps_to_string(bool json, const struct ps_options *o, int *ret)
{
	struct report *r = sample_report();
	char *buf = NULL;

	*ret = ps_of(r, json, o, &buf);
	report_free(r);
	return buf;
}

static void golden(bool json, const char *name)
{
	struct ps_options o = { 0 };
	char *got;
	int r;

	got = ps_to_string(json, &o, &r);
	assert_int_equal(r, json ? 0 : SAMPLE_TABLE_GROUPS);
	assert_golden(got, "ps", name);
	free(got);
}

static void golden_table(void **state)
{
	(void)state;
	golden(false, "ps.txt");
}
static void golden_json(void **state)
{
	(void)state;
	golden(true, "ps.json");
}

/* The line of the first connection of `process` in the group headed by `group`. */
static char *find_row(char *text, const char *group, const char *process)
{
	char *g = strstr(text, group);

	return g ? strstr(g, process) : NULL;
}

static void table_names_owner_and_peer(void **state)
{
	struct ps_options o = { 0 };
	char *s, *row;
	int r;

	(void)state;
	s = ps_to_string(false, &o, &r);
	assert_int_equal(r, SAMPLE_TABLE_GROUPS);
	/* the sidecar's own connection sits under the sidecar, not under api */
	row = find_row(s, "\nsidecar  cccc00000000", "nc (1003)");
	assert_non_null(row);
	assert_non_null(strstr(row, "db: db (1004)"));
	assert_non_null(strstr(s, "api  bbbb00000000  ctopo-test/busybox:1  netns 4026532002 shared with sidecar"));
	/* the published port: dialled address and the container behind it */
	row = find_row(s, "\nhost", "psql (2001)");
	assert_non_null(row);
	assert_non_null(strstr(row, "127.0.0.1:15432 -> 172.17.0.4:5432"));
	assert_non_null(strstr(row, "db: db (1004)"));
	/* the exited job keeps its name and its closed connection */
	assert_non_null(strstr(s, "job  eeee00000000  ctopo-test/busybox:1  netns 4026532004  (stopped)"));
	row = find_row(s, "\njob", "wget (3001)");
	assert_non_null(row);
	assert_non_null(strstr(row, "closed"));
	assert_non_null(strstr(row, "700/300"));
	assert_non_null(strstr(s, "The Internet"));
	free(s);
}

static void container_filter_and_unknown_container(void **state)
{
	struct ps_options only_db = { .container = "db" }, nobody = { .container = "zzz" };
	struct ps_options full = { .container = "dddd", .no_trunc = true };
	char *s;
	int r;

	(void)state;
	s = ps_to_string(false, &only_db, &r);
	assert_int_equal(r, 1);
	assert_non_null(strstr(s, "db  dddd00000000"));
	assert_null(strstr(s, "frontend  aaaa"));
	assert_null(strstr(s, "\nhost"));
	free(s);
	s = ps_to_string(false, &full, &r);
	assert_int_equal(r, 1);
	assert_non_null(strstr(s, "dddd000000000000000000000000000000000000000000000000000000000004"));
	free(s);
	s = ps_to_string(false, &nobody, &r);
	assert_int_equal(r, -ENOENT);
	free(s);
}

/* An empty report prints no group, and says so by its return: `ctopo ps` then explains why. */
static void empty_report_shows_no_group(void **state)
{
	struct ps_options o = { 0 };
	struct report *r = report_new();
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(r);
	assert_int_equal(output_ps_table(out, r, &o), 0);
	fclose(out);
	assert_int_equal(len, 0);
	free(buf);
	report_free(r);
}

static void json_is_valid_and_complete(void **state)
{
	struct ps_options o = { 0 };
	const char *p_containers[] = { "containers", NULL }, *p_host[] = { "host", "connections", NULL };
	const char *p_name[] = { "name", NULL }, *p_conns[] = { "connections", NULL };
	const char *p_peer_name[] = { "peer", "container", "name", NULL };
	char err[256], *s;
	yajl_val root, containers, host;
	size_t total = 0;
	int r;

	(void)state;
	s = ps_to_string(true, &o, &r);
	assert_int_equal(r, 0);
	root = yajl_tree_parse(s, err, sizeof(err));
	assert_non_null(root);
	containers = yajl_tree_get(root, p_containers, yajl_t_array);
	host = yajl_tree_get(root, p_host, yajl_t_array);
	assert_non_null(containers);
	assert_non_null(host);
	assert_int_equal(YAJL_GET_ARRAY(containers)->len, 5);
	for (size_t i = 0; i < YAJL_GET_ARRAY(containers)->len; i++) {
		yajl_val c = YAJL_GET_ARRAY(containers)->values[i];
		yajl_val conns = yajl_tree_get(c, p_conns, yajl_t_array);
		const char *name = YAJL_GET_STRING(yajl_tree_get(c, p_name, yajl_t_string));

		assert_non_null(conns);
		total += YAJL_GET_ARRAY(conns)->len;
		if (!strcmp(name, "sidecar")) {
			/* one inbound from api over loopback, one outbound to db (sorted by local address) */
			assert_int_equal(YAJL_GET_ARRAY(conns)->len, 2);
			assert_string_equal(YAJL_GET_STRING(yajl_tree_get(YAJL_GET_ARRAY(conns)->values[0], p_peer_name,
									  yajl_t_string)),
					    "api");
			assert_string_equal(YAJL_GET_STRING(yajl_tree_get(YAJL_GET_ARRAY(conns)->values[1], p_peer_name,
									  yajl_t_string)),
					    "db");
		}
	}
	total += YAJL_GET_ARRAY(host)->len;
	assert_int_equal(total, 18); /* every socket but the two listeners */
	yajl_tree_free(root);
	free(s);
}

static const char *json_string(yajl_val o, const char **path)
{
	yajl_val v = yajl_tree_get(o, path, yajl_t_string);

	assert_non_null(v);
	return YAJL_GET_STRING(v);
}

/* Does container `owner` have an aggregated row of count connections to remote, served by peer, in
 * ps's JSON? */
static bool has_closed_row(const char *ps_json, const char *owner, long long count, const char *remote,
			   const char *peer)
{
	const char *name[] = { "name", NULL }, *closed[] = { "closed", NULL }, *n[] = { "count", NULL };
	const char *rem[] = { "remote", NULL }, *peer_name[] = { "peer", "process", "name", NULL };
	const char *containers_path[] = { "containers", NULL };
	char errbuf[256];
	yajl_val root = yajl_tree_parse(ps_json, errbuf, sizeof(errbuf)), containers;
	bool found = false;

	assert_non_null(root);
	containers = yajl_tree_get(root, containers_path, yajl_t_array);
	assert_non_null(containers);
	for (size_t i = 0; i < YAJL_GET_ARRAY(containers)->len && !found; i++) {
		yajl_val c = YAJL_GET_ARRAY(containers)->values[i], rows;

		if (strcmp(json_string(c, name), owner))
			continue;
		rows = yajl_tree_get(c, closed, yajl_t_array);
		assert_non_null(rows);
		for (size_t j = 0; j < YAJL_GET_ARRAY(rows)->len; j++) {
			yajl_val row = YAJL_GET_ARRAY(rows)->values[j];

			if (YAJL_GET_INTEGER(yajl_tree_get(row, n, yajl_t_number)) == count &&
			    !strcmp(json_string(row, rem), remote) && !strcmp(json_string(row, peer_name), peer))
				found = true;
		}
	}
	yajl_tree_free(root);
	return found;
}

/* --since: the edge store's closed connections, one row per (process, direction, peer, port) with
 * their count; failures shown; a row for each end that is a local process. */
static void closed_connections_are_aggregated(void **state)
{
	struct report *r = sample_report_with_edges();
	struct ps_options o = { .since_ns = 60 * 1000000000ull };
	char *buf = NULL, *row;

	(void)state;
	assert_int_equal(ps_of(r, false, &o, &buf), 6); /* five containers and host */
	assert_golden(buf, "ps", "ps_since.txt");
	row = find_row(buf, "job ", "wget (3050)");
	assert_non_null(row);
	assert_true(strstr(row, "api: httpd (1002)") < strchr(row, '\n'));
	assert_true(strstr(row, "closed x50") < strchr(row, '\n'));
	row = find_row(buf, "host ", "psql (2009)");
	assert_non_null(row);
	assert_true(strstr(row, "refused x3") < strchr(row, '\n'));
	/* api's side: 50 in from job, 5 from the Internet */
	row = find_row(buf, "api ", "The Internet");
	assert_non_null(row);
	assert_true(strstr(row, "closed x5") < strchr(row, '\n'));
	free(buf);

	buf = NULL;
	assert_int_equal(ps_of(r, true, &o, &buf), 0);
	assert_true(has_closed_row(buf, "job", 50, "172.17.0.3:8080", "httpd"));
	free(buf);
	report_free(r);
}

/* A container that lived 50 ms: its closed connection is its own row (named through the edge's
 * container_id where its mount namespace names nobody), and api's row names it as the peer; without
 * the container_id the row would be the host's and rm-client would not show. */
static void closed_rows_named_by_container_id(void **state)
{
	struct ps_options o = { .since_ns = 60 * 1000000000ull };

	(void)state;
	for (int named = 0; named <= 1; named++) {
		struct report *r = sample_report_with_edges();
		char *buf = NULL;

		add_short_lived_containers(r, named);
		assert_int_equal(ps_of(r, true, &o, &buf), 0);
		assert_int_equal(has_closed_row(buf, "rm-client", 1, "172.17.0.3:8080", "httpd"), named);
		assert_int_equal(strstr(buf, "\"rm-server\"") != NULL, named);
		free(buf);

		buf = NULL;
		assert_int_equal(ps_of(r, false, &o, &buf), named ? 8 : 6);
		assert_int_equal(find_row(buf, "rm-client ", "wget (4001)") != NULL, named);
		assert_int_equal(find_row(buf, "api ", "rm-client: wget (4001)") != NULL, named);
		assert_int_equal(find_row(buf, "rm-server ", "nc (4002)") != NULL, named);
		free(buf);
		report_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_names_owner_and_peer),
		cmocka_unit_test(container_filter_and_unknown_container),
		cmocka_unit_test(empty_report_shows_no_group),
		cmocka_unit_test(json_is_valid_and_complete),
		cmocka_unit_test(golden_table),
		cmocka_unit_test(golden_json),
		cmocka_unit_test(closed_connections_are_aggregated),
		cmocka_unit_test(closed_rows_named_by_container_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
