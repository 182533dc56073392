/* SPDX-License-Identifier: Apache-2.0 */
/* The Docker API parsers on responses captured from dockerd 20.10 (API 1.41) on a ctopo host
 * (tests/data/docker/README.md says how), and on truncated, wrong-typed and oversized variants. */
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
#include <cmocka.h>

#include "common/util.h"
#include "containers/docker_events.h"
#include "containers/docker_parse.h"
#include "unit_helpers.h"

#define SRV_ID "2ef1731ea8efef355ac875bc61503ace0579c28c99cd98d43a32c70675788976"
#define SHARED_ID "07e9f228c38c2d1f89b8f955e95714cd8383d7ed8654a8d6ec5a8f34a2666926"
#define PODMAN_ID "71e75279d67a6736e83e4b3d6e08f07d35a6c2ce362a76c2e7c6bd61f7388643"
#define EVENT_ID "d494773008f10dbdf32a7fcf24f317bd08620cfdf86e4d6067f59c9ad9ab6540"

static int parse_file(const char *name, struct docker_container *c, struct json_error *err)
{
	size_t len;
	char *buf = read_sample("docker", name, &len);
	int r = docker_parse_inspect(buf, len, c, err);

	free(buf);
	return r;
}

static void assert_address(const struct docker_address *a, const char *network, int family, const char *text)
{
	uint8_t bytes[16] = { 0 };

	assert_string_equal(a->network, network);
	assert_int_equal(a->family, family);
	assert_int_equal(inet_pton(family, text, bytes), 1);
	assert_memory_equal(a->bytes, bytes, family == AF_INET ? 4 : 16);
}

static void inspect_bridge_container(void **state)
{
	struct docker_container c = { 0 };
	struct json_error err = { { 0 } };

	(void)state;
	assert_int_equal(parse_file("inspect_srv.json", &c, &err), 0);
	assert_string_equal(c.id, SRV_ID);
	assert_string_equal(c.name, "ctopo-h4-srv"); /* Docker's leading '/' dropped */
	assert_string_equal(c.image, "ctopo-test/busybox:1");
	assert_string_equal(c.hostname, "2ef1731ea8ef");
	assert_string_equal(c.status, "running");
	assert_true(c.running);
	assert_false(c.paused);
	assert_int_equal(c.pid, 7242);
	assert_int_equal(c.started_ns, 1795555009816895870ull);
	assert_int_equal(c.finished_ns, 0); /* Go's zero time */
	assert_string_equal(c.network_mode, "default");
	assert_null(docker_network_mode_container(c.network_mode));
	assert_string_equal(c.sandbox_key, "/var/run/docker/netns/9a0429ce93a1");
	assert_int_equal(c.n_labels, 2);
	assert_string_equal(docker_container_label(&c, "com.docker.compose.project"), "ctopo");
	assert_string_equal(docker_container_label(&c, "com.docker.compose.service"), "web");
	assert_int_equal(c.n_addresses, 1);
	assert_address(&c.addresses[0], "bridge", AF_INET, "172.17.0.2");
	assert_int_equal(c.n_ports, 1);
	assert_int_equal(c.ports[0].container_port, 8080);
	assert_string_equal(c.ports[0].proto, "tcp");
	assert_string_equal(c.ports[0].host_ip, "127.0.0.1");
	assert_int_equal(c.ports[0].host_port, 18401);
	docker_container_done(&c);
}

static void inspect_shared_netns_container(void **state)
{
	struct docker_container c = { 0 };

	(void)state;
	assert_int_equal(parse_file("inspect_shared.json", &c, NULL), 0);
	assert_string_equal(c.id, SHARED_ID);
	assert_string_equal(c.name, "ctopo-h4-shared");
	assert_int_equal(c.pid, 7306);
	assert_string_equal(c.network_mode, "container:" SRV_ID);
	assert_string_equal(docker_network_mode_container(c.network_mode), SRV_ID);
	assert_string_equal(c.sandbox_key, ""); /* it has no netns of its own */
	assert_int_equal(c.n_addresses, 0);
	assert_int_equal(c.n_labels, 0);
	docker_container_done(&c);
}

