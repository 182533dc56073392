/* SPDX-License-Identifier: Apache-2.0 */
#include "common/jsonw.h"

#include <inttypes.h>
#include <string.h>

#include "common/clock.h"
#include "common/escape.h"

/* The writer's output goes through stdio's unlocked calls and formats its integers itself: a
 * report of 100,000 edges is ~60 MB of JSON, written between drains of the ring buffer, and the
 * locked fputc/fprintf per byte and per number were most of its cost. */
static inline void put_c(FILE *out, char c)
{
	fputc_unlocked(c, out);
}

static inline void put_n(FILE *out, const char *s, size_t n)
{
	fwrite_unlocked(s, 1, n, out);
}

/* v in decimal at the end of buf (which ends at end); returns where the digits start */
static char *format_u64(char *end, uint64_t v)
{
	char *p = end;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static void put_u64(FILE *out, uint64_t v)
{
	char buf[24], *end = buf + sizeof(buf);
	char *p = format_u64(end, v);

	put_n(out, p, (size_t)(end - p));
}

void jsonw_init(struct jsonw *w, FILE *out)
{
	*w = (struct jsonw){ .out = out };
}

/* Before any value: a comma when a sibling came before, unless we follow a key. */
static void value_prefix(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->need_comma[w->depth])
		put_c(w->out, ',');
	w->need_comma[w->depth] = true;
}

static void push(struct jsonw *w, char c)
{
	value_prefix(w);
	put_c(w->out, c);
	if (w->depth < JSONW_MAX_DEPTH - 1)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void pop(struct jsonw *w, char c)
{
	put_c(w->out, c);
	if (w->depth > 0)
		w->depth--;
}

void jsonw_object_begin(struct jsonw *w)
{
	push(w, '{');
}
void jsonw_object_end(struct jsonw *w)
{
	pop(w, '}');
}
void jsonw_array_begin(struct jsonw *w)
{
	push(w, '[');
}
void jsonw_array_end(struct jsonw *w)
{
	pop(w, ']');
}

/* Bytes that pass through as they are: printable ASCII but for the quote and the backslash. */
static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static void write_escaped(FILE *out, const char *s, size_t n)
{
	put_c(out, '"');
	for (size_t i = 0; i < n && s[i];) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t seq, run = i;

		while (run < n && plain((unsigned char)s[run]))
			run++;
		if (run > i) {
			put_n(out, s + i, run - i);
			i = run;
			continue;
		}
		if (c >= 0x80 && (seq = utf8_decode(s + i, n - i, &cp)) > 0) {
			put_n(out, s + i, seq); /* valid UTF-8 passes through as it is */
			i += seq;
			continue;
		}
		if (c == '"' || c == '\\') {
			put_c(out, '\\');
			put_c(out, (char)c);
		} else if (c == '\n')
			put_n(out, "\\n", 2);
		else if (c == '\t')
			put_n(out, "\\t", 2);
		else
			fprintf(out, "\\u%04x", c); /* control bytes, and invalid UTF-8 read as Latin-1 */
		i++;
	}
	put_c(out, '"');
}

void jsonw_key(struct jsonw *w, const char *key)
{
	value_prefix(w);
	write_escaped(w->out, key, SIZE_MAX);
	put_c(w->out, ':');
	w->after_key = true;
}

void jsonw_string_n(struct jsonw *w, const char *s, size_t n)
{
	value_prefix(w);
	write_escaped(w->out, s, n);
}

void jsonw_string(struct jsonw *w, const char *s)
{
	if (!s) {
		jsonw_null(w);
		return;
	}
	jsonw_string_n(w, s, SIZE_MAX);
}

void jsonw_u64(struct jsonw *w, uint64_t v)
{
	value_prefix(w);
	put_u64(w->out, v);
}

void jsonw_i64(struct jsonw *w, int64_t v)
{
	value_prefix(w);
	if (v < 0) {
		put_c(w->out, '-');
		put_u64(w->out, -(uint64_t)v);
	} else
		put_u64(w->out, (uint64_t)v);
}

void jsonw_double(struct jsonw *w, double v, int decimals)
{
	value_prefix(w);
	fprintf(w->out, "%.*f", decimals, v);
}

void jsonw_ns_as_s(struct jsonw *w, uint64_t ns, int decimals)
{
	static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000 };
	char buf[40], *end = buf + sizeof(buf), *p = end;
	uint64_t unit, s, frac;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	/* rounded half up to 10^-decimals s, in integers: exact where ns / 1e9 in a double is not
	 * (a time since 1970 in ns has more digits than a double holds) */
	unit = pow10[9 - decimals];
	s = ns / NSEC_PER_SEC;
	frac = (ns % NSEC_PER_SEC + unit / 2) / unit;
	if (frac >= pow10[decimals]) {
		frac -= pow10[decimals];
		s++;
	}
	if (decimals > 0) {
		for (int i = 0; i < decimals; i++) {
			*--p = (char)('0' + frac % 10);
			frac /= 10;
		}
		*--p = '.';
	}
	p = format_u64(p, s);
	value_prefix(w);
	put_n(w->out, p, (size_t)(end - p));
}

void jsonw_bool(struct jsonw *w, bool v)
{
	value_prefix(w);
	if (v)
		put_n(w->out, "true", 4);
	else
		put_n(w->out, "false", 5);
}

void jsonw_null(struct jsonw *w)
{
	value_prefix(w);
	put_n(w->out, "null", 4);
}

void jsonw_kv_string(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	jsonw_string(w, s);
}

void jsonw_kv_u64(struct jsonw *w, const char *key, uint64_t v)
{
	jsonw_key(w, key);
	jsonw_u64(w, v);
}

void jsonw_kv_i64(struct jsonw *w, const char *key, int64_t v)
{
	jsonw_key(w, key);
	jsonw_i64(w, v);
}

void jsonw_kv_bool(struct jsonw *w, const char *key, bool v)
{
	jsonw_key(w, key);
	jsonw_bool(w, v);
}
