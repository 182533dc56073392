/* SPDX-License-Identifier: Apache-2.0 */
#include "hook/oci_hook.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Annotation values longer than this are not names or labels; they stay out of the record. */
#define ANNOTATION_VALUE_MAX 1024
#define ANNOTATIONS_MAX 64
#define SHORT_ID_LEN 12

static const char *const stage_names[] = {
	[OCI_HOOK_PRESTART] = "prestart",
	[OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[OCI_HOOK_POSTSTOP] = "poststop",
};

int oci_hook_stage_from_string(const char *s, enum oci_hook_stage *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(stage_names); i++)
		if (s && !strcmp(s, stage_names[i])) {
			*ret = (enum oci_hook_stage)i;
			return 0;
		}
	return -EINVAL;
}

const char *oci_hook_stage_to_string(enum oci_hook_stage stage)
{
	return (size_t)stage < ARRAY_SIZE(stage_names) ? stage_names[stage] : "?";
}

static void annotations_free(struct oci_annotation *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].key);
		free(a[i].value);
	}
	free(a);
}

void oci_hook_state_done(struct oci_hook_state *st)
{
	free(st->oci_version);
	free(st->id);
	free(st->status);
	free(st->bundle);
	annotations_free(st->annotations, st->n_annotations);
	*st = (struct oci_hook_state){ 0 };
}

void oci_hook_config_done(struct oci_hook_config *cfg)
{
	free(cfg->hostname);
	for (size_t i = 0; i < cfg->n_args; i++)
		free(cfg->args[i]);
	free(cfg->args);
	annotations_free(cfg->annotations, cfg->n_annotations);
	*cfg = (struct oci_hook_config){ 0 };
}

static void oci_hook_state_donep(struct oci_hook_state *st)
{
	oci_hook_state_done(st);
}

static void oci_hook_config_donep(struct oci_hook_config *cfg)
{
	oci_hook_config_done(cfg);
}

static void oci_record_donep(struct oci_record *rec)
{
	oci_record_done(rec);
}

/* ---- parsing ---- */

#define STATE_FIELD(name, reader, field)                                                                    \
	{                                                                                                   \
		.path = JSON_PATH(name), .read = (reader), .offset = offsetof(struct oci_hook_state, field) \
	}

/* The runtime's state on stdin (the OCI runtime spec's "state"). */
static const struct json_field state_fields[] = {
	STATE_FIELD("ociVersion", json_read_string, oci_version),
	STATE_FIELD("id", json_read_string, id),
	STATE_FIELD("status", json_read_string, status),
	STATE_FIELD("bundle", json_read_string, bundle),
	{ .path = JSON_PATH("annotations"),
	  .read = oci_read_annotations,
	  .offset = offsetof(struct oci_hook_state, annotations),
	  .count_offset = offsetof(struct oci_hook_state, n_annotations) },
	{},
};

/* What the hook uses of the bundle's config.json. */
static const struct json_field config_fields[] = {
	{ .path = JSON_PATH("hostname"),
	  .read = json_read_string,
	  .offset = offsetof(struct oci_hook_config, hostname) },
	{ .path = JSON_PATH("process", "args"),
	  .read = json_read_strv,
	  .offset = offsetof(struct oci_hook_config, args),
	  .count_offset = offsetof(struct oci_hook_config, n_args) },
	{ .path = JSON_PATH("annotations"),
	  .read = oci_read_annotations,
	  .offset = offsetof(struct oci_hook_config, annotations),
	  .count_offset = offsetof(struct oci_hook_config, n_annotations) },
	{},
};

/* The statuses a runtime reports at each stage: runc says "creating" at prestart and
 * createRuntime, crun "created"; both say "stopped" at poststop. */
static bool status_fits_stage(const char *status, enum oci_hook_stage stage)
{
	if (stage == OCI_HOOK_POSTSTOP)
		return !strcmp(status, "stopped");
	return !strcmp(status, "creating") || !strcmp(status, "created");
}

/* Quote an untrusted string for a message: printable ASCII only, bounded. */
static const char *printable(const char *s, char *buf, size_t size)
{
	size_t j = 0;

	for (size_t i = 0; s[i] && j + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[j++] = (char)c;
		else
			j += (size_t)snprintf(buf + j, size - j, "\\x%02x", c);
	}
	buf[j] = '\0';
	return buf;
}

