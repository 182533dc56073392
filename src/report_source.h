/* SPDX-License-Identifier: Apache-2.0 */
/* Where `ctopo ps` and `ctopo graph` get their report: the daemon when its socket answers (then
 * short-lived connections since its last report are in), otherwise a one-shot snapshot taken here. */
#ifndef CTOPO_REPORT_SOURCE_H
#define CTOPO_REPORT_SOURCE_H

#include <stdbool.h>

#include "report.h"

struct report_source_options {
	const char *socket_path; /* the daemon's; NULL: the default */
	bool no_daemon;          /* always take a snapshot here */
	bool no_ebpf;            /* the snapshot reads /proc/PID/net/tcp rather than sock_diag */
	const char *docker_host; /* NULL: $DOCKER_HOST or the default */
	bool no_docker;
	const char *state_dir;   /* the hook's records; NULL: the default */
};

/* 0 and *ret (report_free it) with *ret_from_daemon saying where it came from; -errno with the
 * message logged. */
int report_fetch(const struct report_source_options *o, struct report **ret, bool *ret_from_daemon);

/* A one-shot report of the host as it is now. */
int report_snapshot(const struct report_source_options *o, struct report **ret);

#endif
