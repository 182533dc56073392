/* SPDX-License-Identifier: Apache-2.0 */
/* ctopo-oci-hook's logic, fed the state JSON and config.json captured from real runc and crun
 * runs (tests/data/oci/README.md): validation, naming, the exit code policy, and that invalid
 * input writes nothing anywhere. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"
#include "hook/oci_hook.h"
#include "unit_helpers.h"

/* Run the hook on input with stderr captured into *ret_err (malloc'd). */
static int run_hook(const struct oci_hook_options *opts, const char *input, size_t len, char **ret_err)
{
	char path[] = "/tmp/ctopo-h5-ut-stderr-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO), code;
	size_t n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	code = oci_hook_run(opts, input, len);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(read_fd_bounded(fd, 1 << 20, ret_err, &n), 0);
	close(fd);
	unlink(path);
	return code;
}

/* A captured state with its pid and bundle replaced, so /proc and config.json are real here. */
static char *state_with(const char *sample, const char *id, pid_t pid, const char *bundle)
{
	struct oci_hook_state st = { 0 };
	struct json_error err = { { 0 } };
	char *buf, *out = NULL;
	size_t len;

	buf = read_sample("oci", sample, &len);
	assert_int_equal(oci_hook_parse_state(buf, len,
					      strstr(sample, "poststop") ? OCI_HOOK_POSTSTOP : OCI_HOOK_PRESTART, &st,
					      &err),
			 0);
	assert_true(asprintf(&out,
			     "{\"ociVersion\":\"%s\",\"id\":\"%s\",\"status\":\"%s\",\"pid\":%d,\"bundle\":\"%s\"}",
			     st.oci_version, id, st.status, (int)pid, bundle) > 0);
	oci_hook_state_done(&st);
	free(buf);
	return out;
}

static const struct oci_hook_options base_opts = { .stage = OCI_HOOK_PRESTART };

/* ---- the captured states ---- */

static void captured_states_parse_for_their_stage(void **state)
{
#define CAP "/tmp/ctopo-h5-cap"
#define PODMAN \
	"/var/lib/containers/storage/overlay-containers/6fbca1aae3c05317dea8c7be0e1b1ffacf931f1cba1390f0f34576d349453d28/userdata"
	static const struct {
		const char *sample;
		enum oci_hook_stage stage;
		const char *id, *status;
		int64_t pid;
		const char *bundle;
	} cases[] = {
		{ "runc-prestart.state.json", OCI_HOOK_PRESTART, "ctopo-h5-cap-runc", "creating", 6690, CAP },
		{ "runc-createRuntime.state.json", OCI_HOOK_CREATE_RUNTIME, "ctopo-h5-cap-runc", "creating", 6690,
		  CAP },
		{ "runc-poststop.state.json", OCI_HOOK_POSTSTOP, "ctopo-h5-cap-runc", "stopped", 0, CAP },
		{ "crun-prestart.state.json", OCI_HOOK_PRESTART, "ctopo-h5-cap-crun", "created", 6720, CAP },
		{ "crun-createRuntime.state.json", OCI_HOOK_CREATE_RUNTIME, "ctopo-h5-cap-crun", "created", 6720, CAP },
		{ "crun-poststop.state.json", OCI_HOOK_POSTSTOP, "ctopo-h5-cap-crun", "stopped", 0, CAP },
		{ "runc-cri-prestart.state.json", OCI_HOOK_PRESTART, "ctopo-h5-cap-runc-cri", "creating", 6794, CAP },
		{ "crun-nerdctl-poststop.state.json", OCI_HOOK_POSTSTOP, "ctopo-h5-cap-crun-nerdctl", "stopped", 0,
		  CAP },
		{ "podman-prestart.state.json", OCI_HOOK_PRESTART,
		  "6fbca1aae3c05317dea8c7be0e1b1ffacf931f1cba1390f0f34576d349453d28", "creating", 22148, PODMAN },
		{ "podman-poststop.state.json", OCI_HOOK_POSTSTOP,
		  "6fbca1aae3c05317dea8c7be0e1b1ffacf931f1cba1390f0f34576d349453d28", "stopped", 0, PODMAN },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct oci_hook_state st = { 0 };
		struct json_error err = { { 0 } };
		size_t len;
		char *buf = read_sample("oci", cases[i].sample, &len);

		if (oci_hook_parse_state(buf, len, cases[i].stage, &st, &err) != 0)
			fail_msg("%s: %s", cases[i].sample, err.message);
		assert_string_equal(st.id, cases[i].id);
		assert_string_equal(st.status, cases[i].status);
		assert_int_equal(st.pid, cases[i].pid);
		assert_string_equal(st.bundle, cases[i].bundle);
		oci_hook_state_done(&st);
		free(buf);
	}
}

