/* SPDX-License-Identifier: Apache-2.0 */
/* `ctopo COMMAND ...`: the command table and what each command's entry point looks like. */
#ifndef CTOPO_CLI_H
#define CTOPO_CLI_H

/* Each command lives in its own cmd_NAME.c; returns the process exit status. */
int cmd_conns(int argc, char **argv);
int cmd_containers(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_trace(int argc, char **argv);

int cli_main(int argc, char **argv);

#endif