static void inspect_host_network_container(void **state)
{
	struct docker_container c = { 0 };

	(void)state;
	assert_int_equal(parse_file("inspect_host.json", &c, NULL), 0);
	assert_string_equal(c.name, "ctopo-h4-host");
	assert_int_equal(c.pid, 7363);
	assert_string_equal(c.network_mode, "host");
	assert_null(docker_network_mode_container(c.network_mode));
	assert_int_equal(c.n_addresses, 0); /* "host": { "IPAddress": "" } */
	docker_container_done(&c);
}

static void inspect_stopped_container(void **state)
{
	struct docker_container c = { 0 };

	(void)state;
	assert_int_equal(parse_file("inspect_stopped.json", &c, NULL), 0);
	assert_string_equal(c.name, "ctopo-h4-stopped");
	assert_string_equal(c.status, "exited");
	assert_false(c.running);
	assert_int_equal(c.pid, 0);
	assert_true(c.started_ns > 0);
	/* 2026-11-24T21:16:50.360541421Z: Docker's own finish time, before its start time for a
	 * container this short (`true`): we keep what Docker says. */
	assert_int_equal(c.finished_ns, 1795555010360541421ull);
	assert_int_equal(c.n_addresses, 0); /* a stopped container has left its networks */
	docker_container_done(&c);
}

static void inspect_two_networks_ipv4_and_ipv6(void **state)
{
	struct docker_container c = { 0 };

	(void)state;
	assert_int_equal(parse_file("inspect_cli.json", &c, NULL), 0);
	assert_string_equal(c.network_mode, "ctopo-h4-net");
	assert_int_equal(c.n_addresses, 3);
	assert_address(&c.addresses[0], "bridge", AF_INET, "172.17.0.3");
	assert_address(&c.addresses[1], "ctopo-h4-net", AF_INET, "172.30.84.2");
	assert_address(&c.addresses[2], "ctopo-h4-net", AF_INET6, "fd00:84::2");
	docker_container_done(&c);
}

static void inspect_truncated(void **state)
{
	struct docker_container c = { 0 };
	struct json_error err = { { 0 } };

	(void)state;
	assert_int_equal(parse_file("inspect_srv.truncated.json", &c, &err), -EBADMSG);
	assert_non_null(strstr(err.message, "truncated"));
	assert_null(c.name); /* untouched on failure */
}

static void inspect_wrong_type(void **state)
{
	struct docker_container c = { 0 };
	struct json_error err = { { 0 } };

	(void)state;
	assert_int_equal(parse_file("inspect_srv.wrong_type.json", &c, &err), -EBADMSG);
	assert_string_equal(err.message, "container inspect: State.Pid: expected an integer, got a string");
}

static void inspect_hostile_id(void **state)
{
	struct docker_container c = { 0 };
	struct json_error err = { { 0 } };

	(void)state;
	assert_int_equal(parse_file("inspect_srv.hostile_id.json", &c, &err), -EBADMSG);
	assert_string_equal(err.message, "container inspect: Id: not a container id: \"../../etc/passwd\"");
}

/* The captured inspect with one label value made larger than any string we keep. */
static void inspect_oversized_string(void **state)
{
	struct docker_container c = { 0 };
	struct json_error err = { { 0 } };
	const char *anchor = "\"com.docker.compose.service\":\"web\"";
	size_t len, big = DOCKER_STRING_MAX + 1;
	char *orig = read_sample("docker", "inspect_srv.json", &len);
	char *at = strstr(orig, anchor);
	char *buf = malloc(len + big + 64);
	size_t head;

	(void)state;
	assert_non_null(at);
	head = at - orig;
	memcpy(buf, orig, head);
	head += sprintf(buf + head, "\"big\":\"");
	memset(buf + head, 'x', big);
	head += big;
	head += sprintf(buf + head, "\",");
	memcpy(buf + head, at, len - (at - orig));
	head += len - (at - orig);
	assert_int_equal(docker_parse_inspect(buf, head, &c, &err), -E2BIG);
	assert_non_null(strstr(err.message, "Config.Labels"));
	assert_non_null(strstr(err.message, "exceeds the limit"));
	free(buf);
	free(orig);
}