static void status_is_cross_checked_with_the_stage(void **state)
{
	struct oci_hook_state st = { 0 };
	struct json_error err = { { 0 } };
	size_t len;
	char *pre = read_sample("oci", "runc-prestart.state.json", &len);
	char *post;

	(void)state;
	assert_int_equal(oci_hook_parse_state(pre, len, OCI_HOOK_POSTSTOP, &st, &err), -EBADMSG);
	assert_non_null(strstr(err.message, "status \"creating\" does not belong to the poststop stage"));
	free(pre);
	post = read_sample("oci", "crun-poststop.state.json", &len);
	assert_int_equal(oci_hook_parse_state(post, len, OCI_HOOK_PRESTART, &st, &err), -EBADMSG);
	assert_int_equal(oci_hook_parse_state(post, len, OCI_HOOK_CREATE_RUNTIME, &st, &err), -EBADMSG);
	assert_null(st.id);
	free(post);
}

static void id_validation(void **state)
{
	static const char *const good[] = { "a",
					    "Z",
					    "0",
					    "abc_DEF.ghi-jkl",
					    "a..",
					    "ctopo-h5-cap-runc",
					    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" };
	static const char *const bad[] = { "",   ".",  "..",  "../../etc", "a/b",         "/abs", "-a",
					   "_a", ".a", "a b", "a\nb",      "caf\xc3\xa9", "a:b",  "a\\b" };
	char long_id[OCI_ID_MAX_LEN + 2];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!oci_id_is_valid(good[i]))
			fail_msg("valid id refused: %s", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (oci_id_is_valid(bad[i]))
			fail_msg("invalid id accepted: %s", bad[i]);
	assert_false(oci_id_is_valid(NULL));
	memset(long_id, 'a', sizeof(long_id));
	long_id[OCI_ID_MAX_LEN] = '\0';
	assert_true(oci_id_is_valid(long_id));
	long_id[OCI_ID_MAX_LEN] = 'a';
	long_id[OCI_ID_MAX_LEN + 1] = '\0';
	assert_false(oci_id_is_valid(long_id));
}

/* ---- config.json and naming ---- */

static void config_extraction(void **state)
{
	struct oci_hook_config cfg = { 0 };
	struct json_error err = { { 0 } };
	size_t len;
	char *buf = read_sample("oci", "runc-cri.config.json", &len);

	(void)state;
	if (oci_hook_parse_config(buf, len, &cfg, &err) != 0)
		fail_msg("%s", err.message);
	assert_string_equal(cfg.hostname, "ctopo-cap");
	assert_int_equal(cfg.n_args, 2);
	assert_string_equal(cfg.args[0], "sleep");
	assert_string_equal(cfg.args[1], "0.2");
	assert_int_equal(cfg.n_annotations, 7);
	oci_hook_config_done(&cfg);
	free(buf);

	buf = read_sample("oci", "runc.config.json", &len);
	assert_int_equal(oci_hook_parse_config(buf, len, &cfg, &err), 0);
	assert_int_equal(cfg.n_annotations, 0);
	assert_int_equal(cfg.n_args, 3);
	oci_hook_config_done(&cfg);
	free(buf);

	buf = strdup("{\"process\":{\"args\":\"sh\"}}");
	assert_int_equal(oci_hook_parse_config(buf, strlen(buf), &cfg, &err), -EBADMSG);
	assert_string_equal(err.message, "process.args: expected an array, got a string");
	free(buf);
}

static const char *ann(const struct oci_record *rec, const char *key)
{
	for (size_t i = 0; i < rec->n_annotations; i++)
		if (!strcmp(rec->annotations[i].key, key))
			return rec->annotations[i].value;
	return NULL;
}

static void record_identity(const char *state_sample, const char *config_sample, enum oci_hook_stage stage,
			    struct oci_record *ret)
{
	struct oci_hook_state st = { 0 };
	struct oci_hook_config cfg = { 0 };
	struct json_error err = { { 0 } };
	size_t len;
	char *buf = read_sample("oci", state_sample, &len);

	assert_int_equal(oci_hook_parse_state(buf, len, stage, &st, &err), 0);
	free(buf);
	if (config_sample) {
		buf = read_sample("oci", config_sample, &len);
		assert_int_equal(oci_hook_parse_config(buf, len, &cfg, &err), 0);
		free(buf);
	}
	assert_int_equal(oci_hook_record_from_state(&st, config_sample ? &cfg : NULL, NULL, ret), 0);
	oci_hook_state_done(&st);
	oci_hook_config_done(&cfg);
}

static void name_from_cri_annotations_with_pod(void **state)
{
	struct oci_record rec = { 0 };

	(void)state;
	record_identity("runc-cri-prestart.state.json", "runc-cri.config.json", OCI_HOOK_PRESTART, &rec);
	assert_string_equal(rec.id, "ctopo-h5-cap-runc-cri");
	assert_string_equal(rec.name, "web");
	assert_string_equal(rec.name_source, "annotation:io.kubernetes.cri.container-name");
	assert_string_equal(rec.pod_name, "web-7d4b9c-x2x9q");
	assert_string_equal(rec.pod_namespace, "shop");
	assert_int_equal(rec.pid, 6794);
	assert_string_equal(rec.bundle, "/tmp/ctopo-h5-cap");
	assert_string_equal(rec.runtime_status, "creating");
	assert_int_equal(rec.n_args, 2);
	assert_string_equal(ann(&rec, "io.kubernetes.cri.image-name"), "docker.io/library/nginx:1.25");
	assert_string_equal(ann(&rec, "org.opencontainers.image.title"), "nginx");
	assert_int_equal(rec.n_annotations, 7); /* all worth keeping, none twice */
	oci_record_done(&rec);
}

static void name_from_nerdctl_annotation_at_poststop_without_config(void **state)
{
	struct oci_record rec = { 0 };

	(void)state;
	record_identity("crun-nerdctl-poststop.state.json", NULL, OCI_HOOK_POSTSTOP, &rec);
	assert_string_equal(rec.name, "db-1");
	assert_string_equal(rec.name_source, "annotation:nerdctl/name");
	assert_null(rec.pod_name);
	assert_string_equal(ann(&rec, "io.podman.annotations.autoremove"), "FALSE");
	assert_string_equal(ann(&rec, "org.opencontainers.image.ref.name"), "postgres");
	oci_record_done(&rec);
}

static void name_falls_back_to_hostname_then_short_id(void **state)
{
	struct oci_hook_state st = { .id = "0123456789abcdef0123", .status = "creating", .pid = 1 };
	struct oci_hook_config cfg = { .hostname = "0123456789ab" };
	struct oci_record rec = { 0 };

	(void)state;
	record_identity("runc-prestart.state.json", "runc.config.json", OCI_HOOK_PRESTART, &rec);
	assert_string_equal(rec.name, "ctopo-cap");
	assert_string_equal(rec.name_source, "hostname");
	assert_int_equal(rec.n_annotations, 0);
	oci_record_done(&rec);

	/* Docker and podman make the short id the hostname: that is the id, not a name */
	assert_int_equal(oci_hook_record_from_state(&st, &cfg, NULL, &rec), 0);
	assert_string_equal(rec.name, "0123456789ab");
	assert_string_equal(rec.name_source, "id");
	oci_record_done(&rec);

	assert_int_equal(oci_hook_record_from_state(&st, NULL, NULL, &rec), 0);
	assert_string_equal(rec.name, "0123456789ab");
	assert_string_equal(rec.name_source, "id");
	oci_record_done(&rec);

	assert_int_equal(oci_hook_record_from_state(&st, &cfg, "shop-web", &rec), 0);
	assert_string_equal(rec.name, "shop-web");
	assert_string_equal(rec.name_source, "podman");
	oci_record_done(&rec);
}

static void podman_name_from_containers_json(void **state)
{
	const char *id = "6fbca1aae3c05317dea8c7be0e1b1ffacf931f1cba1390f0f34576d349453d28";
	char *tmp = make_tmpdir("hook"), dir[512], bundle[512], from[512], to[600], *in, *err = NULL, *name = NULL;
	struct oci_hook_options opts = base_opts;
	struct oci_record rec = { 0 };
	size_t len;
	char *buf = read_sample("oci", "podman.containers.json", &len);

	(void)state;
	assert_int_equal(oci_hook_podman_name(buf, len, id, &name), 0);
	assert_string_equal(name, "ctopo-h5-pod-db");
	free(name);
	assert_int_equal(oci_hook_podman_name(buf, len, "0123456789ab", &name), -ENOENT);
	free(buf);

	/* podman's layout: the bundle is <storage>/overlay-containers/<id>/userdata */
	snprintf(bundle, sizeof(bundle), "%s/storage/overlay-containers/%s/userdata", tmp, id);
	make_dirs(bundle);
	snprintf(from, sizeof(from), "%s/oci/podman.config.json", TEST_DATA_DIR);
	snprintf(to, sizeof(to), "%s/config.json", bundle);
	copy_file(from, to);
	snprintf(from, sizeof(from), "%s/oci/podman.containers.json", TEST_DATA_DIR);
	snprintf(to, sizeof(to), "%s/storage/overlay-containers/containers.json", tmp);
	copy_file(from, to);
	snprintf(dir, sizeof(dir), "%s/state", tmp);
	opts.state_dir = dir;
	in = state_with("podman-prestart.state.json", id, getpid(), bundle);
	assert_int_equal(run_hook(&opts, in, strlen(in), &err), OCI_HOOK_EXIT_OK);
	assert_string_equal(err, "");
	free(err);
	free(in);
	assert_int_equal(oci_state_load_record(dir, id, &rec), 0);
	assert_string_equal(rec.name, "ctopo-h5-pod-db"); /* before the hostname "dbhost" */
	assert_string_equal(rec.name_source, "podman");
	assert_string_equal(ann(&rec, "io.container.manager"), "libpod");
	oci_record_done(&rec);
	rm_rf(tmp);
	free(tmp);
}

static void proc_cgroup_paths(void **state)
{
	char *buf, *path = NULL;
	bool v2 = false;

	(void)state;
	buf = read_sample("oci", "runc-prestart.proc-cgroup", NULL);
	assert_int_equal(oci_hook_parse_proc_cgroup(buf, &path, &v2), 0);
	assert_string_equal(path, "/ctopo-h5-cap-runc");
	assert_true(v2);
	free(path);
	free(buf);

	/* a process in the v2 root of a hybrid host: the v1 path is the one that says something */
	buf = read_sample("oci", "host-hybrid.proc-cgroup", NULL);
	assert_int_equal(oci_hook_parse_proc_cgroup(buf, &path, &v2), 0);
	assert_string_equal(path, "/process_api/dd47ebae1ab507bb9fffa1154ab5905f");
	assert_false(v2);
	free(path);
	free(buf);

	assert_int_equal(oci_hook_parse_proc_cgroup("0::/\n", &path, &v2), 0);
	assert_string_equal(path, "/");
	assert_true(v2);
	free(path);
	assert_int_equal(oci_hook_parse_proc_cgroup("garbage\n", &path, &v2), -EINVAL);
	assert_int_equal(oci_hook_parse_proc_cgroup("", &path, &v2), -EINVAL);
}

/* ---- the whole run ---- */

static void malformed_input_exits_65_and_writes_nothing(void **state)
{
	static const char *const bad[] = {
		"",
		"{\"ociVersion\":\"1.0.2-dev\",\"id\":\"ctopo-h5-x\",\"status\":\"creat", /* truncated */
		"[]",
		"null",
		"{\"status\":\"creating\",\"pid\":1}",                      /* no id */
		"{\"id\":\"../../etc\",\"status\":\"creating\",\"pid\":1}", /* a path */
		"{\"id\":\"a/b\",\"status\":\"creating\",\"pid\":1}",
		"{\"id\":\"..\",\"status\":\"creating\",\"pid\":1}",
		"{\"id\":42,\"status\":\"creating\",\"pid\":1}", /* wrong types */
		"{\"id\":\"x\",\"status\":1,\"pid\":1}",
		"{\"id\":\"x\",\"status\":\"creating\",\"pid\":\"1\"}",
		"{\"id\":\"x\",\"status\":\"creating\",\"pid\":1.5}",
		"{\"id\":\"x\",\"status\":\"creating\",\"pid\":1,\"bundle\":[]}",
		"{\"id\":\"x\",\"status\":\"creating\",\"pid\":1,\"annotations\":[]}",
		"{\"id\":\"x\",\"status\":\"creating\",\"pid\":1,\"annotations\":{\"a\":1}}",
		"{\"id\":\"x\",\"status\":\"creating\"}", /* no pid */
		"{\"id\":\"x\",\"status\":\"creating\",\"pid\":0}",
		"{\"id\":\"x\",\"status\":\"creating\",\"pid\":-5}",
		"{\"id\":\"x\",\"status\":\"creating\",\"pid\":99999999999}",
		"{\"id\":\"x\",\"pid\":1}",                        /* no status */
		"{\"id\":\"x\",\"status\":\"running\",\"pid\":1}", /* wrong stage */
		"{\"id\":\"x\",\"status\":\"creating\",\"pid\":1}trailing",
	};
	char *tmp = make_tmpdir("hook"), dir[512];
	struct oci_hook_options opts = base_opts;
	char *err = NULL, *deep;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/a/b/state", tmp);
	opts.state_dir = dir;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int code = run_hook(&opts, bad[i], strlen(bad[i]), &err);

		if (code != OCI_HOOK_EXIT_INVALID_INPUT)
			fail_msg("exit %d for: %s", code, bad[i]);
		if (!strstr(err, "invalid OCI state on stdin at prestart: "))
			fail_msg("unclear message for %s: %s", bad[i], err);
		free(err);
	}
	/* a NUL byte, and nesting deep enough to hurt yajl */
	assert_int_equal(run_hook(&opts, "{\"id\":\"x\0\"}", 11, &err), OCI_HOOK_EXIT_INVALID_INPUT);
	free(err);
	deep = malloc(OCI_HOOK_STDIN_MAX);
	assert_non_null(deep);
	memset(deep, '[', OCI_HOOK_STDIN_MAX);
	assert_int_equal(run_hook(&opts, deep, OCI_HOOK_STDIN_MAX, &err), OCI_HOOK_EXIT_INVALID_INPUT);
	assert_non_null(strstr(err, "nested deeper"));
	free(err);
	free(deep);

	/* not even the state dir was made: nothing anywhere */
	assert_int_equal(count_entries(tmp), 0);
	rm_rf(tmp);
	free(tmp);
}

