/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/PID/cgroup parsing: real files from docker containers on a hybrid v1/v2 host
 * (tests/data/docker/proc_cgroup_*.txt), variants of them for v1-only and v2-root layouts, and
 * the cgroup names the other runtimes use. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "containers/cgroup.h"
#include "unit_helpers.h"

#define SRV_ID "2ef1731ea8efef355ac875bc61503ace0579c28c99cd98d43a32c70675788976"
#define CLI_ID "898ddc8b2503f4b401f59cd411173b59810bca6fb51b5b870d0c175da0e7f387"
#define HOST_ID "7ed1e55c17ab1db266ed82d309a1e2f67b8a32ed28301ab4bbbb0f2e390d84d0"
#define ID_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void parse_text(const char *text, struct cgroup_info *info)
{
	assert_int_equal(cgroup_parse(text, strlen(text), info), 0);
}

static void docker_container_on_hybrid_host(void **state)
{
	struct cgroup_info info = { 0 };
	size_t len;
	char *buf = read_sample("docker", "proc_cgroup_srv.txt", &len);

	(void)state;
	assert_int_equal(cgroup_parse(buf, len, &info), 0);
	assert_string_equal(info.container_id, SRV_ID);
	assert_string_equal(info.outer_container_id, SRV_ID);
	assert_string_equal(info.runtime, "docker");
	/* runc puts the container in the v2 hierarchy too: that path is the one kept */
	assert_string_equal(info.v2_path, "/docker/" SRV_ID);
	assert_string_equal(info.container_path, "/docker/" SRV_ID);
	cgroup_info_done(&info);
	free(buf);
}

static void docker_exec_process(void **state)
{
	struct cgroup_info info = { 0 };
	size_t len;
	char *buf = read_sample("docker", "proc_cgroup_exec_cli.txt", &len);

	(void)state;
	assert_int_equal(cgroup_parse(buf, len, &info), 0);
	assert_string_equal(info.container_id, CLI_ID);
	cgroup_info_done(&info);
	free(buf);
}

/* --network host changes the netns only: the cgroup still names the container */
static void host_network_container(void **state)
{
	struct cgroup_info info = { 0 };
	size_t len;
	char *buf = read_sample("docker", "proc_cgroup_host_mode.txt", &len);

	(void)state;
	assert_int_equal(cgroup_parse(buf, len, &info), 0);
	assert_string_equal(info.container_id, HOST_ID);
	cgroup_info_done(&info);
	free(buf);
}

static void host_process_names_no_container(void **state)
{
	struct cgroup_info info = { 0 };
	size_t len;
	char *buf = read_sample("docker", "proc_cgroup_host.txt", &len);

	(void)state;
	/* its memory cgroup is /process_api/<32 hex>: not a container id */
	assert_int_equal(cgroup_parse(buf, len, &info), 0);
	assert_string_equal(info.container_id, "");
	assert_null(info.container_path);
	assert_null(info.runtime);
	assert_string_equal(info.v2_path, "/");
	cgroup_info_done(&info);
	free(buf);
}

/* The captured file with its v2 line replaced: a host where the process stays in the v2 root
 * and only the v1 hierarchies carry the container. */
static void v1_carries_the_id_when_v2_is_root(void **state)
{
	struct cgroup_info info = { 0 };
	size_t len;
	char *buf = read_sample("docker", "proc_cgroup_srv.txt", &len);
	char *v2 = strstr(buf, "0::/docker/");

	(void)state;
	assert_non_null(v2);
	strcpy(v2, "0::/\n");
	assert_int_equal(cgroup_parse(buf, strlen(buf), &info), 0);
	assert_string_equal(info.container_id, SRV_ID);
	assert_string_equal(info.v2_path, "/");
	assert_string_equal(info.container_path, "/docker/" SRV_ID);
	cgroup_info_done(&info);
	free(buf);
}

static void v1_only_host(void **state)
{
	struct cgroup_info info = { 0 };
	size_t len;
	char *buf = read_sample("docker", "proc_cgroup_exec_cli.txt", &len);

	(void)state;
	*strstr(buf, "0::/") = 0; /* the last line */
	assert_int_equal(cgroup_parse(buf, strlen(buf), &info), 0);
	assert_null(info.v2_path);
	assert_string_equal(info.container_id, CLI_ID);
	assert_string_equal(info.container_path, "/docker/" CLI_ID);
	cgroup_info_done(&info);
	free(buf);
}

static void runtime_layouts(void **state)
{
	static const struct {
		const char *path;
		const char *id;
		const char *runtime;
	} cases[] = {
		{ "/system.slice/docker-" ID_A ".scope", ID_A, "docker" },
		{ "/docker/" ID_A, ID_A, "docker" },
		{ "/machine.slice/libpod-" ID_A ".scope", ID_A, "podman" },
		{ "/machine.slice/libpod-" ID_A ".scope/container", ID_A, "podman" },
		{ "/libpod_parent/libpod-" ID_A, ID_A, "podman" },
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/crio-" ID_A ".scope", ID_A,
		  "cri-o" },
		{ "/kubepods/besteffort/pod1/crio-" ID_A, ID_A, "cri-o" },
		{ "/kubepods.slice/kubepods-pod1.slice/cri-containerd-" ID_A ".scope", ID_A, "containerd" },
		{ "/kubepods/burstable/pod6b1c2d/" ID_A, ID_A, NULL },
		{ "/docker/" ID_B "/docker/" ID_A, ID_A, "docker" }, /* docker in docker: the inner one */
	};
	char id[CGROUP_ID_LEN + 1];
	const char *runtime;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		runtime = "unset";
		assert_int_equal(cgroup_container_id_from_path(cases[i].path, id, &runtime), 0);
		assert_string_equal(id, cases[i].id);
		if (cases[i].runtime)
			assert_string_equal(runtime, cases[i].runtime);
		else
			assert_null(runtime);
	}
}

