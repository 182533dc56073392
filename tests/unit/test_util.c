/* SPDX-License-Identifier: Apache-2.0 */
/* Durations as users type them (--since, --history). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/util.h"

#define S 1000000000ull

static void durations(void **state)
{
	unsigned long long v = 7;

	(void)state;
	assert_int_equal(parse_duration("15", 3600 * S, &v), 0);
	assert_int_equal(v, 15 * S);
	assert_int_equal(parse_duration("15s", 3600 * S, &v), 0);
	assert_int_equal(v, 15 * S);
	assert_int_equal(parse_duration("5m", 3600 * S, &v), 0);
	assert_int_equal(v, 300 * S);
	assert_int_equal(parse_duration("1h", 3600 * S, &v), 0);
	assert_int_equal(v, 3600 * S);
	assert_int_equal(parse_duration("1h30m", 86400 * S, &v), 0);
	assert_int_equal(v, 5400 * S);
	assert_int_equal(parse_duration("2d", 7 * 86400 * S, &v), 0);
	assert_int_equal(v, 2 * 86400 * S);
	v = 7;
	assert_int_equal(parse_duration("", 3600 * S, &v), -EINVAL);
	assert_int_equal(parse_duration("s", 3600 * S, &v), -EINVAL);
	assert_int_equal(parse_duration("-5s", 3600 * S, &v), -EINVAL);
	assert_int_equal(parse_duration("5x", 3600 * S, &v), -EINVAL);
	assert_int_equal(parse_duration("1.5h", 86400 * S, &v), -EINVAL);
	assert_int_equal(parse_duration("2h", 3600 * S, &v), -ERANGE);
	assert_int_equal(parse_duration("99999999999999999999", 3600 * S, &v), -ERANGE);
	assert_int_equal(parse_duration("18446744073709551615d", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(v, 7); /* untouched on failure */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
