/* SPDX-License-Identifier: Apache-2.0 */
/* What the events stream says about a container that is gone before it can be inspected: a
 * captured stream (tests/data/docker/events_rm_compose_exec.json) of a `docker run --rm` with
 * Compose labels that lived 34 ms, then a container with a `docker exec`. Its create and start
 * events carry the name, the image and every label; exec events are no container start. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "containers/docker_events.h"

#define RM_ID "9211599629efe08d5c9bdb0f0e9c09a139c31cc802f7d936d43951844acb4e54"
#define SRV_ID "3edab934a9662a670ca2abf9d310620344c91ebd0a3605d3a55c47ead768f51d"
#define PODMAN_RM_ID "f1e1562f89a4f6cec74a8f67e65eae24c3341c07d0a771dca0e620e1796104bc"
#define PODMAN_SRV_ID "71e75279d67a6736e83e4b3d6e08f07d35a6c2ce362a76c2e7c6bd61f7388643"
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct line_event {
	struct docker_event ev;
	int r;
};

/* Every line of a capture, parsed on its own. */
static size_t parse_capture_file(const char *name, struct line_event *out, size_t max)
{
	char line[8192];
	size_t n = 0;
	FILE *f = fopen(name, "re");

	assert_non_null(f);
	while (n < max && fgets(line, sizeof(line), f)) {
		struct json_error err = { { 0 } };

		out[n].r = docker_parse_event(line, strlen(line), &out[n].ev, &err);
		if (out[n].r < 0)
			fail_msg("line %zu: %s", n + 1, err.message);
		n++;
	}
	fclose(f);
	return n;
}

static size_t parse_capture(struct line_event *out, size_t max)
{
	return parse_capture_file(TEST_DATA_DIR "/docker/events_rm_compose_exec.json", out, max);
}

static const char *attribute(const struct docker_event *ev, const char *key)
{
	for (size_t i = 0; i < ev->n_attributes; i++)
		if (!strcmp(ev->attributes[i].key, key))
			return ev->attributes[i].value;
	return NULL;
}

static void short_lived_container_with_compose_labels(void **state)
{
	struct line_event e[16];
	size_t n = parse_capture(e, 16);
	static const enum docker_event_action rm_actions[] = { DOCKER_EVENT_CREATE, DOCKER_EVENT_OTHER,
							       DOCKER_EVENT_START, DOCKER_EVENT_DIE,
							       DOCKER_EVENT_DESTROY };

	(void)state;
	assert_int_equal(n, 9);
	for (size_t i = 0; i < 5; i++) {
		const struct docker_event *ev = &e[i].ev;

		assert_int_equal(ev->action, rm_actions[i]);
		assert_string_equal(ev->id, RM_ID);
		assert_string_equal(ev->name, "names-short");
		assert_string_equal(ev->image, "ctopo-test/busybox:1");
		/* the labels are the other attributes; name and image are not among them */
		assert_string_equal(attribute(ev, "com.docker.compose.project"), "demo");
		assert_string_equal(attribute(ev, "com.docker.compose.service"), "web");
		assert_null(attribute(ev, "name"));
		assert_null(attribute(ev, "image"));
	}
	assert_string_equal(e[1].ev.action_name, "attach");
	assert_int_equal(e[0].ev.n_attributes, 2);
	assert_int_equal(e[3].ev.exit_code, 0);
	assert_int_equal(e[3].ev.n_attributes, 2); /* exitCode is read, not kept as a label */
	/* it lived 34 ms: start to die */
	assert_int_equal(e[3].ev.time_ns - e[2].ev.time_ns, 34356824);
	for (size_t i = 0; i < n; i++)
		docker_event_done(&e[i].ev);
}

