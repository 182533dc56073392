/* SPDX-License-Identifier: Apache-2.0 */
/* Count the connections of a storm that reach the daemon's output: its reports. A closed
 * connection is carried by exactly one report, so this fetches every report the daemon makes
 * (it polls the cheap stats request every 50 ms and fetches the report when the counter moves),
 * keeps them raw, and after the stop file appears and two more reports came, parses them and
 * counts the closed entries in one network namespace that have the storm's port at one end.
 * Prints: reports, skipped (reports made but not fetched), outbound, inbound, duplicates.
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

#define MAX_REPORTS 4096

struct seen {
	uint8_t dir;
	struct report_endpoint local, remote;
	int64_t first_seen_ms;
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

static int cmp_seen(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct seen));
}

int main(int argc, char **argv)
{
	static char *raw[MAX_REPORTS];
	static size_t raw_len[MAX_REPORTS];
	size_t n_raw = 0, n_seen = 0, cap_seen = 0;
	uint64_t last = 0, at_stop = 0, skipped = 0, outbound = 0, inbound = 0, duplicates = 0;
	unsigned long netns;
	int port, max_seconds;
	struct seen *seen = NULL;
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

	while (time(NULL) < deadline && n_raw < MAX_REPORTS) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		uint64_t now = stats_reports(argv[1]);

		if (now > last) {
			skipped += now - last - 1;
			if (ipc_request(argv[1], IPC_REQ_REPORT, 10000, &raw[n_raw], &raw_len[n_raw]) == 0)
				n_raw++;
			else
				skipped++;
			last = now;
		}
		if (!at_stop && access(argv[4], F_OK) == 0)
			at_stop = last;
		if (at_stop && last >= at_stop + 2)
			break;
		nanosleep(&ts, NULL);
	}
	if (!at_stop || last < at_stop + 2)
		fprintf(stderr, "report_watch: stopped by the time limit, not by the stop file\n");

	for (size_t i = 0; i < n_raw; i++) {
		struct report *rep = NULL;
		char err[256];

		if (report_parse_json(raw[i], raw_len[i], &rep, err, sizeof(err)) < 0) {
			fprintf(stderr, "report_watch: a report does not parse: %s\n", err);
			return 1;
		}
		free(raw[i]);
		for (size_t k = 0; k < rep->n_conns; k++) {
			const struct report_conn *c = &rep->conns[k];

			if (c->netns != netns || c->state != REPORT_STATE_CLOSED)
				continue;
			if (c->local.port != port && c->remote.port != port)
				continue;
			if (n_seen == cap_seen) {
				struct seen *grown;

				cap_seen = cap_seen ? cap_seen * 2 : 65536;
				grown = realloc(seen, cap_seen * sizeof(*seen));
				if (!grown)
					return 1;
				seen = grown;
			}
			memset(&seen[n_seen], 0, sizeof(seen[n_seen]));
			seen[n_seen].dir = c->direction;
			seen[n_seen].local = c->local;
			seen[n_seen].remote = c->remote;
			seen[n_seen].first_seen_ms = (int64_t)(c->first_seen * 1000.0 + 0.5);
			n_seen++;
		}
		report_free(rep);
	}
	/* a closed connection must be in exactly one report: count repeats, do not count them twice */
	if (n_seen)
		qsort(seen, n_seen, sizeof(*seen), cmp_seen);
	for (size_t i = 0; i < n_seen; i++) {
		if (i > 0 && cmp_seen(&seen[i], &seen[i - 1]) == 0) {
			duplicates++;
			continue;
		}
		if (seen[i].dir == REPORT_DIR_OUTBOUND)
			outbound++;
		else if (seen[i].dir == REPORT_DIR_INBOUND)
			inbound++;
	}
	free(seen);
	printf("reports=%zu skipped=%llu outbound=%llu inbound=%llu duplicates=%llu\n", n_raw,
	       (unsigned long long)skipped, (unsigned long long)outbound, (unsigned long long)inbound,
	       (unsigned long long)duplicates);
	return 0;
}
