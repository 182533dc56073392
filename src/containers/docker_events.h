/* SPDX-License-Identifier: Apache-2.0 */
/* The Docker Engine's events stream (GET /events), and podman's compatible one: an incremental
 * parser fed in chunks cut anywhere, one struct docker_event per object. Pure, like docker_parse.h,
 * and with its error convention. */
#ifndef CTOPO_DOCKER_EVENTS_H
#define CTOPO_DOCKER_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "containers/docker_parse.h"

enum docker_event_action {
	DOCKER_EVENT_OTHER = 0,
	DOCKER_EVENT_CREATE,
	DOCKER_EVENT_START,
	DOCKER_EVENT_DIE,
	DOCKER_EVENT_DESTROY, /* podman's compatible API says "remove" */
	DOCKER_EVENT_RENAME,
	DOCKER_EVENT_PAUSE,
	DOCKER_EVENT_UNPAUSE,
};

/* One object of GET /events. Only container events carry an id; others have id "". */
struct docker_event {
	char type[16]; /* "container", "network", ... ("" when absent) */
	enum docker_event_action action;
	char action_name[32]; /* as sent, cut at 31 bytes ("exec_start: sh" is long) */
	char id[DOCKER_ID_LEN + 1];
	char *name;       /* Actor.Attributes.name: the name after the event (new name on rename) */
	char *image;      /* Actor.Attributes.image */
	uint64_t time_ns; /* timeNano, else time * 1e9 */
	int exit_code;    /* Actor.Attributes.exitCode of a die event, -1 when absent */
	/* The other Actor.Attributes: a container event's are the container's labels (Compose's and
	 * Kubernetes' included), with a few of Docker's own (execID, execDuration, signal) */
	struct docker_label *attributes;
	size_t n_attributes;
};

void docker_event_done(struct docker_event *ev);
const char *docker_event_action_to_string(enum docker_event_action a);

/* Called for each complete event; ev is only valid during the call. */
typedef void (*docker_event_fn)(const struct docker_event *ev, void *userdata);
/* Called for an object that is valid JSON but not a usable event (wrong-typed field, bad id,
 * string too long): it is skipped and the stream goes on. */
typedef void (*docker_event_skip_fn)(const char *message, void *userdata);

/* Incremental parser for the events stream: JSON objects one after another, fed in chunks cut
 * anywhere (a chunk may hold several objects or part of one). */
struct docker_event_parser;

int docker_event_parser_new(docker_event_fn on_event, docker_event_skip_fn on_skip, void *userdata,
			    struct docker_event_parser **ret);
void docker_event_parser_free(struct docker_event_parser *p);
/* -EBADMSG when the stream is not JSON, -E2BIG when one object exceeds DOCKER_EVENT_MAX (checked
 * for every 4 KiB fed: an object is cut off at most 4 KiB past the limit, which keeps the memory
 * yajl may buffer for one token bounded). Either is final for this stream: the caller drops the
 * connection and starts a new parser. */
int docker_event_parser_feed(struct docker_event_parser *p, const char *buf, size_t len, struct json_error *err);
/* The stream ended: -EBADMSG when it stopped inside an object. */
int docker_event_parser_finish(struct docker_event_parser *p, struct json_error *err);
/* Objects completed so far (events and skipped ones). */
uint64_t docker_event_parser_objects(const struct docker_event_parser *p);

/* One complete events object, e.g. one line of a capture. */
int docker_parse_event(const char *buf, size_t len, struct docker_event *ret, struct json_error *err);

#endif