static void inspect_oversized_response(void **state)
{
	struct docker_container c = { 0 };
	struct json_error err = { { 0 } };
	size_t len = DOCKER_RESPONSE_MAX + 1;
	char *buf = malloc(len);

	(void)state;
	memset(buf, ' ', len);
	assert_int_equal(docker_parse_inspect(buf, len, &c, &err), -E2BIG);
	assert_non_null(strstr(err.message, "exceeds the limit of 16 MiB"));
	free(buf);
}

static void inspect_not_json(void **state)
{
	struct docker_container c = { 0 };
	struct json_error err = { { 0 } };

	(void)state;
	assert_int_equal(docker_parse_inspect("[1,2]", 5, &c, &err), -EBADMSG);
	assert_string_equal(err.message, "container inspect: expected an object, got an array");
	assert_int_equal(docker_parse_inspect("", 0, &c, &err), -EBADMSG);
	assert_int_equal(docker_parse_inspect("{\"Id\":\"a\0b\"}", 12, &c, &err), -EBADMSG);
}

static void list_all(void **state)
{
	struct docker_container_list list = { 0 };
	struct json_error err = { { 0 } };
	size_t len;
	char *buf = read_sample("docker", "containers_list.json", &len);
	const struct docker_container *srv = NULL, *shared = NULL, *stopped = NULL;

	(void)state;
	assert_int_equal(docker_parse_list(buf, len, &list, &err), 0);
	assert_int_equal(list.n, 5);
	assert_int_equal(list.n_skipped, 0);
	for (size_t i = 0; i < list.n; i++) {
		if (!strcmp(list.v[i].name, "ctopo-h4-srv"))
			srv = &list.v[i];
		else if (!strcmp(list.v[i].name, "ctopo-h4-shared"))
			shared = &list.v[i];
		else if (!strcmp(list.v[i].name, "ctopo-h4-stopped"))
			stopped = &list.v[i];
	}
	assert_non_null(srv);
	assert_non_null(shared);
	assert_non_null(stopped);
	assert_string_equal(srv->id, SRV_ID);
	assert_true(srv->running);
	assert_int_equal(srv->pid, 0); /* the list has no pid: inspect has */
	assert_string_equal(docker_container_label(srv, "com.docker.compose.service"), "web");
	assert_int_equal(srv->n_ports, 1);
	assert_int_equal(srv->ports[0].container_port, 8080);
	assert_int_equal(srv->ports[0].host_port, 18401);
	assert_string_equal(srv->ports[0].host_ip, "127.0.0.1");
	assert_address(&srv->addresses[0], "bridge", AF_INET, "172.17.0.2");
	assert_string_equal(docker_network_mode_container(shared->network_mode), SRV_ID);
	assert_false(stopped->running);
	assert_string_equal(stopped->status, "exited");
	docker_container_list_done(&list);
	free(buf);
}

static void list_bad_entries_cost_only_themselves(void **state)
{
	struct docker_container_list list = { 0 };
	struct json_error err = { { 0 } };
	size_t len;
	char *buf = read_sample("docker", "containers_list.bad_entries.json", &len);

	(void)state;
	assert_int_equal(docker_parse_list(buf, len, &list, &err), 0);
	assert_int_equal(list.n, 3);
	assert_int_equal(list.n_skipped, 2);
	assert_string_equal(list.skipped_message, "entry 0: Id: expected a string, got a number");
	assert_string_equal(list.v[0].name, "ctopo-h4-host");
	docker_container_list_done(&list);
	free(buf);
}

static void list_truncated(void **state)
{
	struct docker_container_list list = { 0 };
	struct json_error err = { { 0 } };
	size_t len;
	char *buf = read_sample("docker", "containers_list.truncated.json", &len);

	(void)state;
	assert_int_equal(docker_parse_list(buf, len, &list, &err), -EBADMSG);
	assert_non_null(strstr(err.message, "container list: malformed or truncated JSON"));
	assert_int_equal(docker_parse_list("{}", 2, &list, &err), -EBADMSG);
	assert_string_equal(err.message, "container list: expected an array, got an object");
	free(buf);
}

