/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup path -> container id for every runtime layout ctopo claims, with real paths
 * (tests/data/cgroup/paths.txt: captured here by the cgroup watch, and from public captures of
 * Kubernetes, CRI-O, containerd and podman hosts). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "containers/cgroup.h"

static void every_captured_path(void **state)
{
	char line[1024], path[512], want_id[80], want_runtime[32];
	unsigned checked = 0, with_id = 0;
	FILE *f;

	(void)state;
	f = fopen(TEST_DATA_DIR "/cgroup/paths.txt", "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char id[CGROUP_ID_LEN + 1] = "";
		const char *runtime = NULL;
		int r;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "%79s %31s %511s", want_id, want_runtime, path), 3);
		r = cgroup_container_id_from_path(path, id, &runtime);
		if (!strcmp(want_id, "-")) {
			if (r != -ENOENT)
				fail_msg("%s: expected no container, got %d (%s)", path, r, id);
		} else {
			if (r != 0)
				fail_msg("%s: expected %s, got %d", path, want_id, r);
			assert_string_equal(id, want_id);
			assert_string_equal(runtime ? runtime : "-", want_runtime);
			with_id++;
		}
		checked++;
	}
	fclose(f);
	/* the file is the test: it must not have lost its lines */
	assert_true(checked >= 20);
	assert_true(with_id >= 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_captured_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
