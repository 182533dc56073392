/* SPDX-License-Identifier: Apache-2.0 */
/* The container registry: upserts from two sources, stop/expiry, and every lookup, including the
 * ambiguous cases (a reused namespace inode, a shared netns, a reused IP). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "containers/containers.h"
#include "containers/hook_records.h"

#define SEC 1000000000ull
#define ID_SRV "2ef1731ea8efef355ac875bc61503ace0579c28c99cd98d43a32c70675788976"
#define ID_SHARED "07e9f228c38c2d1f89b8f955e95714cd8383d7ed8654a8d6ec5a8f34a2666926"
#define ID_HOST "7ed1e55c17ab1db266ed82d309a1e2f67b8a32ed28301ab4bbbb0f2e390d84d0"

static struct container running(const char *id, const char *name, uint64_t mntns, uint64_t netns)
{
	struct container c = {
		.name = (char *)name,
		.source = CONTAINER_SOURCE_DOCKER,
		.state = CONTAINER_RUNNING,
		.pid = 100,
		.mntns = mntns,
		.netns = netns,
		.started_ns = 50 * SEC,
	};

	snprintf(c.id, sizeof(c.id), "%s", id);
	return c;
}

static struct containers *new_registry(uint64_t retention_ns)
{
	struct containers *reg = NULL;

	assert_int_equal(containers_new(retention_ns, &reg), 0);
	return reg;
}

static void upsert_and_find_by_id(void **state)
{
	struct containers *reg = new_registry(60 * SEC);
	struct container_label labels[] = { { "com.docker.compose.service", "web" } };
	struct container c = running(ID_SRV, "srv", 1001, 2001);
	const struct container *got;

	(void)state;
	c.image = "busybox";
	c.labels = labels;
	c.n_labels = 1;
	c.network_mode = "default";
	assert_int_equal(containers_upsert(reg, &c), 0);
	assert_int_equal(containers_count(reg), 1);
	got = containers_find_by_id(reg, ID_SRV);
	assert_non_null(got);
	assert_ptr_not_equal(got->name, c.name); /* copied */
	assert_string_equal(got->name, "srv");
	assert_string_equal(got->image, "busybox");
	assert_string_equal(container_label(got, "com.docker.compose.service"), "web");
	assert_string_equal(container_source_to_string(got->source), "docker");
	assert_string_equal(container_state_to_string(got->state), "running");
	assert_ptr_equal(containers_get(reg, 0), got);
	assert_null(containers_get(reg, 1));
	assert_null(containers_find_by_id(reg, ID_HOST));
	containers_free(reg);
}

static void hostile_ids_refused(void **state)
{
	struct containers *reg = new_registry(0);
	struct container c = running("x", "x", 1, 1);
	char long_id[CONTAINER_ID_MAX + 2];

	(void)state;
	c.id[0] = 0;
	assert_int_equal(containers_upsert(reg, &c), -EINVAL);
	snprintf(c.id, sizeof(c.id), "../etc");
	assert_int_equal(containers_upsert(reg, &c), -EINVAL);
	snprintf(c.id, sizeof(c.id), "a b");
	assert_int_equal(containers_upsert(reg, &c), -EINVAL);
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = 0;
	memcpy(c.id, long_id, sizeof(c.id) - 1);
	c.id[sizeof(c.id) - 1] = 0;
	assert_int_equal(containers_upsert(reg, &c), 0); /* 128 chars: the longest allowed */
	/* an OCI runtime's own names are ids too */
	snprintf(c.id, sizeof(c.id), "ctopo-h4_runc.1");
	assert_int_equal(containers_upsert(reg, &c), 0);
	assert_null(containers_find_by_id(reg, "../etc"));
	assert_int_equal(containers_count(reg), 2);
	containers_free(reg);
}

