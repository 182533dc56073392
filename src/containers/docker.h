/* SPDX-License-Identifier: Apache-2.0 */
/* The Docker Engine API client: feeds the container registry with every container Docker knows,
 * and keeps it current from the /events stream.
 *
 * libcurl over the unix socket, multi interface: nothing here blocks. The client exposes ONE file
 * descriptor (an epoll fd holding curl's sockets and two timerfds); the caller's event loop waits
 * for it to become readable and then calls docker_client_process(). No timeout to compute: curl's
 * timers and the reconnect backoff are timerfds inside it.
 *
 * Sequence on each connection: GET /_ping (API version negotiated from its Api-Version header),
 * GET /vX.Y/events (subscribed first, with a `since` one second back so nothing between the
 * subscription and the list is missed), then GET /vX.Y/containers/json?all=1 and one
 * /vX.Y/containers/ID/json per container. When dockerd goes away the client keeps the registry,
 * reconnects with exponential backoff and lists again. */
#ifndef CTOPO_DOCKER_H
#define CTOPO_DOCKER_H

#include <stdbool.h>
#include <stdint.h>

#include "containers/containers.h"

#define DOCKER_DEFAULT_HOST "unix:///var/run/docker.sock"
/* rootful podman's Docker-compatible API (`podman system service`, podman.socket) */
#define PODMAN_DEFAULT_HOST "unix:///run/podman/podman.sock"
#define DOCKER_API_VERSION_MIN_MAJOR 1 /* Actor in events, Config.Labels: API 1.24 (Docker 1.12) */
#define DOCKER_API_VERSION_MIN_MINOR 24
/* The newest API whose fields we read has been checked against; a newer daemon is spoken to at
 * this version (Docker keeps old versions working), an older one at its own. */
#define DOCKER_API_VERSION_MAX_MAJOR 1
#define DOCKER_API_VERSION_MAX_MINOR 47

/* Which engine a socket is configured for: its default socket, its words in messages. The engine
 * that answers is what its ping says (docker_client_engine). */
enum docker_engine {
	DOCKER_ENGINE_DOCKER, /* $DOCKER_HOST, else DOCKER_DEFAULT_HOST */
	DOCKER_ENGINE_PODMAN, /* $CONTAINER_HOST, else PODMAN_DEFAULT_HOST; a missing socket is no news */
};

struct docker_client_options {
	enum docker_engine engine;
	const char *host;            /* "unix:///PATH" or "/PATH"; NULL: the engine's default */
	bool watch_events;           /* keep /events open and follow it (the daemon); off for one-shots */
	unsigned request_timeout_ms; /* ping, list, inspect; 0: 5000 */
	unsigned backoff_min_ms;     /* first reconnect delay; 0: 200 */
	unsigned backoff_max_ms;     /* cap of the doubling; 0: 5000 */
};

enum docker_client_state {
	DOCKER_CLIENT_IDLE,       /* not started */
	DOCKER_CLIENT_BACKOFF,    /* no connection; a retry is scheduled */
	DOCKER_CLIENT_CONNECTING, /* ping, subscribe, list, inspect under way */
	DOCKER_CLIENT_SYNCED,     /* the registry holds what Docker listed; events follow */
};

struct docker_client_stats {
	uint64_t connect_attempts;
	uint64_t syncs; /* completed list + inspect rounds: 1 + reconnections */
	uint64_t disconnects;
	uint64_t events;
	uint64_t events_skipped;
	uint64_t inspects;
	uint64_t records_skipped; /* inspect/list entries dropped as malformed or failed */
};

struct docker_client;

/* 0 or -ENOMEM. A host that is not a unix socket (tcp://...) makes a client that never
 * connects: docker_client_start() fails with -EPROTONOSUPPORT and says why in
 * docker_client_last_error(). The client logs at debug level only: what it has to say reaches the
 * caller as news, for the caller to report once. */
int docker_client_new(const struct docker_client_options *opts, struct containers *registry,
		      struct docker_client **ret);
void docker_client_free(struct docker_client *c);

/* Begin connecting. Never fails for want of a Docker Engine: that becomes DOCKER_NEWS_UNAVAILABLE
 * and is retried with backoff. */
int docker_client_start(struct docker_client *c);

/* The fd to watch for readability (EPOLLIN / POLLIN). */
int docker_client_fd(const struct docker_client *c);

/* Do whatever is due: socket I/O, curl timers, reconnects. Never blocks. 0 or -ENOMEM. */
int docker_client_process(struct docker_client *c);

/* For one-shots and tests: run the client's own loop until it is synced (0), the current
 * connection attempt failed (its -errno: -ENOENT, -EACCES, -ECONNREFUSED, -EPROTO ...), or
 * timeout_ms passed (-ETIMEDOUT). */
int docker_client_wait_synced(struct docker_client *c, int timeout_ms);

enum docker_client_state docker_client_state(const struct docker_client *c);
const char *docker_client_host(const struct docker_client *c);        /* "unix:///var/run/docker.sock" */
const char *docker_client_api_version(const struct docker_client *c); /* "1.41"; "" before the first ping */
/* "docker" or "podman", as its last ping said; "" before the first ping */
const char *docker_client_engine(const struct docker_client *c);
void docker_client_get_stats(const struct docker_client *c, struct docker_client_stats *ret);
/* Why the last connection attempt failed or the connection was lost ("No such file or
 * directory", "the events stream was closed"); "" once synced. */
const char *docker_client_last_error(const struct docker_client *c);

/* What happened that a user should hear of, once: a set of bits, cleared by taking them. */
enum docker_client_news {
	DOCKER_NEWS_UNAVAILABLE = 1 << 0, /* the first attempt failed (later retries are no news; a
					   * podman socket that is not there is none) */
	DOCKER_NEWS_LOST = 1 << 1,        /* a synced connection went away; reconnecting */
	DOCKER_NEWS_SYNCED = 1 << 2,      /* the first complete list */
	DOCKER_NEWS_RESYNCED = 1 << 3,    /* synced again after a loss */
};
unsigned docker_client_take_news(struct docker_client *c);

/* Resolve the host the way the docker CLI does: the option, else $DOCKER_HOST, else the default.
 * Writes the socket path; -EPROTONOSUPPORT for tcp:// and the like, -ENAMETOOLONG. */
int docker_host_to_socket_path(const char *host, char *ret_path, size_t size);

/* `--docker-host none`, `--podman-host none`: that engine is not asked. */
bool docker_host_is_none(const char *host);

#endif
