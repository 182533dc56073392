/* SPDX-License-Identifier: Apache-2.0 */
/* Pure parsers for the Docker Engine API's JSON: a buffer in, a struct out, no I/O, so the unit
 * tests feed them responses captured from a real dockerd (tests/data/docker/).
 *
 * Every parser returns 0 or a negative errno and, on failure, says why in a struct json_error (common/json_read.h):
 *   -EBADMSG  malformed or truncated JSON, a wrong-typed field, an id that is not a container id
 *   -E2BIG    input, a string or a list larger than the bounds below
 *   -ENOMEM   out of memory */
#ifndef CTOPO_DOCKER_PARSE_H
#define CTOPO_DOCKER_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/json_read.h"

#define DOCKER_ID_LEN 64                /* a full container id: 64 lowercase hex digits */
#define DOCKER_RESPONSE_MAX (16u << 20) /* one inspect or list response */
#define DOCKER_EVENT_MAX (256u << 10)   /* one object of the events stream (labels included) */
#define DOCKER_STRING_MAX 4096          /* a name, an image, a label value, a network mode */
#define DOCKER_LABELS_MAX 1024
#define DOCKER_ADDRESSES_MAX 256
#define DOCKER_PORTS_MAX 4096

struct docker_label {
	char *key;
	char *value;
};

/* One address of a container on one Docker network (NetworkSettings.Networks.NAME). */
struct docker_address {
	char *network;
	uint16_t family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

/* One entry of NetworkSettings.Ports (inspect) or Ports (list). */
struct docker_port {
	uint16_t container_port;
	char proto[8];             /* "tcp", "udp", "sctp" */
	char host_ip[ADDR_STRLEN]; /* "" when not published */
	uint16_t host_port;        /* 0 when not published */
};

/* What ctopo keeps of /containers/{id}/json (all fields) or of one /containers/json entry
 * (no pid, no times, no hostname: the list does not have them). Strings are owned; NULL when
 * Docker sent none. */
struct docker_container {
	char id[DOCKER_ID_LEN + 1];
	char *name;     /* without Docker's leading '/' */
	char *image;    /* as the user named it (Config.Image), else the image id */
	char *hostname; /* Config.Hostname */
	char *status;   /* "created" "running" "paused" "restarting" "exited" "dead" ... */
	bool running;
	bool paused;
	int pid;              /* State.Pid: the container's init process, 0 when not running */
	uint64_t started_ns;  /* State.StartedAt, ns since the epoch; 0 when never started */
	uint64_t finished_ns; /* State.FinishedAt; 0 when it has not stopped */
	char *network_mode;   /* HostConfig.NetworkMode: "default" "bridge" "host" "none"
				   * "container:<id>" or a user network's name */
	char *sandbox_key;    /* NetworkSettings.SandboxKey: the netns file; "" for container: mode */
	struct docker_label *labels;
	size_t n_labels;
	struct docker_address *addresses;
	size_t n_addresses;
	struct docker_port *ports;
	size_t n_ports;
};

void docker_container_done(struct docker_container *c); /* frees the members; c may be zeroed */

/* The value of a label, or NULL. */
const char *docker_container_label(const struct docker_container *c, const char *key);

/* The id named by a "container:<id>" network mode, or NULL for any other mode. */
const char *docker_network_mode_container(const char *network_mode);

/* GET /containers/{id}/json. */
int docker_parse_inspect(const char *buf, size_t len, struct docker_container *ret, struct json_error *err);

/* GET /containers/json?all=1. An entry that is wrong in itself (a bad id, a wrong-typed field)
 * is skipped and counted; the first such problem is described in skipped_message. */
struct docker_container_list {
	struct docker_container *v;
	size_t n;
	size_t n_skipped;
	char skipped_message[256];
};

void docker_container_list_done(struct docker_container_list *list);
int docker_parse_list(const char *buf, size_t len, struct docker_container_list *ret, struct json_error *err);

/* The "message" of an error response ({"message":"No such container: x"}), or NULL; malloc'ed. */
char *docker_parse_error_message(const char *buf, size_t len);

/* The API version a /_ping response's headers announce ("Api-Version: 1.41"), as major/minor.
 * headers: the raw header block, lines separated by CRLF or LF. -ENOENT when there is none. */
int docker_parse_ping_api_version(const char *headers, size_t len, unsigned *ret_major, unsigned *ret_minor);
/* Which engine answered the ping: "podman" when its headers carry Libpod-Api-Version (podman's
 * Docker-compatible API), else "docker". */
const char *docker_parse_ping_engine(const char *headers, size_t len);

/* "1.41" -> 1, 41. -EINVAL for anything else. */
int docker_parse_api_version(const char *s, unsigned *ret_major, unsigned *ret_minor);

/* RFC 3339 with optional fraction ("2026-11-24T21:16:49.81689587Z", "...+02:00") to ns since the
 * epoch; Go's zero time "0001-01-01T00:00:00Z" is 0. -EINVAL when it is not such a time. */
int docker_parse_time(const char *s, uint64_t *ret_ns);

/* ---- shared by the Docker parsers (docker_parse.c, docker_events.c) ---- */

/* 64 lowercase hex digits. */
bool docker_is_container_id(const char *s, size_t len);
/* A printable, bounded rendering of untrusted text for messages, in buf. */
const char *docker_quote_for_message(const char *s, size_t len, char *buf, size_t size);

#endif