/* The hook knows namespaces first, Docker names later; neither erases what the other knew. */
static void two_sources_complete_each_other(void **state)
{
	struct containers *reg = new_registry(60 * SEC);
	struct container hook = running(ID_SRV, NULL, 1001, 2001);
	struct container docker = running(ID_SRV, "srv", 0, 0);
	const struct container *got;

	(void)state;
	hook.source = CONTAINER_SOURCE_OCI_HOOK;
	hook.cgroup_path = "/docker/" ID_SRV;
	hook.cgroup_id = 120;
	assert_int_equal(containers_upsert(reg, &hook), 0);
	got = containers_find_by_id(reg, ID_SRV);
	assert_null(got->name);
	assert_int_equal(got->source, CONTAINER_SOURCE_OCI_HOOK);

	docker.image = "busybox";
	docker.network_mode = "container:" ID_HOST;
	snprintf(docker.shares_netns_with, sizeof(docker.shares_netns_with), "%s", ID_HOST);
	assert_int_equal(containers_upsert(reg, &docker), 0);
	got = containers_find_by_id(reg, ID_SRV);
	assert_string_equal(got->name, "srv");
	assert_int_equal(got->mntns, 1001); /* kept */
	assert_int_equal(got->cgroup_id, 120);
	assert_string_equal(got->cgroup_path, "/docker/" ID_SRV);
	assert_string_equal(got->shares_netns_with, ID_HOST);
	assert_int_equal(got->source, CONTAINER_SOURCE_DOCKER);

	assert_string_equal(got->engine, ""); /* nobody said which engine yet */

	/* podman's API names the engine; a hook record that says nothing of it keeps it */
	snprintf(docker.engine, sizeof(docker.engine), "podman");
	assert_int_equal(containers_upsert(reg, &docker), 0);
	assert_string_equal(containers_find_by_id(reg, ID_SRV)->engine, "podman");
	hook.pid = 0;
	assert_int_equal(containers_upsert(reg, &hook), 0);
	got = containers_find_by_id(reg, ID_SRV);
	assert_string_equal(got->name, "srv");
	assert_string_equal(got->engine, "podman");
	assert_int_equal(got->source, CONTAINER_SOURCE_DOCKER); /* a Docker record stays one */
	assert_int_equal(got->pid, 100);
	assert_int_equal(containers_count(reg), 1);
	containers_free(reg);
}

static void stop_pause_rename(void **state)
{
	struct containers *reg = new_registry(60 * SEC);
	struct container c = running(ID_SRV, "srv", 1001, 2001);
	const struct container *got;

	(void)state;
	assert_int_equal(containers_upsert(reg, &c), 0);
	assert_int_equal(containers_set_paused(reg, ID_SRV, true), 0);
	got = containers_find_by_id(reg, ID_SRV);
	assert_int_equal(got->state, CONTAINER_PAUSED);
	assert_int_equal(containers_set_paused(reg, ID_SRV, false), 0);
	assert_int_equal(got->state, CONTAINER_RUNNING);
	assert_int_equal(containers_rename(reg, ID_SRV, "srv2"), 0);
	assert_string_equal(got->name, "srv2");
	assert_int_equal(containers_mark_stopped(reg, ID_SRV, 70 * SEC), 0);
	assert_int_equal(got->state, CONTAINER_STOPPED);
	assert_int_equal(got->stopped_ns, 70 * SEC);
	assert_int_equal(got->mntns, 1001); /* still attributes what it did */
	assert_int_equal(got->pid, 100);
	assert_int_equal(containers_set_paused(reg, ID_SRV, false), 0);
	assert_int_equal(got->state, CONTAINER_STOPPED); /* a late unpause changes nothing */
	assert_int_equal(containers_mark_stopped(reg, ID_HOST, 0), -ENOENT);
	assert_int_equal(containers_rename(reg, ID_HOST, "x"), -ENOENT);
	assert_int_equal(containers_set_paused(reg, ID_HOST, true), -ENOENT);

	/* it starts again: running, no stop time */
	c.mntns = 1002;
	assert_int_equal(containers_upsert(reg, &c), 0);
	got = containers_find_by_id(reg, ID_SRV);
	assert_int_equal(got->state, CONTAINER_RUNNING);
	assert_int_equal(got->stopped_ns, 0);
	assert_ptr_equal(containers_find_by_mntns(reg, 1002), got);
	assert_null(containers_find_by_mntns(reg, 1001)); /* the old namespace is gone */
	containers_free(reg);
}

