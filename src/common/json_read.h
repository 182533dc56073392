/* SPDX-License-Identifier: Apache-2.0 */
/* Reading JSON trees (yajl_tree), one way for every parser of outside JSON: one error convention
 * and a field table in the manner of systemd's JsonDispatch.
 *
 * Every function returns 0 or a negative errno (-EBADMSG: a wrong type or value, -E2BIG: over a
 * bound, -ENOMEM) and, on failure, says why in a struct json_error, naming the field by its path:
 * "State.Pid: expected an integer, got a string". Absent fields and JSON null read as the zero
 * value: the caller decides what is required. */
#ifndef CTOPO_JSON_READ_H
#define CTOPO_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

struct json_error {
	char message[256];
};

/* Parse buf (len bytes) into a tree: -EBADMSG when it holds a NUL byte, is not JSON, or nests
 * deeper than JSON_MAX_DEPTH levels (yajl frees trees recursively: a megabyte of '[' would
 * overflow the stack); -ENOMEM. The message starts "not JSON: " or "not accepted: ". */
#define JSON_MAX_DEPTH 64
int json_parse(const char *buf, size_t len, yajl_val *ret, struct json_error *err);

static inline void json_tree_freep(yajl_val *v)
{
	if (*v)
		yajl_tree_free(*v);
}
#define _cleanup_json_tree_ __attribute__((cleanup(json_tree_freep)))

/* Fill err (when not NULL) and return r. */
int json_fail(struct json_error *err, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "a string", "an object", "nothing" ...: for messages. */
const char *json_kind(yajl_val v);

/* The value at path under obj (path NULL: obj itself); NULL when missing or null. */
yajl_val json_get(yajl_val obj, const char *const *path);

/* "State.Pid" */
const char *json_path_name(const char *const *path, char *buf, size_t size);

#define JSON_PATH(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct json_field;

/* Read v (NULL: absent) into ret, the field's place in the target. */
typedef int (*json_read_fn)(yajl_val v, const struct json_field *f, void *ret, struct json_error *err);

struct json_field {
	const char *const *path; /* JSON_PATH("State", "Pid"); NULL: the object itself */
	json_read_fn read;
	size_t offset; /* of the destination in the target */
	/* json_read_int: the range (both 0: any int); json_read_u64: the largest (0: any);
	 * json_read_string: the longest (0: any); json_read_string_buf: the buffer's size */
	long long min, max;
	/* list readers (json_read_strv): where the list's size_t count is in the target */
	size_t count_offset;
};

/* The size_t count of a list field f, whose destination is ret (for list readers). */
static inline size_t *json_field_count(const struct json_field *f, void *ret)
{
	return (size_t *)((char *)ret - f->offset + f->count_offset);
}

/* Each field of the table (ended by one with read == NULL) in order; the first failure stops. */
int json_dispatch(yajl_val obj, const struct json_field *fields, void *target, struct json_error *err);

/* The readers (each one's destination type): */
int json_read_string(yajl_val v, const struct json_field *f, void *ret, struct json_error *err); /* char *, malloc'd */
int json_read_bool(yajl_val v, const struct json_field *f, void *ret, struct json_error *err);   /* bool */
int json_read_int(yajl_val v, const struct json_field *f, void *ret, struct json_error *err); /* int, in [min, max] */
int json_read_u32(yajl_val v, const struct json_field *f, void *ret, struct json_error *err); /* uint32_t */
int json_read_u64(yajl_val v, const struct json_field *f, void *ret,
		  struct json_error *err); /* uint64_t, <= max if set */
int json_read_double(yajl_val v, const struct json_field *f, void *ret, struct json_error *err); /* double */
/* char[max], truncated to fit; absent is "" */
int json_read_string_buf(yajl_val v, const struct json_field *f, void *ret, struct json_error *err);

/* char **, malloc'd (each string too), its count at count_offset; max: the most strings (0: any) */
int json_read_strv(yajl_val v, const struct json_field *f, void *ret, struct json_error *err);

/* A message for v's wrong type, naming f's path. */
int json_wrong_type(const struct json_field *f, const char *expected, yajl_val v, struct json_error *err);

#endif
