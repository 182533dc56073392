/* SPDX-License-Identifier: Apache-2.0 */
#include "containers/docker.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "containers/docker_client.h"
#include "containers/docker_events.h"
#include "containers/docker_parse.h"
#include "containers/http_multi.h"

int docker_host_to_socket_path(const char *host, char *ret_path, size_t size)
{
	const char *path;

	if (!host || !*host)
		host = getenv("DOCKER_HOST");
	if (!host || !*host)
		host = DOCKER_DEFAULT_HOST;
	if (!strncmp(host, "unix://", 7))
		path = host + 7;
	else if (host[0] == '/')
		path = host;
	else
		return -EPROTONOSUPPORT;
	if (path[0] != '/')
		return -EPROTONOSUPPORT;
	if ((size_t)snprintf(ret_path, size, "%s", path) >= size)
		return -ENAMETOOLONG;
	return 0;
}

bool docker_host_is_none(const char *host)
{
	return host && !strcmp(host, "none");
}

/* ---- requests ---- */

static void request_free(struct request *r)
{
	if (!r)
		return;
	if (r->easy)
		curl_easy_cleanup(r->easy);
	free(r->body);
	free(r->headers);
	free(r);
}

static void request_remove(struct docker_client *c, struct request *r)
{
	for (struct request **pp = &c->requests; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	if (c->events == r)
		c->events = NULL;
	if (r->kind == REQUEST_INSPECT)
		c->inspects_in_flight--;
	http_multi_remove(c->http, r->easy);
	request_free(r);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp);
static size_t on_header(char *data, size_t size, size_t nmemb, void *userp);

static int request_start(struct docker_client *c, enum request_kind kind, const char *path_and_query, const char *id)
{
	struct request *r;
	char url[1024];
	int err;

	if (kind == REQUEST_PING)
		snprintf(url, sizeof(url), "http://localhost%s", path_and_query);
	else
		snprintf(url, sizeof(url), "http://localhost/v%s%s", c->api_version, path_and_query);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->client = c;
	r->kind = kind;
	if (id)
		snprintf(r->id, sizeof(r->id), "%s", id);
	r->easy = curl_easy_init();
	if (!r->easy) {
		free(r);
		return -ENOMEM;
	}
	curl_easy_setopt(r->easy, CURLOPT_UNIX_SOCKET_PATH, c->socket_path);
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "ctopo/" CTOPO_VERSION);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)c->request_timeout_ms);
	/* the events stream lasts as long as dockerd does */
	if (kind != REQUEST_EVENTS)
		curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)c->request_timeout_ms);
	err = http_multi_add(c->http, r->easy);
	if (err < 0) {
		request_free(r);
		return err;
	}
	r->next = c->requests;
	c->requests = r;
	if (kind == REQUEST_EVENTS)
		c->events = r;
	if (kind == REQUEST_INSPECT) {
		c->inspects_in_flight++;
		c->stats.inspects++;
	}
	return 0;
}

struct request *docker_inspect_in_flight(struct docker_client *c, const char *id)
{
	for (struct request *r = c->requests; r; r = r->next)
		if (r->kind == REQUEST_INSPECT && !strcmp(r->id, id))
			return r;
	return NULL;
}

/* Inspects wait here: curl forbids adding handles from its callbacks, and a burst of events
 * should not open a connection per container. */
int docker_queue_inspect(struct docker_client *c, const char *id)
{
	for (size_t i = 0; i < c->n_queued; i++)
		if (!strcmp(c->queued[i], id))
			return 0;
	if (c->n_queued == c->cap_queued) {
		size_t cap = c->cap_queued ? c->cap_queued * 2 : 16;
		void *v = reallocarray(c->queued, cap, sizeof(*c->queued));

		if (!v)
			return -ENOMEM;
		c->queued = v;
		c->cap_queued = cap;
	}
	snprintf(c->queued[c->n_queued++], DOCKER_ID_LEN + 1, "%s", id);
	return 0;
}

static int pump_inspects(struct docker_client *c)
{
	size_t i = 0;
	int r;

	while (i < c->n_queued && c->inspects_in_flight < INSPECTS_IN_FLIGHT) {
		char path[128];

		/* One inspect per container at a time, so answers cannot overtake each other. */
		if (docker_inspect_in_flight(c, c->queued[i])) {
			i++;
			continue;
		}
		snprintf(path, sizeof(path), "/containers/%s/json", c->queued[i]);
		r = request_start(c, REQUEST_INSPECT, path, c->queued[i]);
		if (r < 0)
			return r;
		memmove(&c->queued[i], &c->queued[i + 1], (c->n_queued - i - 1) * sizeof(*c->queued));
		c->n_queued--;
	}
	return 0;
}

