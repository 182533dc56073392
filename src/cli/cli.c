/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "conns", cmd_conns, "list every TCP connection with its process, namespace and NAT" },
	{ "containers", cmd_containers, "list the containers Docker runs, with their pids and namespaces" },
	{ "daemon", cmd_daemon, "the long-running tracker serving reports to ps, graph and stats" },
	{ "graph", cmd_graph, "the process graph per network namespace (text, JSON, Graphviz DOT)" },
	{ "ps", cmd_ps, "each container's connections, their peers and NAT" },
	{ "stats", cmd_stats, "the daemon's counters" },
	{ "trace", cmd_trace, "print every TCP connect, accept and close as it happens" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ctopo COMMAND [OPTIONS]\n\n"
		"Which process in which container talks to which, right now.\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "  %-10s %s\n", "version", "print the version");
	fprintf(out, "\nRun 'ctopo COMMAND --help' for a command's options.\n");
}

int cli_main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("ctopo %s\n", CTOPO_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "ctopo: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}

void cli_print_tracker_summary(FILE *out, const struct tracker_stats *s)
{
	fprintf(out, "ctopo: %llu events, %llu lost (ring buffer full), %llu skipped by the kernel\n",
		(unsigned long long)s->events, (unsigned long long)s->lost, (unsigned long long)s->skipped);
}

int cli_report_option(struct report_source_options *src, int c, const char *arg, void (*command_usage)(FILE *out))
{
	switch (c) {
	case 'v':
		log_set_max_level(LOG_DEBUG);
		return -1;
	case 'h':
		command_usage(stdout);
		return 0;
	default:
		if (report_source_option(src, c, arg))
			return -1;
		command_usage(stderr);
		return 2;
	}
}

int cli_report_fetch(int argc, char **argv, const struct report_source_options *src, uint64_t since_ns,
		     struct report **ret, bool *ret_from_daemon)
{
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (report_fetch(src, ret, ret_from_daemon) < 0)
		return 1; /* report_fetch said why */
	report_source_check_since(*ret, *ret_from_daemon, since_ns);
	return 0;
}