int oci_hook_parse_state(const char *buf, size_t len, enum oci_hook_stage stage, struct oci_hook_state *ret,
			 struct json_error *err)
{
	const struct json_field pid = { .path = JSON_PATH("pid"), .min = 0, .max = INT_MAX };
	_cleanup_(oci_hook_state_donep) struct oci_hook_state st = { 0 };
	_cleanup_json_tree_ yajl_val root = NULL;
	char quoted[160];
	int p = 0, r;

	if (len > OCI_HOOK_STDIN_MAX)
		return json_fail(err, -EFBIG, "larger than %d bytes: refused", OCI_HOOK_STDIN_MAX);
	if (len == 0)
		return json_fail(err, -EBADMSG, "empty: the runtime wrote no state");
	r = json_parse(buf, len, &root, err);
	if (r < 0)
		return r;
	if (!YAJL_IS_OBJECT(root))
		return json_fail(err, -EBADMSG, "not a JSON object");
	r = json_dispatch(root, state_fields, &st, err);
	if (r == 0)
		r = json_read_int(json_get(root, pid.path), &pid, &p, err);
	if (r < 0)
		return r;
	st.pid = p;
	if (!st.id)
		return json_fail(err, -EBADMSG, "id: missing");
	if (!oci_id_is_valid(st.id))
		return json_fail(err, -EBADMSG, "id: \"%s\" is not [A-Za-z0-9][A-Za-z0-9_.-]{0,127}",
				 printable(st.id, quoted, sizeof(quoted)));
	if (!st.status)
		return json_fail(err, -EBADMSG, "status: missing");
	if (!status_fits_stage(st.status, stage))
		return json_fail(
			err, -EBADMSG,
			"status \"%s\" does not belong to the %s stage (is the hook installed for the right stage?)",
			printable(st.status, quoted, sizeof(quoted)), oci_hook_stage_to_string(stage));
	if (stage != OCI_HOOK_POSTSTOP && st.pid <= 0)
		return json_fail(err, -EBADMSG, "pid: missing or 0 at %s", oci_hook_stage_to_string(stage));

	*ret = st;
	st = (struct oci_hook_state){ 0 }; // NOLINT(clang-analyzer-deadcode.DeadStores): its cleanup reads it
	return 0;
}

int oci_hook_parse_config(const char *buf, size_t len, struct oci_hook_config *ret, struct json_error *err)
{
	_cleanup_(oci_hook_config_donep) struct oci_hook_config cfg = { 0 };
	_cleanup_json_tree_ yajl_val root = NULL;
	yajl_val process;
	int r;

	r = json_parse(buf, len, &root, err);
	if (r < 0)
		return r;
	if (!YAJL_IS_OBJECT(root))
		return json_fail(err, -EBADMSG, "not a JSON object");
	process = json_get(root, JSON_PATH("process"));
	if (process && !YAJL_IS_OBJECT(process))
		return json_fail(err, -EBADMSG, "process: expected an object, got %s", json_kind(process));
	r = json_dispatch(root, config_fields, &cfg, err);
	if (r < 0)
		return r;
	*ret = cfg;
	cfg = (struct oci_hook_config){ 0 }; // NOLINT(clang-analyzer-deadcode.DeadStores): its cleanup reads it
	return 0;
}

int oci_hook_podman_name(const char *buf, size_t len, const char *id, char **ret_name)
{
	_cleanup_json_tree_ yajl_val root = NULL;
	int r;

	r = json_parse(buf, len, &root, NULL);
	if (r < 0)
		return r;
	if (!YAJL_IS_ARRAY(root))
		return -EBADMSG;
	for (size_t i = 0; i < root->u.array.len; i++) {
		yajl_val c = root->u.array.values[i];
		yajl_val cid = json_get(c, JSON_PATH("id"));
		yajl_val names = json_get(c, JSON_PATH("names"));
		char *name;

		if (!YAJL_IS_STRING(cid) || strcmp(cid->u.string, id))
			continue;
		if (!YAJL_IS_ARRAY(names) || names->u.array.len == 0 || !YAJL_IS_STRING(names->u.array.values[0]))
			return -ENOENT;
		name = strdup(names->u.array.values[0]->u.string);
		if (!name)
			return -ENOMEM;
		*ret_name = name;
		return 0;
	}
	return -ENOENT;
}