/* ---- connection lifecycle ---- */

static void cancel_all(struct docker_client *c)
{
	while (c->requests)
		request_remove(c, c->requests);
	c->n_queued = 0;
	docker_event_parser_free(c->event_parser);
	c->event_parser = NULL;
}

/* The attempt or the connection failed: drop everything in flight, retry later, and leave news
 * for the caller to say once (the retries that follow are no news). The registry keeps what it
 * has: names of running containers stay useful meanwhile. */
static void connection_failed(struct docker_client *c, int err, const char *reason)
{
	bool was_synced = c->phase == PHASE_SYNCED;

	c->last_error = err < 0 ? err : -EIO;
	snprintf(c->last_error_text, sizeof(c->last_error_text), "%s", reason);
	if (was_synced) {
		c->stats.disconnects++;
		c->warned_unavailable = true;
		c->news |= DOCKER_NEWS_LOST;
	} else if (!c->warned_unavailable && !(c->configured == DOCKER_ENGINE_PODMAN && err == -ENOENT)) {
		/* podman runs without a service: its socket missing is the usual case, no news */
		c->warned_unavailable = true;
		c->news |= DOCKER_NEWS_UNAVAILABLE;
	}
	log_debug("docker: %s: %s; retrying in %u ms", c->host, reason, c->backoff_ms);
	cancel_all(c);
	c->phase = PHASE_BACKOFF;
	timerfd_arm(c->retry_timer_fd, (uint64_t)c->backoff_ms * 1000000ull);
	c->backoff_ms = c->backoff_ms * 2 > c->backoff_max_ms ? c->backoff_max_ms : c->backoff_ms * 2;
}

static int connect_attempt(struct docker_client *c)
{
	c->stats.connect_attempts++;
	c->phase = PHASE_PINGING;
	c->api_version[0] = 0;
	return request_start(c, REQUEST_PING, "/_ping", NULL);
}

static void synced(struct docker_client *c)
{
	c->phase = PHASE_SYNCED;
	c->stats.syncs++;
	c->backoff_ms = c->backoff_min_ms;
	c->last_error = 0;
	c->last_error_text[0] = 0;
	c->warned_unavailable = false;
	c->news |= c->ever_connected ? DOCKER_NEWS_RESYNCED : DOCKER_NEWS_SYNCED;
	log_debug("docker: listed %zu containers from %s (API %s)", containers_count(c->registry), c->host,
		  c->api_version);
	c->ever_connected = true;
}

static void maybe_synced(struct docker_client *c)
{
	if (c->phase == PHASE_INSPECTING && c->n_queued == 0 && c->inspects_in_flight == 0)
		synced(c);
}

static int start_listing(struct docker_client *c)
{
	c->phase = PHASE_LISTING;
	return request_start(c, REQUEST_LIST, "/containers/json?all=1", NULL);
}

static int start_events(struct docker_client *c)
{
	/* {"type":["container"],"event":["create","start","die","died","destroy","remove","rename",
	 * "pause","unpause"]}: podman (4.3) matches the filter against its own names, "died" and
	 * "remove", and sends them as "die" and "remove"; a "die" filter alone never matches there.
	 * Docker matches names it never sends with nothing. */
	static const char filters[] =
		"%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22create%22%2C%22start%22%2C"
		"%22die%22%2C%22died%22%2C%22destroy%22%2C%22remove%22%2C%22rename%22%2C%22pause%22%2C"
		"%22unpause%22%5D%7D";
	char path[512];
	int r;

	r = docker_event_parser_new(docker_handle_event, docker_skip_event, c, &c->event_parser);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/events?since=%" PRIu64 "&filters=%s",
		 (uint64_t)(clock_real_ns() / 1000000000ull - EVENTS_SINCE_MARGIN_S), filters);
	c->phase = PHASE_SUBSCRIBING;
	/* dockerd answers at once; if it does not, the retry timer ends the wait */
	timerfd_arm(c->retry_timer_fd, (uint64_t)c->request_timeout_ms * 1000000ull);
	return request_start(c, REQUEST_EVENTS, path, NULL);
}