static void error_message_of_404(void **state)
{
	size_t len;
	char *buf = read_sample("docker", "inspect_missing.json", &len);
	char *m = docker_parse_error_message(buf, len);

	(void)state;
	assert_string_equal(m, "No such container: ctopo-h4-nonexistent");
	free(m);
	assert_null(docker_parse_error_message("oops", 4));
	free(buf);
}

static void ping_api_version(void **state)
{
	unsigned major = 0, minor = 0;
	size_t len;
	char *buf = read_sample("docker", "ping.headers", &len);
	const char *other = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n";
	const char *bad = "HTTP/1.1 200 OK\r\napi-version:  one.two \r\n\r\n";

	(void)state;
	assert_int_equal(docker_parse_ping_api_version(buf, len, &major, &minor), 0);
	assert_int_equal(major, 1);
	assert_int_equal(minor, 41);
	assert_int_equal(docker_parse_ping_api_version(other, strlen(other), &major, &minor), -ENOENT);
	assert_int_equal(docker_parse_ping_api_version(bad, strlen(bad), &major, &minor), -EINVAL);
	assert_int_equal(docker_parse_api_version("1.47", &major, &minor), 0);
	assert_int_equal(minor, 47);
	assert_int_equal(docker_parse_api_version("1.", &major, &minor), -EINVAL);
	assert_int_equal(docker_parse_api_version("v1.41", &major, &minor), -EINVAL);
	free(buf);
}

/* podman 4.3's compatible API (tests/data/docker/podman_*): its ping names it, its list and
 * inspect read like Docker's. */
static void podman_compatible_api(void **state)
{
	struct docker_container c = { 0 };
	struct docker_container_list list = { 0 };
	struct json_error err = { { 0 } };
	unsigned major = 0, minor = 0;
	size_t len;
	char *ping = read_sample("docker", "podman_ping.headers", &len);
	char *docker_ping;
	char *body;

	(void)state;
	assert_int_equal(docker_parse_ping_api_version(ping, len, &major, &minor), 0);
	assert_int_equal(major, 1);
	assert_int_equal(minor, 41);
	assert_string_equal(docker_parse_ping_engine(ping, len), "podman");
	free(ping);
	docker_ping = read_sample("docker", "ping.headers", &len);
	assert_string_equal(docker_parse_ping_engine(docker_ping, len), "docker");
	free(docker_ping);

	assert_int_equal(parse_file("podman_inspect.json", &c, &err), 0);
	assert_string_equal(c.id, PODMAN_ID);
	assert_string_equal(c.name, "names-pod-srv2");
	assert_string_equal(c.image, "localhost/ctopo-test/busybox:1");
	assert_true(c.running);
	assert_int_equal(c.pid, 2668);
	assert_string_equal(c.network_mode, "bridge");
	assert_string_equal(docker_container_label(&c, "io.github.ctopo.test"), "capture");
	assert_int_equal(c.n_addresses, 1);
	assert_address(&c.addresses[0], "podman", AF_INET, "10.88.0.22");
	docker_container_done(&c);

	body = read_sample("docker", "podman_containers_list.json", &len);
	assert_int_equal(docker_parse_list(body, len, &list, &err), 0);
	assert_int_equal(list.n, 1);
	assert_int_equal(list.n_skipped, 0);
	assert_string_equal(list.v[0].id, PODMAN_ID);
	assert_string_equal(list.v[0].name, "names-pod-srv2");
	assert_true(list.v[0].running);
	docker_container_list_done(&list);
	free(body);
}