static void retention(void **state)
{
	struct containers *reg = new_registry(10 * SEC);
	struct container a = running(ID_SRV, "a", 1001, 2001);
	struct container b = running(ID_HOST, "b", 1003, 2003);

	(void)state;
	assert_int_equal(containers_upsert(reg, &a), 0);
	assert_int_equal(containers_upsert(reg, &b), 0);
	assert_int_equal(containers_mark_stopped(reg, ID_SRV, 100 * SEC), 0);
	assert_int_equal(containers_expire(reg, 105 * SEC), 0);
	assert_non_null(containers_find_by_mntns(reg, 1001)); /* a short-lived container keeps its name */
	assert_int_equal(containers_expire(reg, 111 * SEC), 1);
	assert_null(containers_find_by_id(reg, ID_SRV));
	assert_null(containers_find_by_mntns(reg, 1001));
	assert_int_equal(containers_expire(reg, 1000000 * SEC), 0); /* running ones never expire */
	assert_int_equal(containers_count(reg), 1);
	assert_string_equal(containers_get(reg, 0)->name, "b");
	containers_free(reg);
}

/* The kernel reuses a dead namespace's inode: the live container wins, then the last stopped. */
static void reused_mntns_inode(void **state)
{
	struct containers *reg = new_registry(60 * SEC);
	struct container old = running(ID_SRV, "old", 1001, 2001);
	struct container new = running(ID_HOST, "new", 1001, 2002);
	struct container third = running(ID_SHARED, "third", 1001, 2003);

	(void)state;
	assert_int_equal(containers_upsert(reg, &old), 0);
	assert_int_equal(containers_mark_stopped(reg, ID_SRV, 10 * SEC), 0);
	assert_int_equal(containers_upsert(reg, &new), 0);
	assert_string_equal(containers_find_by_mntns(reg, 1001)->name, "new");
	assert_int_equal(containers_mark_stopped(reg, ID_HOST, 20 * SEC), 0);
	assert_string_equal(containers_find_by_mntns(reg, 1001)->name, "new"); /* stopped last */
	assert_int_equal(containers_upsert(reg, &third), 0);
	assert_int_equal(containers_mark_stopped(reg, ID_SHARED, 15 * SEC), 0);
	assert_string_equal(containers_find_by_mntns(reg, 1001)->name, "new");
	assert_null(containers_find_by_mntns(reg, 0));
	containers_free(reg);
}

static void shared_netns(void **state)
{
	struct containers *reg = new_registry(60 * SEC);
	struct container srv = running(ID_SRV, "srv", 1001, 2001);
	struct container shared = running(ID_SHARED, "shared", 1002, 2001);
	struct container host = running(ID_HOST, "host", 1003, 4026531840ull);
	const struct container *found[4] = { 0 };

	(void)state;
	snprintf(shared.shares_netns_with, sizeof(shared.shares_netns_with), "%s", ID_SRV);
	shared.network_mode = "container:" ID_SRV;
	assert_int_equal(containers_upsert(reg, &srv), 0);
	assert_int_equal(containers_upsert(reg, &shared), 0);
	assert_int_equal(containers_upsert(reg, &host), 0);
	assert_int_equal(containers_mark_stopped(reg, ID_SRV, 10 * SEC), 0);
	assert_int_equal(containers_find_by_netns(reg, 2001, found, 4), 2);
	assert_string_equal(found[0]->name, "shared"); /* running first */
	assert_string_equal(found[1]->name, "srv");
	assert_null(found[2]);
	assert_int_equal(containers_find_by_netns(reg, 2001, found, 1), 2); /* how many, filled up to max */
	assert_int_equal(containers_find_by_netns(reg, 4026531840ull, found, 4), 1);
	assert_string_equal(found[0]->name, "host");
	assert_int_equal(containers_find_by_netns(reg, 9, found, 4), 0);
	assert_int_equal(containers_find_by_netns(reg, 0, found, 4), 0);
	containers_free(reg);
}