/* ---- curl callbacks ---- */

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct request *r = userp;
	size_t n = size * nmemb;

	if (n <= 2 && (n == 0 || data[0] == '\r' || data[0] == '\n'))
		r->headers_done = true; /* the blank line: the response has started */
	if (r->kind != REQUEST_PING)
		return n;
	if (r->headers_len + n > HEADERS_MAX)
		return 0;
	if (!r->headers) {
		r->headers = malloc(HEADERS_MAX);
		if (!r->headers)
			return 0;
		r->headers_cap = HEADERS_MAX;
	}
	memcpy(r->headers + r->headers_len, data, n);
	r->headers_len += n;
	return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct request *r = userp;
	struct docker_client *c = r->client;
	struct json_error err = { { 0 } };
	size_t n = size * nmemb;
	long code = 0;

	if (r->kind == REQUEST_EVENTS) {
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code == 200) {
			int ret = docker_event_parser_feed(c->event_parser, data, n, &err);

			if (ret < 0) {
				log_debug("docker: %s", err.message);
				r->malformed_stream = true;
				return 0; /* ends the transfer: reconnect and relist */
			}
			return n;
		}
		/* an error response: keep its body for the message */
	}
	if (r->len + n > DOCKER_RESPONSE_MAX) {
		r->too_large = true;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *b;

		while (cap < r->len + n + 1)
			cap *= 2;
		b = realloc(r->body, cap);
		if (!b)
			return 0;
		r->body = b;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = 0;
	return n;
}

/* ---- completions ---- */

/* Why a transfer failed, as a user should read it; -errno in *ret_err. */
static void transfer_error(struct request *r, CURLcode result, char *buf, size_t size, int *ret_err)
{
	long os_errno = 0;

	curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &os_errno);
	if (result == CURLE_COULDNT_CONNECT && os_errno) {
		/* ENOENT: no socket; EACCES: not in the docker group; ECONNREFUSED: nobody listens */
		snprintf(buf, size, "%s", strerror(os_errno));
		*ret_err = -os_errno;
		return;
	}
	if (r->too_large) {
		snprintf(buf, size, "response larger than %u MiB", DOCKER_RESPONSE_MAX >> 20);
		*ret_err = -E2BIG;
		return;
	}
	snprintf(buf, size, "%s%s%s", curl_easy_strerror(result), r->errbuf[0] ? ": " : "", r->errbuf);
	*ret_err = result == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EPROTO;
}

static void http_error(struct request *r, long code, char *buf, size_t size)
{
	_cleanup_free_ char *message = r->body ? docker_parse_error_message(r->body, r->len) : NULL;

	snprintf(buf, size, "HTTP %ld%s%s", code, message ? ": " : "", message ? message : "");
}

static int ping_done(struct docker_client *c, struct request *r)
{
	unsigned major = DOCKER_API_VERSION_MIN_MAJOR, minor = DOCKER_API_VERSION_MIN_MINOR;
	char reason[160];
	int ret;

	ret = docker_parse_ping_api_version(r->headers ? r->headers : "", r->headers_len, &major, &minor);
	if (ret == -ENOENT) {
		/* a daemon older than the header: it speaks the oldest API we do */
		major = DOCKER_API_VERSION_MIN_MAJOR;
		minor = DOCKER_API_VERSION_MIN_MINOR;
	} else if (ret < 0) {
		connection_failed(c, -EPROTO, "its /_ping has an unreadable Api-Version header");
		return 0;
	}
	if (major < DOCKER_API_VERSION_MIN_MAJOR ||
	    (major == DOCKER_API_VERSION_MIN_MAJOR && minor < DOCKER_API_VERSION_MIN_MINOR)) {
		snprintf(reason, sizeof(reason), "API %u.%u is older than %d.%d, the oldest ctopo reads", major, minor,
			 DOCKER_API_VERSION_MIN_MAJOR, DOCKER_API_VERSION_MIN_MINOR);
		connection_failed(c, -EPROTONOSUPPORT, reason);
		return 0;
	}
	if (major > DOCKER_API_VERSION_MAX_MAJOR ||
	    (major == DOCKER_API_VERSION_MAX_MAJOR && minor > DOCKER_API_VERSION_MAX_MINOR)) {
		major = DOCKER_API_VERSION_MAX_MAJOR;
		minor = DOCKER_API_VERSION_MAX_MINOR;
	}
	c->api_major = major;
	c->api_minor = minor;
	snprintf(c->engine, sizeof(c->engine), "%s",
		 docker_parse_ping_engine(r->headers ? r->headers : "", r->headers_len));
	snprintf(c->api_version, sizeof(c->api_version), "%u.%u", major, minor);
	return c->watch_events ? start_events(c) : start_listing(c);
}

