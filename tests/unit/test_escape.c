/* SPDX-License-Identifier: Apache-2.0 */
/* escape_text(): what reaches an administrator's terminal from a hostile name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/escape.h"

static const char *esc(const char *s, size_t len)
{
	static char buf[ESCAPE_MAX];

	escape_text(buf, sizeof(buf), s, len);
	return buf;
}

#define ESC_LIT(lit) esc((lit), sizeof(lit) - 1)

/* The name from the report that led to this: colour, window title, bell, a second line. */
static void terminal_sequences_become_visible(void **state)
{
	(void)state;
	assert_string_equal(ESC_LIT("\x1b[31mEVIL\x1b]0;x\a"), "\\x1b[31mEVIL\\x1b]0;x\\a");
	assert_string_equal(ESC_LIT("a\nb\tc\rd"), "a\\nb\\tc\\rd");
	assert_string_equal(ESC_LIT("\b\v\f"), "\\b\\v\\f");
	assert_string_equal(ESC_LIT("nul\0x\x7f"), "nul\\x00x\\x7f");
	assert_string_equal(ESC_LIT("\x01\x1f"), "\\x01\\x1f");
}

static void valid_utf8_passes_unchanged(void **state)
{
	static const char *const same[] = {
		"nginx",
		"caf\xc3\xa9",
		"\xe6\x97\xa5\xe6\x9c\xac",
		"\xf0\x9f\x90\xb3 whale",
		"back\\slash \"q\"",
		"\xc2\xa0nbsp",
		"\xef\xbf\xbf",
		"\xf4\x8f\xbf\xbf",
		"\xe2\x80\x8b",
		"",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		assert_string_equal(esc(same[i], strlen(same[i])), same[i]);
}

static void invalid_utf8_is_escaped_byte_by_byte(void **state)
{
	(void)state;
	assert_string_equal(ESC_LIT("a\x80z"), "a\\x80z");      /* stray continuation */
	assert_string_equal(ESC_LIT("\xc0\xaf"), "\\xc0\\xaf"); /* overlong '/' */
	assert_string_equal(ESC_LIT("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");
	assert_string_equal(ESC_LIT("\xed\xa0\x80"), "\\xed\\xa0\\x80");          /* a surrogate */
	assert_string_equal(ESC_LIT("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
	assert_string_equal(ESC_LIT("\xf5\xff"), "\\xf5\\xff");
	assert_string_equal(ESC_LIT("ok\xe2\x82"), "ok\\xe2\\x82"); /* cut short at the end */
	assert_string_equal(ESC_LIT("\xe2\x82z"), "\\xe2\\x82z");   /* cut short before ASCII */
	/* a cut sequence does not swallow the valid one after it */
	assert_string_equal(ESC_LIT("\xc3\xc3\xa9"), "\\xc3\xc3\xa9");
}

static void c1_and_bidi_controls_are_escaped(void **state)
{
	(void)state;
	assert_string_equal(ESC_LIT("\xc2\x9b"
				    "31m"),
			    "\\u009b31m"); /* 8-bit CSI */
	assert_string_equal(ESC_LIT("\xc2\x80\xc2\x9f"), "\\u0080\\u009f");
	assert_string_equal(ESC_LIT("abc\xe2\x80\xae"
				    "fdp.exe"),
			    "abc\\u202efdp.exe"); /* right-to-left override */
	assert_string_equal(ESC_LIT("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069");
	assert_string_equal(ESC_LIT("\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f"), "\\u061c\\u200e\\u200f");
}

/* A short buffer ends before a character or escape that does not fit, never inside one. */
static void truncation_keeps_whole_units(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(escape_text(buf, sizeof(buf), "ab\x1b[31m", 7), 7);
	assert_string_equal(buf, "ab\\x1b[");
	assert_int_equal(escape_text(buf, 5, "abc\x1b", 4), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(escape_text(buf, 5, "ab\xe6\x97\xa5", 5), 2);
	assert_string_equal(buf, "ab");
	assert_int_equal(escape_text(buf, 1, "abc", 3), 0);
	assert_string_equal(buf, "");
	assert_int_equal(escape_text(buf, 0, "abc", 3), 0);
}

static void escaped_macros_and_null(void **state)
{
	char comm[4] = { 'a', 'b', '\x1b', 'd' }; /* a full comm has no NUL */
	char line[128];

	(void)state;
	snprintf(line, sizeof(line), "[%s] [%s] [%s]", ESCAPED("x\ay"), ESCAPED(NULL), ESCAPED_ARRAY(comm));
	assert_string_equal(line, "[x\\ay] [] [ab\\x1bd]");
}

static void columns_count_characters(void **state)
{
	char line[16], *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(text_columns("nginx"), 5);
	assert_int_equal(text_columns("caf\xc3\xa9"), 4);
	assert_int_equal(text_columns(ESCAPED("\x1b[31m")), 8);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	text_print_padded(f, "caf\xc3\xa9", 6);
	fputc('|', f);
	text_print_padded(f, "toolong", 3);
	fputc('|', f);
	fclose(f);
	assert_string_equal(buf, "caf\xc3\xa9  |toolong|");
	free(buf);

	snprintf(line, sizeof(line), "caf\xc3\xa9s");
	text_truncate_columns(line, 4);
	assert_string_equal(line, "caf\xc3\xa9");
	text_truncate_columns(line, 9);
	assert_string_equal(line, "caf\xc3\xa9");
	text_truncate_columns(line, 0);
	assert_string_equal(line, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(terminal_sequences_become_visible),
		cmocka_unit_test(valid_utf8_passes_unchanged),
		cmocka_unit_test(invalid_utf8_is_escaped_byte_by_byte),
		cmocka_unit_test(c1_and_bidi_controls_are_escaped),
		cmocka_unit_test(truncation_keeps_whole_units),
		cmocka_unit_test(escaped_macros_and_null),
		cmocka_unit_test(columns_count_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