static void exec_is_not_a_start(void **state)
{
	struct line_event e[16];
	size_t n = parse_capture(e, 16);

	(void)state;
	assert_int_equal(e[5].ev.action, DOCKER_EVENT_CREATE);
	assert_int_equal(e[6].ev.action, DOCKER_EVENT_START);
	assert_string_equal(e[6].ev.name, "names-srv");
	assert_int_equal(e[6].ev.n_attributes, 0);
	for (size_t i = 7; i < n; i++) {
		assert_int_equal(e[i].ev.action, DOCKER_EVENT_OTHER);
		assert_string_equal(e[i].ev.id, SRV_ID);
	}
	assert_string_equal(e[7].ev.action_name, "exec_create: cat /proc/self/cgr"); /* cut at 31 bytes */
	for (size_t i = 0; i < n; i++)
		docker_event_done(&e[i].ev);
}

/* podman 4.3's compatible API (tests/data/docker/podman_events_stream.json): a `podman run --rm`
 * with Compose labels, then a container paused, unpaused, renamed, given an exec and removed with
 * `podman rm -f`. Its "remove" is Docker's "destroy"; its own containerExitCode and podId
 * attributes are no labels. */
static void podman_stream(void **state)
{
	struct line_event e[32];
	size_t n = parse_capture_file(TEST_DATA_DIR "/docker/podman_events_stream.json", e, 32);
	static const enum docker_event_action actions[] = {
		DOCKER_EVENT_CREATE, DOCKER_EVENT_OTHER,   DOCKER_EVENT_START,   DOCKER_EVENT_OTHER,
		DOCKER_EVENT_DIE,    DOCKER_EVENT_DESTROY, DOCKER_EVENT_CREATE,  DOCKER_EVENT_OTHER,
		DOCKER_EVENT_START,  DOCKER_EVENT_PAUSE,   DOCKER_EVENT_UNPAUSE, DOCKER_EVENT_RENAME,
		DOCKER_EVENT_OTHER,  DOCKER_EVENT_OTHER,   DOCKER_EVENT_DIE,     DOCKER_EVENT_DESTROY,
	};

	(void)state;
	assert_int_equal(n, ARRAY_LEN(actions));
	for (size_t i = 0; i < n; i++) {
		const struct docker_event *ev = &e[i].ev;

		assert_int_equal(ev->action, actions[i]);
		assert_string_equal(ev->type, "container");
		assert_string_equal(ev->id, i < 6 ? PODMAN_RM_ID : PODMAN_SRV_ID);
		assert_string_equal(ev->image, "localhost/ctopo-test/busybox:1");
		assert_null(attribute(ev, "containerExitCode"));
		assert_null(attribute(ev, "podId"));
		if (i < 6) {
			assert_string_equal(ev->name, "names-pod-short");
			assert_int_equal(ev->n_attributes, 2);
			assert_string_equal(attribute(ev, "com.docker.compose.project"), "demo");
			assert_string_equal(attribute(ev, "com.docker.compose.service"), "web");
		} else {
			assert_string_equal(ev->name, i < 11 ? "names-pod-srv" : "names-pod-srv2");
			assert_int_equal(ev->n_attributes, 1);
			assert_string_equal(attribute(ev, "io.github.ctopo.test"), "capture");
		}
	}
	assert_string_equal(e[5].ev.action_name, "remove");
	assert_string_equal(e[13].ev.action_name, "exec_died");
	assert_int_equal(e[4].ev.exit_code, 0);
	assert_int_equal(e[14].ev.exit_code, 137); /* rm -f -t 0: SIGKILL */
	assert_int_equal(e[2].ev.exit_code, -1);
	/* start to die of the --rm container, by podman's clock */
	assert_int_equal(e[4].ev.time_ns - e[2].ev.time_ns, 254939425);
	for (size_t i = 0; i < n; i++)
		docker_event_done(&e[i].ev);
}

struct collected {
	size_t n, n_skipped;
	enum docker_event_action actions[32];
	char skipped[4][200];
};

static void collect(const struct docker_event *ev, void *userdata)
{
	struct collected *c = userdata;

	if (c->n < ARRAY_LEN(c->actions))
		c->actions[c->n] = ev->action;
	c->n++;
}

