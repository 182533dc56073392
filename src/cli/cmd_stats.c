/* SPDX-License-Identifier: Apache-2.0 */
/* ctopo stats: the daemon's counters (events/s, lost events, resyncs, table, containers). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "daemon/ipc.h"

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *path = IPC_DEFAULT_SOCKET;
	char *buf = NULL;
	size_t len;
	int c, r;

	while ((c = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'h':
			printf("Usage: ctopo stats [--socket PATH]\n\n"
			       "The running daemon's counters as JSON: uptime, events/s, events, lost events,\n"
			       "resyncs, connection table size and evictions, conntrack flows and resyncs,\n"
			       "containers known, Docker connection, clients served.\n");
			return 0;
		default:
			return 2;
		}
	}
	r = ipc_request(path, IPC_REQ_STATS, 5000, &buf, &len);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		log_error("no ctopo daemon answers at %s: start one with `ctopo daemon`", path);
		return 1;
	}
	if (r < 0) {
		log_error("the daemon at %s: %s", path,
			  r == -EACCES ? "permission denied (root or group ctopo)" : strerror(-r));
		return 1;
	}
	fwrite(buf, 1, len, stdout);
	free(buf);
	return 0;
}