static int list_done(struct docker_client *c, struct request *r)
{
	struct docker_container_list list = { 0 };
	struct json_error err = { { 0 } };
	char reason[320];
	int ret;

	ret = docker_parse_list(r->body ? r->body : "", r->len, &list, &err);
	if (ret == -ENOMEM)
		return ret;
	if (ret < 0) {
		/* Without the list nothing is known: try the whole connection again. */
		snprintf(reason, sizeof(reason), "%s", err.message);
		connection_failed(c, ret, reason);
		return 0;
	}
	if (list.n_skipped) {
		c->stats.records_skipped += list.n_skipped;
		log_debug("docker: skipped %zu malformed entries of the container list; %s", list.n_skipped,
			  list.skipped_message);
	}
	docker_stop_unlisted(c, &list);
	for (size_t i = 0; i < list.n && ret == 0; i++)
		ret = docker_queue_inspect(c, list.v[i].id);
	docker_container_list_done(&list);
	if (ret < 0)
		return ret;
	c->phase = PHASE_INSPECTING;
	return 0;
}

/* podman (4.3) answers an inspect of a container removed meanwhile with HTTP 500 and "container
 * ID does not exist in database: no such container", where Docker says 404. */
static bool is_no_such_container(const struct request *r)
{
	_cleanup_free_ char *message = r->body ? docker_parse_error_message(r->body, r->len) : NULL;

	return message && strstr(message, "no such container");
}

static int inspect_done(struct docker_client *c, struct request *r, long code)
{
	struct docker_container d = { 0 };
	struct json_error err = { { 0 } };
	char reason[320];
	int ret;

	if (code == 404 || (code == 500 && is_no_such_container(r))) {
		/* removed before we asked: it stopped, if we knew it */
		log_debug("docker: container %.12s is gone", r->id);
		if (containers_find_by_id(c->registry, r->id) &&
		    containers_find_by_id(c->registry, r->id)->state != CONTAINER_STOPPED)
			(void)containers_mark_stopped(c->registry, r->id, r->died_ns);
		return 0;
	}
	if (code != 200) {
		http_error(r, code, reason, sizeof(reason));
		c->stats.records_skipped++;
		log_debug("docker: inspecting container %.12s failed: %s; skipped", r->id, reason);
		return 0;
	}
	ret = docker_parse_inspect(r->body ? r->body : "", r->len, &d, &err);
	if (ret == -ENOMEM)
		return ret;
	if (ret < 0) {
		c->stats.records_skipped++;
		log_debug("docker: container %.12s skipped: %s", r->id, err.message);
		return 0;
	}
	if (strcmp(d.id, r->id)) {
		c->stats.records_skipped++;
		log_debug("docker: asked for container %.12s, got %.12s; skipped", r->id, d.id);
	} else if ((ret = docker_apply_inspect(c, &d, r->died_ns)) < 0) {
		c->stats.records_skipped++;
		log_debug("docker: container %.12s not recorded: %s", r->id, strerror(-ret));
	}
	docker_container_done(&d);
	return ret == -ENOMEM ? ret : 0;
}

