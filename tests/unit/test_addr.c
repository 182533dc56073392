/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/addr.h"

static void v4_mapped_becomes_ipv4(void **state)
{
	uint8_t b[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3 };
	uint16_t family = AF_INET6;
	char s[ADDR_STRLEN];

	(void)state;
	addr_normalize(&family, b);
	assert_int_equal(family, AF_INET);
	addr_format(family, b, s, sizeof(s));
	assert_string_equal(s, "10.1.2.3");
	for (int i = 4; i < 16; i++)
		assert_int_equal(b[i], 0);
}

static void plain_ipv6_is_untouched(void **state)
{
	uint16_t family;
	uint8_t b[16];
	char s[ADDR_STRLEN];

	(void)state;
	assert_int_equal(addr_parse("fd00:1::2", &family, b), 0);
	assert_int_equal(family, AF_INET6);
	addr_normalize(&family, b);
	assert_int_equal(family, AF_INET6);
	addr_format(family, b, s, sizeof(s));
	assert_string_equal(s, "fd00:1::2");
}

static void parse_normalises_and_rejects(void **state)
{
	uint16_t family;
	uint8_t b[16];

	(void)state;
	assert_int_equal(addr_parse("::ffff:192.168.7.9", &family, b), 0);
	assert_int_equal(family, AF_INET);
	assert_memory_equal(b, ((uint8_t[]){ 192, 168, 7, 9 }), 4);
	assert_int_equal(addr_parse("300.1.1.1", &family, b), -EINVAL);
	assert_int_equal(addr_parse("", &family, b), -EINVAL);
	assert_int_equal(addr_parse("1.2.3.4 ", &family, b), -EINVAL);
}

static void endpoints_bracket_ipv6(void **state)
{
	uint8_t v4[16] = { 127, 0, 0, 1 }, v6[16] = { [15] = 1 };
	char s[ENDPOINT_STRLEN];

	(void)state;
	endpoint_format(AF_INET, v4, 8080, s, sizeof(s));
	assert_string_equal(s, "127.0.0.1:8080");
	endpoint_format(AF_INET6, v6, 443, s, sizeof(s));
	assert_string_equal(s, "[::1]:443");
	endpoint_format(99, v6, 1, s, sizeof(s));
	assert_string_equal(s, "?:1");
}

static void loopback_detection(void **state)
{
	uint8_t v4[16] = { 127, 3, 0, 1 }, v4b[16] = { 10, 0, 0, 1 }, v6[16] = { [15] = 1 };

	(void)state;
	assert_true(addr_is_loopback(AF_INET, v4));
	assert_false(addr_is_loopback(AF_INET, v4b));
	assert_true(addr_is_loopback(AF_INET6, v6));
	v6[14] = 1;
	assert_false(addr_is_loopback(AF_INET6, v6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v4_mapped_becomes_ipv4),       cmocka_unit_test(plain_ipv6_is_untouched),
		cmocka_unit_test(parse_normalises_and_rejects), cmocka_unit_test(endpoints_bracket_ipv6),
		cmocka_unit_test(loopback_detection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
