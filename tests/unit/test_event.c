/* SPDX-License-Identifier: Apache-2.0 */
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

#include "tracker/event.h"

/* A close as the kernel writes it: a dual-stack listener's child, so v4-mapped addresses. */
static struct ctopo_event sample_close(void)
{
	struct ctopo_event ev = {
		.ts_ns = 1000,
		.cgroup_id = 1,
		.bytes_sent = 3,
		.bytes_received = 6,
		.duration_ns = 1335000,
		.pid = 3831,
		.tid = 3831,
		.netns = 4026531833u,
		.mntns = 4026531832u,
		.sport = 9999,
		.dport = 35122,
		.family = AF_INET6,
		.type = CTOPO_EV_CLOSE,
		.direction = CTOPO_DIR_INBOUND,
	};
	uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1 };

	memcpy(ev.saddr, mapped, 16);
	memcpy(ev.daddr, mapped, 16);
	memcpy(ev.comm, "busybox", 8);
	return ev;
}

__attribute__((noinline)) static char *capture(void (*print)(FILE *, const struct ctopo_event *, double),
					       const struct ctopo_event *ev)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	print(f, ev, 1795000000.25);
	fclose(f);
	return buf;
}

static void decode_normalises_v4_mapped(void **state)
{
	struct ctopo_event raw = sample_close(), ev;

	(void)state;
	assert_int_equal(event_decode(&raw, sizeof(raw), &ev), 0);
	assert_int_equal(ev.family, AF_INET);
	assert_memory_equal(ev.saddr, ((uint8_t[]){ 127, 0, 0, 1, 0 }), 5);
	assert_memory_equal(ev.daddr, ((uint8_t[]){ 127, 0, 0, 1, 0 }), 5);
}

static void decode_keeps_real_ipv6(void **state)
{
	struct ctopo_event raw = sample_close(), ev;

	(void)state;
	memset(raw.daddr, 0, 16);
	raw.daddr[0] = 0xfd;
	raw.daddr[15] = 2;
	assert_int_equal(event_decode(&raw, sizeof(raw), &ev), 0);
	assert_int_equal(ev.family, AF_INET6);
	assert_int_equal(ev.saddr[10], 0xff); /* left as it was: one end is real IPv6 */
}

static void decode_rejects_bad_samples(void **state)
{
	struct ctopo_event raw = sample_close(), ev;

	(void)state;
	assert_int_equal(event_decode(&raw, sizeof(raw) - 1, &ev), -EBADMSG);
	assert_int_equal(event_decode(NULL, sizeof(raw), &ev), -EBADMSG);
	raw.type = 9;
	assert_int_equal(event_decode(&raw, sizeof(raw), &ev), -EBADMSG);
	raw = sample_close();
	raw.family = AF_UNIX;
	assert_int_equal(event_decode(&raw, sizeof(raw), &ev), -EBADMSG);
}

static void decode_terminates_comm(void **state)
{
	struct ctopo_event raw = sample_close(), ev;

	(void)state;
	memset(raw.comm, 'x', sizeof(raw.comm));
	assert_int_equal(event_decode(&raw, sizeof(raw), &ev), 0);
	assert_int_equal(strlen(ev.comm), CTOPO_COMM_LEN - 1);
}

static void json_line_has_the_documented_fields(void **state)
{
	struct ctopo_event raw = sample_close(), ev;
	char *s;

	(void)state;
	assert_int_equal(event_decode(&raw, sizeof(raw), &ev), 0);
	s = capture(event_print_json, &ev);
	assert_string_equal(
		s,
		"{\"type\":\"close\",\"ts\":1795000000.250000,\"pid\":3831,\"tid\":3831,\"comm\":\"busybox\","
		"\"netns\":4026531833,\"mntns\":4026531832,\"cgroup\":1,\"family\":\"ipv4\","
		"\"saddr\":\"127.0.0.1\",\"sport\":9999,\"daddr\":\"127.0.0.1\",\"dport\":35122,"
		"\"direction\":\"inbound\",\"duration_ms\":1.335,\"bytes_sent\":3,\"bytes_received\":6}\n");
	free(s);
}

static void json_connect_failed_names_the_error(void **state)
{
	struct ctopo_event ev = sample_close();
	char *s;

	(void)state;
	ev.type = CTOPO_EV_CONNECT_FAILED;
	ev.error = ECONNREFUSED;
	ev.family = AF_INET6;
	memset(ev.saddr, 0, 16);
	memset(ev.daddr, 0, 16);
	ev.saddr[15] = ev.daddr[15] = 1;
	memcpy(ev.comm, "a\"b", 4);
	s = capture(event_print_json, &ev);
	assert_non_null(strstr(s, "\"type\":\"connect_failed\""));
	assert_non_null(strstr(s, "\"comm\":\"a\\\"b\""));
	assert_non_null(strstr(s, "\"family\":\"ipv6\",\"saddr\":\"::1\""));
	assert_non_null(strstr(s, "\"errno\":111,\"error\":\"ECONNREFUSED\""));
	assert_null(strstr(s, "bytes_sent"));
	free(s);
}

static void table_row_is_aligned_with_header(void **state)
{
	struct ctopo_event raw = sample_close(), ev;
	char *row, *header = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&header, &len);

	(void)state;
	event_print_table_header(f);
	fclose(f);
	assert_int_equal(event_decode(&raw, sizeof(raw), &ev), 0);
	row = capture(event_print_table_row, &ev);
	/* the LOCAL column starts at the same offset in the header and the row */
	assert_int_equal(strstr(header, "LOCAL") - header, strstr(row, "127.0.0.1:9999") - row);
	assert_non_null(strstr(row, " close "));
	assert_non_null(strstr(row, " 3831 busybox "));
	assert_non_null(strstr(row, "inbound sent=3 recv=6 1.335ms"));
	free(row);
	free(header);
}

static void names_cover_every_value(void **state)
{
	(void)state;
	assert_string_equal(event_type_name(CTOPO_EV_ACCEPT), "accept");
	assert_string_equal(event_type_name(0), "?");
	assert_string_equal(direction_name(CTOPO_DIR_OUTBOUND), "outbound");
	assert_string_equal(direction_name(77), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_normalises_v4_mapped),
		cmocka_unit_test(decode_keeps_real_ipv6),
		cmocka_unit_test(decode_rejects_bad_samples),
		cmocka_unit_test(decode_terminates_comm),
		cmocka_unit_test(json_line_has_the_documented_fields),
		cmocka_unit_test(json_connect_failed_names_the_error),
		cmocka_unit_test(table_row_is_aligned_with_header),
		cmocka_unit_test(names_cover_every_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
