/* SPDX-License-Identifier: Apache-2.0 */
/* How a report names a connection's container, from the registry:
 *  - a connection of a container that is gone is named by its cgroup id, learnt from the path of
 *    the cgroup made for it, even when its mount namespace inode names another container now;
 *  - Kubernetes metadata (Docker's labels, CRI-O's and containerd's annotations) makes the name
 *    namespace/pod/container; Compose's project and service are kept.
 * Paths, ids and labels are those of the captures in tests/data/cgroup and tests/data/docker;
 * test_render_names.c has what the renderer makes of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <cmocka.h>

#include "containers/containers.h"
#include "containers/hook_records.h"
#include "daemon/report_build.h"

#define CLI_ID "9211599629efe08d5c9bdb0f0e9c09a139c31cc802f7d936d43951844acb4e54"
#define OLD_ID "3edab934a9662a670ca2abf9d310620344c91ebd0a3605d3a55c47ead768f51d"
#define CRIO_ID "d6d725b909f37c3e232aadfbafa950a58bfe7baa579ba8c47a12be88bb921607"
#define CTRD_ID "f45298cd514d1930c4fe3afc4412e59547f7e3148fddd22ca33cefce046eb830"
#define HOST_NS 4026531833u
#define MNT_REUSED 4026532264u

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void upsert(struct containers *reg, const char *id, const char *name, struct container_label *labels,
		   size_t n_labels, uint64_t mntns, enum container_state state)
{
	struct container c = { .name = (char *)name,
			       .image = "ctopo-test/busybox:1",
			       .labels = labels,
			       .n_labels = n_labels,
			       .mntns = mntns,
			       .state = state,
			       .source = CONTAINER_SOURCE_DOCKER };

	snprintf(c.id, sizeof(c.id), "%s", id);
	assert_int_equal(containers_upsert(reg, &c), 0);
}

static const struct report_container *container_named(const struct report *r, const char *name)
{
	const struct report_container *c = report_container_by_name(r, name);

	if (!c)
		fail_msg("no container named %s in the report", name);
	return c;
}

static void build(struct containers *reg, struct conn *conns, size_t n, struct report **ret)
{
	struct conn_report cr = { .n = n, .conns = conns };
	struct netns_list none = { 0 };
	struct report_sources src = { .conns = &cr, .containers = reg, .namespaces = &none };

	assert_int_equal(report_build(&src, ret), 0);
}

/* A `docker run --rm` client of 50 ms: Docker's events named it, the cgroup watch saw its cgroup
 * made; its mount namespace inode was reused by a container that started later. */
static void gone_container_named_by_its_cgroup(void **state)
{
	struct container_label compose[] = { { "com.docker.compose.project", "demo" },
					     { "com.docker.compose.service", "web" } };
	struct conn conns[2] = {
		{ .key = { .netns = 4026532300u, .family = AF_INET },
		  .pid = 4242,
		  .mntns = MNT_REUSED,
		  .cgroup_id = 101,
		  .comm = "wget",
		  .direction = CONN_DIR_OUTBOUND,
		  .state = CONN_CLOSED },
		{ .key = { .netns = HOST_NS, .family = AF_INET },
		  .pid = 1,
		  .mntns = 4026531832u,
		  .cgroup_id = 1,
		  .comm = "sh",
		  .direction = CONN_DIR_OUTBOUND,
		  .state = CONN_CLOSED },
	};
	struct containers *reg;
	struct report *r;

	(void)state;
	assert_int_equal(containers_new(300ull * 1000000000ull, &reg), 0);
	upsert(reg, CLI_ID, "names-short", compose, 2, 0, CONTAINER_RUNNING);
	assert_int_equal(containers_mark_stopped(reg, CLI_ID, 0), 0);
	upsert(reg, OLD_ID, "names-srv", NULL, 0, MNT_REUSED, CONTAINER_RUNNING);
	assert_int_equal(containers_learn_cgroup(reg, 101, "/docker/" CLI_ID, false, now_ns()), 1);
	assert_int_equal(containers_learn_cgroup(reg, 100, "/docker", false, now_ns()), 0);
	assert_int_equal(containers_cgroups_learnt(reg), 1);

	build(reg, conns, 2, &r);
	assert_string_equal(r->conns[0].container_id, CLI_ID);
	assert_string_equal(r->conns[1].container_id, ""); /* the host's root cgroup names nobody */
	assert_string_equal(report_container_by_id(r, r->conns[0].container_id)->name, "names-short");
	assert_string_equal(container_named(r, "names-short")->project, "demo");
	assert_string_equal(container_named(r, "names-short")->service, "web");
	assert_string_equal(container_named(r, "names-srv")->service, "");
	report_free(r);

	/* the learnt cgroup stays while the record does, and goes with it */
	containers_expire(reg, now_ns());
	assert_string_equal(containers_find_by_cgroup_id(reg, 101)->id, CLI_ID);
	containers_expire(reg, now_ns() + 301ull * 1000000000ull);
	assert_null(containers_find_by_cgroup_id(reg, 101));
	assert_int_equal(containers_cgroups_learnt(reg), 0);
	containers_free(reg);
}