static void times(void **state)
{
	uint64_t ns = 1;

	(void)state;
	assert_int_equal(docker_parse_time("1970-01-01T00:00:01Z", &ns), 0);
	assert_int_equal(ns, 1000000000ull);
	assert_int_equal(docker_parse_time("1970-01-01T00:00:01.5Z", &ns), 0);
	assert_int_equal(ns, 1500000000ull);
	assert_int_equal(docker_parse_time("1970-01-01T02:00:01.123456789123+02:00", &ns), 0);
	assert_int_equal(ns, 1123456789ull);
	assert_int_equal(docker_parse_time("0001-01-01T00:00:00Z", &ns), 0);
	assert_int_equal(ns, 0);
	assert_int_equal(docker_parse_time("2026-11-24 21:16:49Z", &ns), -EINVAL);
	assert_int_equal(docker_parse_time("2026-11-24T21:16:49", &ns), -EINVAL);
	assert_int_equal(docker_parse_time("2026-13-24T21:16:49Z", &ns), -EINVAL);
	assert_int_equal(docker_parse_time("2026-11-24T21:16:49.Z", &ns), -EINVAL);
}

/* ---- events ---- */

struct collected {
	struct docker_event ev[16];
	size_t n;
	char skipped[4][200];
	size_t n_skipped;
};

static void collect_event(const struct docker_event *ev, void *userdata)
{
	struct collected *c = userdata;

	assert_true(c->n < 16);
	c->ev[c->n] = *ev;
	c->ev[c->n].attributes = NULL; /* the parser's; test_docker_events.c looks at them */
	c->ev[c->n].n_attributes = 0;
	c->ev[c->n].name = ev->name ? strdup(ev->name) : NULL;
	c->ev[c->n].image = ev->image ? strdup(ev->image) : NULL;
	c->n++;
}

static void collect_skip(const char *message, void *userdata)
{
	struct collected *c = userdata;

	if (c->n_skipped < 4)
		snprintf(c->skipped[c->n_skipped], sizeof(c->skipped[0]), "%s", message);
	c->n_skipped++;
}

static void collected_done(struct collected *c)
{
	for (size_t i = 0; i < c->n; i++)
		docker_event_done(&c->ev[i]);
	memset(c, 0, sizeof(*c));
}

/* Feed buf in pieces of the given sizes (cycled); returns the feed/finish result. */
static int feed_in_chunks(const char *buf, size_t len, const size_t *sizes, size_t n_sizes, struct collected *out,
			  struct json_error *err)
{
	struct docker_event_parser *p = NULL;
	size_t off = 0, k = 0;
	int r = 0;

	assert_int_equal(docker_event_parser_new(collect_event, collect_skip, out, &p), 0);
	while (off < len && r == 0) {
		size_t n = sizes[k++ % n_sizes];

		if (n > len - off)
			n = len - off;
		r = docker_event_parser_feed(p, buf + off, n, err);
		off += n;
	}
	if (r == 0)
		r = docker_event_parser_finish(p, err);
	docker_event_parser_free(p);
	return r;
}

static void assert_captured_stream(const struct collected *c)
{
	static const enum docker_event_action actions[] = { DOCKER_EVENT_START,   DOCKER_EVENT_PAUSE,
							    DOCKER_EVENT_UNPAUSE, DOCKER_EVENT_RENAME,
							    DOCKER_EVENT_DIE,     DOCKER_EVENT_DESTROY };

	assert_int_equal(c->n, 6);
	assert_int_equal(c->n_skipped, 0);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(c->ev[i].action, actions[i]);
		assert_string_equal(c->ev[i].type, "container");
		assert_string_equal(c->ev[i].id, EVENT_ID);
		assert_string_equal(c->ev[i].image, "ctopo-test/busybox:1");
	}
	assert_string_equal(c->ev[0].name, "ctopo-h4-ev");
	assert_int_equal(c->ev[0].time_ns, 1795555021328601134ull);
	assert_int_equal(c->ev[0].exit_code, -1);
	assert_string_equal(c->ev[3].name, "ctopo-h4-ev2"); /* rename: the new name */
	assert_int_equal(c->ev[4].exit_code, 137);
	assert_string_equal(c->ev[5].action_name, "destroy");
}

