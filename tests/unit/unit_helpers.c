/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
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
#include "unit_helpers.h"

#define SAMPLE_MAX (16u << 20)

static char *read_path(const char *path, size_t *ret_len)
{
	char *buf = NULL;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	assert_int_equal(read_fd_bounded(fd, SAMPLE_MAX, &buf, &len), 0);
	close(fd);
	if (ret_len)
		*ret_len = len;
	return buf;
}

char *read_sample(const char *subdir, const char *name, size_t *ret_len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s", TEST_DATA_DIR, subdir, name);
	return read_path(path, ret_len);
}

char *make_tmpdir(const char *tag)
{
	char *dir = NULL;

	assert_true(asprintf(&dir, "/tmp/ctopo-ut-%s-XXXXXX", tag) > 0);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

void rm_rf(const char *dir)
{
	/* depth first, not following links: what a link points to is not ours */
	if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		fail_msg("cannot remove %s: %s", dir, strerror(errno));
}

void make_dirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			fail_msg("cannot create %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		fail_msg("cannot create %s: %s", buf, strerror(errno));
}

void copy_file(const char *from, const char *to)
{
	size_t len;
	char *buf = read_path(from, &len);
	FILE *f = fopen(to, "we");

	if (!f)
		fail_msg("cannot create %s: %s", to, strerror(errno));
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(buf);
}

void write_file(const char *dir, const char *name, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		fail_msg("cannot create %s: %s", path, strerror(errno));
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

void assert_golden(const char *got, const char *subdir, const char *name)
{
	char path[PATH_MAX], *want;

	snprintf(path, sizeof(path), "%s/%s/%s", TEST_DATA_DIR, subdir, name);
	if (getenv("CTOPO_UPDATE_GOLDEN")) {
		FILE *out = fopen(path, "we");

		assert_non_null(out);
		fputs(got, out);
		fclose(out);
	}
	want = read_path(path, NULL);
	assert_string_equal(got, want);
	free(want);
}
