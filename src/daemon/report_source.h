/* SPDX-License-Identifier: Apache-2.0 */
/* Where `ctopo ps` and `ctopo graph` get their report: the daemon when its socket answers (then
 * short-lived connections since its last report are in), otherwise a one-shot snapshot taken here. */
#ifndef CTOPO_REPORT_SOURCE_H
#define CTOPO_REPORT_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "report/report.h"

struct report_source_options {
	const char *socket_path; /* the daemon's; NULL: the default */
	bool no_daemon;          /* always take a snapshot here */
	bool no_ebpf;            /* the snapshot reads /proc/PID/net/tcp rather than sock_diag */
	const char *docker_host; /* NULL: $DOCKER_HOST or the default; "none": not asked */
	bool no_docker;
	const char *podman_host; /* NULL: $CONTAINER_HOST or the default; "none": not asked */
	const char *state_dir;   /* the hook's records; NULL: the default */
};

/* The command-line options ps and graph share for where their report comes from: the entries for
 * their getopt_long table, their --help lines, and their handling. */
enum {
	REPORT_SOURCE_OPT_SOCKET = 's',
	REPORT_SOURCE_OPT_NO_DAEMON = 0x200,
	REPORT_SOURCE_OPT_NO_EBPF,
	REPORT_SOURCE_OPT_DOCKER_HOST,
	REPORT_SOURCE_OPT_NO_DOCKER,
	REPORT_SOURCE_OPT_PODMAN_HOST,
};

#define REPORT_SOURCE_LONGOPTS                                                             \
	{ "socket", required_argument, NULL, REPORT_SOURCE_OPT_SOCKET },                   \
		{ "no-daemon", no_argument, NULL, REPORT_SOURCE_OPT_NO_DAEMON },           \
		{ "no-ebpf", no_argument, NULL, REPORT_SOURCE_OPT_NO_EBPF },               \
		{ "docker-host", required_argument, NULL, REPORT_SOURCE_OPT_DOCKER_HOST }, \
		{ "podman-host", required_argument, NULL, REPORT_SOURCE_OPT_PODMAN_HOST }, \
	{                                                                                  \
		"no-docker", no_argument, NULL, REPORT_SOURCE_OPT_NO_DOCKER                \
	}

#define REPORT_SOURCE_USAGE                                                                           \
	"  -s, --socket PATH         the daemon's socket (default /run/ctopo/ctopo.sock)\n"           \
	"      --no-daemon           take a snapshot even when the daemon runs\n"                     \
	"      --no-ebpf             the snapshot reads /proc/PID/net/tcp instead of sock_diag\n"     \
	"      --docker-host URL     the Docker Engine (default: $DOCKER_HOST or the local socket)\n" \
	"      --no-docker           do not ask Docker for container names\n"                         \
	"      --podman-host URL     podman's API socket (default: $CONTAINER_HOST or\n"              \
	"                            /run/podman/podman.sock; none: do not ask podman)\n"

/* Apply getopt's c (with arg) when it is one of those; false when it is not. */
bool report_source_option(struct report_source_options *o, int c, const char *arg);

/* 0 and *ret (report_free it) with *ret_from_daemon saying where it came from; -errno with the
 * message logged. */
int report_fetch(const struct report_source_options *o, struct report **ret, bool *ret_from_daemon);

/* --since DURATION for ps and graph: 0 and *ret_ns, or -EINVAL with the message logged. */
int report_source_parse_since(const char *arg, uint64_t *ret_ns);
/* Say once, on stderr, when the report cannot cover the window asked for: a snapshot has no
 * closed connections at all, a daemon remembers only its --history. */
void report_source_check_since(const struct report *r, bool from_daemon, uint64_t since_ns);

/* A one-shot report of the host as it is now. */
int report_snapshot(const struct report_source_options *o, struct report **ret);

#endif