static void events_whole_stream(void **state)
{
	struct collected c = { 0 };
	size_t len, all = SIZE_MAX;
	char *buf = read_sample("docker", "events_stream.json", &len);

	(void)state;
	assert_int_equal(feed_in_chunks(buf, len, &all, 1, &c, NULL), 0);
	assert_captured_stream(&c);
	collected_done(&c);
	free(buf);
}

static void events_any_chunking(void **state)
{
	static const size_t one[] = { 1 };
	static const size_t odd[] = { 7, 300, 2, 1000, 13, 450 };
	static const size_t halves[] = { 190, 380 }; /* splits objects in the middle of strings */
	struct collected c = { 0 };
	size_t len;
	char *buf = read_sample("docker", "events_stream.json", &len);

	(void)state;
	assert_int_equal(feed_in_chunks(buf, len, one, 1, &c, NULL), 0);
	assert_captured_stream(&c);
	collected_done(&c);
	assert_int_equal(feed_in_chunks(buf, len, odd, ARRAY_SIZE(odd), &c, NULL), 0);
	assert_captured_stream(&c);
	collected_done(&c);
	assert_int_equal(feed_in_chunks(buf, len, halves, ARRAY_SIZE(halves), &c, NULL), 0);
	assert_captured_stream(&c);
	collected_done(&c);
	free(buf);
}