static void oversized_stdin_is_refused(void **state)
{
	char *tmp = make_tmpdir("hook"), path[512], dir[512];
	struct oci_hook_options opts = base_opts;
	size_t big = 2 * 1024 * 1024, len;
	char *buf = read_sample("oci", "runc-prestart.state.json", &len), *padded;
	int fd;

	(void)state;
	/* a valid state padded with whitespace to 2 MiB: the size alone refuses it */
	padded = malloc(big);
	assert_non_null(padded);
	memcpy(padded, buf, len);
	memset(padded + len, ' ', big - len);
	snprintf(path, sizeof(path), "%s/stdin", tmp);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, padded, big), (ssize_t)big);
	lseek(fd, 0, SEEK_SET);
	snprintf(dir, sizeof(dir), "%s/state", tmp);
	opts.state_dir = dir;
	assert_int_equal(oci_hook_run_fd(&opts, fd), OCI_HOOK_EXIT_INVALID_INPUT);
	close(fd);
	unlink(path);
	assert_int_equal(count_entries(tmp), 0);
	free(padded);
	free(buf);
	rm_rf(tmp);
	free(tmp);
}

static void invalid_state_exits_65_also_when_strict(void **state)
{
	struct oci_hook_options opts = base_opts;
	const char *in = "{\"id\":\"../x\",\"status\":\"creating\",\"pid\":1}";
	char *err = NULL;

	(void)state;
	opts.strict = true;
	opts.state_dir = "/nonexistent-ctopo-h5";
	assert_int_equal(run_hook(&opts, in, strlen(in), &err), OCI_HOOK_EXIT_INVALID_INPUT);
	free(err);
}

