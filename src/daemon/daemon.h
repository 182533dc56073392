/* SPDX-License-Identifier: Apache-2.0 */
/* `ctopo daemon`: one process, one epoll loop, no threads. It watches the tracker's ring buffer,
 * conntrack's event sockets, the Docker events stream, the hook's state directory (inotify), its
 * own unix socket and a timer; each interval it builds a report and keeps it, serialised, for
 * whoever asks (ctopo ps, ctopo graph, ctopo stats). */
#ifndef CTOPO_DAEMON_H
#define CTOPO_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracker/tracker.h"

struct daemon_options {
	const char *socket_path; /* IPC_DEFAULT_SOCKET */
	const char *state_dir;   /* the hook's records; OCI_STATE_DEFAULT_DIR */
	const char *docker_host; /* NULL: $DOCKER_HOST or the default socket; "none": not asked */
	bool no_docker;
	const char *podman_host; /* NULL: $CONTAINER_HOST or /run/podman/podman.sock; "none": not asked */
	bool no_ebpf;
	uint32_t interval_ms;      /* 3000 */
	uint64_t retention_ms;     /* how long stopped containers keep their names; 300000 */
	size_t max_conns;          /* connection table bound; 0: its default */
	uint32_t conntrack_rcvbuf; /* 0: nat's default */
	uint64_t history_ns;       /* how long edges remember; 0: 1 h */
	size_t max_edges;          /* edge store bound; 0: its default */
	struct tracker_options tracker;
};

/* Runs until SIGTERM/SIGINT: 0, or -errno when it could not start (message logged). */
int daemon_run(const struct daemon_options *o);

#endif