static void not_containers(void **state)
{
	static const char *const paths[] = {
		"/",
		"/user.slice/user-0.slice/session-1.scope",
		"/machine.slice/libpod-conmon-" ID_A ".scope", /* podman's monitor, outside the container */
		"/system.slice/crio-conmon-" ID_A ".scope",
		"/system.slice/docker-0123.scope",                                          /* too short */
		"/docker/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", /* not lower-case */
		"/docker/" ID_A "0",                                                        /* too long */
		"/process_api/a82c4f578bacb5855741cd165244dc79",
	};
	char id[CGROUP_ID_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		assert_int_equal(cgroup_container_id_from_path(paths[i], id, NULL), -ENOENT);
}

static void nested_ids(void **state)
{
	struct cgroup_info info = { 0 };

	(void)state;
	parse_text("0::/docker/" ID_B "/docker/" ID_A "\n", &info);
	assert_string_equal(info.container_id, ID_A);
	assert_string_equal(info.outer_container_id, ID_B);
	cgroup_info_done(&info);
}

static void v2_line_wins_over_v1(void **state)
{
	struct cgroup_info info = { 0 };

	(void)state;
	parse_text("4:memory:/docker/" ID_B "\n0::/system.slice/docker-" ID_A ".scope\n", &info);
	assert_string_equal(info.container_id, ID_A);
	assert_string_equal(info.container_path, "/system.slice/docker-" ID_A ".scope");
	cgroup_info_done(&info);
	parse_text("0::/system.slice/docker-" ID_A ".scope\n4:memory:/docker/" ID_B "\n", &info);
	assert_string_equal(info.container_id, ID_A);
	cgroup_info_done(&info);
}

static void malformed(void **state)
{
	struct cgroup_info info = { 0 };
	char *big = malloc(CGROUP_FILE_MAX + 1);

	(void)state;
	assert_int_equal(cgroup_parse("garbage\n", 8, &info), -EBADMSG);
	assert_int_equal(cgroup_parse("0:/docker\n", 10, &info), -EBADMSG);
	assert_int_equal(cgroup_parse(":memory:/x\n", 11, &info), -EBADMSG);
	assert_int_equal(cgroup_parse("0::relative\n", 12, &info), -EBADMSG);
	assert_int_equal(cgroup_parse("0::/a\0b\n", 8, &info), -EBADMSG);
	memset(big, 'x', CGROUP_FILE_MAX + 1);
	assert_int_equal(cgroup_parse(big, CGROUP_FILE_MAX + 1, &info), -E2BIG);
	free(big);
	/* a path with ':' in it is still a path */
	parse_text("0::/a:b/docker-" ID_A ".scope", &info);
	assert_string_equal(info.container_id, ID_A);
	cgroup_info_done(&info);
	/* nothing at all: no container, no v2 */
	parse_text("", &info);
	assert_null(info.v2_path);
	cgroup_info_done(&info);
}

/* Found by tests/fuzz/fuzz_cgroup (tests/data/fuzz-regressions/fuzz_cgroup/): a buffer ending
 * right after the second ':' made the parser look at the byte past its end for the path's '/'. */
static void line_ending_after_second_colon(void **state)
{
	struct cgroup_info info = { 0 };
	const char text[] = "0::/"; /* only "0::" is given: the '/' lies past the end */

	(void)state;
	assert_int_equal(cgroup_parse(text, 3, &info), -EBADMSG);
	assert_int_equal(cgroup_parse("1:cpu:/x\n0::", 12, &info), -EBADMSG);
}

static void own_process_and_v2_ids(void **state)
{
	struct cgroup_info info = { 0 };
	uint64_t id = 1;

	(void)state;
	assert_int_equal(cgroup_read_pid(getpid(), &info), 0);
	cgroup_info_done(&info);
	assert_int_equal(cgroup_read_pid(0x7ffffff0, &info), -ESRCH);
	assert_int_equal(cgroup_v2_id("/", &id), 0);
	assert_int_equal(id, 0); /* the root names nothing */
	assert_int_equal(cgroup_v2_id(NULL, &id), 0);
	assert_int_equal(cgroup_v2_id("/../etc", &id) < 0 || id == 0, 1);
	assert_int_equal(cgroup_v2_id("/ctopo-h4-no-such-cgroup", &id) == -ENOENT || id == 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(docker_container_on_hybrid_host),
		cmocka_unit_test(docker_exec_process),
		cmocka_unit_test(host_network_container),
		cmocka_unit_test(host_process_names_no_container),
		cmocka_unit_test(v1_carries_the_id_when_v2_is_root),
		cmocka_unit_test(v1_only_host),
		cmocka_unit_test(runtime_layouts),
		cmocka_unit_test(not_containers),
		cmocka_unit_test(nested_ids),
		cmocka_unit_test(v2_line_wins_over_v1),
		cmocka_unit_test(malformed),
		cmocka_unit_test(line_ending_after_second_colon),
		cmocka_unit_test(own_process_and_v2_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
