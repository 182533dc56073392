/* SPDX-License-Identifier: Apache-2.0 */
#include "common/escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static bool continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

size_t utf8_decode(const char *s, size_t len, uint32_t *ret_cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char c;
	unsigned char lo = 0x80, hi = 0xbf; /* the allowed range of the second byte */
	size_t n;

	if (len == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*ret_cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (len < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (!continuation(p[i]))
			return 0;
	if (n == 2)
		*ret_cp = (uint32_t)(c & 0x1f) << 6 | (p[1] & 0x3f);
	else if (n == 3)
		*ret_cp = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	else
		*ret_cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 | (uint32_t)(p[2] & 0x3f) << 6 |
			  (p[3] & 0x3f);
	return n;
}

/* Code points a terminal obeys rather than shows (C0 and DEL are handled before this). */
static bool code_point_needs_escape(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static const char *c0_name(unsigned char c)
{
	switch (c) {
	case '\a':
		return "\\a";
	case '\b':
		return "\\b";
	case '\t':
		return "\\t";
	case '\n':
		return "\\n";
	case '\v':
		return "\\v";
	case '\f':
		return "\\f";
	case '\r':
		return "\\r";
	default:
		return NULL;
	}
}

size_t escape_text(char *buf, size_t size, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t out = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len;) {
		char unit[8];
		const char *name;
		size_t ulen, n;
		uint32_t cp = 0;

		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0 || cp < 0x20 || cp == 0x7f) {
			name = n ? c0_name((unsigned char)cp) : NULL;
			if (name)
				ulen = (size_t)snprintf(unit, sizeof(unit), "%s", name);
			else
				ulen = (size_t)snprintf(unit, sizeof(unit), "\\x%02x", p[i]);
			n = 1;
		} else if (code_point_needs_escape(cp)) {
			ulen = (size_t)snprintf(unit, sizeof(unit), "\\u%04x", (unsigned)cp);
		} else {
			memcpy(unit, p + i, n);
			ulen = n;
		}
		if (out + ulen >= size)
			break; /* never half a character or half an escape */
		memcpy(buf + out, unit, ulen);
		out += ulen;
		i += n;
	}
	buf[out] = '\0';
	return out;
}

const char *escape_strn(char *buf, size_t size, const char *s, size_t max)
{
	if (!s)
		s = "";
	escape_text(buf, size, s, strnlen(s, max));
	return buf;
}

size_t text_columns(const char *s)
{
	size_t columns = 0;

	for (; *s; s++)
		if (!continuation((unsigned char)*s))
			columns++;
	return columns;
}

void text_truncate_columns(char *text, size_t columns)
{
	size_t seen = 0;

	for (char *p = text; *p; p++)
		if (!continuation((unsigned char)*p) && seen++ == columns) {
			*p = '\0';
			return;
		}
}

void text_print_padded(FILE *out, const char *text, size_t columns)
{
	size_t used = text_columns(text);

	fputs(text, out);
	for (; used < columns; used++)
		fputc(' ', out);
}
