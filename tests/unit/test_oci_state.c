/* SPDX-License-Identifier: Apache-2.0 */
/* The container records under the state directory: format round trip, atomic write with the
 * promised modes, and a reader that skips whatever is not a valid record. */
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
#include <unistd.h>
#include <cmocka.h>

#include "common/util.h"
#include "hook/oci_state.h"
#include "unit_helpers.h"

static void full_record(struct oci_record *rec)
{
	static char *args[] = { "sh", "-c", "echo \"hi\"\n" };
	static struct oci_annotation ann[] = {
		{ "io.kubernetes.cri.container-name", "web" },
		{ "org.opencontainers.image.title", "caf\xc3\xa9" },
	};

	*rec = (struct oci_record){
		.id = "c0ffee_1.2-3",
		.name = "caf\xc3\xa9-\"web\"",
		.name_source = "annotation:io.kubernetes.cri.container-name",
		.pod_name = "web-7d4b9c-x2x9q",
		.pod_namespace = "shop",
		.pid = 4242,
		.mntns = 4026532180,
		.netns = 4026532181,
		.cgroup = "/ctopo-h5-cap-runc",
		.cgroup_id = 12345,
		.bundle = "/tmp/bundle",
		.args = args,
		.n_args = ARRAY_SIZE(args),
		.annotations = ann,
		.n_annotations = ARRAY_SIZE(ann),
		.runtime_status = "creating",
		.stage = "prestart",
		.stopped = true,
		.started_at = 1700000000.123456,
		.stopped_at = 1700000001.5,
		.source = "oci-hook",
	};
}

static void assert_same_record(const struct oci_record *a, const struct oci_record *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->name_source, b->name_source);
	assert_string_equal(a->pod_name, b->pod_name);
	assert_string_equal(a->pod_namespace, b->pod_namespace);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->mntns, b->mntns);
	assert_int_equal(a->netns, b->netns);
	assert_string_equal(a->cgroup, b->cgroup);
	assert_int_equal(a->cgroup_id, b->cgroup_id);
	assert_string_equal(a->bundle, b->bundle);
	assert_int_equal(a->n_args, b->n_args);
	for (size_t i = 0; i < a->n_args; i++)
		assert_string_equal(a->args[i], b->args[i]);
	assert_int_equal(a->n_annotations, b->n_annotations);
	for (size_t i = 0; i < a->n_annotations; i++) {
		assert_string_equal(a->annotations[i].key, b->annotations[i].key);
		assert_string_equal(a->annotations[i].value, b->annotations[i].value);
	}
	assert_string_equal(a->runtime_status, b->runtime_status);
	assert_string_equal(a->stage, b->stage);
	assert_int_equal(a->stopped, b->stopped);
	assert_float_equal(a->started_at, b->started_at, 1e-6);
	assert_float_equal(a->stopped_at, b->stopped_at, 1e-6);
	assert_string_equal(a->source, b->source);
}

static void format_and_read_round_trip(void **state)
{
	struct oci_record rec, back = { 0 };
	char *json = NULL;
	size_t len;

	(void)state;
	full_record(&rec);
	assert_int_equal(oci_record_format(&rec, &json, &len), 0);
	assert_int_equal(strlen(json), len);
	assert_int_equal(oci_state_read_record(json, len, &back), 0);
	assert_same_record(&rec, &back);
	oci_record_done(&back);
	free(json);
}

static void minimal_record_reads_with_defaults(void **state)
{
	const char *json = "{\"version\":1,\"id\":\"0123456789abcdef0123\",\"stopped\":true}";
	struct oci_record rec = { 0 };

	(void)state;
	assert_int_equal(oci_state_read_record(json, strlen(json), &rec), 0);
	assert_string_equal(rec.id, "0123456789abcdef0123");
	assert_string_equal(rec.name, "0123456789ab"); /* the short id stands in for a name */
	assert_true(rec.stopped);
	assert_int_equal(rec.pid, 0);
	assert_int_equal(rec.netns, 0);
	assert_null(rec.cgroup);
	oci_record_done(&rec);
}

/* Found by tests/fuzz/fuzz_oci_record (tests/data/fuzz-regressions/fuzz_oci_record/): a record
 * read back with a time of hundreds of digits made the writer hand yajl more bytes than its
 * number buffer holds (the hook rewrites records it read at poststop). */
