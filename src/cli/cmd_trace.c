/* SPDX-License-Identifier: Apache-2.0 */
/* ctopo trace: the tracker's events, one line each, until SIGINT/SIGTERM. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "cli/cli.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/util.h"
#include "tracker/event.h"
#include "tracker/tracker.h"

struct trace_filter {
	bool json;
	bool by_netns;
	bool by_pid;
	uint32_t netns;
	uint32_t pid;
};

/* The ring buffer has events: print them (through print_event). */
static int on_ring(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct tracker *t = userdata;
	int r = tracker_poll(t, 0);

	(void)fd;
	(void)events;
	if (r < 0)
		return log_error_errno(r, "reading the ring buffer failed: %m"); /* stops the loop */
	if (ferror(stdout))
		loop_quit(l); /* the reader went away (EPIPE) */
	return 0;
}

static void trace_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctopo trace [--json] [--netns INODE] [--pid PID] [--btf FILE] [-v]\n"
		"\n"
		"Print every TCP connect, failed connect, accept and close on this host, in every\n"
		"network namespace, with the process (pid, comm), its network and mount namespace\n"
		"inodes and cgroup id. Needs root (or CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_PTRACE).\n"
		"\n"
		"Options:\n"
		"  -j, --json          one JSON object per line (fields: type ts pid tid comm netns mntns\n"
		"                      cgroup family saddr sport daddr dport direction, and for close\n"
		"                      bytes_sent bytes_received duration_ms)\n"
		"  -n, --netns INODE   only events in this network namespace (stat -L -c %%i /proc/PID/ns/net)\n"
		"  -p, --pid PID       only events of this process\n"
		"      --btf FILE      the kernel's BTF, when /sys/kernel/btf/vmlinux is missing\n"
		"  -v, --verbose       debug messages, including libbpf's\n"
		"  -h, --help          this text\n"
		"\n"
		"saddr/sport is always this socket's end, daddr/dport the peer. The lost-event count\n"
		"is printed on exit; it is 0 unless the ring buffer overflowed.\n"
		"\n"
		"Examples:\n"
		"  ctopo trace                                 # everything, as a table\n"
		"  ctopo trace --json | jq 'select(.type==\"close\")'\n"
		"  ctopo trace --netns $(stat -L -c %%i /run/netns/blue)\n"
		"  ctopo trace --pid $(pidof nginx | cut -d' ' -f1)\n");
}

static int print_event(const struct ctopo_event *ev, void *userdata)
{
	const struct trace_filter *f = userdata;
	double ts = event_wall_time(ev->ts_ns);

	if (f->by_netns && ev->netns != f->netns)
		return 0;
	if (f->by_pid && ev->pid != f->pid)
		return 0;
	if (f->json)
		event_print_json(stdout, ev, ts);
	else
		event_print_table_row(stdout, ev, ts);
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "netns", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, 'p' },
		{ "btf", required_argument, NULL, 'B' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct tracker_options opts = { 0 };
	struct trace_filter filter = { 0 };
	struct tracker_stats stats = { 0 };
	struct tracker *t = NULL;
	struct errmsg why = { "" };
	struct loop *l = NULL;
	unsigned long long v;
	int c, r;

	while ((c = getopt_long(argc, argv, "jn:p:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			filter.json = true;
			break;
		case 'n':
			if (parse_u64(optarg, UINT32_MAX, &v) < 0) {
				log_error("--netns wants a namespace inode number, not '%s'", optarg);
				return 2;
			}
			filter.by_netns = true;
			filter.netns = v;
			break;
		case 'p':
			if (parse_u64(optarg, INT32_MAX, &v) < 0 || v == 0) {
				log_error("--pid wants a process id, not '%s'", optarg);
				return 2;
			}
			filter.by_pid = true;
			filter.pid = v;
			break;
		case 'B':
			opts.btf_path = optarg;
			break;
		case 'v':
			opts.libbpf_debug = true;
			log_set_max_level(LOG_DEBUG);
			break;
		case 'h':
			trace_usage(stdout);
			return 0;
		default:
			trace_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	r = loop_new(&l);
	if (r == 0)
		r = loop_handle_stop_signals(l);
	if (r < 0) {
		loop_free(l);
		log_error_errno(r, "cannot set up the event loop: %m");
		return 1;
	}
	r = tracker_new(&opts, print_event, &filter, &t, &why);
	if (r < 0) {
		log_error("%s", why.text[0] ? why.text : strerror(-r));
		loop_free(l);
		return 1;
	}
	r = loop_add(l, tracker_fd(t), EPOLLIN, on_ring, t);
	if (r < 0) {
		log_error_errno(r, "cannot watch the ring buffer: %m");
	} else {
		log_info("tracing TCP connections; Ctrl-C to stop");
		if (!filter.json)
			event_print_table_header(stdout);
		r = loop_run(l);
		loop_remove(l, tracker_fd(t));
	}
	tracker_poll(t, 0); /* what was already in the ring buffer still counts */
	if (tracker_read_stats(t, &stats) == 0)
		cli_print_tracker_summary(stderr, &stats);
	tracker_free(t);
	loop_free(l);
	return r < 0 ? 1 : 0;
}
