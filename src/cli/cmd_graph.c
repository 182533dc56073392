/* SPDX-License-Identifier: Apache-2.0 */
/* ctopo graph: the container-annotated process graph, per network namespace. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/log.h"
#include "common/util.h"
#include "daemon/report_source.h"
#include "render/output.h"
#include "render/render.h"

static void graph_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctopo graph [--by VIEW] [--since DURATION] [--format text|json|dot] [--netns INODE]\n"
		"                   [--container NAME|ID] [OPTIONS]\n"
		"\n"
		"Which process talks to which: processes grouped by network namespace and labelled with\n"
		"their containers, edges from client to server labelled with the server's port, across\n"
		"namespaces and through NAT; what matches no local process is \"The Internet\" (inbound or\n"
		"outbound) or an \"unknown local host\". Asks the daemon when it runs, else takes a snapshot.\n"
		"Through the daemon each edge counts the connections of the window (--since): opened,\n"
		"closed, refused, timed out, bytes, durations; the counts are exact even when the tracker's\n"
		"ring buffer overflowed (then the edge says how many are not itemised).\n"
		"\n"
		"Options:\n"
		"  -b, --by VIEW             process (default: one node per pid), name (processes of one\n"
		"                            name in one container), container, image, netns, service\n"
		"                            (Compose's replicas of one project/service as one node)\n"
		"      --since DURATION      the window the edges cover: 30s, 5m, 1h (default 15s; at most\n"
		"                            the daemon's --history)\n"
		"  -f, --format FORMAT       text (default), json (docs/report-schema.md) or dot (Graphviz)\n"
		"  -n, --netns INODE         only this network namespace and its peers\n"
		"  -c, --container NAME|ID   only this container's processes and their peers\n" REPORT_SOURCE_USAGE
		"  -v, --verbose             debug messages\n"
		"\n"
		"Examples:\n"
		"  ctopo graph\n"
		"  ctopo graph --by container --since 5m\n"
		"  ctopo graph --by service --format dot | dot -Tsvg > services.svg\n"
		"  ctopo graph --format dot | dot -Tsvg > graph.svg\n"
		"  ctopo graph --format json --container api | jq '.edges[]'\n");
}

int cmd_graph(int argc, char **argv)
{
	enum { OPT_SINCE = 256 };
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "format", required_argument, NULL, 'f' },
		{ "netns", required_argument, NULL, 'n' },
		{ "container", required_argument, NULL, 'c' },
		REPORT_SOURCE_LONGOPTS,
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct report_source_options src = { 0 };
	struct render_filter filter = { 0 };
	enum output_format format = OUTPUT_TEXT;
	struct report *rep = NULL;
	struct graph *g = NULL;
	unsigned long long v;
	bool from_daemon;
	int c, r;

	while ((c = getopt_long(argc, argv, "b:f:n:c:s:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (graph_view_parse(optarg, &filter.view) < 0) {
				log_error("--by wants process, name, container, image, netns or service, not '%s'",
					  optarg);
				return 2;
			}
			break;
		case OPT_SINCE:
			if (report_source_parse_since(optarg, &filter.since_ns) < 0)
				return 2;
			break;
		case 'f':
			if (output_format_parse(optarg, &format) < 0) {
				log_error("--format wants text, json or dot, not '%s'", optarg);
				return 2;
			}
			break;
		case 'n':
			if (parse_u64(optarg, UINT32_MAX, &v) < 0) {
				log_error("--netns wants a namespace inode number, not '%s'", optarg);
				return 2;
			}
			filter.by_netns = true;
			filter.netns = v;
			break;
		case 'c':
			filter.container = optarg;
			break;
		default:
			r = cli_report_option(&src, c, optarg, graph_usage);
			if (r >= 0)
				return r;
		}
	}
	r = cli_report_fetch(argc, argv, &src, filter.since_ns, &rep, &from_daemon);
	if (r > 0)
		return r;
	r = render_graph(rep, &filter, &g);
	if (r == -ENOENT)
		log_error("no container named or with an id starting '%s'", filter.container);
	else if (r < 0)
		log_error_errno(r, "cannot render the graph: %m");
	else
		output_graph(stdout, format, rep, g);
	graph_free(g);
	report_free(rep);
	return r < 0 ? 1 : 0;
}