static void huge_time_is_not_written(void **state)
{
	const char *json = "{\"version\":1,\"id\":\"a\",\"started_at\":1e300}";
	struct oci_record rec = { 0 };
	char *buf = NULL;
	size_t len;

	(void)state;
	assert_int_equal(oci_state_read_record(json, strlen(json), &rec), 0);
	assert_int_equal(oci_record_format(&rec, &buf, &len), -EINVAL);
	assert_null(buf);
	oci_record_done(&rec);
}

static void malformed_records_are_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"{\"version\":1,\"id\":\"abc\"",        /* truncated */
		"[]",                                   /* not an object */
		"{\"id\":\"abc\"}",                     /* no version */
		"{\"version\":2,\"id\":\"abc\"}",       /* a future format */
		"{\"version\":1}",                      /* no id */
		"{\"version\":1,\"id\":\"../../etc\"}", /* an id that is a path */
		"{\"version\":1,\"id\":7}",             /* wrong types... */
		"{\"version\":1,\"id\":\"abc\",\"pid\":\"7\"}",
		"{\"version\":1,\"id\":\"abc\",\"pid\":-7}",
		"{\"version\":1,\"id\":\"abc\",\"netns\":1.5}",
		"{\"version\":1,\"id\":\"abc\",\"args\":\"sh\"}",
		"{\"version\":1,\"id\":\"abc\",\"args\":[1]}",
		"{\"version\":1,\"id\":\"abc\",\"annotations\":{\"a\":1}}",
		"{\"version\":1,\"id\":\"abc\",\"stopped\":\"yes\"}",
		"{\"version\":1,\"id\":\"abc\",\"started_at\":\"now\"}",
	};
	char *huge;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct oci_record rec = { 0 };

		if (oci_state_read_record(bad[i], strlen(bad[i]), &rec) != -EBADMSG)
			fail_msg("accepted or wrong error for: %s", bad[i]);
		assert_null(rec.id); /* untouched on failure */
	}

	huge = malloc(OCI_RECORD_MAX_SIZE + 2);
	assert_non_null(huge);
	memset(huge, ' ', OCI_RECORD_MAX_SIZE + 1);
	huge[OCI_RECORD_MAX_SIZE + 1] = '\0';
	{
		struct oci_record rec = { 0 };

		assert_int_equal(oci_state_read_record(huge, OCI_RECORD_MAX_SIZE + 1, &rec), -EFBIG);
	}
	free(huge);
}