static void by_ip(void **state)
{
	struct containers *reg = new_registry(60 * SEC);
	struct container old = running(ID_SRV, "old", 1001, 2001);
	struct container now = running(ID_HOST, "now", 1002, 2002);
	struct container_address a4 = { .family = AF_INET }, a6 = { .family = AF_INET6 };
	struct container_address both[2];
	uint8_t q[16] = { 0 };

	(void)state;
	inet_pton(AF_INET, "172.17.0.2", a4.bytes);
	inet_pton(AF_INET6, "fd00:84::2", a6.bytes);
	old.addresses = &a4;
	old.n_addresses = 1;
	both[0] = a4;
	both[1] = a6;
	now.addresses = both;
	now.n_addresses = 2;
	assert_int_equal(containers_upsert(reg, &old), 0);
	assert_int_equal(containers_mark_stopped(reg, ID_SRV, 10 * SEC), 0);
	assert_string_equal(containers_find_by_ip(reg, AF_INET, a4.bytes)->name, "old");
	assert_int_equal(containers_upsert(reg, &now), 0); /* Docker gave the address to a new one */
	assert_string_equal(containers_find_by_ip(reg, AF_INET, a4.bytes)->name, "now");
	assert_string_equal(containers_find_by_ip(reg, AF_INET6, a6.bytes)->name, "now");
	inet_pton(AF_INET, "172.17.0.9", q);
	assert_null(containers_find_by_ip(reg, AF_INET, q));
	containers_free(reg);
}

static void by_cgroup_id(void **state)
{
	struct containers *reg = new_registry(60 * SEC);
	struct container a = running(ID_SRV, "a", 1001, 2001);
	struct container b = running(ID_HOST, "b", 1002, 2002);

	(void)state;
	a.cgroup_id = 120;
	assert_int_equal(containers_upsert(reg, &a), 0);
	assert_int_equal(containers_upsert(reg, &b), 0); /* cgroup id 0: unknown, never matched */
	assert_string_equal(containers_find_by_cgroup_id(reg, 120)->name, "a");
	assert_null(containers_find_by_cgroup_id(reg, 0));
	assert_null(containers_find_by_cgroup_id(reg, 1));
	containers_free(reg);
}

/* A hook record's cgroup id names the container only when the cgroup is the container's own:
 * one started in its caller's cgroup (a CI harness, a systemd session) shares it with host
 * processes, whose connections it must not claim (the pid_reuse failure on a fresh root). */
static void hook_record_cgroup_must_be_the_containers_own(void **state)
{
	struct containers *reg = new_registry(60 * SEC);
	struct oci_record shared = { .id = (char *)"beta",
				     .name = (char *)"beta",
				     .pid = 4242,
				     .mntns = 3001,
				     .netns = 4001,
				     .cgroup = (char *)"/fresh-root.Ab12Cd",
				     .cgroup_id = 777 };
	struct oci_record own = { .id = (char *)ID_SRV,
				  .name = (char *)"web",
				  .pid = 4343,
				  .mntns = 3002,
				  .netns = 4002,
				  .cgroup = (char *)"/docker/" ID_SRV,
				  .cgroup_id = 778 };
	struct oci_record runc_default = { .id = (char *)"worker1",
					   .name = (char *)"worker1",
					   .pid = 4444,
					   .mntns = 3003,
					   .netns = 4003,
					   .cgroup = (char *)"/worker1",
					   .cgroup_id = 779 };

	(void)state;
	assert_int_equal(hook_record_apply(reg, &shared), 0);
	assert_int_equal(hook_record_apply(reg, &own), 0);
	assert_int_equal(hook_record_apply(reg, &runc_default), 0);
	assert_null(containers_find_by_cgroup_id(reg, 777));
	assert_int_equal(containers_find_by_id(reg, "beta")->cgroup_id, 0);
	assert_string_equal(containers_find_by_mntns(reg, 3001)->name, "beta");
	assert_string_equal(containers_find_by_cgroup_id(reg, 778)->name, "web");
	assert_string_equal(containers_find_by_cgroup_id(reg, 779)->name, "worker1");
	containers_free(reg);
}

/* This test's own process: its cgroup names no container, so its mount namespace decides. */
static void by_pid_falls_back_to_mntns(void **state)
{
	struct containers *reg = new_registry(60 * SEC);
	struct container probe = { 0 };
	struct container c;
	struct stat st;

	(void)state;
	assert_int_equal(container_probe_pid(&probe, getpid()), 0);
	assert_int_equal(stat("/proc/self/ns/mnt", &st), 0);
	assert_int_equal(probe.mntns, st.st_ino);
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	assert_int_equal(probe.netns, st.st_ino);
	assert_int_equal(probe.pid, getpid());
	assert_int_equal(container_probe_pid(&probe, 0x7ffffff0), -ESRCH);

	c = running(ID_SRV, "self", probe.mntns, probe.netns);
	assert_int_equal(containers_upsert(reg, &c), 0);
	assert_string_equal(containers_find_by_pid(reg, getpid())->name, "self");
	/* a stopped record with a live process's mntns is a reused inode: no match */
	assert_int_equal(containers_mark_stopped(reg, ID_SRV, 10 * SEC), 0);
	assert_null(containers_find_by_pid(reg, getpid()));
	assert_null(containers_find_by_pid(reg, 0x7ffffff0));
	assert_null(containers_find_by_pid(reg, 0));
	container_done(&probe);
	containers_free(reg);
}