static void prestart_then_poststop_records_this_process(void **state)
{
	char *tmp = make_tmpdir("hook"), dir[512], bundle[512], from[512], to[600], *in, *err = NULL;
	struct oci_hook_options opts = base_opts;
	struct oci_record rec = { 0 };
	struct stat net, mnt;
	double started;

	(void)state;
	/* a bundle with the captured CRI config.json; our own pid stands in for the container */
	snprintf(bundle, sizeof(bundle), "%s/bundle", tmp);
	make_dirs(bundle);
	snprintf(from, sizeof(from), "%s/oci/runc-cri.config.json", TEST_DATA_DIR);
	snprintf(to, sizeof(to), "%s/config.json", bundle);
	copy_file(from, to);
	snprintf(dir, sizeof(dir), "%s/run/ctopo/containers", tmp);
	opts.state_dir = dir;

	in = state_with("runc-prestart.state.json", "ctopo-h5-unit", getpid(), bundle);
	assert_int_equal(run_hook(&opts, in, strlen(in), &err), OCI_HOOK_EXIT_OK);
	assert_string_equal(err, ""); /* success is silent */
	free(err);
	free(in);

	assert_int_equal(oci_state_load_record(dir, "ctopo-h5-unit", &rec), 0);
	assert_int_equal(stat("/proc/self/ns/net", &net), 0);
	assert_int_equal(stat("/proc/self/ns/mnt", &mnt), 0);
	assert_string_equal(rec.name, "web");
	assert_int_equal(rec.pid, getpid());
	assert_int_equal(rec.netns, net.st_ino);
	assert_int_equal(rec.mntns, mnt.st_ino);
	assert_non_null(rec.cgroup);
	assert_string_equal(rec.stage, "prestart");
	assert_string_equal(rec.runtime_status, "creating");
	assert_string_equal(rec.source, "oci-hook");
	assert_false(rec.stopped);
	assert_true(rec.started_at > 1e9);
	assert_true(rec.stopped_at == 0);
	started = rec.started_at;
	oci_record_done(&rec);

	/* runc's poststop has no pid: the record keeps the one from prestart */
	opts.stage = OCI_HOOK_POSTSTOP;
	in = strdup(
		"{\"ociVersion\":\"1.0.2-dev\",\"id\":\"ctopo-h5-unit\",\"status\":\"stopped\",\"bundle\":\"/nonexistent\"}");
	assert_int_equal(run_hook(&opts, in, strlen(in), &err), OCI_HOOK_EXIT_OK);
	assert_string_equal(err, "");
	free(err);
	free(in);
	assert_int_equal(oci_state_load_record(dir, "ctopo-h5-unit", &rec), 0);
	assert_true(rec.stopped);
	assert_true(rec.stopped_at >= started);
	assert_true(rec.started_at == started);
	assert_int_equal(rec.pid, getpid());
	assert_int_equal(rec.netns, net.st_ino);
	assert_string_equal(rec.name, "web");
	assert_string_equal(rec.stage, "poststop");
	assert_string_equal(rec.runtime_status, "stopped");
	oci_record_done(&rec);
	assert_int_equal(count_entries(dir), 1);
	rm_rf(tmp);
	free(tmp);
}

