/* SPDX-License-Identifier: Apache-2.0 */
/* ctopo conns: every TCP connection on the host, in every network namespace, with its process and
 * what NAT did to it. One-shot from a snapshot, or --watch: the tracker plus the table, one report
 * per interval, short-lived connections included exactly once. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include "cli/cli.h"
#include "common/addr.h"
#include "common/clock.h"
#include "common/escape.h"
#include "common/jsonw.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/util.h"
#include "conns/collector.h"
#include "conns/conntable.h"
#include "conns/snapshot.h"
#include "net/nat.h"
#include "tracker/event.h"
#include "tracker/tracker.h"

struct conns_options {
	bool json;
	bool no_ebpf;
	bool no_nat;
	unsigned watch_seconds; /* 0: one-shot */
	uint32_t only_netns;
	size_t max_entries;
	const char *save_diag;
	struct tracker_options tracker;
};

static void conns_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctopo conns [--json] [--no-ebpf] [--watch SECONDS] [--netns INODE] [--no-nat] [-v]\n"
		"\n"
		"List every TCP connection and listening socket on this host, in every network namespace:\n"
		"the namespace, the process holding it (pid, comm), its direction, both ends, what NAT made\n"
		"of it, and its state. Needs root.\n"
		"\n"
		"Options:\n"
		"  -j, --json            one JSON object per report (see docs/conns.md)\n"
		"  -w, --watch SECONDS   keep running: the BPF tracker follows every connect, accept and\n"
		"                        close, and a report is printed every SECONDS; a connection that\n"
		"                        opened and closed in between is in exactly one report\n"
		"      --no-ebpf         do not load BPF: read /proc/PID/net/tcp{,6} (each interval with\n"
		"                        --watch). Connections shorter than an interval are NOT seen.\n"
		"  -n, --netns INODE     only this network namespace (stat -L -c %%i /proc/PID/ns/net)\n"
		"      --no-nat          do not read conntrack\n"
		"      --max-entries N   bound of the connection table (default 262144); when full the\n"
		"                        oldest closed connections go first, and evictions are reported\n"
		"      --btf FILE        the kernel's BTF, when /sys/kernel/btf/vmlinux is missing\n"
		"      --save-diag FILE  also write the raw sock_diag replies to FILE (for bug reports)\n"
		"  -v, --verbose         debug messages (skipped processes and namespaces, libbpf)\n"
		"  -h, --help            this text\n"
		"\n"
		"Examples:\n"
		"  ctopo conns\n"
		"  ctopo conns --json | jq '.connections[] | select(.direction==\"inbound\")'\n"
		"  ctopo conns --watch 2\n"
		"  ctopo conns --netns $(stat -L -c %%i /run/netns/blue)\n");
}

/* ---------------------------------------------------------------- printing */

static void format_endpoint(uint16_t family, const uint8_t addr[16], uint16_t port, char *buf, size_t len)
{
	endpoint_format(family, addr, port, buf, len);
}

static const char *source_name(unsigned source)
{
	switch (source) {
	case CONN_SRC_EVENT:
		return "ebpf";
	case CONN_SRC_SOCK_DIAG:
		return "sock_diag";
	case CONN_SRC_PROC:
		return "proc";
	default:
		return "?";
	}
}

/* A listener that is open is "listening"; everything else by its state. */
static const char *state_label(const struct conn *c)
{
	if (c->direction == CONN_DIR_LISTENING && c->state == CONN_ESTABLISHED)
		return "listening";
	return conn_state_name(c->state);
}

static const char *nat_kind(const struct nat_translation *x)
{
	return x->dnat && x->snat ? "dnat+snat" : x->dnat ? "dnat" : "snat";
}

static void print_table_header(FILE *out)
{
	fprintf(out, "%-10s %7s %-15s %-9s %-11s %-28s %-28s %s\n", "NETNS", "PID", "COMM", "DIR", "STATE", "LOCAL",
		"REMOTE", "NAT (REMOTE -> TRANSLATED)");
}

