/* SPDX-License-Identifier: Apache-2.0 */
/* The on-disk container records under the state directory (default /run/ctopo/containers):
 * one JSON file "<id>.json" per container, written by ctopo-oci-hook, read by the daemon and
 * by one-shot commands. Format: docs/oci-hook.md. */
#ifndef CTOPO_OCI_STATE_H
#define CTOPO_OCI_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "common/json_read.h"

#define OCI_STATE_DEFAULT_DIR "/run/ctopo/containers"
#define OCI_RECORD_VERSION 1
#define OCI_RECORD_SOURCE "oci-hook"
/* A record is small (a few KiB); anything bigger under the state dir is not ours. */
#define OCI_RECORD_MAX_SIZE (1024 * 1024)
#define OCI_ID_MAX_LEN 128

struct oci_annotation {
	char *key;
	char *value;
};

struct oci_record {
	char *id;
	char *name;        /* never NULL in a record read back: falls back to the short id */
	char *name_source; /* where the name came from, e.g. "annotation:nerdctl/name", "hostname" */
	char *pod_name;    /* NULL when the runtime named no pod */
	char *pod_namespace;
	int64_t pid;    /* the container's init on the host; 0 when unknown */
	uint64_t mntns; /* inodes of /proc/PID/ns/{mnt,net}; 0 when unknown */
	uint64_t netns;
	char *cgroup;       /* from /proc/PID/cgroup: the v2 path, else a v1 path; NULL when unknown */
	uint64_t cgroup_id; /* inode of the cgroup v2 directory; 0 when it has none of its own */
	char *bundle;
	char **args;
	size_t n_args;
	struct oci_annotation *annotations;
	size_t n_annotations;
	char *runtime_status; /* the runtime's "status" at the last hook: creating, created, stopped */
	char *stage;          /* the hook stage that wrote the record last */
	bool stopped;
	double started_at; /* UNIX seconds; 0 when unknown (a poststop without a prestart record) */
	double stopped_at; /* UNIX seconds; 0 while running */
	char *source;      /* "oci-hook" */
};

void oci_record_done(struct oci_record *rec);

/* [A-Za-z0-9][A-Za-z0-9_.-]{0,127}: such an id never contains '/' and never is "." or "..",
 * so "<id>.json" always names a file inside the state directory. */
bool oci_id_is_valid(const char *id);

/* Serialise rec as one JSON object (no trailing newline); 0 or -errno. ret_buf is malloc'd. */
int oci_record_format(const struct oci_record *rec, char **ret_buf, size_t *ret_len);

/* Parse one record file's contents. -EBADMSG for malformed JSON, a missing or invalid id, wrong
 * types or an unknown format version (the reason, naming the field, at debug level); -EFBIG over
 * OCI_RECORD_MAX_SIZE. ret untouched on failure. */
int oci_state_read_record(const char *buf, size_t len, struct oci_record *ret);

/* Read "<id>.json" from dir: 0, -ENOENT when there is none, or another -errno. */
int oci_state_load_record(const char *dir, const char *id, struct oci_record *ret);

/* dir and its missing parents (mkdir -p), mode 0755 whatever the umask: the daemon and `ctopo
 * ps` (maybe unprivileged) must be able to read the records. 0 or -errno. */
int oci_state_make_dir(const char *dir);

/* Write rec as "<rec->id>.json" under dir atomically (a temp file in dir, fsync, rename), mode
 * 0644, creating dir (and its missing parents) 0755. 0 or -errno; nothing is left behind on
 * failure. */
int oci_state_write_record(const char *dir, const struct oci_record *rec);

/* Call cb for every valid record in dir, in no particular order. Files that are not records
 * (temp files, other names, malformed contents, an id that differs from the file name) are
 * skipped with a debug message. A negative return from cb stops the walk and is returned.
 * -ENOENT when dir does not exist (nothing recorded yet). */
typedef int (*oci_state_record_cb)(const struct oci_record *rec, void *userdata);
int oci_state_read_dir(const char *dir, oci_state_record_cb cb, void *userdata);

/* Shared with oci_hook.c: an object of string annotations into struct oci_annotation * at
 * f->offset, the size_t count at f->count_offset (a json_read_fn; see common/json_read.h). */
int oci_read_annotations(yajl_val v, const struct json_field *f, void *ret, struct json_error *err);

#endif
