/* SPDX-License-Identifier: Apache-2.0 */
#include "hook/oci_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <yajl/yajl_gen.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"

void oci_record_done(struct oci_record *rec)
{
	if (!rec)
		return;
	free(rec->id);
	free(rec->name);
	free(rec->name_source);
	free(rec->pod_name);
	free(rec->pod_namespace);
	free(rec->cgroup);
	free(rec->bundle);
	for (size_t i = 0; i < rec->n_args; i++)
		free(rec->args[i]);
	free(rec->args);
	for (size_t i = 0; i < rec->n_annotations; i++) {
		free(rec->annotations[i].key);
		free(rec->annotations[i].value);
	}
	free(rec->annotations);
	free(rec->runtime_status);
	free(rec->stage);
	free(rec->source);
	*rec = (struct oci_record){ 0 };
}

static void oci_record_donep(struct oci_record *rec)
{
	oci_record_done(rec);
}

bool oci_id_is_valid(const char *id)
{
	size_t n;

	if (!id)
		return false;
	n = strlen(id);
	if (n == 0 || n > OCI_ID_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

/* ---- writing ---- */

static void yajl_gen_freep(yajl_gen *g)
{
	if (*g)
		yajl_gen_free(*g);
}

static bool gen_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok;
}

static bool gen_kv_str(yajl_gen g, const char *key, const char *value)
{
	if (!value)
		return true; /* absent fields are left out, not written as null */
	return gen_str(g, key) && gen_str(g, value);
}

static bool gen_kv_u64(yajl_gen g, const char *key, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRIu64, v);

	return gen_str(g, key) && yajl_gen_number(g, num, (size_t)n) == yajl_gen_status_ok;
}

static bool gen_kv_time(yajl_gen g, const char *key, double t)
{
	char num[40];
	int n = snprintf(num, sizeof(num), "%.6f", t);

	if (n < 0 || (size_t)n >= sizeof(num))
		return false; /* not a time we wrote (1e300 has 300 digits): never pass yajl more than num */
	return gen_str(g, key) && yajl_gen_number(g, num, (size_t)n) == yajl_gen_status_ok;
}

static bool gen_record(yajl_gen g, const struct oci_record *rec)
{
	bool ok = yajl_gen_map_open(g) == yajl_gen_status_ok && gen_kv_u64(g, "version", OCI_RECORD_VERSION) &&
		  gen_kv_str(g, "source", rec->source ? rec->source : OCI_RECORD_SOURCE) &&
		  gen_kv_str(g, "id", rec->id) && gen_kv_str(g, "name", rec->name) &&
		  gen_kv_str(g, "name_source", rec->name_source) && gen_kv_str(g, "pod_name", rec->pod_name) &&
		  gen_kv_str(g, "pod_namespace", rec->pod_namespace);

	if (ok && rec->pid > 0)
		ok = gen_kv_u64(g, "pid", (uint64_t)rec->pid);
	if (ok && rec->mntns)
		ok = gen_kv_u64(g, "mntns", rec->mntns);
	if (ok && rec->netns)
		ok = gen_kv_u64(g, "netns", rec->netns);
	ok = ok && gen_kv_str(g, "cgroup", rec->cgroup);
	if (ok && rec->cgroup_id)
		ok = gen_kv_u64(g, "cgroup_id", rec->cgroup_id);
	ok = ok && gen_kv_str(g, "bundle", rec->bundle);
	if (ok && rec->n_args) {
		ok = gen_str(g, "args") && yajl_gen_array_open(g) == yajl_gen_status_ok;
		for (size_t i = 0; ok && i < rec->n_args; i++)
			ok = gen_str(g, rec->args[i]);
		ok = ok && yajl_gen_array_close(g) == yajl_gen_status_ok;
	}
	if (ok && rec->n_annotations) {
		ok = gen_str(g, "annotations") && yajl_gen_map_open(g) == yajl_gen_status_ok;
		for (size_t i = 0; ok && i < rec->n_annotations; i++)
			ok = gen_kv_str(g, rec->annotations[i].key, rec->annotations[i].value);
		ok = ok && yajl_gen_map_close(g) == yajl_gen_status_ok;
	}
	ok = ok && gen_kv_str(g, "runtime_status", rec->runtime_status) && gen_kv_str(g, "stage", rec->stage) &&
	     gen_str(g, "stopped") && yajl_gen_bool(g, rec->stopped) == yajl_gen_status_ok;
	if (ok && rec->started_at > 0)
		ok = gen_kv_time(g, "started_at", rec->started_at);
	if (ok && rec->stopped_at > 0)
		ok = gen_kv_time(g, "stopped_at", rec->stopped_at);
	return ok && yajl_gen_map_close(g) == yajl_gen_status_ok;
}

int oci_record_format(const struct oci_record *rec, char **ret_buf, size_t *ret_len)
{
	_cleanup_(yajl_gen_freep) yajl_gen g = NULL;
	const unsigned char *out;
	size_t len;
	char *buf;

	if (!oci_id_is_valid(rec->id))
		return -EINVAL;
	g = yajl_gen_alloc(NULL);
	if (!g)
		return -ENOMEM;
	/* strings come from yajl (valid UTF-8) or are checked by the hook; refuse rather than
	 * write a record the reader would reject */
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	if (!gen_record(g, rec))
		return -EINVAL;
	if (yajl_gen_get_buf(g, &out, &len) != yajl_gen_status_ok)
		return -ENOMEM;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, out, len);
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

