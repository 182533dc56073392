/* SPDX-License-Identifier: Apache-2.0 */
/* What the unit tests share: samples from tests/data, temporary directories (made and removed
 * without a shell), golden files. Each fails the running cmocka test on error. */
#ifndef CTOPO_UNIT_HELPERS_H
#define CTOPO_UNIT_HELPERS_H

#include <stddef.h>

/* TEST_DATA_DIR/SUBDIR/NAME, whole and NUL-terminated (ret_len may be NULL); free() it. */
char *read_sample(const char *subdir, const char *name, size_t *ret_len);

/* A new directory /tmp/ctopo-ut-TAG-XXXXXX; free() the name. */
char *make_tmpdir(const char *tag);
/* dir and everything below it. */
void rm_rf(const char *dir);
/* path and its missing parents (mkdir -p). */
void make_dirs(const char *path);
void copy_file(const char *from, const char *to);
void write_file(const char *dir, const char *name, const char *content);
/* entries of dir, without . and .. */
size_t count_entries(const char *dir);

/* Compare got with the golden file tests/data/SUBDIR/NAME (a cmocka failure when they differ).
 * CTOPO_UPDATE_GOLDEN=1 rewrites the file first: review the diff before committing it. */
void assert_golden(const char *got, const char *subdir, const char *name);

#endif
