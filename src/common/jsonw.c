/* SPDX-License-Identifier: Apache-2.0 */
#include "common/jsonw.h"

#include <inttypes.h>

#include "common/escape.h"

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
		fputc(',', w->out);
	w->need_comma[w->depth] = true;
}

static void push(struct jsonw *w, char c)
{
	value_prefix(w);
	fputc(c, w->out);
	if (w->depth < JSONW_MAX_DEPTH - 1)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void pop(struct jsonw *w, char c)
{
	fputc(c, w->out);
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

static void write_escaped(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t seq;

		if (c >= 0x80 && (seq = utf8_decode(s + i, n - i, &cp)) > 0) {
			fwrite(s + i, 1, seq, out); /* valid UTF-8 passes through as it is */
			i += seq - 1;
		} else if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c); /* control bytes, and invalid UTF-8 read as Latin-1 */
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void jsonw_key(struct jsonw *w, const char *key)
{
	value_prefix(w);
	write_escaped(w->out, key, SIZE_MAX);
	fputc(':', w->out);
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
	fprintf(w->out, "%" PRIu64, v);
}

void jsonw_i64(struct jsonw *w, int64_t v)
{
	value_prefix(w);
	fprintf(w->out, "%" PRId64, v);
}

void jsonw_double(struct jsonw *w, double v, int decimals)
{
	value_prefix(w);
	fprintf(w->out, "%.*f", decimals, v);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	value_prefix(w);
	fputs(v ? "true" : "false", w->out);
}

void jsonw_null(struct jsonw *w)
{
	value_prefix(w);
	fputs("null", w->out);
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
