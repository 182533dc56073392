/* SPDX-License-Identifier: Apache-2.0 */
/* Count the connections of a storm that reach the daemon's output: the edges of its reports. After
 * the stop file appears, this fetches each new report until the storm's edges (one network
 * namespace, the storm's port) stop changing over two reports (the kernel's counts reach a report
 * up to two intervals late), then sums them: connections opened by clients (outbound) and accepted
 * by servers (inbound), closed on each side, and how many were counted without detail.
 * Prints: reports outbound inbound closed_out closed_in not_itemised.
 *
 * Usage: report_watch SOCKET NETNS_INODE PORT STOP_FILE [MAX_SECONDS] */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/ipc.h"
#include "report/report.h"
#include "report/report_json.h"

struct counts {
	uint64_t outbound, inbound, closed_out, closed_in, not_itemised;
};

static uint64_t stats_reports(const char *socket_path)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	const char *p;

	if (ipc_request(socket_path, IPC_REQ_STATS, 2000, &buf, &len) < 0)
		return 0;
	p = strstr(buf, "\"reports\":");
	return p ? strtoull(p + strlen("\"reports\":"), NULL, 10) : 0;
}

/* The storm's edges in the latest report; -1 when it could not be fetched or read. */
static int count(const char *socket_path, unsigned long netns, int port, struct counts *ret)
{
	_cleanup_free_ char *buf = NULL;
	struct report *rep = NULL;
	char err[256];
	size_t len;

	if (ipc_request(socket_path, IPC_REQ_REPORT, 10000, &buf, &len) < 0)
		return -1;
	if (report_parse_json(buf, len, &rep, err, sizeof(err)) < 0) {
		fprintf(stderr, "report_watch: a report does not parse: %s\n", err);
		return -1;
	}
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < rep->n_edges; i++) {
		const struct edge_record *e = &rep->edges[i].rec;
		struct edge_counters c;
		bool client = e->key.role == CTOPO_EDGE_CLIENT;

		if (e->key.netns != netns || e->key.port != port)
			continue;
		edge_window_sum(e->buckets, e->n_buckets, 0, UINT64_MAX, &c, NULL, NULL);
		*(client ? &ret->outbound : &ret->inbound) += c.opened;
		*(client ? &ret->closed_out : &ret->closed_in) += c.closed;
		ret->not_itemised += c.not_itemised;
	}
	report_free(rep);
	return 0;
}

int main(int argc, char **argv)
{
	struct counts prev = { 0 }, now = { 0 };
	uint64_t last, at_stop = 0, reports = 0, stable = 0;
	unsigned long netns;
	int port, max_seconds;
	time_t deadline;

	if (argc < 5) {
		fprintf(stderr, "usage: report_watch SOCKET NETNS_INODE PORT STOP_FILE [MAX_SECONDS]\n");
		return 2;
	}
	netns = strtoul(argv[2], NULL, 10);
	port = atoi(argv[3]);
	max_seconds = argc > 5 ? atoi(argv[5]) : 300;
	deadline = time(NULL) + max_seconds;
	last = stats_reports(argv[1]);

	while (time(NULL) < deadline) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		uint64_t r = stats_reports(argv[1]);

		if (!at_stop && access(argv[4], F_OK) == 0)
			at_stop = last ? last : 1;
		if (at_stop && r > last && count(argv[1], netns, port, &now) == 0) {
			reports++;
			stable = memcmp(&now, &prev, sizeof(now)) ? 0 : stable + 1;
			prev = now;
			if (r >= at_stop + 2 && stable >= 2)
				break;
		}
		last = r > last ? r : last;
		nanosleep(&ts, NULL);
	}
	if (stable < 2)
		fprintf(stderr, "report_watch: stopped by the time limit, the counts still moved\n");
	printf("reports=%llu outbound=%llu inbound=%llu closed_out=%llu closed_in=%llu not_itemised=%llu\n",
	       (unsigned long long)reports, (unsigned long long)now.outbound, (unsigned long long)now.inbound,
	       (unsigned long long)now.closed_out, (unsigned long long)now.closed_in,
	       (unsigned long long)now.not_itemised);
	return 0;
}