static void print_table_row(FILE *out, const struct conn *c, const struct nat *nat)
{
	char local[ENDPOINT_STRLEN], remote[ENDPOINT_STRLEN], natcol[2 * ENDPOINT_STRLEN + 24] = "";
	struct nat_translation x;

	format_endpoint(c->key.family, c->key.local_addr, c->key.local_port, local, sizeof(local));
	if (c->direction == CONN_DIR_LISTENING)
		snprintf(remote, sizeof(remote), "*");
	else
		format_endpoint(c->key.family, c->key.remote_addr, c->key.remote_port, remote, sizeof(remote));
	if (nat && c->direction != CONN_DIR_LISTENING && nat_lookup(nat, &c->key, &x) == 0) {
		char peer[ENDPOINT_STRLEN];

		format_endpoint(x.peer.family, x.peer.addr, x.peer.port, peer, sizeof(peer));
		snprintf(natcol, sizeof(natcol), "%s -> %s (%s)", remote, peer, nat_kind(&x));
	}
	fprintf(out, "%-10u %7u ", c->key.netns, c->pid);
	text_print_padded(out, c->pid ? ESCAPED_ARRAY(c->comm) : "?", 15);
	fprintf(out, " %-9s %-11s %-28s %-28s %s\n", conn_direction_name(c->direction), state_label(c), local, remote,
		natcol);
}

static void json_endpoint(struct jsonw *w, const char *key, uint16_t family, const uint8_t addr[16], uint16_t port)
{
	char s[ENDPOINT_STRLEN];

	format_endpoint(family, addr, port, s, sizeof(s));
	jsonw_kv_string(w, key, s);
}

static void print_json_conn(struct jsonw *w, const struct conn *c, const struct nat *nat)
{
	char a[ADDR_STRLEN];
	struct nat_translation x;

	jsonw_object_begin(w);
	jsonw_kv_u64(w, "netns", c->key.netns);
	jsonw_kv_u64(w, "pid", c->pid);
	jsonw_key(w, "comm");
	if (c->pid)
		jsonw_string_n(w, c->comm, sizeof(c->comm));
	else
		jsonw_null(w);
	jsonw_kv_u64(w, "mntns", c->mntns);
	jsonw_kv_u64(w, "cgroup", c->cgroup_id);
	jsonw_kv_string(w, "direction", conn_direction_name(c->direction));
	jsonw_kv_string(w, "state", state_label(c));
	jsonw_kv_string(w, "family", c->key.family == AF_INET6 ? "ipv6" : "ipv4");
	addr_format(c->key.family, c->key.local_addr, a, sizeof(a));
	jsonw_kv_string(w, "local_addr", a);
	jsonw_kv_u64(w, "local_port", c->key.local_port);
	addr_format(c->key.family, c->key.remote_addr, a, sizeof(a));
	jsonw_kv_string(w, "remote_addr", a);
	jsonw_kv_u64(w, "remote_port", c->key.remote_port);
	json_endpoint(w, "local", c->key.family, c->key.local_addr, c->key.local_port);
	json_endpoint(w, "remote", c->key.family, c->key.remote_addr, c->key.remote_port);
	jsonw_kv_string(w, "source", source_name(c->source));
	if (c->inode)
		jsonw_kv_u64(w, "inode", c->inode);
	jsonw_key(w, "first_seen");
	jsonw_double(w, event_wall_time(c->first_seen_ns), 3);
	jsonw_key(w, "last_seen");
	jsonw_double(w, event_wall_time(c->last_seen_ns), 3);
	if (c->state != CONN_ESTABLISHED) {
		jsonw_kv_u64(w, "bytes_sent", c->bytes_sent);
		jsonw_kv_u64(w, "bytes_received", c->bytes_received);
		jsonw_key(w, "duration_ms");
		jsonw_double(w, c->duration_ns / 1e6, 3);
	}
	if (c->state == CONN_FAILED && c->error > 0) {
		const char *name = strerrorname_np(c->error);

		jsonw_kv_string(w, "error", name ? name : "?");
	}
	if (nat && c->direction != CONN_DIR_LISTENING && nat_lookup(nat, &c->key, &x) == 0) {
		jsonw_key(w, "nat");
		jsonw_object_begin(w);
		jsonw_kv_u64(w, "netns", x.netns);
		jsonw_kv_string(w, "kind", nat_kind(&x));
		jsonw_kv_string(w, "role", x.originator ? "originator" : "responder");
		json_endpoint(w, "remote_original", c->key.family, c->key.remote_addr, c->key.remote_port);
		json_endpoint(w, "remote_translated", x.peer.family, x.peer.addr, x.peer.port);
		json_endpoint(w, "local_original", c->key.family, c->key.local_addr, c->key.local_port);
		json_endpoint(w, "local_translated", x.local.family, x.local.addr, x.local.port);
		jsonw_object_end(w);
	}
	jsonw_object_end(w);
}