int oci_hook_parse_proc_cgroup(const char *buf, char **ret_path, bool *ret_is_v2)
{
	const char *v2 = NULL, *systemd = NULL, *first_v1 = NULL;
	size_t v2_len = 0, systemd_len = 0, first_v1_len = 0;
	bool any = false;
	char *path;

	if (!buf)
		return -EINVAL;
	/* lines are "hierarchy-id:controllers:path" */
	for (const char *line = buf; *line;) {
		const char *end = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;

		if (c2 && c2 + 1 < end && c2[1] == '/') {
			const char *p = c2 + 1;
			size_t n = (size_t)(end - p);
			bool root = n == 1;

			any = true;
			if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) {
				v2 = p;
				v2_len = n;
			} else if (!root && (size_t)(c2 - c1 - 1) == strlen("name=systemd") &&
				   !strncmp(c1 + 1, "name=systemd", c2 - c1 - 1)) {
				systemd = p;
				systemd_len = n;
			} else if (!root && !first_v1) {
				first_v1 = p;
				first_v1_len = n;
			}
		}
		line = *end ? end + 1 : end;
	}
	if (!any)
		return -EINVAL;

	if (v2 && v2_len > 1) {
		path = strndup(v2, v2_len);
		*ret_is_v2 = true;
	} else if (systemd || first_v1) {
		path = systemd ? strndup(systemd, systemd_len) : strndup(first_v1, first_v1_len);
		*ret_is_v2 = false;
	} else {
		path = strdup("/");
		*ret_is_v2 = v2 != NULL;
	}
	if (!path)
		return -ENOMEM;
	*ret_path = path;
	return 0;
}

/* ---- the record's identity ---- */

static const char *annotation_get(const struct oci_annotation *a, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(a[i].key, key))
			return a[i].value;
	return NULL;
}

/* State annotations first; config.json's fill in what the state left out. */
static const char *lookup_annotation(const struct oci_hook_state *st, const struct oci_hook_config *cfg,
				     const char *key)
{
	const char *v = annotation_get(st->annotations, st->n_annotations, key);

	if (!v && cfg)
		v = annotation_get(cfg->annotations, cfg->n_annotations, key);
	return v;
}

