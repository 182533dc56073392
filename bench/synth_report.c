/* SPDX-License-Identifier: Apache-2.0 */
/* The renderer and the report serialisation against synthetic reports of 1k, 10k and 100k
 * connections (report entries: one per socket, as the daemon's table counts them), built with the
 * core library: containers with their own network and mount namespaces, a listener each, pairs of
 * outbound/inbound ends between containers (a fifth of them closed), and connections to and from
 * the Internet. Prints a markdown table of the median time per step. No traffic: only data.
 *
 * Usage: synth_report [RUNS] [N...]   (defaults: 5 runs; 1000 10000 100000) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/addr.h"
#include "common/util.h"
#include "render/output.h"
#include "render/render.h"
#include "report/report.h"
#include "report/report_json.h"

#define HOST_NS 4026531840u
#define HOST_MNT 4026531841u
#define NS_BASE 4026540000u
#define MNT_BASE 4026600000u
#define SERVICE_PORT 8080
#define MAX_SIZES 8

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct report_endpoint endpoint(const char *addr, uint16_t port)
{
	struct report_endpoint e = { .port = port };

	if (addr_parse(addr, &e.family, e.addr) < 0)
		abort(); /* only our own literals reach here */
	return e;
}

static struct report_endpoint container_endpoint(unsigned i, uint16_t port)
{
	char a[32];

	snprintf(a, sizeof(a), "172.18.%u.%u", (i + 2) / 250, (i + 2) % 250 + 1);
	return endpoint(a, port);
}

static int add_prefix(struct report *r, uint32_t netns, const char *addr, uint8_t len)
{
	struct report_prefix p = { .len = len };
	struct report_netns *ns = report_netns_get(r, netns);

	if (!ns || addr_parse(addr, &p.family, p.addr) < 0)
		return -ENOMEM;
	return report_netns_add_prefix(ns, &p);
}

static int add_conn(struct report *r, unsigned container, uint8_t dir, uint8_t state, struct report_endpoint local,
		    struct report_endpoint remote, double t)
{
	struct report_conn c = { .netns = NS_BASE + container,
				 .mntns = MNT_BASE + container,
				 .pid = 10000 + container,
				 .direction = dir,
				 .state = state,
				 .local = local,
				 .remote = remote,
				 .peer_local = remote,
				 .peer_remote = local,
				 .first_seen = t,
				 .last_seen = t + 1 };

	snprintf(c.comm, sizeof(c.comm), dir == REPORT_DIR_OUTBOUND ? "client%u" : "server%u", container % 100);
	if (state == REPORT_STATE_CLOSED) {
		c.bytes_sent = 1200;
		c.bytes_received = 48000;
		c.duration_ms = 12.5;
	}
	return report_add_conn(r, &c);
}

/* n report entries over max(20, n / 50) containers. */
static struct report *make_report(size_t n, unsigned *ret_containers)
{
	struct report *r = report_new();
	unsigned n_containers = n / 50 < 20 ? 20 : (unsigned)(n / 50);
	uint64_t rng = 88172645463325252ull;
	double t = 1795000000.0;
	int err = 0;

	if (!r)
		return NULL;
	r->generated_at = t + 3;
	r->host_netns = HOST_NS;
	r->host_mntns = HOST_MNT;
	err |= add_prefix(r, HOST_NS, "127.0.0.1", 8);
	err |= add_prefix(r, HOST_NS, "192.168.1.10", 24);
	err |= add_prefix(r, HOST_NS, "172.18.0.1", 16);
	for (unsigned i = 0; i < n_containers && !err; i++) {
		struct report_container c = {
			.pid = 10000 + i, .netns = NS_BASE + i, .mntns = MNT_BASE + i, .running = true
		};
		struct report_endpoint self = container_endpoint(i, 0);
		char a[48];

		snprintf(c.id, sizeof(c.id), "%064x", i + 1);
		snprintf(c.name, sizeof(c.name), "svc-%u", i);
		snprintf(c.image, sizeof(c.image), "registry.example/app:%u", i % 7);
		snprintf(c.source, sizeof(c.source), "docker");
		err |= report_add_container(r, &c);
		err |= add_prefix(r, NS_BASE + i, "127.0.0.1", 8);
		addr_format(self.family, self.addr, a, sizeof(a));
		err |= add_prefix(r, NS_BASE + i, a, 16);
		if (r->n_conns < n)
			err |= add_conn(r, i, REPORT_DIR_LISTEN, REPORT_STATE_LISTEN,
					container_endpoint(i, SERVICE_PORT), endpoint("0.0.0.0", 0), t);
	}
	for (unsigned k = 0; r->n_conns < n && !err; k++) {
		unsigned a, b, kind;
		uint16_t eport = 32768 + k % 28000;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17; /* xorshift: deterministic */
		a = rng % n_containers;
		b = (a + 1 + (rng >> 20) % (n_containers - 1)) % n_containers;
		kind = k % 10;
		if (kind <= 6 && r->n_conns + 2 <= n) {
			uint8_t state = k % 5 == 0 ? REPORT_STATE_CLOSED : REPORT_STATE_ESTABLISHED;

			err |= add_conn(r, a, REPORT_DIR_OUTBOUND, state, container_endpoint(a, eport),
					container_endpoint(b, SERVICE_PORT), t);
			err |= add_conn(r, b, REPORT_DIR_INBOUND, state, container_endpoint(b, SERVICE_PORT),
					container_endpoint(a, eport), t);
		} else if (kind <= 8) {
			err |= add_conn(r, a, REPORT_DIR_OUTBOUND, REPORT_STATE_ESTABLISHED,
					container_endpoint(a, eport), endpoint("93.184.216.34", 443), t);
		} else {
			err |= add_conn(r, a, REPORT_DIR_INBOUND, REPORT_STATE_ESTABLISHED,
					container_endpoint(a, SERVICE_PORT), endpoint("198.51.100.7", eport), t);
		}
	}
	if (err) {
		report_free(r);
		return NULL;
	}
	*ret_containers = n_containers;
	return r;
}

