/* SPDX-License-Identifier: Apache-2.0 */
/* What the renderer makes of a report's names:
 *  - a container id found from the cgroup beats a mount namespace inode that another container
 *    has now (the kernel reuses them; a 50 ms container's own was never known);
 *  - a host client of a published port is matched with the container's listener, not with the
 *    listener Docker holds the host port with, when conntrack no longer has the flow (also after
 *    the report went through its JSON, as `ctopo ps` gets it from the daemon). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/addr.h"
#include "render/render.h"
#include "report/report_json.h"

#define CLI_ID "9211599629efe08d5c9bdb0f0e9c09a139c31cc802f7d936d43951844acb4e54"
#define OLD_ID "3edab934a9662a670ca2abf9d310620344c91ebd0a3605d3a55c47ead768f51d"
#define HOST_NS 4026531833u
#define MNT_REUSED 4026532264u

static void cgroup_beats_a_reused_mount_namespace(void **state)
{
	struct report *r = report_new();
	struct report_container cli = {
		.id = CLI_ID, .name = "names-short", .netns = 4026532300u, .started_at = 100.0, .stopped_at = 100.05
	};
	struct report_container srv = { .id = OLD_ID,
					.name = "names-srv",
					.mntns = MNT_REUSED,
					.netns = 4026532301u,
					.running = true,
					.started_at = 50.0 };

	(void)state;
	assert_non_null(r);
	assert_int_equal(report_add_container(r, &cli), 0);
	assert_int_equal(report_add_container(r, &srv), 0);
	assert_string_equal(render_map_container(r, MNT_REUSED, 101, CLI_ID, 4026532300u, 100.01)->name, "names-short");
	/* without the cgroup's answer the inode decides, as before */
	assert_string_equal(render_map_container(r, MNT_REUSED, 101, "", 4026532300u, 100.01)->name, "names-srv");
	report_free(r);
}

static struct report_endpoint ep(const char *addr, uint16_t port)
{
	struct report_endpoint e = { .port = port };

	assert_int_equal(addr_parse(addr, &e.family, e.addr), 0);
	return e;
}

static void add_conn(struct report *r, uint32_t netns, const char *comm, uint8_t dir, struct report_endpoint local,
		     struct report_endpoint remote)
{
	struct report_conn c = { .netns = netns,
				 .pid = 7,
				 .direction = dir,
				 .local = local,
				 .remote = remote,
				 .peer_local = remote,
				 .peer_remote = local,
				 .state = dir == REPORT_DIR_LISTEN ? REPORT_STATE_LISTEN : REPORT_STATE_ESTABLISHED };

	snprintf(c.comm, sizeof(c.comm), "%s", comm);
	assert_int_equal(report_add_conn(r, &c), 0);
}

/* ctopo-n15-pub publishes 127.0.0.1:18415 -> 8080; dockerd holds 127.0.0.1:18415 with a listener;
 * the host client's flow has no conntrack entry any more. */
static void published_port_without_conntrack(void **state)
{
	struct report *r = report_new();
	struct report_container pub = {
		.id = OLD_ID, .name = "ctopo-n15-pub", .netns = 4026532400u, .running = true, .n_ports = 1
	};
	struct report_prefix lo = { .len = 8 };
	struct conn_match *m;

	(void)state;
	assert_non_null(r);
	r->host_netns = HOST_NS;
	assert_int_equal(addr_parse("127.0.0.1", &lo.family, lo.addr), 0);
	assert_int_equal(report_netns_add_prefix(report_netns_get(r, HOST_NS), &lo), 0);
	pub.ports[0] = (struct report_port){ .host = ep("127.0.0.1", 18415), .container_port = 8080 };
	assert_int_equal(report_add_container(r, &pub), 0);
	add_conn(r, HOST_NS, "dockerd", REPORT_DIR_LISTEN, ep("127.0.0.1", 18415), ep("0.0.0.0", 0));
	add_conn(r, 4026532400u, "nc", REPORT_DIR_LISTEN, ep("0.0.0.0", 8080), ep("0.0.0.0", 0));
	add_conn(r, HOST_NS, "bash", REPORT_DIR_OUTBOUND, ep("127.0.0.1", 40842), ep("127.0.0.1", 18415));
	/* a client in another netns dialling its own loopback reaches nothing published */
	add_conn(r, 4026532500u, "wget", REPORT_DIR_OUTBOUND, ep("127.0.0.1", 40843), ep("127.0.0.1", 18415));
	/* as `ctopo ps` gets it from the daemon */
	{
		char *buf = NULL, err[256];
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);
		struct report *back;

		report_write_json(out, r);
		fclose(out);
		assert_int_equal(report_parse_json(buf, len, &back, err, sizeof(err)), 0);
		free(buf);
		report_free(r);
		r = back;
	}
	assert_int_equal(r->containers[0].n_ports, 1);
	assert_int_equal(r->containers[0].ports[0].container_port, 8080);
	assert_int_equal(r->containers[0].ports[0].host.port, 18415);
	assert_int_equal(render_match_connections(r, &m), 0);
	assert_int_equal(m[2].kind, MATCH_LISTENER);
	assert_string_equal(r->conns[m[2].peer].comm, "nc");
	assert_int_not_equal(m[3].kind, MATCH_LISTENER);
	/* with the port unpublished, Docker's own listener is all there is */
	free(m);
	r->containers[0].n_ports = 0;
	assert_int_equal(render_match_connections(r, &m), 0);
	assert_int_equal(m[2].kind, MATCH_LISTENER);
	assert_string_equal(r->conns[m[2].peer].comm, "dockerd");
	free(m);
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cgroup_beats_a_reused_mount_namespace),
		cmocka_unit_test(published_port_without_conntrack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
