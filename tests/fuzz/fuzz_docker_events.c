/* SPDX-License-Identifier: Apache-2.0 */
/* The GET /events stream, fed in chunks cut anywhere, as libcurl hands them over. Where the
 * chunks are cut must not change what comes out: the same stream fed in one piece gives the
 * same events, skips and verdict.
 *
 * Input layout: byte 0 says how many chunk-size bytes follow (its low 3 bits; 0: the whole
 * stream in one feed); each of those bytes + 1 is the size of one chunk, used in turn until the
 * stream is consumed. The rest is the stream. run.sh prefixes the captured streams accordingly. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "containers/docker_events.h"
#include "containers/docker_parse.h"
#include "fuzz.h"

struct outcome {
	size_t events, skipped, bytes;
	int verdict; /* 0, or the first error of feed or finish */
};

static void on_event(const struct docker_event *ev, void *userdata)
{
	struct outcome *o = userdata;

	/* touch what the registry uses, so ASan checks it */
	o->events++;
	o->bytes += strlen(ev->type) + strlen(ev->action_name) + strlen(ev->id);
	o->bytes += ev->name ? strlen(ev->name) : 0;
	o->bytes += ev->image ? strlen(ev->image) : 0;
	(void)docker_event_action_to_string(ev->action);
}

static void on_skip(const char *message, void *userdata)
{
	struct outcome *o = userdata;

	o->skipped++;
	o->bytes += strlen(message);
}

static void run(const uint8_t *stream, size_t len, const uint8_t *sizes, size_t n_sizes, struct outcome *o)
{
	struct docker_event_parser *p;
	struct json_error err;
	size_t pos = 0, i = 0;
	int r = 0;

	memset(o, 0, sizeof(*o));
	if (docker_event_parser_new(on_event, on_skip, o, &p) < 0)
		abort();
	while (pos < len && r >= 0) {
		size_t chunk = n_sizes ? (size_t)sizes[i++ % n_sizes] + 1 : len - pos;

		if (chunk > len - pos)
			chunk = len - pos;
		r = docker_event_parser_feed(p, (const char *)stream + pos, chunk, &err);
		pos += chunk;
	}
	if (r >= 0)
		r = docker_event_parser_finish(p, &err);
	o->verdict = r < 0 ? r : 0;
	if (docker_event_parser_objects(p) != o->events + o->skipped)
		abort();
	docker_event_parser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome chunked, whole;
	size_t n_sizes;

	if (size < 1)
		return 0;
	n_sizes = data[0] & 7;
	if (size < 1 + n_sizes)
		return 0;
	run(data + 1 + n_sizes, size - 1 - n_sizes, data + 1, n_sizes, &chunked);
	/* past DOCKER_EVENT_MAX the size check runs per 4 KiB fed, so the cut may matter there */
	if (n_sizes == 0 || size >= DOCKER_EVENT_MAX)
		return 0;
	run(data + 1 + n_sizes, size - 1 - n_sizes, NULL, 0, &whole);
	if (chunked.events != whole.events || chunked.skipped != whole.skipped || chunked.verdict != whole.verdict) {
		fprintf(stderr, "chunked: %zu events, %zu skipped, verdict %d; whole: %zu, %zu, %d\n", chunked.events,
			chunked.skipped, chunked.verdict, whole.events, whole.skipped, whole.verdict);
		abort();
	}
	return 0;
}