static bool annotation_worth_keeping(const char *key, const char *value)
{
	static const char *const prefixes[] = {
		"io.kubernetes.",       "nerdctl/", "io.podman.annotations.", "org.opencontainers.image.",
		"io.container.manager",
	};

	if (strlen(value) > ANNOTATION_VALUE_MAX)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(key, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static int keep_annotations(struct oci_record *rec, const struct oci_annotation *a, size_t n)
{
	for (size_t i = 0; i < n && rec->n_annotations < ANNOTATIONS_MAX; i++) {
		struct oci_annotation *kept;

		if (!annotation_worth_keeping(a[i].key, a[i].value) ||
		    annotation_get(rec->annotations, rec->n_annotations, a[i].key))
			continue;
		kept = &rec->annotations[rec->n_annotations];
		kept->key = strdup(a[i].key);
		kept->value = strdup(a[i].value);
		rec->n_annotations++;
		if (!kept->key || !kept->value)
			return -ENOMEM;
	}
	return 0;
}

static int set_string(char **field, const char *value)
{
	if (!value)
		return 0;
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

static int set_name(struct oci_record *rec, const char *name, const char *source_kind, const char *source)
{
	if (asprintf(&rec->name_source, "%s%s%s", source_kind, source ? ":" : "", source ? source : "") < 0) {
		rec->name_source = NULL;
		return -ENOMEM;
	}
	return set_string(&rec->name, name);
}

static int pick_name(struct oci_record *rec, const struct oci_hook_state *st, const struct oci_hook_config *cfg,
		     const char *podman_name)
{
	static const char *const name_annotations[] = {
		"io.kubernetes.cri.container-name", /* containerd CRI */
		"io.kubernetes.container.name",     /* CRI-O */
		"nerdctl/name",
	};
	char short_id[SHORT_ID_LEN + 1];

	for (size_t i = 0; i < ARRAY_SIZE(name_annotations); i++) {
		const char *v = lookup_annotation(st, cfg, name_annotations[i]);

		if (v && *v)
			return set_name(rec, v, "annotation", name_annotations[i]);
	}
	if (podman_name && *podman_name)
		return set_name(rec, podman_name, "podman", NULL);
	/* Docker and podman make the short id the hostname: that is no name, say so */
	if (cfg && cfg->hostname && *cfg->hostname && strncmp(st->id, cfg->hostname, strlen(cfg->hostname)))
		return set_name(rec, cfg->hostname, "hostname", NULL);
	snprintf(short_id, sizeof(short_id), "%s", st->id);
	return set_name(rec, short_id, "id", NULL);
}

int oci_hook_record_from_state(const struct oci_hook_state *st, const struct oci_hook_config *cfg,
			       const char *podman_name, struct oci_record *ret)
{
	_cleanup_(oci_record_donep) struct oci_record rec = { 0 };
	const char *pod_name, *pod_namespace;
	int r;

	pod_name = lookup_annotation(st, cfg, "io.kubernetes.cri.sandbox-name");
	if (!pod_name)
		pod_name = lookup_annotation(st, cfg, "io.kubernetes.pod.name");
	pod_namespace = lookup_annotation(st, cfg, "io.kubernetes.cri.sandbox-namespace");
	if (!pod_namespace)
		pod_namespace = lookup_annotation(st, cfg, "io.kubernetes.pod.namespace");

	if ((r = set_string(&rec.id, st->id)) < 0 || (r = pick_name(&rec, st, cfg, podman_name)) < 0 ||
	    (r = set_string(&rec.pod_name, pod_name)) < 0 || (r = set_string(&rec.pod_namespace, pod_namespace)) < 0 ||
	    (r = set_string(&rec.bundle, st->bundle)) < 0 || (r = set_string(&rec.runtime_status, st->status)) < 0 ||
	    (r = set_string(&rec.source, OCI_RECORD_SOURCE)) < 0)
		return r;
	rec.pid = st->pid;

	if (cfg && cfg->n_args) {
		rec.args = calloc(cfg->n_args, sizeof(char *));
		if (!rec.args)
			return -ENOMEM;
		for (size_t i = 0; i < cfg->n_args; i++) {
			rec.args[i] = strdup(cfg->args[i]);
			if (!rec.args[i])
				return -ENOMEM;
			rec.n_args++;
		}
	}

	rec.annotations = calloc(ANNOTATIONS_MAX, sizeof(struct oci_annotation));
	if (!rec.annotations)
		return -ENOMEM;
	r = keep_annotations(&rec, st->annotations, st->n_annotations);
	if (r >= 0 && cfg)
		r = keep_annotations(&rec, cfg->annotations, cfg->n_annotations);
	if (r < 0)
		return r;

	*ret = rec;
	rec = (struct oci_record){ 0 };
	return 0;
}

/* ---- the run ---- */

struct hook_run {
	const struct oci_hook_options *opts;
	const char *state_dir;
	const char *id; /* for messages; NULL until the state parsed */
	bool trouble;
};

/* One line through log.c, naming the container once its state parsed (hook_main sends it to
 * stderr and syslog: the runtime may swallow our stderr). */
static void report(struct hook_run *run, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(struct hook_run *run, int level, const char *fmt, ...)
{
	char raw[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* the id and what the message quotes come from the runtime's stdin: log_msg escapes the line */
	if (run->id)
		log_msg(level, "%s: %s", run->id, raw);
	else
		log_msg(level, "%s", raw);
}

/* ctopo's own trouble: reported, and fatal only with --strict. */
#define TROUBLE(run, ...)                                \
	do {                                             \
		(run)->trouble = true;                   \
		report((run), LOG_WARNING, __VA_ARGS__); \
	} while (0)

static int read_file_limited(const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return read_fd_bounded(fd, max, ret_buf, ret_len);
}

static bool str_is_printable_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int load_config(struct hook_run *run, const struct oci_hook_state *st, struct oci_hook_config *ret)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	struct json_error err = { { 0 } };
	size_t len = 0;
	int r;

	if (!st->bundle || st->bundle[0] != '/')
		return -ENOENT;
	if (asprintf(&path, "%s/config.json", st->bundle) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	r = read_file_limited(path, OCI_HOOK_CONFIG_MAX, &buf, &len);
	if (r < 0) {
		/* at poststop the bundle may be gone already; the name came at prestart */
		if (!(r == -ENOENT && run->opts->stage == OCI_HOOK_POSTSTOP))
			TROUBLE(run, "cannot read %s, the record has no name from it: %s", path, strerror(-r));
		return r;
	}
	r = oci_hook_parse_config(buf, len, ret, &err);
	if (r < 0)
		TROUBLE(run, "%s: %s; the record has no name from it", path,
			r == -ENOMEM ? strerror(ENOMEM) : err.message);
	return r;
}

/* podman keeps names in c/storage, not in the bundle: <storage>/overlay-containers/<id>/userdata
 * is the bundle, <storage>/overlay-containers/containers.json lists {id, names}. */
static char *podman_name(struct hook_run *run, const struct oci_hook_state *st)
{
	_cleanup_free_ char *suffix = NULL, *path = NULL, *buf = NULL;
	char *name = NULL;
	size_t n, len = 0;
	int r;

	/* Recognised by the bundle's path alone: podman's poststop state lacks io.container.manager. */
	if (!st->bundle)
		return NULL;
	if (asprintf(&suffix, "/%s/userdata", st->id) < 0) {
		suffix = NULL;
		return NULL;
	}
	n = strlen(st->bundle);
	if (n <= strlen(suffix) || strcmp(st->bundle + n - strlen(suffix), suffix))
		return NULL;
	if (asprintf(&path, "%.*s/containers.json", (int)(n - strlen(suffix)), st->bundle) < 0) {
		path = NULL;
		return NULL;
	}
	r = read_file_limited(path, OCI_HOOK_CONTAINERS_JSON_MAX, &buf, &len);
	if (r >= 0)
		r = oci_hook_podman_name(buf, len, st->id, &name);
	if (r < 0 && r != -ENOENT)
		TROUBLE(run, "cannot read podman's name for the container from %s: %s", path,
			r == -EBADMSG ? "not the JSON c/storage writes" : strerror(-r));
	return name;
}

static int ns_inode(pid_t pid, const char *kind, uint64_t *ret)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, kind);
	if (stat(path, &st) < 0)
		return -errno;
	*ret = st.st_ino;
	return 0;
}

static const char *cgroup2_mount(void)
{
	static const char *const candidates[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs fs;

	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
		if (statfs(candidates[i], &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
			return candidates[i];
	return NULL;
}

/* pid, namespaces and cgroup of the container's init, from the host's /proc. */
static void add_process_info(struct hook_run *run, struct oci_record *rec)
{
	_cleanup_free_ char *cgroup_buf = NULL, *cgroup = NULL;
	char path[64];
	size_t len;
	bool is_v2 = false;
	int r;

	r = ns_inode((pid_t)rec->pid, "mnt", &rec->mntns);
	if (r >= 0)
		r = ns_inode((pid_t)rec->pid, "net", &rec->netns);
	if (r < 0) {
		TROUBLE(run, "cannot read the namespaces of container process %" PRId64 " (/proc/%" PRId64 "/ns): %s",
			rec->pid, rec->pid, strerror(-r));
		return;
	}

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)rec->pid);
	r = read_file_limited(path, 64 * 1024, &cgroup_buf, &len);
	if (r >= 0)
		r = oci_hook_parse_proc_cgroup(cgroup_buf, &cgroup, &is_v2);
	if (r < 0) {
		TROUBLE(run, "cannot read the cgroup of container process %" PRId64 " (%s): %s", rec->pid, path,
			strerror(-r));
		return;
	}
	if (!str_is_printable_ascii(cgroup))
		return; /* not worth a record a reader might reject */
	if (is_v2) {
		const char *mnt = cgroup2_mount();
		_cleanup_free_ char *dir = NULL;
		struct stat st;

		if (mnt && asprintf(&dir, "%s%s", mnt, cgroup) >= 0 && stat(dir, &st) == 0)
			rec->cgroup_id = st.st_ino;
	}
	rec->cgroup = TAKE_PTR(cgroup);
}

static int set_stage(struct oci_record *rec, enum oci_hook_stage stage, const char *status)
{
	if (!status) /* a parsed state always has one; the analyzer cannot see that */
		return -EINVAL;
	free(rec->stage);
	free(rec->runtime_status);
	rec->stage = strdup(oci_hook_stage_to_string(stage));
	rec->runtime_status = strdup(status);
	return rec->stage && rec->runtime_status ? 0 : -ENOMEM;
}

/* A fresh record from the state, config.json and podman's storage. */
static int build_record(struct hook_run *run, const struct oci_hook_state *st, struct oci_record *ret)
{
	_cleanup_(oci_hook_config_donep) struct oci_hook_config cfg = { 0 };
	_cleanup_free_ char *pname = NULL;
	bool have_cfg = load_config(run, st, &cfg) >= 0;

	pname = podman_name(run, st);
	return oci_hook_record_from_state(st, have_cfg ? &cfg : NULL, pname, ret);
}

static void debug_record(struct hook_run *run, const struct oci_record *rec)
{
	_cleanup_free_ char *json = NULL;
	size_t len;

	if (run->opts->debug && oci_record_format(rec, &json, &len) >= 0)
		log_msg(LOG_INFO, "%s/%s.json: %s", run->state_dir, rec->id, json);
}

static int exit_code(const struct hook_run *run)
{
	return run->trouble && run->opts->strict ? OCI_HOOK_EXIT_TROUBLE : OCI_HOOK_EXIT_OK;
}

int oci_hook_run(const struct oci_hook_options *opts, const char *input, size_t len)
{
	_cleanup_(oci_hook_state_donep) struct oci_hook_state st = { 0 };
	_cleanup_(oci_record_donep) struct oci_record rec = { 0 };
	struct hook_run run = {
		.opts = opts,
		.state_dir = opts->state_dir ? opts->state_dir : OCI_STATE_DEFAULT_DIR,
	};
	struct json_error err = { { 0 } };
	int r;

	r = oci_hook_parse_state(input, len, opts->stage, &st, &err);
	if (r == -ENOMEM) {
		TROUBLE(&run, "out of memory reading the OCI state");
		return exit_code(&run);
	}
	if (r < 0) {
		report(&run, LOG_ERR, "invalid OCI state on stdin at %s: %s", oci_hook_stage_to_string(opts->stage),
		       err.message);
		return OCI_HOOK_EXIT_INVALID_INPUT;
	}
	run.id = st.id;

	if (opts->stage == OCI_HOOK_POSTSTOP) {
		r = oci_state_load_record(run.state_dir, st.id, &rec);
		if (r < 0) {
			/* no record (the hook was added after the start, or a failed start): still leave
			 * a stopped one so the id has a name in the next report */
			if (r != -ENOENT && opts->debug)
				report(&run, LOG_INFO, "previous record unreadable (%s), writing a new one",
				       strerror(-r));
			r = build_record(&run, &st, &rec);
		}
		if (r >= 0) {
			rec.stopped = true;
			rec.stopped_at = clock_real_s();
		}
	} else {
		r = build_record(&run, &st, &rec);
		if (r >= 0) {
			rec.started_at = clock_real_s();
			add_process_info(&run, &rec);
		}
	}
	if (r >= 0)
		r = set_stage(&rec, opts->stage, st.status);
	if (r < 0) {
		TROUBLE(&run, "cannot build the container record: %s", strerror(-r));
		return exit_code(&run);
	}

	r = oci_state_write_record(run.state_dir, &rec);
	if (r < 0) {
		TROUBLE(&run, "cannot write the container record to %s: %s%s", run.state_dir, strerror(-r),
			opts->strict                       ? ""
			: opts->stage == OCI_HOOK_POSTSTOP ? " (the container is not affected)"
							   : " (the container starts without it)");
		return exit_code(&run);
	}
	debug_record(&run, &rec);
	return exit_code(&run);
}

int oci_hook_run_fd(const struct oci_hook_options *opts, int fd)
{
	_cleanup_free_ char *buf = NULL;
	struct hook_run run = { .opts = opts };
	size_t len;
	int r;

	r = read_fd_bounded(fd, OCI_HOOK_STDIN_MAX, &buf, &len);
	if (r == -EFBIG) {
		report(&run, LOG_ERR, "invalid OCI state on stdin at %s: larger than %d bytes: refused",
		       oci_hook_stage_to_string(opts->stage), OCI_HOOK_STDIN_MAX);
		return OCI_HOOK_EXIT_INVALID_INPUT;
	}
	if (r < 0) {
		report(&run, LOG_ERR, "cannot read the OCI state from stdin: %s", strerror(-r));
		return OCI_HOOK_EXIT_INVALID_INPUT;
	}
	return oci_hook_run(opts, buf, len);
}