struct report_extra {
	const char *mode; /* "ebpf", "sock_diag", "proc" */
	const struct tracker_stats *tracker;
	const struct nat *nat;
};

static void print_report(const struct conns_options *o, const struct conn_report *r, const struct report_extra *x)
{
	struct nat_stats ns = { 0 };

	if (x->nat)
		nat_get_stats(x->nat, &ns);
	if (o->json) {
		struct jsonw w;

		jsonw_init(&w, stdout);
		jsonw_object_begin(&w);
		jsonw_key(&w, "time");
		jsonw_double(&w, event_wall_time(r->taken_ns), 3);
		jsonw_kv_string(&w, "mode", x->mode);
		jsonw_key(&w, "connections");
		jsonw_array_begin(&w);
		for (size_t i = 0; i < r->n; i++)
			print_json_conn(&w, &r->conns[i], x->nat);
		jsonw_array_end(&w);
		jsonw_key(&w, "stats");
		jsonw_object_begin(&w);
		jsonw_kv_u64(&w, "entries", r->stats.entries);
		jsonw_kv_u64(&w, "max_entries", r->stats.max_entries);
		jsonw_kv_u64(&w, "evicted", r->stats.evicted_closed + r->stats.evicted_open);
		jsonw_kv_u64(&w, "evicted_since_last", r->evicted_since_last);
		jsonw_kv_u64(&w, "replaced", r->stats.replaced);
		if (x->tracker) {
			jsonw_kv_u64(&w, "events", x->tracker->events);
			jsonw_kv_u64(&w, "events_lost", x->tracker->lost);
		}
		jsonw_kv_bool(&w, "nat", x->nat != NULL);
		jsonw_kv_u64(&w, "nat_flows", ns.flows);
		jsonw_kv_u64(&w, "nat_resyncs", ns.resyncs);
		jsonw_kv_u64(&w, "nat_rejected", ns.rejected);
		jsonw_object_end(&w);
		jsonw_object_end(&w);
		fputc('\n', stdout);
	} else {
		char clock[16];
		time_t secs = (time_t)event_wall_time(r->taken_ns);
		struct tm tm;

		localtime_r(&secs, &tm);
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
		if (o->watch_seconds)
			printf("--- %s  %zu entries, %llu evicted since last report\n", clock, r->n,
			       (unsigned long long)r->evicted_since_last);
		print_table_header(stdout);
		for (size_t i = 0; i < r->n; i++)
			print_table_row(stdout, &r->conns[i], x->nat);
		if (o->watch_seconds)
			putchar('\n');
	}
	fflush(stdout);
}

/* ---------------------------------------------------------------- modes */

static struct nat *open_nat(const struct conns_options *o, bool subscribe)
{
	struct nat_options no = { .subscribe = subscribe, .only_netns = 0 };
	struct errmsg why = { "" };
	struct nat *nat = NULL;

	if (o->no_nat)
		return NULL;
	/* NAT is extra information: without it the connections are still listed */
	if (nat_new(&no, &nat, &why) < 0)
		log_warning("%s; the connections are listed without what NAT did to them (--no-nat skips conntrack)",
			    why.text);
	return nat;
}

/* A snapshot from source into t; *ret_used says where it came from: /proc when sock_diag failed
 * and it fell back. */
