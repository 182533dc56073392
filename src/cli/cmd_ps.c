/* SPDX-License-Identifier: Apache-2.0 */
/* ctopo ps: each container's connections, from the daemon or a one-shot snapshot. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/log.h"
#include "containers/docker.h"
#include "daemon/report_source.h"
#include "hook/oci_state.h"
#include "render/output_ps.h"

static void ps_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctopo ps [-a] [--json] [--since DURATION] [--container NAME|ID] [--no-trunc] [OPTIONS]\n"
		"\n"
		"For each container (name, short id, image, network namespace and who shares it), its TCP\n"
		"connections: process, direction, local and remote address (with NAT), the container and\n"
		"process at the other end or \"The Internet\", state, age and bytes. Processes in no\n"
		"container are listed under \"host\". Asks the daemon when it runs; otherwise takes a\n"
		"snapshot here (then connections that already closed are not shown). Open connections are\n"
		"listed one by one; those that closed or failed in the window (--since) are aggregated per\n"
		"process, direction, peer and port, with their count and failures.\n"
		"\n"
		"Options:\n"
		"  -a, --all                 containers without connections and stopped ones too\n"
		"  -j, --json                JSON (schema: docs/ps-schema.md)\n"
		"      --since DURATION      closed connections of this window: 30s, 5m, 1h (default 15s)\n"
		"  -c, --container NAME|ID   only this container\n"
		"      --no-trunc            full container ids\n" REPORT_SOURCE_USAGE
		"  -v, --verbose             debug messages\n"
		"\n"
		"Examples:\n"
		"  ctopo ps\n"
		"  ctopo ps --container web --json | jq '.containers[].connections[].peer'\n");
}

/* An empty table says what was looked at and why nothing is in it, never a bare empty line. */
static void explain_nothing_shown(const struct report *rep, const struct report_source_options *src, bool from_daemon)
{
	size_t listeners = 0;

	for (size_t i = 0; i < rep->n_conns; i++)
		listeners += rep->conns[i].direction == REPORT_DIR_LISTEN;
	printf("nothing to show: %s has %zu container%s and %zu TCP connection%s (not counting %zu listening "
	       "socket%s).\n",
	       from_daemon ? "the daemon's report" : "a snapshot of this host taken now", rep->n_containers,
	       rep->n_containers == 1 ? "" : "s", rep->n_conns - listeners, rep->n_conns - listeners == 1 ? "" : "s",
	       listeners, listeners == 1 ? "" : "s");
	if (rep->n_containers == 0)
		printf("Containers are named by the Docker Engine (%s%s) and by ctopo-oci-hook's records (%s); "
		       "neither knows one.\n",
		       src->no_docker ? "not asked: --no-docker" : "asked at ",
		       src->no_docker ? ""
				      : (src->docker_host ? src->docker_host : "$DOCKER_HOST or " DOCKER_DEFAULT_HOST),
		       src->state_dir ? src->state_dir : OCI_STATE_DEFAULT_DIR);
	else
		printf("Every container known has no connection; `ctopo ps -a` lists them anyway.\n");
}

int cmd_ps(int argc, char **argv)
{
	enum { OPT_NO_TRUNC = 256, OPT_SINCE };
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "container", required_argument, NULL, 'c' },
		{ "no-trunc", no_argument, NULL, OPT_NO_TRUNC },
		{ "since", required_argument, NULL, OPT_SINCE },
		REPORT_SOURCE_LONGOPTS,
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct report_source_options src = { 0 };
	struct ps_options po = { 0 };
	struct report *rep = NULL;
	bool json = false, from_daemon;
	int c, r;

	while ((c = getopt_long(argc, argv, "ajc:s:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			po.all = true;
			break;
		case 'j':
			json = true;
			break;
		case 'c':
			po.container = optarg;
			break;
		case OPT_NO_TRUNC:
			po.no_trunc = true;
			break;
		case OPT_SINCE:
			if (report_source_parse_since(optarg, &po.since_ns) < 0)
				return 2;
			break;
		default:
			r = cli_report_option(&src, c, optarg, ps_usage);
			if (r >= 0)
				return r;
		}
	}
	r = cli_report_fetch(argc, argv, &src, po.since_ns, &rep, &from_daemon);
	if (r > 0)
		return r;
	r = json ? output_ps_json(stdout, rep, &po) : output_ps_table(stdout, rep, &po);
	if (r == -ENOENT)
		log_error("no container named or with an id starting '%s'", po.container);
	else if (!json && r == 0)
		explain_nothing_shown(rep, &src, from_daemon);
	if (!json && r >= 0 && !from_daemon)
		printf("\n(a snapshot taken now: connections that already closed need `ctopo daemon` running)\n");
	report_free(rep);
	return r < 0 ? 1 : 0;
}