/* One transfer finished. Returns -ENOMEM only; everything else is handled here. */
static int request_done(struct docker_client *c, struct request *r, CURLcode result)
{
	char reason[320];
	long code = 0;
	int err, ret = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	if (r->kind == REQUEST_EVENTS) {
		struct json_error perr = { { 0 } };

		if (result == CURLE_OK && code == 200 && docker_event_parser_finish(c->event_parser, &perr) < 0)
			log_debug("docker: %s", perr.message);
		if (r->malformed_stream) {
			snprintf(reason, sizeof(reason), "the events stream is malformed");
			err = -EBADMSG;
		} else if (result == CURLE_PARTIAL_FILE || result == CURLE_RECV_ERROR || result == CURLE_GOT_NOTHING) {
			/* what dockerd stopping looks like from here */
			snprintf(reason, sizeof(reason), "the events stream was closed");
			err = -ECONNRESET;
		} else if (result != CURLE_OK) {
			transfer_error(r, result, reason, sizeof(reason), &err);
		} else if (code != 200) {
			http_error(r, code, reason, sizeof(reason));
			err = -EPROTO;
		} else {
			snprintf(reason, sizeof(reason), "the events stream ended");
			err = -ECONNRESET;
		}
		connection_failed(c, err, reason); /* frees r */
		return 0;
	}
	if (result != CURLE_OK) {
		transfer_error(r, result, reason, sizeof(reason), &err);
		if (r->kind == REQUEST_INSPECT && err == -E2BIG) {
			c->stats.records_skipped++;
			log_debug("docker: container %.12s skipped: %s", r->id, reason);
			request_remove(c, r);
			return 0;
		}
		connection_failed(c, err, reason);
		return 0;
	}
	switch (r->kind) {
	case REQUEST_PING:
		if (code != 200) {
			http_error(r, code, reason, sizeof(reason));
			connection_failed(c, -EPROTO, reason);
			return 0;
		}
		ret = ping_done(c, r);
		break;
	case REQUEST_LIST:
		if (code != 200) {
			http_error(r, code, reason, sizeof(reason));
			connection_failed(c, -EPROTO, reason);
			return 0;
		}
		ret = list_done(c, r);
		break;
	case REQUEST_INSPECT:
		ret = inspect_done(c, r, code);
		break;
	default:
		break;
	}
	/* ping_done/list_done may have failed the connection, which removed every request */
	if (c->phase != PHASE_BACKOFF)
		request_remove(c, r);
	return ret;
}

/* http_multi: a transfer finished. */
static int on_transfer_done(CURL *easy, CURLcode result, void *userdata)
{
	struct docker_client *c = userdata;
	struct request *req = NULL;
	int r;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&req);
	r = request_done(c, req, result);
	if (r < 0)
		return r;
	return c->phase == PHASE_BACKOFF ? 1 : 0; /* the remaining ones belonged to requests that are gone */
}

/* http_multi: the retry timer fired. */
static int on_retry_timer(int fd, void *userdata)
{
	struct docker_client *c = userdata;

	timerfd_drain(fd);
	if (c->phase == PHASE_BACKOFF)
		return connect_attempt(c);
	if (c->phase == PHASE_SUBSCRIBING)
		connection_failed(c, -ETIMEDOUT, "no answer on the events stream");
	return 0;
}

/* ---- public ---- */

int docker_client_new(const struct docker_client_options *opts, struct containers *registry, struct docker_client **ret)
{
	struct docker_client *c;
	bool podman = opts && opts->engine == DOCKER_ENGINE_PODMAN;
	const char *host =
		opts && opts->host && *opts->host ? opts->host : getenv(podman ? "CONTAINER_HOST" : "DOCKER_HOST");
	int r;

	if (podman && (!host || !*host))
		host = PODMAN_DEFAULT_HOST;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->configured = podman ? DOCKER_ENGINE_PODMAN : DOCKER_ENGINE_DOCKER;
	c->retry_timer_fd = -1;
	r = docker_host_to_socket_path(host, c->socket_path, sizeof(c->socket_path));
	if (r < 0) {
		/* a client that never connects: start says why, as for any Docker Engine not there */
		snprintf(c->host, sizeof(c->host), "%s", host ? host : "");
		c->unusable = r;
	} else {
		snprintf(c->host, sizeof(c->host), "unix://%s", c->socket_path);
	}
	c->registry = registry;
	c->watch_events = opts && opts->watch_events;
	c->request_timeout_ms =
		opts && opts->request_timeout_ms ? opts->request_timeout_ms : DEFAULT_REQUEST_TIMEOUT_MS;
	c->backoff_min_ms = opts && opts->backoff_min_ms ? opts->backoff_min_ms : DEFAULT_BACKOFF_MIN_MS;
	c->backoff_max_ms = opts && opts->backoff_max_ms ? opts->backoff_max_ms : DEFAULT_BACKOFF_MAX_MS;
	if (c->backoff_max_ms < c->backoff_min_ms)
		c->backoff_max_ms = c->backoff_min_ms;
	c->backoff_ms = c->backoff_min_ms;

	r = http_multi_new(on_transfer_done, on_retry_timer, c, &c->http);
	if (r < 0) {
		free(c);
		return log_debug_errno(r, "docker: setting up the client failed: %m");
	}
	c->retry_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	r = c->retry_timer_fd < 0 ? -errno : http_multi_watch(c->http, c->retry_timer_fd);
	if (r < 0) {
		docker_client_free(c);
		return log_debug_errno(r, "docker: setting up the client failed: %m");
	}
	*ret = c;
	return 0;
}

