/* SPDX-License-Identifier: Apache-2.0 */
/* `ctopo COMMAND ...`: the command table and what each command's entry point looks like. */
#ifndef CTOPO_CLI_H
#define CTOPO_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/report_source.h"
#include "tracker/tracker.h"

/* Each command lives in its own cmd_NAME.c; returns the process exit status. */
int cmd_conns(int argc, char **argv);
int cmd_containers(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_trace(int argc, char **argv);

int cli_main(int argc, char **argv);

/* trace and conns --watch, on exit: what the tracker handed over, lost and left unseen. */
void cli_print_tracker_summary(FILE *out, const struct tracker_stats *s);

/* ps and graph, the commands that read a report, share these besides their own options. */

/* From getopt's default branch with what getopt returned: -v, -h and where the report comes from
 * (REPORT_SOURCE_LONGOPTS). -1 when parsing goes on, else the exit status to return now: 0 after
 * --help, 2 for an option the command does not know (its usage printed on stderr). */
int cli_report_option(struct report_source_options *src, int c, const char *arg, void (*command_usage)(FILE *out));

/* After the options: nothing left on the command line, then the report (the daemon's or a
 * snapshot, report_fetch), with a word when it cannot cover --since (since_ns, 0: none). 0 with
 * *ret (report_free it), or the exit status to return, the reason said. */
int cli_report_fetch(int argc, char **argv, const struct report_source_options *src, uint64_t since_ns,
		     struct report **ret, bool *ret_from_daemon);

#endif