static void poststop_without_record_writes_a_stopped_one(void **state)
{
	char *tmp = make_tmpdir("hook"), *err = NULL;
	struct oci_hook_options opts = { .stage = OCI_HOOK_POSTSTOP, .state_dir = tmp };
	struct oci_record rec = { 0 };
	size_t len;
	char *in = read_sample("oci", "crun-nerdctl-poststop.state.json", &len);

	(void)state;
	assert_int_equal(run_hook(&opts, in, len, &err), OCI_HOOK_EXIT_OK);
	free(err);
	assert_int_equal(oci_state_load_record(tmp, "ctopo-h5-cap-crun-nerdctl", &rec), 0);
	assert_true(rec.stopped);
	assert_true(rec.stopped_at > 0);
	assert_true(rec.started_at == 0);
	assert_int_equal(rec.pid, 0);
	assert_string_equal(rec.name, "db-1");
	oci_record_done(&rec);
	free(in);
	rm_rf(tmp);
	free(tmp);
}

static void own_trouble_exits_0_unless_strict(void **state)
{
	char *tmp = make_tmpdir("hook"), dir[512], path[512], *in, *err = NULL;
	struct oci_hook_options opts = base_opts;
	struct oci_record rec = { 0 };
	pid_t gone;
	FILE *f;

	(void)state;
	/* a file where the state dir should be */
	snprintf(path, sizeof(path), "%s/file", tmp);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(dir, sizeof(dir), "%s/file/containers", tmp);
	opts.state_dir = dir;
	in = state_with("crun-prestart.state.json", "ctopo-h5-trouble", getpid(), "/nonexistent-bundle");
	assert_int_equal(run_hook(&opts, in, strlen(in), &err), OCI_HOOK_EXIT_OK);
	assert_non_null(strstr(err, "cannot write the container record to"));
	assert_non_null(strstr(err, "Not a directory"));
	assert_non_null(strstr(err, "the container starts without it"));
	assert_non_null(strstr(err, "/nonexistent-bundle/config.json")); /* and why it has no name */
	free(err);
	opts.strict = true;
	assert_int_equal(run_hook(&opts, in, strlen(in), &err), OCI_HOOK_EXIT_TROUBLE);
	free(err);
	free(in);

	/* the container's process is gone: the record is still written, without namespaces */
	gone = fork();
	assert_true(gone >= 0);
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	snprintf(dir, sizeof(dir), "%s/state", tmp);
	opts.state_dir = dir;
	opts.strict = false;
	in = state_with("runc-prestart.state.json", "ctopo-h5-gone", gone, "/nonexistent-bundle");
	assert_int_equal(run_hook(&opts, in, strlen(in), &err), OCI_HOOK_EXIT_OK);
	assert_non_null(strstr(err, "cannot read the namespaces of container process"));
	free(err);
	assert_int_equal(oci_state_load_record(dir, "ctopo-h5-gone", &rec), 0);
	assert_int_equal(rec.pid, gone);
	assert_int_equal(rec.netns, 0);
	oci_record_done(&rec);
	opts.strict = true;
	assert_int_equal(run_hook(&opts, in, strlen(in), &err), OCI_HOOK_EXIT_TROUBLE);
	free(err);
	free(in);
	rm_rf(tmp);
	free(tmp);
}

