/* SPDX-License-Identifier: Apache-2.0 */
/* The table of cgroup ids learnt at cgroup_mkdir: what a path names, tails of long paths, the
 * bound, and expiry that keeps the cgroups of containers still known. Paths are real ones
 * (tests/data/cgroup/paths.txt). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "containers/cgroup_ids.h"

#define DOCKER_ID "9211599629efe08d5c9bdb0f0e9c09a139c31cc802f7d936d43951844acb4e54"
#define PODMAN_ID "cd658af3659ca8017eb4016c4b44a51ec2e3b5cdbdcd5118921587ea800561cc"
#define CRIO_ID "d6d725b909f37c3e232aadfbafa950a58bfe7baa579ba8c47a12be88bb921607"
#define CRIO_PATH                                                                                               \
	"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod8ca306fa_3c03_47fa_97dd_19979c345572" \
	".slice/crio-" CRIO_ID ".scope"

static void learns_what_paths_name(void **state)
{
	struct cgroup_ids *t;

	(void)state;
	assert_int_equal(cgroup_ids_new(&t), 0);
	assert_int_equal(cgroup_ids_learn(t, 82, "/docker/" DOCKER_ID, false, 1), 1);
	assert_int_equal(cgroup_ids_learn(t, 177, "/libpod_parent/libpod-" PODMAN_ID, false, 1), 1);
	/* parents, services and plain runc bundles name no container: nothing is kept */
	assert_int_equal(cgroup_ids_learn(t, 63, "/docker", false, 1), 0);
	assert_int_equal(cgroup_ids_learn(t, 158, "/libpod_parent", false, 1), 0);
	assert_int_equal(cgroup_ids_learn(t, 7, "/ctopo-h5-cap-runc", false, 1), 0);
	assert_int_equal(cgroup_ids_learn(t, 0, "/docker/" DOCKER_ID, false, 1), 0);
	assert_int_equal(cgroup_ids_count(t), 2);
	assert_string_equal(cgroup_ids_lookup(t, 82), DOCKER_ID);
	assert_string_equal(cgroup_ids_lookup(t, 177), PODMAN_ID);
	assert_null(cgroup_ids_lookup(t, 63));
	assert_null(cgroup_ids_lookup(t, 0));
	cgroup_ids_free(t);
}

/* The kernel side keeps the last 255 bytes of a longer path: the cut first component is never
 * read, the rest names the container. */
static void tail_of_a_long_path(void **state)
{
	const char *full = CRIO_PATH;
	size_t len = strlen(full);
	struct cgroup_ids *t;

	(void)state;
	assert_int_equal(cgroup_ids_new(&t), 0);
	assert_int_equal(cgroup_ids_learn(t, 5, full + len - 120, true, 1), 1);
	assert_string_equal(cgroup_ids_lookup(t, 5), CRIO_ID);
	/* a tail that starts inside the id's component: no '/' left, nothing learnt */
	assert_int_equal(cgroup_ids_learn(t, 6, full + len - 60, true, 1), 0);
	/* "docker-<id>.scope" cut to "<id>.scope" would read as a bare id: only whole components count */
	assert_int_equal(cgroup_ids_learn(t, 7, DOCKER_ID ".scope", true, 1), 0);
	assert_null(cgroup_ids_lookup(t, 7));
	cgroup_ids_free(t);
}

static bool keep_docker(const char *container_id, void *userdata)
{
	(*(unsigned *)userdata)++;
	return !strcmp(container_id, DOCKER_ID);
}

static void expiry_keeps_known_containers(void **state)
{
	struct cgroup_ids *t;
	unsigned asked = 0;

	(void)state;
	assert_int_equal(cgroup_ids_new(&t), 0);
	assert_int_equal(cgroup_ids_learn(t, 82, "/docker/" DOCKER_ID, false, 100), 1);
	assert_int_equal(cgroup_ids_learn(t, 177, "/libpod_parent/libpod-" PODMAN_ID, false, 100), 1);
	assert_int_equal(cgroup_ids_learn(t, 5, CRIO_PATH, false, 300), 1);
	/* learnt after the cutoff: stays without asking */
	assert_int_equal(cgroup_ids_expire(t, 200, keep_docker, &asked), 1);
	assert_int_equal(asked, 2);
	assert_non_null(cgroup_ids_lookup(t, 82));
	assert_null(cgroup_ids_lookup(t, 177));
	assert_non_null(cgroup_ids_lookup(t, 5));
	assert_int_equal(cgroup_ids_expire(t, 1000, NULL, NULL), 2);
	assert_int_equal(cgroup_ids_count(t), 0);
	cgroup_ids_free(t);
}

static void bounded(void **state)
{
	struct cgroup_ids *t;
	char path[128];

	(void)state;
	assert_int_equal(cgroup_ids_new(&t), 0);
	for (uint64_t i = 1; i <= CGROUP_IDS_MAX; i++) {
		snprintf(path, sizeof(path), "/docker/%064llx", (unsigned long long)i);
		assert_int_equal(cgroup_ids_learn(t, i, path, false, 1), 1);
	}
	assert_int_equal(cgroup_ids_learn(t, CGROUP_IDS_MAX + 1, "/docker/" DOCKER_ID, false, 1), -ENOSPC);
	/* relearning a known id needs no room */
	assert_int_equal(cgroup_ids_learn(t, 1, "/docker/" DOCKER_ID, false, 2), 1);
	assert_string_equal(cgroup_ids_lookup(t, 1), DOCKER_ID);
	snprintf(path, sizeof(path), "%064llx", (unsigned long long)CGROUP_IDS_MAX);
	assert_string_equal(cgroup_ids_lookup(t, CGROUP_IDS_MAX), path);
	assert_int_equal(cgroup_ids_count(t), CGROUP_IDS_MAX);
	cgroup_ids_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(learns_what_paths_name),
		cmocka_unit_test(tail_of_a_long_path),
		cmocka_unit_test(expiry_keeps_known_containers),
		cmocka_unit_test(bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