static int take_snapshot(const struct conns_options *o, struct conntable *t, enum snapshot_source source,
			 bool listeners_only, FILE *raw, enum snapshot_source *ret_used)
{
	struct snapshot_options so = {
		.source = source, .listeners_only = listeners_only, .only_netns = o->only_netns, .raw_dump = raw
	};
	struct snapshot_stats st;
	bool fell_back;
	int r;

	r = snapshot_take_or_proc(t, &so, &st, &fell_back);
	if (r == -EPERM || r == -EACCES)
		return log_error_errno(r, "conns needs root to see every process's sockets (%m): run it as root");
	if (r == -ENOENT && o->only_netns)
		return log_error_errno(r, "no network namespace with inode %u", o->only_netns);
	if (r < 0)
		return log_error_errno(r, "cannot take a snapshot of TCP sockets: %m");
	*ret_used = fell_back ? SNAPSHOT_PROC : source;
	log_debug("snapshot: %u namespaces (%u skipped), %u sockets (%u without a process), %u malformed, %.1f ms%s",
		  st.namespaces, st.namespaces_failed, st.sockets, st.sockets_without_owner, st.malformed,
		  st.duration_ns / 1e6, st.legacy_dump ? ", one TCPDIAG_GETSOCK dump per namespace" : "");
	return 0;
}

static int conns_once(const struct conns_options *o)
{
	_cleanup_(conntable_freep) struct conntable *t = NULL;
	_cleanup_fclose_ FILE *raw = NULL;
	struct conn_report rep;
	struct nat *nat;
	enum snapshot_source source = o->no_ebpf ? SNAPSHOT_PROC : SNAPSHOT_SOCK_DIAG;
	int r;

	if (o->save_diag) {
		raw = fopen(o->save_diag, "we");
		if (!raw)
			return log_error_errno(-errno, "cannot write %s: %m", o->save_diag);
	}
	r = conntable_new(o->max_entries, &t);
	if (r < 0)
		return log_error_errno(r, "cannot make the connection table: %m");
	r = take_snapshot(o, t, source, false, raw, &source);
	if (r < 0)
		return r;
	if (geteuid() != 0)
		log_warning(
			"not running as root: other users' processes and namespaces are missing; run ctopo as root");
	nat = open_nat(o, false);
	r = conntable_take_report(t, clock_mono_ns(), &rep);
	if (r < 0) {
		nat_free(nat);
		return log_error_errno(r, "cannot make the report: %m");
	}
	print_report(o, &rep, &(struct report_extra){ source == SNAPSHOT_PROC ? "proc" : "sock_diag", NULL, nat });
	conn_report_free(&rep);
	nat_free(nat);
	return 0;
}

struct watch {
	const struct conns_options *o;
	struct collector *col;
	struct nat *nat;
};

static int on_tracker(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct watch *w = userdata;

	(void)l;
	(void)fd;
	(void)events;
	if (collector_process(w->col) < 0)
		return log_error_errno(-ENOMEM, "cannot store connections: %m"); /* stops the loop */
	return 0;
}

static int on_nat(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct watch *w = userdata;
	int r = nat_process(w->nat);

	(void)l;
	(void)fd;
	(void)events;
	if (r < 0)
		log_debug_errno(r, "reading conntrack events failed: %m");
	return 0;
}

/* Every interval: one report. The timer counts what a slow report missed: no bursts follow. */
static int on_interval(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct watch *w = userdata;
	struct collector_stats cs;
	struct conn_report rep;
	int r;

	(void)events;
	timerfd_drain(fd);
	if (w->nat)
		nat_update_namespaces(w->nat, NULL);
	/* refreshes listeners (or everything after lost events, or from /proc) first */
	r = collector_take_report(w->col, &rep);
	if (r < 0)
		return log_error_errno(r, "cannot make the report: %m"); /* stops the loop */
	collector_get_stats(w->col, &cs);
	print_report(w->o, &rep,
		     &(struct report_extra){ cs.ebpf ? "ebpf" : "proc", cs.ebpf ? &cs.tracker : NULL, w->nat });
	conn_report_free(&rep);
	if (ferror(stdout))
		loop_quit(l); /* the reader went away */
	return 0;
}