static void stages_by_name(void **state)
{
	enum oci_hook_stage s;

	(void)state;
	assert_int_equal(oci_hook_stage_from_string("prestart", &s), 0);
	assert_int_equal(s, OCI_HOOK_PRESTART);
	assert_int_equal(oci_hook_stage_from_string("createRuntime", &s), 0);
	assert_int_equal(s, OCI_HOOK_CREATE_RUNTIME);
	assert_int_equal(oci_hook_stage_from_string("poststop", &s), 0);
	assert_int_equal(s, OCI_HOOK_POSTSTOP);
	assert_int_equal(oci_hook_stage_from_string("poststart", &s), -EINVAL);
	assert_int_equal(oci_hook_stage_from_string(NULL, &s), -EINVAL);
	assert_string_equal(oci_hook_stage_to_string(OCI_HOOK_CREATE_RUNTIME), "createRuntime");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(captured_states_parse_for_their_stage),
		cmocka_unit_test(status_is_cross_checked_with_the_stage),
		cmocka_unit_test(id_validation),
		cmocka_unit_test(config_extraction),
		cmocka_unit_test(name_from_cri_annotations_with_pod),
		cmocka_unit_test(name_from_nerdctl_annotation_at_poststop_without_config),
		cmocka_unit_test(name_falls_back_to_hostname_then_short_id),
		cmocka_unit_test(podman_name_from_containers_json),
		cmocka_unit_test(proc_cgroup_paths),
		cmocka_unit_test(malformed_input_exits_65_and_writes_nothing),
		cmocka_unit_test(oversized_stdin_is_refused),
		cmocka_unit_test(invalid_state_exits_65_also_when_strict),
		cmocka_unit_test(prestart_then_poststop_records_this_process),
		cmocka_unit_test(poststop_without_record_writes_a_stopped_one),
		cmocka_unit_test(own_trouble_exits_0_unless_strict),
		cmocka_unit_test(stages_by_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