static void collect_skip(const char *message, void *userdata)
{
	struct collected *c = userdata;

	if (c->n_skipped < ARRAY_LEN(c->skipped))
		snprintf(c->skipped[c->n_skipped], sizeof(c->skipped[0]), "%s", message);
	c->n_skipped++;
}

/* The same podman stream with two wrong-typed events and cut inside its last one, fed 7 bytes at a
 * time the way the socket may deliver it: the two are skipped with their reason, the others
 * arrive, and the cut is reported when the stream ends. */
static void podman_stream_malformed(void **state)
{
	struct docker_event_parser *p = NULL;
	struct json_error err = { { 0 } };
	struct collected c = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(TEST_DATA_DIR "/docker/podman_events_stream.malformed.json", "re");

	(void)state;
	assert_non_null(f);
	assert_int_equal(getdelim(&buf, &len, 0, f) > 0, 1);
	len = strlen(buf);
	fclose(f);
	assert_int_equal(docker_event_parser_new(collect, collect_skip, &c, &p), 0);
	for (size_t off = 0; off < len; off += 7)
		assert_int_equal(docker_event_parser_feed(p, buf + off, len - off < 7 ? len - off : 7, &err), 0);
	assert_int_equal(c.n_skipped, 2);
	assert_string_equal(c.skipped[0], "event 3: Actor: expected an object, got a string");
	assert_string_equal(c.skipped[1], "event 9: timeNano: expected a number, got a string");
	assert_int_equal(c.n, 13);
	assert_int_equal(c.actions[3], DOCKER_EVENT_DIE); /* the --rm container's die still counts */
	assert_int_equal(docker_event_parser_finish(p, &err), -EBADMSG);
	docker_event_parser_free(p);
	free(buf);
}

/* Attributes are bounded like labels: a long key or value, too many of them, a value that is not
 * a string: that event is skipped with a reason. */
static void hostile_attributes(void **state)
{
	struct docker_event ev = { 0 };
	struct json_error err = { { 0 } };
	char *buf = malloc(DOCKER_LABELS_MAX * 16 + 256), *p;
	char key[DOCKER_STRING_MAX + 2];
	int r;

	(void)state;
	assert_non_null(buf);
	p = buf + sprintf(buf, "{\"Type\":\"container\",\"Action\":\"start\",\"id\":\"" RM_ID
			       "\",\"Actor\":{\"Attributes\":{");
	for (int i = 0; i <= DOCKER_LABELS_MAX; i++)
		p += sprintf(p, "%s\"k%d\":\"v\"", i ? "," : "", i);
	strcpy(p, "}}}");
	assert_int_equal(docker_parse_event(buf, strlen(buf), &ev, &err), -EBADMSG);
	assert_string_equal(err.message, "event 1: more than 1024 attributes");

	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = 0;
	snprintf(buf, DOCKER_LABELS_MAX * 16 + 256,
		 "{\"Type\":\"container\",\"Actor\":{\"Attributes\":{\"%.*s\":\"v\"}}}",
		 DOCKER_STRING_MAX + 1 > 5000 ? 5000 : DOCKER_STRING_MAX + 1, key);
	assert_int_equal(docker_parse_event(buf, strlen(buf), &ev, &err), -EBADMSG);
	assert_non_null(strstr(err.message, "an Actor.Attributes key of 4097 bytes"));

	snprintf(buf, 256, "{\"Type\":\"container\",\"id\":\"" RM_ID "\",\"Actor\":{\"Attributes\":{\"a\":1}}}");
	r = docker_parse_event(buf, strlen(buf), &ev, &err);
	assert_int_equal(r, -EBADMSG);
	assert_string_equal(err.message, "event 1: Actor.Attributes: expected a string, got a number");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(short_lived_container_with_compose_labels),
		cmocka_unit_test(exec_is_not_a_start),
		cmocka_unit_test(podman_stream),
		cmocka_unit_test(podman_stream_malformed),
		cmocka_unit_test(hostile_attributes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