void docker_client_free(struct docker_client *c)
{
	if (!c)
		return;
	if (c->http) {
		cancel_all(c);
		http_multi_free(c->http);
	}
	closep(&c->retry_timer_fd);
	docker_event_parser_free(c->event_parser);
	free(c->queued);
	free(c);
}

int docker_client_start(struct docker_client *c)
{
	int r;

	if (c->phase != PHASE_IDLE)
		return 0;
	if (c->unusable) {
		c->last_error = c->unusable;
		snprintf(c->last_error_text, sizeof(c->last_error_text), "%s",
			 c->unusable == -EPROTONOSUPPORT ? "not a unix:// socket, the only kind ctopo talks to"
							 : strerror(-c->unusable));
		c->news |= DOCKER_NEWS_UNAVAILABLE;
		return c->unusable;
	}
	r = connect_attempt(c);
	if (r < 0)
		connection_failed(c, r, strerror(-r));
	return r;
}

int docker_client_fd(const struct docker_client *c)
{
	return http_multi_fd(c->http);
}

int docker_client_process(struct docker_client *c)
{
	int r = http_multi_process(c->http);

	if (r < 0)
		return r;
	/* The events stream answered: the subscription exists, the list cannot miss anything. */
	if (c->phase == PHASE_SUBSCRIBING && c->events && c->events->headers_done) {
		long code = 0;

		curl_easy_getinfo(c->events->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code == 200) {
			timerfd_arm(c->retry_timer_fd, 0);
			r = start_listing(c);
		}
	}
	if (r == 0 && c->phase != PHASE_BACKOFF)
		r = pump_inspects(c);
	if (r == 0)
		maybe_synced(c);
	else if (c->phase != PHASE_BACKOFF)
		/* a request could not even be started (out of memory): keep the retry cycle alive */
		connection_failed(c, r, strerror(-r));
	return r;
}

int docker_client_wait_synced(struct docker_client *c, int timeout_ms)
{
	uint64_t attempts = c->stats.connect_attempts, start_ms = clock_mono_ms();
	int r;

	if (c->phase == PHASE_IDLE && (r = docker_client_start(c)) < 0)
		return r;
	for (;;) {
		struct pollfd pfd = { .fd = http_multi_fd(c->http), .events = POLLIN };
		uint64_t elapsed_ms;

		if (c->phase == PHASE_SYNCED)
			return 0;
		/* a failure of an attempt made during this wait */
		if (c->phase == PHASE_BACKOFF && c->stats.connect_attempts > attempts && c->last_error)
			return c->last_error;
		elapsed_ms = clock_mono_ms() - start_ms;
		if (elapsed_ms >= (uint64_t)timeout_ms)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)((uint64_t)timeout_ms - elapsed_ms)) < 0 && errno != EINTR)
			return -errno;
		r = docker_client_process(c);
		if (r < 0)
			return r;
	}
}

enum docker_client_state docker_client_state(const struct docker_client *c)
{
	switch (c->phase) {
	case PHASE_IDLE:
		return DOCKER_CLIENT_IDLE;
	case PHASE_BACKOFF:
		return DOCKER_CLIENT_BACKOFF;
	case PHASE_SYNCED:
		return DOCKER_CLIENT_SYNCED;
	default:
		return DOCKER_CLIENT_CONNECTING;
	}
}

const char *docker_client_host(const struct docker_client *c)
{
	return c->host;
}

const char *docker_client_api_version(const struct docker_client *c)
{
	return c->api_version;
}

const char *docker_client_engine(const struct docker_client *c)
{
	return c->engine;
}

const char *docker_client_last_error(const struct docker_client *c)
{
	return c->last_error_text;
}

unsigned docker_client_take_news(struct docker_client *c)
{
	unsigned news = c->news;

	c->news = 0;
	return news;
}

void docker_client_get_stats(const struct docker_client *c, struct docker_client_stats *ret)
{
	*ret = c->stats;
}
