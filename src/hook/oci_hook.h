/* SPDX-License-Identifier: Apache-2.0 */
/* ctopo-oci-hook's logic: read the OCI state a runtime gives a hook on stdin, validate it,
 * name the container from the bundle's config.json, and write or update its record under the
 * state directory (oci_state.h). Behaviour and exit codes: docs/oci-hook.md. */
#ifndef CTOPO_OCI_HOOK_H
#define CTOPO_OCI_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hook/oci_state.h"

#define OCI_HOOK_STDIN_MAX (1024 * 1024)
#define OCI_HOOK_CONFIG_MAX (4 * 1024 * 1024)
#define OCI_HOOK_CONTAINERS_JSON_MAX (16 * 1024 * 1024)

/* Exit codes (sysexits.h values, so they stand out from a crash or a runtime's own codes). */
enum {
	OCI_HOOK_EXIT_OK = 0,             /* recorded, or ctopo's own trouble reported (no --strict) */
	OCI_HOOK_EXIT_USAGE = 64,         /* bad command line: unknown stage or option */
	OCI_HOOK_EXIT_INVALID_INPUT = 65, /* the runtime's state is invalid: the start should stop */
	OCI_HOOK_EXIT_TROUBLE = 74,       /* --strict only: ctopo's own trouble */
};

enum oci_hook_stage {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_POSTSTOP,
};

int oci_hook_stage_from_string(const char *s, enum oci_hook_stage *ret);
const char *oci_hook_stage_to_string(enum oci_hook_stage stage);

/* What the runtime wrote on stdin. */
struct oci_hook_state {
	char *oci_version;
	char *id;
	char *status;
	int64_t pid; /* 0 when absent (runc at poststop) */
	char *bundle;
	struct oci_annotation *annotations;
	size_t n_annotations;
};

/* What we use of the bundle's config.json. */
struct oci_hook_config {
	char *hostname;
	char **args;
	size_t n_args;
	struct oci_annotation *annotations;
	size_t n_annotations;
};

void oci_hook_state_done(struct oci_hook_state *st);
void oci_hook_config_done(struct oci_hook_config *cfg);

/* Parse and validate the state for stage: -EFBIG over OCI_HOOK_STDIN_MAX, -EBADMSG for anything
 * else wrong (not JSON, wrong types, id missing or not matching [A-Za-z0-9][A-Za-z0-9_.-]{0,127},
 * pid missing or <= 0 at prestart/createRuntime, a status that does not belong to the stage), with
 * the reason in err naming the field ("pid: expected an integer, got a string"). ret untouched on
 * failure. */
int oci_hook_parse_state(const char *buf, size_t len, enum oci_hook_stage stage, struct oci_hook_state *ret,
			 struct json_error *err);

/* Parse config.json: hostname, process.args, annotations. -EBADMSG with the reason in err. */
int oci_hook_parse_config(const char *buf, size_t len, struct oci_hook_config *ret, struct json_error *err);

/* podman: the first of "names" for id in c/storage's containers.json; -ENOENT when absent. */
int oci_hook_podman_name(const char *buf, size_t len, const char *id, char **ret_name);

/* The cgroup path from /proc/PID/cgroup contents: the v2 ("0::") path unless it is the root
 * (hybrid hosts keep every process in the v2 root), else the name=systemd or first non-root v1
 * path, else "/". ret_is_v2 tells whether the path is a v2 one. -EINVAL when no line parses. */
int oci_hook_parse_proc_cgroup(const char *buf, char **ret_path, bool *ret_is_v2);

/* The record's identity from the state and (optional) config and podman name: id, name and
 * name_source, pod, bundle, args, the annotations worth keeping, runtime status. No /proc. */
int oci_hook_record_from_state(const struct oci_hook_state *st, const struct oci_hook_config *cfg,
			       const char *podman_name, struct oci_record *ret);

struct oci_hook_options {
	enum oci_hook_stage stage;
	const char *state_dir; /* NULL: OCI_STATE_DEFAULT_DIR */
	bool strict;
	bool debug; /* say what was recorded on stderr */
};

/* Everything the hook does after reading stdin; returns the process exit code and prints one
 * line per problem through log.c (hook_main: stderr and syslog). */
int oci_hook_run(const struct oci_hook_options *opts, const char *input, size_t len);

/* Read stdin (at most OCI_HOOK_STDIN_MAX) and run; returns the exit code. */
int oci_hook_run_fd(const struct oci_hook_options *opts, int fd);

#endif