static void events_wrong_type_skips_that_event(void **state)
{
	struct collected c = { 0 };
	size_t len, all = SIZE_MAX;
	char *buf = read_sample("docker", "events_stream.wrong_type.json", &len);

	(void)state;
	assert_int_equal(feed_in_chunks(buf, len, &all, 1, &c, NULL), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(c.n_skipped, 1);
	assert_string_equal(c.skipped[0], "event 2: timeNano: expected a number, got a string");
	assert_int_equal(c.ev[0].action, DOCKER_EVENT_START);
	assert_int_equal(c.ev[1].action, DOCKER_EVENT_UNPAUSE); /* the pause was the bad one */
	collected_done(&c);
	free(buf);
}

static void events_truncated(void **state)
{
	struct collected c = { 0 };
	struct json_error err = { { 0 } };
	size_t len, all = SIZE_MAX;
	char *buf = read_sample("docker", "events_stream.truncated.json", &len);

	(void)state;
	assert_int_equal(feed_in_chunks(buf, len, &all, 1, &c, &err), -EBADMSG);
	assert_int_equal(c.n, 2); /* what came whole is kept */
	assert_string_equal(err.message, "events stream: truncated inside event 3");
	collected_done(&c);
	free(buf);
}

static void events_oversized_object(void **state)
{
	struct collected c = { 0 };
	struct json_error err = { { 0 } };
	size_t len, all = SIZE_MAX, big = DOCKER_EVENT_MAX + 8192; /* past the 4 KiB check granularity */
	char *orig = read_sample("docker", "events_stream.json", &len);
	const char *first_end = strchr(orig, '\n') + 1;
	size_t head = first_end - orig;
	char *buf = malloc(head + big + 64);
	size_t n = head;

	(void)state;
	/* the first captured event, then an object with one huge attribute */
	memcpy(buf, orig, head);
	n += sprintf(buf + n, "{\"Type\":\"container\",\"Actor\":{\"Attributes\":{\"x\":\"");
	memset(buf + n, 'a', big);
	n += big;
	n += sprintf(buf + n, "\"}}}\n");
	assert_int_equal(feed_in_chunks(buf, n, &all, 1, &c, &err), -E2BIG);
	assert_int_equal(c.n, 1);
	assert_string_equal(err.message, "events stream: event 2 exceeds the limit of 256 KiB");
	collected_done(&c);
	free(buf);
	free(orig);
}

static void events_malformed_stream_is_final(void **state)
{
	struct docker_event_parser *p = NULL;
	struct collected c = { 0 };
	struct json_error err = { { 0 } };
	const char *bad = "{\"Type\":\"container\"}}{";

	(void)state;
	assert_int_equal(docker_event_parser_new(collect_event, collect_skip, &c, &p), 0);
	assert_int_equal(docker_event_parser_feed(p, bad, strlen(bad), &err), -EBADMSG);
	assert_non_null(strstr(err.message, "events stream: malformed JSON after 1 events"));
	assert_int_equal(docker_event_parser_feed(p, "{}", 2, &err), -EBADMSG);
	docker_event_parser_free(p);
	collected_done(&c);
}

static void events_non_objects_skipped(void **state)
{
	struct collected c = { 0 };
	size_t all = SIZE_MAX;
	const char *s = "[1,{\"a\":2}] \"x\" 5 {\"Type\":\"container\",\"Action\":\"start\",\"id\":\"" EVENT_ID
			"\",\"time\":3}\n{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"../x\"}}\n"
			"{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"" SRV_ID "\"}}";

	(void)state;
	assert_int_equal(feed_in_chunks(s, strlen(s), &all, 1, &c, NULL), 0);
	assert_int_equal(c.n_skipped, 4);
	assert_string_equal(c.skipped[0], "event 1: expected an object, got an array");
	assert_string_equal(c.skipped[1], "event 2: expected an object, got a string");
	assert_string_equal(c.skipped[2], "event 3: expected an object, got a number");
	assert_string_equal(c.skipped[3], "event 5: not a container id: \"../x\"");
	assert_int_equal(c.n, 2);
	assert_string_equal(c.ev[0].id, EVENT_ID);        /* the old top-level "id" */
	assert_int_equal(c.ev[0].time_ns, 3000000000ull); /* "time" when there is no timeNano */
	assert_string_equal(c.ev[1].type, "network");
	collected_done(&c);
}

static void one_event_object(void **state)
{
	struct docker_event ev = { 0 };
	struct json_error err = { { 0 } };
	size_t len;
	char *buf = read_sample("docker", "events_stream.json", &len);
	size_t first = strchr(buf, '\n') - buf;

	(void)state;
	assert_int_equal(docker_parse_event(buf, first, &ev, &err), 0);
	assert_int_equal(ev.action, DOCKER_EVENT_START);
	assert_string_equal(ev.name, "ctopo-h4-ev");
	assert_string_equal(docker_event_action_to_string(ev.action), "start");
	docker_event_done(&ev);
	assert_int_equal(docker_parse_event(buf, len, &ev, &err), -EBADMSG);
	assert_string_equal(err.message, "more than one object");
	assert_int_equal(docker_parse_event(buf, first / 2, &ev, &err), -EBADMSG);
	assert_int_equal(docker_parse_event("{\"Type\":1}", 10, &ev, &err), -EBADMSG);
	assert_string_equal(err.message, "event 1: Type: expected a string, got a number");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inspect_bridge_container),
		cmocka_unit_test(inspect_shared_netns_container),
		cmocka_unit_test(inspect_host_network_container),
		cmocka_unit_test(inspect_stopped_container),
		cmocka_unit_test(inspect_two_networks_ipv4_and_ipv6),
		cmocka_unit_test(inspect_truncated),
		cmocka_unit_test(inspect_wrong_type),
		cmocka_unit_test(inspect_hostile_id),
		cmocka_unit_test(inspect_oversized_string),
		cmocka_unit_test(inspect_oversized_response),
		cmocka_unit_test(inspect_not_json),
		cmocka_unit_test(list_all),
		cmocka_unit_test(list_bad_entries_cost_only_themselves),
		cmocka_unit_test(list_truncated),
		cmocka_unit_test(error_message_of_404),
		cmocka_unit_test(ping_api_version),
		cmocka_unit_test(podman_compatible_api),
		cmocka_unit_test(times),
		cmocka_unit_test(events_whole_stream),
		cmocka_unit_test(events_any_chunking),
		cmocka_unit_test(events_wrong_type_skips_that_event),
		cmocka_unit_test(events_truncated),
		cmocka_unit_test(events_oversized_object),
		cmocka_unit_test(events_malformed_stream_is_final),
		cmocka_unit_test(events_non_objects_skipped),
		cmocka_unit_test(one_event_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
