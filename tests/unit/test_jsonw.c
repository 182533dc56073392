/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "common/jsonw.h"

static char *render(void (*fn)(struct jsonw *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jsonw w;

	jsonw_init(&w, f);
	fn(&w);
	fclose(f);
	return buf;
}

static void nested(struct jsonw *w)
{
	jsonw_object_begin(w);
	jsonw_kv_string(w, "a", "x");
	jsonw_key(w, "list");
	jsonw_array_begin(w);
	jsonw_u64(w, 1);
	jsonw_i64(w, -2);
	jsonw_object_begin(w);
	jsonw_object_end(w);
	jsonw_array_end(w);
	jsonw_kv_bool(w, "ok", true);
	jsonw_key(w, "none");
	jsonw_string(w, NULL);
	jsonw_object_end(w);
}

static void commas_and_nesting(void **state)
{
	char *s = render(nested);

	(void)state;
	assert_string_equal(s, "{\"a\":\"x\",\"list\":[1,-2,{}],\"ok\":true,\"none\":null}");
	free(s);
}

static void hostile(struct jsonw *w)
{
	jsonw_string(w, "q\"b\\n\n\x01\xff");
}

static void hostile_bytes_stay_one_valid_string(void **state)
{
	char *s = render(hostile);

	(void)state;
	assert_string_equal(s, "\"q\\\"b\\\\n\\n\\u0001\\u00ff\"");
	free(s);
}

static void utf8(struct jsonw *w)
{
	/* "café", "日本", then invalid: a lone continuation byte, an overlong '/', a surrogate */
	jsonw_string(w, "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \x80 \xc0\xaf \xed\xa0\x80");
}

static void valid_utf8_passes_invalid_is_escaped(void **state)
{
	char *s = render(utf8);

	(void)state;
	assert_string_equal(s, "\"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \\u0080 \\u00c0\\u00af \\u00ed\\u00a0\\u0080\"");
	free(s);
}

static void bounded(struct jsonw *w)
{
	jsonw_string_n(w, "abcdef", 3);
}

static void string_n_stops_at_bound(void **state)
{
	char *s = render(bounded);

	(void)state;
	assert_string_equal(s, "\"abc\"");
	free(s);
}

static void numbers(struct jsonw *w)
{
	jsonw_array_begin(w);
	jsonw_u64(w, 0);
	jsonw_u64(w, UINT64_MAX);
	jsonw_i64(w, INT64_MIN);
	jsonw_i64(w, -1);
	jsonw_i64(w, 42);
	jsonw_array_end(w);
}

static void integers_are_written_whole(void **state)
{
	char *s = render(numbers);

	(void)state;
	assert_string_equal(s, "[0,18446744073709551615,-9223372036854775808,-1,42]");
	free(s);
}

static void times(struct jsonw *w)
{
	jsonw_array_begin(w);
	/* a time since 1970 in ns: more digits than a double holds, written exactly */
	jsonw_ns_as_s(w, 1795000001123456789ull, 6);
	jsonw_ns_as_s(w, 1795000001123456789ull, 9);
	jsonw_ns_as_s(w, 1795000001123456789ull, 0);
	/* half up, and a carry into the seconds */
	jsonw_ns_as_s(w, 1500000, 3);
	jsonw_ns_as_s(w, 1499999, 3);
	jsonw_ns_as_s(w, 2999999999ull, 6);
	jsonw_ns_as_s(w, 999999500ull, 6);
	jsonw_ns_as_s(w, 0, 3);
	jsonw_ns_as_s(w, 5, 9);
	jsonw_array_end(w);
}

static void ns_times_are_exact_seconds(void **state)
{
	char *s = render(times);

	(void)state;
	assert_string_equal(s,
			    "[1795000001.123457,1795000001.123456789,1795000001,0.002,0.001,3.000000,1.000000,0.000,"
			    "0.000000005]");
	free(s);
}

static void mixed(struct jsonw *w)
{
	/* runs of plain bytes between every kind of escape, a long key */
	jsonw_key(w, "a key of some length, with \"quotes\" inside");
	jsonw_string(w,
		     "plain\ttab\x7f"
		     "del\\slash \xc3\xa9"
		     " end");
}

static void escapes_between_plain_runs(void **state)
{
	char *s = render(mixed);

	(void)state;
	assert_string_equal(s,
			    "\"a key of some length, with \\\"quotes\\\" inside\":"
			    "\"plain\\ttab\\u007fdel\\\\slash \xc3\xa9 end\"");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commas_and_nesting),         cmocka_unit_test(hostile_bytes_stay_one_valid_string),
		cmocka_unit_test(string_n_stops_at_bound),    cmocka_unit_test(valid_utf8_passes_invalid_is_escaped),
		cmocka_unit_test(integers_are_written_whole), cmocka_unit_test(ns_times_are_exact_seconds),
		cmocka_unit_test(escapes_between_plain_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