static int conns_watch(const struct conns_options *o)
{
	struct collector_options co = { .no_ebpf = o->no_ebpf,
					.fall_back = true,
					.only_netns = o->only_netns,
					.max_entries = o->max_entries,
					.tracker = o->tracker };
	struct watch w = { .o = o };
	struct collector_stats cs;
	struct errmsg why = { "" };
	struct loop *l = NULL;
	int r;

	r = loop_new(&l);
	if (r == 0)
		r = loop_handle_stop_signals(l);
	if (r < 0) {
		loop_free(l);
		return log_error_errno(r, "cannot set up the event loop: %m");
	}
	/* attaches the tracker first and buffers its events over the first snapshot */
	r = collector_new(&co, &w.col, &why);
	if (r < 0) {
		log_error("%s", why.text[0] ? why.text : strerror(-r));
		goto out;
	}
	collector_get_stats(w.col, &cs);
	if (!cs.ebpf && !o->no_ebpf)
		log_warning(
			"%s; polling /proc/PID/net/tcp each interval instead: connections shorter than an "
			"interval are not seen",
			why.text);
	w.nat = open_nat(o, true);
	if (collector_fd(w.col) >= 0)
		r = loop_add(l, collector_fd(w.col), EPOLLIN, on_tracker, &w);
	if (r >= 0 && w.nat)
		r = loop_add(l, nat_fd(w.nat), EPOLLIN, on_nat, &w);
	if (r >= 0)
		r = loop_add_timer(l, (uint64_t)o->watch_seconds * 1000, on_interval, &w);
	if (r < 0) {
		log_error_errno(r, "cannot set up the event loop: %m");
		goto out;
	}
	log_info("watching TCP connections (%s), a report every %u s; Ctrl-C to stop",
		 cs.ebpf ? "BPF tracker" : "polling /proc", o->watch_seconds);
	r = loop_run(l);
	if (r < 0)
		goto out;
	collector_get_stats(w.col, &cs);
	if (cs.ebpf)
		cli_print_tracker_summary(stderr, &cs.tracker);
out:
	/* the loop lets go of the fds first: they belong to the collector and nat */
	if (w.col && collector_fd(w.col) >= 0)
		loop_remove(l, collector_fd(w.col));
	if (w.nat)
		loop_remove(l, nat_fd(w.nat));
	loop_free(l);
	collector_free(w.col);
	nat_free(w.nat);
	return r < 0 ? r : 0;
}

int cmd_conns(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", required_argument, NULL, 'w' },
		{ "no-ebpf", no_argument, NULL, 'E' },
		{ "netns", required_argument, NULL, 'n' },
		{ "no-nat", no_argument, NULL, 'N' },
		{ "max-entries", required_argument, NULL, 'M' },
		{ "btf", required_argument, NULL, 'B' },
		{ "save-diag", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct conns_options o = { 0 };
	unsigned long long v;
	int c, r;

	while ((c = getopt_long(argc, argv, "jw:n:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'w':
			if (parse_u64(optarg, 86400, &v) < 0 || v == 0) {
				log_error("--watch wants a number of seconds (1-86400), not '%s'", optarg);
				return 2;
			}
			o.watch_seconds = (unsigned)v;
			break;
		case 'E':
			o.no_ebpf = true;
			break;
		case 'n':
			if (parse_u64(optarg, UINT32_MAX, &v) < 0 || v == 0) {
				log_error("--netns wants a namespace inode number, not '%s'", optarg);
				return 2;
			}
			o.only_netns = (uint32_t)v;
			break;
		case 'N':
			o.no_nat = true;
			break;
		case 'M':
			if (parse_u64(optarg, 1ull << 32, &v) < 0 || v == 0) {
				log_error("--max-entries wants a positive number, not '%s'", optarg);
				return 2;
			}
			o.max_entries = (size_t)v;
			break;
		case 'B':
			o.tracker.btf_path = optarg;
			break;
		case 'S':
			o.save_diag = optarg;
			break;
		case 'v':
			o.tracker.libbpf_debug = true;
			log_set_max_level(LOG_DEBUG);
			break;
		case 'h':
			conns_usage(stdout);
			return 0;
		default:
			conns_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}

	signal(SIGPIPE, SIG_IGN);
	r = o.watch_seconds ? conns_watch(&o) : conns_once(&o);
	return r < 0 ? 1 : 0;
}