int oci_state_make_dir(const char *dir)
{
	_cleanup_free_ char *path = strdup(dir);

	if (!path)
		return -ENOMEM;
	for (char *p = path + 1;; p++) {
		bool last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(path, 0755) == 0) {
			if (chmod(path, 0755) < 0)
				return -errno;
		} else if (errno != EEXIST) {
			return -errno;
		}
		if (last)
			return 0;
		*p = '/';
	}
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int oci_state_write_record(const char *dir, const struct oci_record *rec)
{
	_cleanup_free_ char *json = NULL;
	_cleanup_close_ int dir_fd = -1;
	_cleanup_close_ int fd = -1;
	char tmp_name[OCI_ID_MAX_LEN + 64], name[OCI_ID_MAX_LEN + 8];
	size_t len;
	int r;

	r = oci_record_format(rec, &json, &len);
	if (r < 0)
		return r;

	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0 && errno == ENOENT) {
		r = oci_state_make_dir(dir);
		if (r < 0)
			return r;
		dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (dir_fd < 0)
		return -errno;

	/* The temp name starts with '.', so readers never take it for a record. pid + time make
	 * it unique; O_EXCL guarantees we never write through someone else's file. */
	snprintf(tmp_name, sizeof(tmp_name), ".%s.json.%d.%ld", rec->id, (int)getpid(),
		 (long)(clock_mono_ns() % NSEC_PER_SEC));
	snprintf(name, sizeof(name), "%s.json", rec->id);
	fd = openat(dir_fd, tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0) /* the runtime's umask may be stricter */
		r = -errno;
	if (r >= 0)
		r = write_all(fd, json, len);
	if (r >= 0 && write_all(fd, "\n", 1) < 0)
		r = -errno;
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (close(TAKE_FD(fd)) < 0 && r >= 0)
		r = -errno;
	if (r >= 0 && renameat(dir_fd, tmp_name, dir_fd, name) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dir_fd, tmp_name, 0);
	return r;
}

/* ---- reading ---- */

int oci_read_annotations(yajl_val v, const struct json_field *f, void *ret, struct json_error *err)
{
	struct oci_annotation **list = ret;
	size_t *n = json_field_count(f, ret);
	char name[128];

	*list = NULL;
	*n = 0;
	if (!v)
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return json_wrong_type(f, "an object", v, err);
	*list = calloc(v->u.object.len ? v->u.object.len : 1, sizeof(**list));
	if (!*list)
		return -ENOMEM;
	for (size_t i = 0; i < v->u.object.len; i++) {
		struct oci_annotation *a = &(*list)[i];

		if (!YAJL_IS_STRING(v->u.object.values[i]))
			return json_fail(err, -EBADMSG, "%s[\"%.100s\"]: expected a string, got %s",
					 json_path_name(f->path, name, sizeof(name)), v->u.object.keys[i],
					 json_kind(v->u.object.values[i]));
		a->key = strdup(v->u.object.keys[i]);
		a->value = strdup(v->u.object.values[i]->u.string);
		(*n)++; /* owned by the target from here on, even half-filled */
		if (!a->key || !a->value)
			return -ENOMEM;
	}
	return 0;
}

#define RECORD_FIELD(name, reader, field)                                                               \
	{                                                                                               \
		.path = JSON_PATH(name), .read = (reader), .offset = offsetof(struct oci_record, field) \
	}
#define RECORD_LIST(name, reader, field, count)                                                          \
	{                                                                                                \
		.path = JSON_PATH(name), .read = (reader), .offset = offsetof(struct oci_record, field), \
		.count_offset = offsetof(struct oci_record, count)                                       \
	}

/* A record as oci_record_format writes it; pid is read apart (int64_t, bounded). */
static const struct json_field record_fields[] = {
	RECORD_FIELD("id", json_read_string, id),
	RECORD_FIELD("source", json_read_string, source),
	RECORD_FIELD("name", json_read_string, name),
	RECORD_FIELD("name_source", json_read_string, name_source),
	RECORD_FIELD("pod_name", json_read_string, pod_name),
	RECORD_FIELD("pod_namespace", json_read_string, pod_namespace),
	RECORD_FIELD("mntns", json_read_u64, mntns),
	RECORD_FIELD("netns", json_read_u64, netns),
	RECORD_FIELD("cgroup", json_read_string, cgroup),
	RECORD_FIELD("cgroup_id", json_read_u64, cgroup_id),
	RECORD_FIELD("bundle", json_read_string, bundle),
	RECORD_FIELD("runtime_status", json_read_string, runtime_status),
	RECORD_FIELD("stage", json_read_string, stage),
	RECORD_FIELD("started_at", json_read_double, started_at),
	RECORD_FIELD("stopped_at", json_read_double, stopped_at),
	RECORD_FIELD("stopped", json_read_bool, stopped),
	RECORD_LIST("args", json_read_strv, args, n_args),
	RECORD_LIST("annotations", oci_read_annotations, annotations, n_annotations),
	{},
};

