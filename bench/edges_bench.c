/* SPDX-License-Identifier: Apache-2.0 */
/* The edge store at scale, with the core library and no traffic: N edges (clients of N/10 servers,
 * 10 connections each in 3 one-second buckets of the last minute and one older minute), then
 * what the daemon does with them each interval and what a client does with the report. Prints a
 * markdown table: the store's memory per edge, and the median time of maintaining the store,
 * building the report (snapshot of the store), serialising it (in slices of 2,048 edges, as the
 * daemon does, with the longest slice), parsing it back (a client) and rendering the name view
 * over 60 s.
 *
 * Usage: edges_bench [RUNS] [N...]   (defaults: 5 runs; 1000 10000 100000) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/clock.h"
#include "common/netns.h"
#include "conns/conntable.h"
#include "daemon/report_build.h"
#include "edges/edges.h"
#include "render/render.h"
#include "report/report.h"
#include "report/report_json.h"

#define MAX_SIZES 8
#define MAX_RUNS 64
#define SLICE_ITEMS 2048 /* as the daemon (src/daemon/daemon.c) */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static double ms_since(uint64_t start_ns)
{
	return (clock_mono_ns() - start_ns) / 1e6;
}

/* N client edges, each with connections in three recent seconds and one older minute. */
static struct edges *fill(size_t n, uint64_t now)
{
	struct edges_options o = { .max_edges = n };
	struct edges *s = NULL;

	if (edges_new(&o, &s) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		struct ctopo_event ev = { .type = CTOPO_EV_CONNECT,
					  .family = AF_INET,
					  .netns = 4026540000u + i % 1000,
					  .mntns = 4026600000u + i % 1000,
					  .pid = 1000 + i,
					  .dport = 8080,
					  .direction = CTOPO_DIR_OUTBOUND };
		uint32_t server = 0x0a000000 + (uint32_t)(i / 10);

		memcpy(ev.daddr, &server, 4);
		snprintf(ev.comm, sizeof(ev.comm), "client%zu", i % 97);
		for (int b = 0; b < 4; b++) {
			ev.ts_ns = now - (b == 3 ? 120 : 1 + b * 5) * NSEC_PER_SEC;
			for (int k = 0; k < 10; k++) {
				ev.type = CTOPO_EV_CONNECT;
				edges_fold_event(s, &ev, NULL);
				ev.type = CTOPO_EV_CLOSE;
				ev.bytes_sent = 100;
				ev.bytes_received = 1000;
				ev.duration_ns = 2000000;
				edges_fold_event(s, &ev, NULL);
			}
		}
	}
	edges_maintain(s, now);
	return s;
}

int main(int argc, char **argv)
{
	size_t sizes[MAX_SIZES] = { 1000, 10000, 100000 };
	int runs = argc > 1 ? atoi(argv[1]) : 5, n_sizes = 3;

	if (runs < 1 || runs > MAX_RUNS)
		runs = 5;
	if (argc > 2) {
		n_sizes = 0;
		for (int i = 2; i < argc && n_sizes < MAX_SIZES; i++)
			sizes[n_sizes++] = strtoul(argv[i], NULL, 10);
	}
	printf("| edges | store bytes/edge | buckets/edge | maintain ms | build ms | serialise ms | longest slice ms | JSON MB | parse ms | render (by name, 60 s) ms |\n");
	printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (int si = 0; si < n_sizes; si++) {
		double t_maint[MAX_RUNS] = { 0 }, t_build[MAX_RUNS] = { 0 }, t_ser[MAX_RUNS] = { 0 };
		double t_slice[MAX_RUNS] = { 0 }, t_parse[MAX_RUNS] = { 0 }, t_render[MAX_RUNS] = { 0 };
		struct edges_stats st = { 0 };
		size_t json_len = 0;

		for (int run = 0; run < runs; run++) {
			uint64_t now = clock_mono_ns(), t;
			struct edges *s = fill(sizes[si], now);
			struct conn_report conns = { 0 };
			struct netns_list none = { 0 };
			struct report_sources src = { .conns = &conns, .namespaces = &none };
			struct report *rep = NULL, *back = NULL;
			struct render_filter f = { .view = GRAPH_VIEW_NAME, .since_ns = 60 * NSEC_PER_SEC };
			struct graph *g = NULL;
			struct report_json_cursor cursor;
			char *buf = NULL, err[256];
			FILE *out;
			int more;

			if (!s)
				return 1;
			edges_get_stats(s, &st);
			t = clock_mono_ns();
			edges_maintain(s, now + NSEC_PER_SEC);
			t_maint[run] = ms_since(t);
			src.edges = s;
			t = clock_mono_ns();
			if (report_build(&src, &rep) < 0)
				return 1;
			t_build[run] = ms_since(t);
			/* as the daemon does it: in slices, the ring emptied between two */
			t = clock_mono_ns();
			out = open_memstream(&buf, &json_len);
			report_json_start(&cursor, out, rep);
			t_slice[run] = 0;
			do {
				uint64_t ts = clock_mono_ns();

				more = report_json_slice(&cursor, SLICE_ITEMS);
				if (ms_since(ts) > t_slice[run])
					t_slice[run] = ms_since(ts);
			} while (more > 0);
			fclose(out);
			t_ser[run] = ms_since(t);
			t = clock_mono_ns();
			if (report_parse_json(buf, json_len, &back, err, sizeof(err)) < 0) {
				fprintf(stderr, "edges_bench: %s\n", err);
				return 1;
			}
			t_parse[run] = ms_since(t);
			t = clock_mono_ns();
			if (render_graph(back, &f, &g) < 0)
				return 1;
			t_render[run] = ms_since(t);
			graph_free(g);
			report_free(back);
			report_free(rep);
			free(buf);
			edges_free(s);
		}
		printf("| %zu | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", sizes[si],
		       (double)st.memory_bytes / (double)st.edges, (double)st.buckets / (double)st.edges,
		       median(t_maint, runs), median(t_build, runs), median(t_ser, runs), median(t_slice, runs),
		       json_len / 1048576.0, median(t_parse, runs), median(t_render, runs));
	}
	return 0;
}
