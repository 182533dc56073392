/* SPDX-License-Identifier: Apache-2.0 */
#include "common/json_read.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

int json_fail(struct json_error *err, int r, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Nesting depth of the JSON text, skipping strings: enough to refuse hostile depth before yajl
 * builds (and later recursively frees) the tree. */
static bool depth_ok(const char *buf, size_t len, int max_depth)
{
	int depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return false;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return true;
}

int json_parse(const char *buf, size_t len, yajl_val *ret, struct json_error *err)
{
	_cleanup_free_ char *text = NULL;
	char yajl_err[256] = "";
	yajl_val v;

	if (memchr(buf, '\0', len))
		return json_fail(err, -EBADMSG, "not JSON: it contains a NUL byte");
	if (!depth_ok(buf, len, JSON_MAX_DEPTH))
		return json_fail(err, -EBADMSG, "not accepted: JSON nested deeper than %d levels", JSON_MAX_DEPTH);
	text = strndup(buf, len); /* yajl_tree_parse wants a NUL-terminated string */
	if (!text)
		return -ENOMEM;
	v = yajl_tree_parse(text, yajl_err, sizeof(yajl_err));
	if (!v) {
		/* yajl's message spans lines (it quotes the input): keep the first */
		yajl_err[strcspn(yajl_err, "\n")] = '\0';
		return json_fail(err, -EBADMSG, "not JSON: %s", yajl_err[0] ? yajl_err : "empty input");
	}
	*ret = v;
	return 0;
}

const char *json_kind(yajl_val v)
{
	if (!v)
		return "nothing";
	switch (v->type) {
	case yajl_t_string:
		return "a string";
	case yajl_t_number:
		return "a number";
	case yajl_t_object:
		return "an object";
	case yajl_t_array:
		return "an array";
	case yajl_t_true:
	case yajl_t_false:
		return "a boolean";
	case yajl_t_null:
		return "null";
	default:
		return "something else";
	}
}

yajl_val json_get(yajl_val obj, const char *const *path)
{
	yajl_val v = path ? yajl_tree_get(obj, (const char **)path, yajl_t_any) : obj;

	return YAJL_IS_NULL(v) ? NULL : v;
}

const char *json_path_name(const char *const *path, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = 0;
	for (size_t i = 0; path && path[i] && o < size; i++)
		o += snprintf(buf + o, size - o, "%s%s", i ? "." : "", path[i]);
	return buf;
}

int json_wrong_type(const struct json_field *f, const char *expected, yajl_val v, struct json_error *err)
{
	char name[128];

	return json_fail(err, -EBADMSG, "%s: expected %s, got %s", json_path_name(f->path, name, sizeof(name)),
			 expected, json_kind(v));
}

int json_dispatch(yajl_val obj, const struct json_field *fields, void *target, struct json_error *err)
{
	for (const struct json_field *f = fields; f->read; f++) {
		int r = f->read(json_get(obj, f->path), f, (char *)target + f->offset, err);

		if (r < 0)
			return r;
	}
	return 0;
}

int json_read_string(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	char **s = ret, name[128];
	size_t len;

	*s = NULL;
	if (!v)
		return 0;
	if (!YAJL_IS_STRING(v))
		return json_wrong_type(f, "a string", v, err);
	len = strlen(v->u.string);
	if (f->max && len > (size_t)f->max)
		return json_fail(err, -E2BIG, "%s: string of %zu bytes exceeds the limit of %lld",
				 json_path_name(f->path, name, sizeof(name)), len, f->max);
	*s = strdup(v->u.string);
	return *s ? 0 : -ENOMEM;
}

int json_read_bool(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	bool *b = ret;

	*b = false;
	if (!v)
		return 0;
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return json_wrong_type(f, "a boolean", v, err);
	*b = YAJL_IS_TRUE(v);
	return 0;
}

int json_read_int(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	int *i = ret;
	long long min = f->min || f->max ? f->min : INT_MIN, max = f->min || f->max ? f->max : INT_MAX;
	char name[128];

	*i = 0;
	if (!v)
		return 0;
	if (!YAJL_IS_INTEGER(v))
		return json_wrong_type(f, "an integer", v, err);
	if (YAJL_GET_INTEGER(v) < min || YAJL_GET_INTEGER(v) > max)
		return json_fail(err, -EBADMSG, "%s: %lld is out of range", json_path_name(f->path, name, sizeof(name)),
				 YAJL_GET_INTEGER(v));
	*i = (int)YAJL_GET_INTEGER(v);
	return 0;
}

static int read_unsigned(yajl_val v, const struct json_field *f, unsigned long long max, unsigned long long *ret,
			 struct json_error *err)
{
	char name[128];

	*ret = 0;
	if (!v)
		return 0;
	if (!YAJL_IS_INTEGER(v))
		return json_wrong_type(f, "an integer", v, err);
	if (YAJL_GET_INTEGER(v) < 0 || (unsigned long long)YAJL_GET_INTEGER(v) > max)
		return json_fail(err, -EBADMSG, "%s: %lld is not in 0..%llu",
				 json_path_name(f->path, name, sizeof(name)), YAJL_GET_INTEGER(v), max);
	*ret = (unsigned long long)YAJL_GET_INTEGER(v);
	return 0;
}

int json_read_u32(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	unsigned long long u;
	int r = read_unsigned(v, f, UINT32_MAX, &u, err);

	*(uint32_t *)ret = (uint32_t)u;
	return r;
}

int json_read_u64(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	unsigned long long u;
	int r = read_unsigned(v, f, f->max > 0 ? (unsigned long long)f->max : UINT64_MAX, &u, err);

	*(uint64_t *)ret = u;
	return r;
}

int json_read_double(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	double *d = ret;

	*d = 0;
	if (!v)
		return 0;
	if (!YAJL_IS_NUMBER(v))
		return json_wrong_type(f, "a number", v, err);
	*d = YAJL_IS_DOUBLE(v) ? YAJL_GET_DOUBLE(v) : (double)YAJL_GET_INTEGER(v);
	return 0;
}

int json_read_string_buf(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	char *buf = ret;

	buf[0] = '\0';
	if (!v)
		return 0;
	if (!YAJL_IS_STRING(v))
		return json_wrong_type(f, "a string", v, err);
	snprintf(buf, (size_t)f->max, "%s", YAJL_GET_STRING(v));
	return 0;
}

int json_read_strv(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	char ***strv = ret, name[128];
	size_t *n = json_field_count(f, ret);

	*strv = NULL;
	*n = 0;
	if (!v)
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return json_wrong_type(f, "an array", v, err);
	if (f->max && v->u.array.len > (size_t)f->max)
		return json_fail(err, -E2BIG, "%s: %zu strings exceed the limit of %lld",
				 json_path_name(f->path, name, sizeof(name)), v->u.array.len, f->max);
	*strv = calloc(v->u.array.len ? v->u.array.len : 1, sizeof(char *));
	if (!*strv)
		return -ENOMEM;
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val s = v->u.array.values[i];

		if (!YAJL_IS_STRING(s))
			return json_fail(err, -EBADMSG, "%s[%zu]: expected a string, got %s",
					 json_path_name(f->path, name, sizeof(name)), i, json_kind(s));
		(*strv)[i] = strdup(s->u.string);
		if (!(*strv)[i])
			return -ENOMEM;
		(*n)++; /* owned by the target from here on, even half-filled */
	}
	return 0;
}