/* Docker's State.Pid of a container that has exited may be someone else's by the time we look:
 * a process that started after the container did is not its init, so no namespaces are taken. */
static void probe_refuses_a_reused_pid(void **state)
{
	struct container young = { .started_ns = (uint64_t)time(NULL) * SEC + 60 * SEC };
	struct container old = { .started_ns = 1 * SEC }; /* "started" in 1970: we came much later */

	(void)state;
	assert_int_equal(container_probe_pid(&young, getpid()), 0);
	assert_true(young.mntns != 0);
	assert_int_equal(container_probe_pid(&old, getpid()), -ESRCH);
	assert_int_equal(old.mntns, 0);
	container_done(&young);
	container_done(&old);
}

/* Past the initial buckets: every record is still found by id and mntns, also after expiry. */
static void many_containers(void **state)
{
	struct containers *reg = new_registry(0);
	char id[CONTAINER_ID_MAX + 1];
	const size_t n = 5000;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct container c;

		snprintf(id, sizeof(id), "%064zx", i);
		c = running(id, NULL, 100000 + i, 1);
		assert_int_equal(containers_upsert(reg, &c), 0);
		if (i % 2)
			assert_int_equal(containers_mark_stopped(reg, id, 1), 0);
	}
	assert_int_equal(containers_count(reg), n);
	assert_int_equal(containers_expire(reg, 10), n / 2);
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%064zx", i);
		if (i % 2) {
			assert_null(containers_find_by_id(reg, id));
			assert_null(containers_find_by_mntns(reg, 100000 + i));
		} else {
			assert_non_null(containers_find_by_id(reg, id));
			assert_string_equal(containers_find_by_mntns(reg, 100000 + i)->id, id);
		}
	}
	containers_free(reg);
}

/* A cgroup made for a container that no engine has named yet (a `podman run --rm` whose events
 * are still on their way) is counted while recent, and no more once its record came. */
static void cgroups_waiting_for_a_name(void **state)
{
	struct containers *reg = new_registry(60 * SEC);
	struct container pod = running(ID_SRV, "pod-cli", 0, 0);

	(void)state;
	/* podman with the cgroupfs manager, as captured here */
	assert_int_equal(containers_learn_cgroup(reg, 501, "/libpod_parent/libpod-" ID_SRV, false, 100 * SEC), 1);
	assert_int_equal(containers_learn_cgroup(reg, 502, "/system.slice/cron.service", false, 100 * SEC), 0);
	assert_int_equal(containers_unnamed_cgroups(reg, 97 * SEC), 1);
	assert_int_equal(containers_unnamed_cgroups(reg, 101 * SEC), 0); /* not recent */
	assert_int_equal(containers_upsert(reg, &pod), 0);
	assert_int_equal(containers_unnamed_cgroups(reg, 97 * SEC), 0);
	assert_string_equal(containers_find_by_cgroup_id(reg, 501)->name, "pod-cli");
	containers_free(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(upsert_and_find_by_id),
		cmocka_unit_test(hostile_ids_refused),
		cmocka_unit_test(two_sources_complete_each_other),
		cmocka_unit_test(stop_pause_rename),
		cmocka_unit_test(retention),
		cmocka_unit_test(reused_mntns_inode),
		cmocka_unit_test(shared_netns),
		cmocka_unit_test(by_ip),
		cmocka_unit_test(by_cgroup_id),
		cmocka_unit_test(hook_record_cgroup_must_be_the_containers_own),
		cmocka_unit_test(by_pid_falls_back_to_mntns),
		cmocka_unit_test(probe_refuses_a_reused_pid),
		cmocka_unit_test(many_containers),
		cmocka_unit_test(cgroups_waiting_for_a_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