static int parse_record(yajl_val root, struct oci_record *rec, struct json_error *err)
{
	const struct json_field version = { .path = JSON_PATH("version") };
	const struct json_field pid = { .path = JSON_PATH("pid"), .max = INT32_MAX };
	uint32_t v = 0;
	uint64_t p = 0;
	int r;

	if (!YAJL_IS_OBJECT(root))
		return json_fail(err, -EBADMSG, "expected an object, got %s", json_kind(root));
	r = json_read_u32(json_get(root, version.path), &version, &v, err);
	if (r == 0 && v != OCI_RECORD_VERSION)
		r = json_fail(err, -EBADMSG, "version: %u, this ctopo reads %d", v, OCI_RECORD_VERSION);
	if (r == 0)
		r = json_read_u64(json_get(root, pid.path), &pid, &p, err);
	if (r == 0)
		r = json_dispatch(root, record_fields, rec, err);
	if (r < 0)
		return r;
	if (!oci_id_is_valid(rec->id))
		return json_fail(err, -EBADMSG, "id: missing or not [A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
	if (rec->started_at < 0 || rec->stopped_at < 0)
		return json_fail(err, -EBADMSG, "started_at, stopped_at: negative");
	rec->pid = (int64_t)p;

	/* a record always has a name to show */
	if (!rec->name && rec->id) { /* rec->id is valid here; the analyzer cannot see it */
		rec->name = strndup(rec->id, 12);
		if (!rec->name)
			return -ENOMEM;
	}
	return 0;
}

int oci_state_read_record(const char *buf, size_t len, struct oci_record *ret)
{
	_cleanup_(oci_record_donep) struct oci_record rec = { 0 };
	_cleanup_json_tree_ yajl_val root = NULL;
	struct json_error err = { { 0 } };
	int r;

	if (len > OCI_RECORD_MAX_SIZE)
		return -EFBIG;
	r = json_parse(buf, len, &root, &err);
	if (r == 0)
		r = parse_record(root, &rec, &err);
	if (r < 0)
		return log_debug_errno(r, "hook record: %s", r == -ENOMEM ? "out of memory" : err.message);
	*ret = rec;
	rec = (struct oci_record){ 0 };
	return 0;
}

/* Read one record file relative to dir_fd; never follows a symlink, never reads a FIFO. */
static int load_record_at(int dir_fd, const char *file_name, struct oci_record *ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len;
	int r;

	fd = openat(dir_fd, file_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	r = read_fd_bounded(fd, OCI_RECORD_MAX_SIZE, &buf, &len);
	if (r < 0)
		return r;
	return oci_state_read_record(buf, len, ret);
}

int oci_state_load_record(const char *dir, const char *id, struct oci_record *ret)
{
	_cleanup_(oci_record_donep) struct oci_record rec = { 0 };
	_cleanup_close_ int dir_fd = -1;
	char name[OCI_ID_MAX_LEN + 8];
	int r;

	if (!oci_id_is_valid(id))
		return -EINVAL;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	snprintf(name, sizeof(name), "%s.json", id);
	r = load_record_at(dir_fd, name, &rec);
	if (r < 0)
		return r;
	if (!rec.id || strcmp(rec.id, id))
		return -EINVAL;
	*ret = rec;
	rec = (struct oci_record){ 0 };
	return 0;
}

/* "<valid id>.json" -> the id in ret (OCI_ID_MAX_LEN + 1 bytes); false for anything else. */
static bool record_file_id(const char *file_name, char *ret)
{
	size_t n = strlen(file_name);

	if (n <= 5 || n - 5 > OCI_ID_MAX_LEN || strcmp(file_name + n - 5, ".json"))
		return false;
	memcpy(ret, file_name, n - 5);
	ret[n - 5] = '\0';
	return oci_id_is_valid(ret);
}

int oci_state_read_dir(const char *dir, oci_state_record_cb cb, void *userdata)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((errno = 0, de = readdir(d))) {
		_cleanup_(oci_record_donep) struct oci_record rec = { 0 };
		char id[OCI_ID_MAX_LEN + 1];
		int r;

		if (de->d_name[0] == '.')
			continue; /* ".", "..", and the writer's temp files */
		if (!record_file_id(de->d_name, id)) {
			log_debug("%s/%s: not a container record, skipped", dir, de->d_name);
			continue;
		}
		r = load_record_at(dirfd(d), de->d_name, &rec);
		if (r == -ENOENT)
			continue; /* removed while we walked */
		if (r < 0) {
			log_debug_errno(r, "%s/%s: unreadable or malformed record, skipped: %m", dir, de->d_name);
			continue;
		}
		if (!rec.id || strcmp(rec.id, id)) {
			log_debug("%s/%s: record is for id '%s', not for its file name, skipped", dir, de->d_name,
				  rec.id);
			continue;
		}
		r = cb(&rec, userdata);
		if (r < 0)
			return r;
	}
	return errno ? -errno : 0;
}