static void write_is_atomic_with_promised_modes(void **state)
{
	char *tmp = make_tmpdir("state"), dir[512], path[600];
	struct oci_record rec, back = { 0 };
	struct stat st;
	mode_t old_umask;

	(void)state;
	full_record(&rec);
	/* a missing parent, and a runtime with a strict umask: still 0755 dirs and a 0644 file */
	snprintf(dir, sizeof(dir), "%s/run/ctopo/containers", tmp);
	old_umask = umask(077);
	assert_int_equal(oci_state_write_record(dir, &rec), 0);
	umask(old_umask);

	snprintf(path, sizeof(path), "%s/run", tmp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/%s.json", dir, rec.id);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(count_entries(dir), 1); /* no temp file left behind */

	/* a rewrite replaces the record */
	rec.stage = "poststop";
	assert_int_equal(oci_state_write_record(dir, &rec), 0);
	assert_int_equal(count_entries(dir), 1);
	assert_int_equal(oci_state_load_record(dir, rec.id, &back), 0);
	assert_same_record(&rec, &back);
	oci_record_done(&back);

	assert_int_equal(oci_state_load_record(dir, "nothere", &back), -ENOENT);
	assert_int_equal(oci_state_load_record(dir, "../x", &back), -EINVAL);
	rm_rf(tmp);
	free(tmp);
}

static void write_refuses_invalid_id_and_writes_nothing(void **state)
{
	char *tmp = make_tmpdir("state"), dir[512];
	struct oci_record rec;

	(void)state;
	full_record(&rec);
	snprintf(dir, sizeof(dir), "%s/a/b", tmp);
	rec.id = "../../escape";
	assert_int_equal(oci_state_write_record(dir, &rec), -EINVAL);
	rec.id = NULL;
	assert_int_equal(oci_state_write_record(dir, &rec), -EINVAL);
	assert_int_equal(count_entries(tmp), 0);
	rm_rf(tmp);
	free(tmp);
}

static void write_into_unusable_dir_fails_cleanly(void **state)
{
	char *tmp = make_tmpdir("state"), dir[512];
	struct oci_record rec;

	(void)state;
	full_record(&rec);
	write_file(tmp, "file", "not a directory");
	snprintf(dir, sizeof(dir), "%s/file/containers", tmp);
	assert_int_equal(oci_state_write_record(dir, &rec), -ENOTDIR);
	snprintf(dir, sizeof(dir), "%s/file", tmp);
	assert_int_equal(oci_state_write_record(dir, &rec), -ENOTDIR);
	assert_int_equal(count_entries(tmp), 1);
	rm_rf(tmp);
	free(tmp);
}

struct seen {
	char ids[8][OCI_ID_MAX_LEN + 1];
	size_t n;
	int stop_with;
};

static int collect(const struct oci_record *rec, void *userdata)
{
	struct seen *seen = userdata;

	assert_true(seen->n < ARRAY_SIZE(seen->ids));
	snprintf(seen->ids[seen->n++], sizeof(seen->ids[0]), "%s", rec->id);
	return seen->stop_with;
}

static bool seen_id(const struct seen *seen, const char *id)
{
	for (size_t i = 0; i < seen->n; i++)
		if (!strcmp(seen->ids[i], id))
			return true;
	return false;
}

static void read_dir_skips_what_is_not_a_record(void **state)
{
	char *tmp = make_tmpdir("state"), path[600], target[600];
	struct oci_record rec;
	struct seen seen = { 0 };

	(void)state;
	full_record(&rec);
	rec.id = "good1";
	assert_int_equal(oci_state_write_record(tmp, &rec), 0);
	rec.id = "good2";
	rec.stopped = false;
	assert_int_equal(oci_state_write_record(tmp, &rec), 0);

	write_file(tmp, "bad.json", "{\"version\":1,\"id\":");                      /* malformed */
	write_file(tmp, ".good3.json.123.456", "{\"version\":1,\"id\":\"good3\"}"); /* a temp file */
	write_file(tmp, "notes.txt", "{\"version\":1,\"id\":\"notes\"}");           /* not *.json */
	write_file(tmp, "other.json", "{\"version\":1,\"id\":\"good1\"}");          /* id != file name */
	write_file(tmp, "-x.json", "{\"version\":1,\"id\":\"-x\"}");                /* invalid id */
	snprintf(path, sizeof(path), "%s/dir.json", tmp);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/link.json", tmp);
	snprintf(target, sizeof(target), "%s/good1.json", tmp);
	assert_int_equal(symlink(target, path), 0);

	assert_int_equal(oci_state_read_dir(tmp, collect, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_true(seen_id(&seen, "good1"));
	assert_true(seen_id(&seen, "good2"));

	/* the callback can stop the walk */
	seen = (struct seen){ .stop_with = -ECANCELED };
	assert_int_equal(oci_state_read_dir(tmp, collect, &seen), -ECANCELED);
	assert_int_equal(seen.n, 1);

	rm_rf(tmp);
	snprintf(path, sizeof(path), "%s", tmp);
	assert_int_equal(oci_state_read_dir(path, collect, &seen), -ENOENT);
	free(tmp);
}

static void read_fd_stops_at_the_limit(void **state)
{
	char *tmp = make_tmpdir("state"), path[600], *buf = NULL;
	size_t len;
	int fd;

	(void)state;
	write_file(tmp, "ten", "0123456789");
	snprintf(path, sizeof(path), "%s/ten", tmp);

	fd = open(path, O_RDONLY);
	assert_int_equal(read_fd_bounded(fd, 10, &buf, &len), 0);
	assert_int_equal(len, 10);
	assert_string_equal(buf, "0123456789");
	free(buf);
	close(fd);

	fd = open(path, O_RDONLY);
	assert_int_equal(read_fd_bounded(fd, 9, &buf, &len), -EFBIG);
	close(fd);

	fd = open("/dev/null", O_RDONLY);
	assert_int_equal(read_fd_bounded(fd, 9, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	close(fd);
	rm_rf(tmp);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format_and_read_round_trip),
		cmocka_unit_test(minimal_record_reads_with_defaults),
		cmocka_unit_test(huge_time_is_not_written),
		cmocka_unit_test(malformed_records_are_refused),
		cmocka_unit_test(write_is_atomic_with_promised_modes),
		cmocka_unit_test(write_refuses_invalid_id_and_writes_nothing),
		cmocka_unit_test(write_into_unusable_dir_fails_cleanly),
		cmocka_unit_test(read_dir_skips_what_is_not_a_record),
		cmocka_unit_test(read_fd_stops_at_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