/* CRI-O's annotations (the hook keeps them) and containerd's CRI ones name namespace/pod/container. */
static void kubernetes_names(void **state)
{
	struct container_label crio[] = { { "io.kubernetes.pod.namespace", "shop" },
					  { "io.kubernetes.pod.name", "cart-7d9f" },
					  { "io.kubernetes.container.name", "redis" } };
	struct container_label containerd[] = { { "io.kubernetes.cri.sandbox-namespace", "kube-system" },
						{ "io.kubernetes.cri.sandbox-name", "coredns-5d78c" },
						{ "io.kubernetes.cri.container-name", "coredns" } };
	struct containers *reg;
	struct report *r;

	(void)state;
	assert_int_equal(containers_new(1, &reg), 0);
	upsert(reg, CRIO_ID, "redis", crio, 3, 0, CONTAINER_RUNNING);
	upsert(reg, CTRD_ID, "coredns", containerd, 3, 0, CONTAINER_RUNNING);
	/* without all three there is no Kubernetes name */
	upsert(reg, OLD_ID, "half", crio, 2, 0, CONTAINER_RUNNING);
	build(reg, NULL, 0, &r);
	assert_string_equal(report_container_by_id(r, CRIO_ID)->name, "shop/cart-7d9f/redis");
	assert_string_equal(report_container_by_id(r, CTRD_ID)->name, "kube-system/coredns-5d78c/coredns");
	assert_string_equal(report_container_by_id(r, OLD_ID)->name, "half");
	report_free(r);
	containers_free(reg);
}

/* A hook run by a wrapper runtime under Docker: its record completes Docker's, whose labels
 * (Compose's) stay; a record of its own keeps the annotations as labels. */
static void hook_annotations_and_docker_labels(void **state)
{
	struct container_label compose[] = { { "com.docker.compose.project", "demo" },
					     { "com.docker.compose.service", "web" } };
	struct oci_annotation crio[] = { { "io.kubernetes.pod.namespace", "shop" },
					 { "io.kubernetes.pod.name", "cart-7d9f" },
					 { "io.kubernetes.container.name", "redis" } };
	struct oci_record rec = { .id = CLI_ID, .name = "hooked", .pid = 0, .annotations = crio, .n_annotations = 3 };
	struct containers *reg;

	(void)state;
	assert_int_equal(containers_new(1, &reg), 0);
	upsert(reg, CLI_ID, "names-short", compose, 2, 0, CONTAINER_RUNNING);
	assert_int_equal(hook_record_apply(reg, &rec), 0);
	assert_string_equal(container_label(containers_find_by_id(reg, CLI_ID), "com.docker.compose.service"), "web");
	assert_null(container_label(containers_find_by_id(reg, CLI_ID), "io.kubernetes.pod.name"));
	rec.id = CRIO_ID;
	assert_int_equal(hook_record_apply(reg, &rec), 0);
	assert_string_equal(container_label(containers_find_by_id(reg, CRIO_ID), "io.kubernetes.pod.name"),
			    "cart-7d9f");
	containers_free(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gone_container_named_by_its_cgroup),
		cmocka_unit_test(kubernetes_names),
		cmocka_unit_test(hook_annotations_and_docker_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
