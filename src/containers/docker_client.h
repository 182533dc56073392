/* SPDX-License-Identifier: Apache-2.0 */
/* The Docker client's insides, shared by docker.c (the connection, its requests and phases) and
 * docker_apply.c (what the answers and events do to the registry). Not for use outside. */
#ifndef CTOPO_DOCKER_CLIENT_H
#define CTOPO_DOCKER_CLIENT_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "containers/docker.h"
#include "containers/docker_events.h"
#include "containers/docker_parse.h"

#define DEFAULT_REQUEST_TIMEOUT_MS 5000
#define DEFAULT_BACKOFF_MIN_MS 200
#define DEFAULT_BACKOFF_MAX_MS 5000
#define INSPECTS_IN_FLIGHT 4
#define HEADERS_MAX (16u << 10)
/* How far back the events subscription starts: covers the gap between dockerd sending the
 * response headers and registering the subscriber (it flushes before it subscribes). */
#define EVENTS_SINCE_MARGIN_S 1

enum request_kind {
	REQUEST_PING,
	REQUEST_EVENTS,
	REQUEST_LIST,
	REQUEST_INSPECT,
};

struct request {
	struct docker_client *client;
	enum request_kind kind;
	CURL *easy;
	char id[DOCKER_ID_LEN + 1]; /* inspect */
	char *body;
	size_t len, cap;
	char *headers; /* ping */
	size_t headers_len, headers_cap;
	bool headers_done;
	bool too_large;
	bool malformed_stream; /* events: the parser gave up, already logged */
	uint64_t died_ns;      /* inspect: a die/destroy event came while it was in flight */
	char errbuf[CURL_ERROR_SIZE];
	struct request *next;
};

enum phase {
	PHASE_IDLE,
	PHASE_BACKOFF,
	PHASE_PINGING,
	PHASE_SUBSCRIBING,
	PHASE_LISTING,
	PHASE_INSPECTING,
	PHASE_SYNCED,
};

struct docker_client {
	char host[512];
	char socket_path[256];
	enum docker_engine configured; /* which option named the socket: its words in messages */
	char engine[16];               /* what its ping said: "docker", "podman" */
	struct containers *registry;
	bool watch_events;
	unsigned request_timeout_ms, backoff_min_ms, backoff_max_ms, backoff_ms;

	struct http_multi *http;
	int retry_timer_fd;

	enum phase phase;
	unsigned api_major, api_minor;
	char api_version[16];
	struct request *requests; /* in flight */
	struct request *events;   /* the /events one among them */
	struct docker_event_parser *event_parser;
	char (*queued)[DOCKER_ID_LEN + 1]; /* inspects waiting for a slot */
	size_t n_queued, cap_queued;
	unsigned inspects_in_flight;

	bool ever_connected;
	int unusable; /* -errno: the host names no socket we can use (tcp://...); never connects */
	bool warned_unavailable;
	unsigned news;  /* enum docker_client_news bits not yet taken by the caller */
	int last_error; /* -errno of the last failed attempt, 0 after a sync */
	char last_error_text[256];
	struct docker_client_stats stats;
};

/* the inspect of container id under way, or NULL */
struct request *docker_inspect_in_flight(struct docker_client *c, const char *id);
/* Inspects wait in a queue: curl forbids adding handles from its callbacks. 0 or -ENOMEM. */
int docker_queue_inspect(struct docker_client *c, const char *id);

/* docker_apply.c */
int docker_apply_inspect(struct docker_client *c, const struct docker_container *d, uint64_t died_ns);
void docker_handle_event(const struct docker_event *ev, void *userdata);
void docker_skip_event(const char *message, void *userdata);
/* A relisted registry: containers that vanished while we were away are stopped now. */
void docker_stop_unlisted(struct docker_client *c, const struct docker_container_list *list);

#endif