enum step { STEP_RENDER, STEP_GRAPH_JSON, STEP_GRAPH_DOT, STEP_REPORT_WRITE, STEP_REPORT_PARSE, N_STEPS };

struct sizes {
	size_t graph_json, report_json;
};

static int run_once(const struct report *rep, double ms[N_STEPS], struct sizes *sz)
{
	struct render_filter all = { 0 };
	struct graph *g = NULL;
	struct report *parsed = NULL;
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *out;
	double t0;
	int r;

	t0 = now_ms();
	r = render_graph(rep, &all, &g);
	ms[STEP_RENDER] = now_ms() - t0;
	if (r < 0)
		return r;

	out = open_memstream(&buf, &len);
	if (!out)
		goto oom;
	t0 = now_ms();
	output_graph_json(out, rep, g);
	fflush(out);
	ms[STEP_GRAPH_JSON] = now_ms() - t0;
	fclose(out);
	sz->graph_json = len;
	free(buf);
	buf = NULL;

	out = open_memstream(&buf, &len);
	if (!out)
		goto oom;
	t0 = now_ms();
	output_graph_dot(out, rep, g);
	fflush(out);
	ms[STEP_GRAPH_DOT] = now_ms() - t0;
	fclose(out);
	free(buf);
	buf = NULL;
	graph_free(g);
	g = NULL;

	out = open_memstream(&buf, &len);
	if (!out)
		goto oom;
	t0 = now_ms();
	report_write_json(out, rep);
	fflush(out);
	ms[STEP_REPORT_WRITE] = now_ms() - t0;
	fclose(out);
	sz->report_json = len;

	t0 = now_ms();
	r = report_parse_json(buf, len, &parsed, err, sizeof(err));
	ms[STEP_REPORT_PARSE] = now_ms() - t0;
	free(buf);
	if (r < 0) {
		fprintf(stderr, "synth_report: our own report does not parse: %s\n", err);
		return r;
	}
	if (parsed->n_conns != rep->n_conns) {
		report_free(parsed);
		return -EBADMSG;
	}
	report_free(parsed);
	return 0;
oom:
	graph_free(g);
	return -ENOMEM;
}

int main(int argc, char **argv)
{
	size_t sizes[MAX_SIZES] = { 1000, 10000, 100000 }, n_sizes = 3;
	int runs = argc > 1 ? atoi(argv[1]) : 5;

	if (runs < 1 || runs > 1000) {
		fprintf(stderr, "usage: synth_report [RUNS] [N...]\n");
		return 2;
	}
	if (argc > 2) {
		n_sizes = 0;
		for (int i = 2; i < argc && n_sizes < MAX_SIZES; i++)
			sizes[n_sizes++] = strtoul(argv[i], NULL, 10);
	}
	printf("| connections | containers | render_graph ms | graph JSON ms | render + JSON ms | DOT ms "
	       "| report write ms | report parse ms | graph JSON bytes | report JSON bytes |\n");
	printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (size_t s = 0; s < n_sizes; s++) {
		_cleanup_free_ double *samples = calloc((size_t)runs * N_STEPS, sizeof(double));
		_cleanup_free_ double *total = calloc((size_t)runs, sizeof(double));
		double med[N_STEPS];
		unsigned n_containers = 0;
		struct sizes sz = { 0 };
		struct report *rep;

		if (sizes[s] < 10 || sizes[s] > 10000000 || !samples || !total)
			return 2;
		rep = make_report(sizes[s], &n_containers);
		if (!rep)
			return 1;
		for (int i = 0; i < runs; i++) {
			double ms[N_STEPS];
			int r = run_once(rep, ms, &sz);

			if (r < 0) {
				fprintf(stderr, "synth_report: %zu connections: %s\n", sizes[s], strerror(-r));
				report_free(rep);
				return 1;
			}
			for (int k = 0; k < N_STEPS; k++)
				samples[k * runs + i] = ms[k];
			total[i] = ms[STEP_RENDER] + ms[STEP_GRAPH_JSON];
		}
		for (int k = 0; k < N_STEPS; k++) {
			qsort(samples + k * runs, (size_t)runs, sizeof(double), cmp_double);
			med[k] = samples[k * runs + runs / 2];
		}
		qsort(total, (size_t)runs, sizeof(double), cmp_double);
		printf("| %zu | %u | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %zu | %zu |\n", rep->n_conns,
		       n_containers, med[STEP_RENDER], med[STEP_GRAPH_JSON], total[runs / 2], med[STEP_GRAPH_DOT],
		       med[STEP_REPORT_WRITE], med[STEP_REPORT_PARSE], sz.graph_json, sz.report_json);
		fflush(stdout);
		report_free(rep);
	}
	return 0;
}
