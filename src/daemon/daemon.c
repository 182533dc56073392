/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/daemon.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/jsonw.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/netns.h"
#include "common/util.h"
#include "conns/collector.h"
#include "containers/containers.h"
#include "containers/docker.h"
#include "containers/hook_records.h"
#include "daemon/ipc.h"
#include "daemon/privileges.h"
#include "daemon/report_build.h"
#include "net/nat.h"
#include "net/netinfo.h"
#include "report/report_json.h"
#include "tracker/cgroup_watch.h"

#define ADDRESS_MAX_AGE_MS 30000 /* interface addresses are re-read at most this often */
#define RECORD_SWEEP_MS 10000    /* expired hook records are looked for at most this often */
/* A report waits for the name of a container whose cgroup was seen at most this long ago (podman's
 * events arrive 0.1-0.4 s after the fact here), and never longer than this nor an interval. */
#define NAMING_WAIT_MS 1500
#define NAMING_WAIT_STEP_MS 50

struct daemon;

/* A Docker Engine API socket the daemon follows. */
struct engine {
	struct daemon *d;
	struct docker_client *client; /* NULL: not asked */
	bool podman;                  /* the socket of --podman-host */
};
/* The report is serialised this many connections or edges at a time, the ring buffer emptied in
 * between: ~2 ms of work at a time, where the default ring holds ~0.25 s of a storm. */
#define REPORT_SLICE_ITEMS 2048

struct daemon {
	const struct daemon_options *o;
	struct loop *loop;
	struct collector *collector;
	struct nat *nat;
	struct containers *containers;
	struct cgroup_watch *cgroup_watch;
	struct engine docker, podman; /* Docker's socket, podman's Docker-compatible one */
	struct ipc_server *ipc;
	struct netinfo_cache *addresses;
	int inotify_fd;
	int naming_wait_fd;        /* a one-shot timer: the report waits for a container's name */
	uint64_t waiting_since_ms; /* 0: no report waiting */
	uint64_t naming_waits;     /* reports that waited */
	char *report_json;         /* the latest report, serialised once, served many times */
	size_t report_len;
	uint64_t started_ms, reports;
	uint64_t last_sweep_ms;
	uint64_t last_events, last_events_ms;
	uint64_t resyncs_said, lost_said;
	double events_per_s;
	size_t last_report_conns, last_report_edges;
	double report_build_ms;                      /* the last report: taking, building, serialising */
	uint64_t drained_ns;                         /* when make_report last emptied the ring */
	double report_stall_ms, report_stall_max_ms; /* the longest stretch without emptying it:
						      * in the last report, since the start */
};

static int on_tracker(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct daemon *d = userdata;
	int r = collector_process(d->collector);

	(void)l;
	(void)fd;
	(void)events;
	if (r < 0)
		return log_error_errno(r, "cannot store connections: %m");
	return 0;
}

/* The tracker wakes us only when its ring fills up (batch_wakeups): the rest is read here. */
static int on_tracker_timer(struct loop *l, int fd, uint32_t events, void *userdata)
{
	(void)events;
	timerfd_drain(fd);
	return on_tracker(l, fd, EPOLLIN, userdata);
}

static int on_nat(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct daemon *d = userdata;
	int r = nat_process(d->nat);

	(void)l;
	(void)fd;
	(void)events;
	if (r < 0)
		log_debug("reading conntrack events failed: %s", strerror(-r));
	return 0;
}

/* What an engine's client has to say, said once here: it retries quietly and names stay meanwhile. */
static void say_engine_news(struct engine *e)
{
	unsigned news = docker_client_take_news(e->client);
	const char *host = docker_client_host(e->client);

	if ((news & DOCKER_NEWS_UNAVAILABLE) && e->podman)
		log_warning(
			"podman's API at %s does not answer (%s): podman containers are named from the OCI hook's "
			"records only until it does; run `podman system service --time 0`, point --podman-host at "
			"its socket, or pass --podman-host none",
			host, docker_client_last_error(e->client));
	else if (news & DOCKER_NEWS_UNAVAILABLE)
		log_warning(
			"no Docker Engine at %s (%s): containers are named from the OCI hook's records only until "
			"one answers; start dockerd, point --docker-host at its socket, or pass --no-docker",
			host, docker_client_last_error(e->client));
	if (news & DOCKER_NEWS_LOST)
		log_warning("lost %s at %s (%s); reconnecting, names stay meanwhile",
			    e->podman ? "podman" : "the Docker Engine", host, docker_client_last_error(e->client));
	if (news & (DOCKER_NEWS_SYNCED | DOCKER_NEWS_RESYNCED))
		log_info("%s %s at %s (API %s): %zu containers",
			 news & DOCKER_NEWS_RESYNCED ? "reconnected to" : "using",
			 strcmp(docker_client_engine(e->client), "podman") ? "Docker Engine" : "podman", host,
			 docker_client_api_version(e->client), containers_count(e->d->containers));
}

static int on_engine(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct engine *e = userdata;
	int r = docker_client_process(e->client);

	(void)l;
	(void)fd;
	(void)events;
	if (r < 0)
		log_warning("the %s client failed: %s", e->podman ? "podman" : "Docker", strerror(-r));
	say_engine_news(e);
	return 0;
}

/* Follow one engine's socket from now on; it is retried for as long as it does not answer. */
static void start_engine(struct daemon *d, struct engine *e, enum docker_engine engine, const char *host)
{
	struct docker_client_options opt = { .engine = engine, .host = host, .watch_events = true };
	int r = docker_client_new(&opt, d->containers, &e->client);

	e->d = d;
	e->podman = engine == DOCKER_ENGINE_PODMAN;
	if (r < 0) {
		log_warning("continuing without %s names: %s", e->podman ? "podman" : "Docker", strerror(-r));
		return;
	}
	if (docker_client_start(e->client) == 0)
		loop_add(d->loop, docker_client_fd(e->client), EPOLLIN, on_engine, e);
	say_engine_news(e);
}

static int on_hook_records(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct daemon *d = userdata;
	int r = hook_records_process(d->containers, d->o->state_dir, fd);

	(void)l;
	(void)events;
	if (r < 0)
		log_warning("reading hook records failed: %s", strerror(-r));
	return 0;
}

/* Where a client's connection really went, for the edge store (DNAT to a container). */
static int resolve_nat(const struct conn_key *key, struct edge_nat *ret, void *userdata)
{
	struct daemon *d = userdata;
	struct nat_translation t;

	if (!d->nat || nat_lookup(d->nat, key, &t) < 0 || !t.dnat)
		return -ENOENT;
	*ret = (struct edge_nat){ .nat = true, .family = t.peer.family, .port = t.peer.port };
	memcpy(ret->addr, t.peer.addr, sizeof(ret->addr));
	return 0;
}

static void learn_cgroup(uint64_t cgroup_id, const char *path, bool truncated, void *userdata)
{
	struct daemon *d = userdata;
	int r = containers_learn_cgroup(d->containers, cgroup_id, path, truncated, clock_real_ns());

	if (r < 0)
		log_debug("cgroup %llu (%s) not kept: %s", (unsigned long long)cgroup_id, path, strerror(-r));
}

/* Empty the ring between two steps of a report; keeps the longest stretch between two. */
static void drain_between(struct daemon *d)
{
	uint64_t now;
	double stall;

	collector_process(d->collector);
	now = clock_mono_ns();
	stall = (now - d->drained_ns) / 1e6;
	if (stall > d->report_stall_ms)
		d->report_stall_ms = stall;
	d->drained_ns = now;
}

static int make_report(struct daemon *d, const struct netns_list *namespaces)
{
	struct report_sources src = {
		.nat = d->nat,
		.containers = d->containers,
		.addresses = d->addresses,
		.namespaces = namespaces,
		.edges = collector_edges(d->collector),
	};
	struct report_json_cursor cursor;
	struct conn_report conns;
	struct report *rep = NULL;
	char *buf = NULL;
	size_t len = 0;
	uint64_t started_ns = clock_mono_ns();
	FILE *out;
	int r, more;

	d->drained_ns = started_ns;
	d->report_stall_ms = 0;
	r = collector_take_report(d->collector, &conns);
	if (r < 0)
		return log_error_errno(r, "cannot copy the connection table: %m");
	drain_between(d);
	src.conns = &conns;
	r = report_build(&src, &rep);
	d->last_report_conns = conns.n;
	d->last_report_edges = rep ? rep->n_edges : 0;
	conn_report_free(&conns);
	if (r < 0)
		return log_error_errno(r, "cannot build the report: %m");
	/* the ring fills while we work: empty it between the steps, and between slices of the JSON */
	drain_between(d);
	out = open_memstream(&buf, &len);
	if (!out) {
		report_free(rep);
		return -ENOMEM;
	}
	report_json_start(&cursor, out, rep);
	do {
		more = report_json_slice(&cursor, REPORT_SLICE_ITEMS);
		drain_between(d);
	} while (more > 0);
	report_free(rep);
	if (fclose(out) != 0) {
		free(buf);
		return -ENOMEM;
	}
	drain_between(d);
	if (d->report_stall_ms > d->report_stall_max_ms)
		d->report_stall_max_ms = d->report_stall_ms;
	d->report_build_ms = (clock_mono_ns() - started_ns) / 1e6;
	free(d->report_json);
	d->report_json = buf;
	d->report_len = len;
	d->reports++;
	return 0;
}

/* The collector resynchronised from a snapshot because the ring buffer overflowed: said once an
 * interval, with what to do. */
static void say_lost_events(struct daemon *d)
{
	struct collector_stats cs;

	collector_get_stats(d->collector, &cs);
	if (cs.resyncs > d->resyncs_said)
		log_warning(
			"%llu events lost since the last report (the BPF ring buffer was full): open "
			"connections were resynchronised from a snapshot, and the edges' counts stay exact "
			"(the kernel counts them), but the ports, bytes and durations of those that opened "
			"and closed meanwhile are missing (not_itemised); a larger --ringbuf-bytes holds more",
			(unsigned long long)(cs.tracker.lost - d->lost_said));
	d->resyncs_said = cs.resyncs;
	d->lost_said = cs.tracker.lost;
}

/* The report of this interval, now. */
static void report_now(struct daemon *d)
{
	struct netns_list namespaces = { 0 };
	/* the namespaces, once for this report: NAT and the report's addresses both need them (when
	 * listing fails, said here, NAT keeps the ones it has and the report tries again) */
	int listed = netns_discover(&namespaces);
	bool have_namespaces = listed == 0;

	if (!have_namespaces)
		log_error_errno(listed, "cannot list the network namespaces in /proc: %m");
	if (d->nat && have_namespaces)
		nat_update_namespaces(d->nat, &namespaces);
	/* a failed report leaves the previous one served; the next interval tries again */
	make_report(d, have_namespaces ? &namespaces : NULL);
	say_lost_events(d);
	netns_list_clear(&namespaces);
	/* a burst (a storm of short connections, a big report) must not leave the daemon holding its
	 * high-water mark of heap for good */
	malloc_trim(0);
}

/* A container made in the last NAMING_WAIT_MS whose engine has not named it yet: podman's events
 * come a few hundred ms after the container was made (its service tails an event log), so the
 * first report with the closed connection of a container that lived 10 ms would show it unnamed
 * (the host's). That report waits for the name while an engine is followed, for at most
 * NAMING_WAIT_MS after its cgroup was seen. */
static bool names_pending(struct daemon *d)
{
	bool following = (d->docker.client && docker_client_state(d->docker.client) == DOCKER_CLIENT_SYNCED) ||
			 (d->podman.client && docker_client_state(d->podman.client) == DOCKER_CLIENT_SYNCED);

	if (d->cgroup_watch)
		cgroup_watch_drain(d->cgroup_watch, learn_cgroup, d);
	return following &&
	       containers_unnamed_cgroups(d->containers, clock_real_ns() - NAMING_WAIT_MS * 1000000ull) > 0;
}

static uint64_t naming_wait_max_ms(const struct daemon *d)
{
	return d->o->interval_ms < NAMING_WAIT_MS ? d->o->interval_ms : NAMING_WAIT_MS;
}

/* The report waits for names: at most naming_wait_max_ms, looking every NAMING_WAIT_STEP_MS. */
static int on_naming_wait(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct daemon *d = userdata;

	(void)l;
	(void)events;
	timerfd_drain(fd);
	if (!d->waiting_since_ms)
		return 0;
	if (names_pending(d) && clock_mono_ms() - d->waiting_since_ms < naming_wait_max_ms(d)) {
		timerfd_arm(fd, NAMING_WAIT_STEP_MS * 1000000ull);
		return 0;
	}
	d->waiting_since_ms = 0;
	report_now(d);
	return 0;
}

static int on_interval(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct daemon *d = userdata;
	struct collector_stats cs;
	uint64_t now = clock_mono_ms(), wall_ns;

	(void)l;
	(void)events;
	timerfd_drain(fd);
	if (d->waiting_since_ms)
		return 0; /* this interval's report is still waiting for names */
	collector_get_stats(d->collector, &cs);
	if (now > d->last_events_ms)
		d->events_per_s = (cs.tracker.events - d->last_events) * 1000.0 / (now - d->last_events_ms);
	d->last_events = cs.tracker.events;
	d->last_events_ms = now;
	wall_ns = clock_real_ns();
	containers_expire(d->containers, wall_ns);
	if (now - d->last_sweep_ms >= RECORD_SWEEP_MS) {
		/* the hook marks records stopped; removing them after the retention is ours to do */
		uint64_t wall_s = wall_ns / NSEC_PER_SEC;
		int gone = hook_records_sweep(d->o->state_dir, (double)wall_s - d->o->retention_ms / 1000.0);

		if (gone > 0)
			log_debug("removed %d expired hook records", gone);
		d->last_sweep_ms = now;
	}
	ipc_server_reap(d->ipc);
	/* the cgroups made since the last report (names_pending drains them): their containers may be
	 * gone already, and named by their engine's events only in a moment */
	if (names_pending(d) && d->naming_wait_fd >= 0) {
		d->waiting_since_ms = now;
		d->naming_waits++;
		timerfd_arm(d->naming_wait_fd, NAMING_WAIT_STEP_MS * 1000000ull);
		return 0;
	}
	report_now(d);
	return 0;
}

/* "docker": "connected", "docker_reconnects", "docker_skipped", and the same for "podman" */
static void write_engine_stats(struct jsonw *w, const char *name, const struct engine *e)
{
	struct docker_client_stats ds = { 0 };
	char key[32];

	if (e->client)
		docker_client_get_stats(e->client, &ds);
	jsonw_kv_string(w, name,
			!e->client                                               ? "disabled"
			: docker_client_state(e->client) == DOCKER_CLIENT_SYNCED ? "connected"
										 : "disconnected");
	snprintf(key, sizeof(key), "%s_reconnects", name);
	jsonw_kv_u64(w, key, ds.disconnects);
	snprintf(key, sizeof(key), "%s_skipped", name);
	jsonw_kv_u64(w, key, ds.records_skipped + ds.events_skipped);
}

static int write_stats(struct daemon *d, char **ret_buf, size_t *ret_len)
{
	struct collector_stats cs;
	struct ipc_server_stats is;
	struct nat_stats ns = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct jsonw w;

	if (!out)
		return -ENOMEM;
	collector_get_stats(d->collector, &cs);
	ipc_server_get_stats(d->ipc, &is);
	if (d->nat)
		nat_get_stats(d->nat, &ns);
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	jsonw_kv_u64(&w, "version", 1);
	jsonw_key(&w, "uptime_s");
	jsonw_double(&w, (clock_mono_ms() - d->started_ms) / 1000.0, 1);
	jsonw_kv_string(&w, "mode", cs.ebpf ? "ebpf" : "proc-polling");
	jsonw_kv_u64(&w, "reports", d->reports);
	jsonw_key(&w, "events_per_s");
	jsonw_double(&w, d->events_per_s, 1);
	jsonw_kv_u64(&w, "events", cs.tracker.events);
	jsonw_kv_u64(&w, "lost_events", cs.tracker.lost);
	jsonw_kv_u64(&w, "untracked_events", cs.tracker.untracked);
	jsonw_kv_u64(&w, "nested_events", cs.tracker.nested);
	jsonw_kv_u64(&w, "skipped_events", cs.tracker.skipped);
	jsonw_kv_u64(&w, "resyncs", cs.resyncs);
	jsonw_kv_u64(&w, "snapshots", cs.snapshots);
	jsonw_kv_u64(&w, "table_entries", cs.table.entries);
	jsonw_kv_u64(&w, "table_max", cs.table.max_entries);
	jsonw_kv_u64(&w, "table_evicted", cs.table.evicted_closed + cs.table.evicted_open);
	jsonw_kv_u64(&w, "report_connections", d->last_report_conns);
	jsonw_kv_u64(&w, "report_edges", d->last_report_edges);
	jsonw_kv_u64(&w, "report_bytes", d->report_len);
	jsonw_key(&w, "report_build_ms");
	jsonw_double(&w, d->report_build_ms, 1);
	jsonw_key(&w, "report_stall_ms");
	jsonw_double(&w, d->report_stall_ms, 1);
	jsonw_key(&w, "report_stall_max_ms");
	jsonw_double(&w, d->report_stall_max_ms, 1);
	jsonw_kv_u64(&w, "edges", cs.edges.edges);
	jsonw_kv_u64(&w, "edges_max", cs.edges.max_edges);
	jsonw_kv_u64(&w, "edges_evicted", cs.edges.evicted);
	jsonw_kv_u64(&w, "edges_expired", cs.edges.expired);
	jsonw_kv_u64(&w, "edge_buckets", cs.edges.buckets);
	jsonw_kv_u64(&w, "edge_store_bytes", cs.edges.memory_bytes);
	jsonw_kv_u64(&w, "edge_counter_drains", cs.edge_drains);
	jsonw_kv_u64(&w, "edge_counter_map_full", cs.tracker.edge_map_full);
	jsonw_kv_u64(&w, "not_itemised", cs.edges.not_itemised);
	jsonw_kv_u64(&w, "conntrack_flows", ns.flows);
	jsonw_kv_u64(&w, "conntrack_resyncs", ns.resyncs);
	jsonw_kv_u64(&w, "conntrack_rejected", ns.rejected);
	jsonw_kv_u64(&w, "conntrack_unexpected", ns.unexpected);
	jsonw_kv_u64(&w, "containers", containers_count(d->containers));
	jsonw_kv_u64(&w, "cgroups_learnt", containers_cgroups_learnt(d->containers));
	jsonw_kv_u64(&w, "naming_waits", d->naming_waits);
	write_engine_stats(&w, "docker", &d->docker);
	write_engine_stats(&w, "podman", &d->podman);
	jsonw_kv_u64(&w, "clients_served", is.served);
	jsonw_kv_u64(&w, "clients_refused", is.refused);
	jsonw_object_end(&w);
	fputc('\n', out);
	if (fclose(out) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

static int answer(enum ipc_request_kind kind, char **ret_buf, size_t *ret_len, void *userdata)
{
	struct daemon *d = userdata;

	if (kind == IPC_REQ_STATS)
		return write_stats(d, ret_buf, ret_len);
	if (!d->report_json)
		return -EAGAIN;
	*ret_buf = malloc(d->report_len);
	if (!*ret_buf)
		return -ENOMEM;
	memcpy(*ret_buf, d->report_json, d->report_len);
	*ret_len = d->report_len;
	return 0;
}

/* The socket's directory: /run/ctopo by default, made 0755 when missing. */
static void make_parent_dir(const char *path)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		log_debug("cannot create %s: %m", dir);
}

/* BPF is loaded and attached, the sockets are open: from here on the loop needs only what
 * daemon/privileges.h lists. */
static int drop_privileges(void)
{
	struct privileges p;
	char kept[256];
	int r = privileges_drop(DAEMON_KEPT_CAPABILITIES, &p);

	if (r < 0)
		return log_error_errno(r, "cannot drop capabilities: %m");
	privileges_format(p.effective, kept, sizeof(kept));
	log_info("capabilities kept: %s%s", kept,
		 p.bounding_dropped ? "" : " (bounding set left as given: no CAP_SETPCAP)");
	return 0;
}

static void daemon_teardown(struct daemon *d)
{
	ipc_server_free(d->ipc);
	if (d->nat)
		loop_remove(d->loop, nat_fd(d->nat));
	if (d->inotify_fd >= 0) {
		loop_remove(d->loop, d->inotify_fd);
		close(d->inotify_fd);
	}
	if (d->naming_wait_fd >= 0) {
		loop_remove(d->loop, d->naming_wait_fd);
		close(d->naming_wait_fd);
	}
	for (struct engine *e = &d->docker; e; e = e == &d->docker ? &d->podman : NULL) {
		if (e->client)
			loop_remove(d->loop, docker_client_fd(e->client));
		docker_client_free(e->client);
	}
	nat_free(d->nat);
	if (d->collector && collector_fd(d->collector) >= 0)
		loop_remove(d->loop, collector_fd(d->collector));
	collector_free(d->collector);
	cgroup_watch_free(d->cgroup_watch);
	containers_free(d->containers);
	netinfo_cache_free(d->addresses);
	loop_free(d->loop);
	free(d->report_json);
}

int daemon_run(const struct daemon_options *o)
{
	struct collector_options co = { .no_ebpf = o->no_ebpf,
					.fall_back = false,
					.max_entries = o->max_conns,
					.tracker = o->tracker,
					.forget_closed = true,
					.edges = { .max_edges = o->max_edges, .history_ns = o->history_ns } };
	struct nat_options no = { .subscribe = true, .rcvbuf_bytes = o->conntrack_rcvbuf };
	struct daemon d = { .o = o, .inotify_fd = -1, .naming_wait_fd = -1, .started_ms = clock_mono_ms() };
	struct errmsg why = { "" };
	int r;

	r = loop_new(&d.loop);
	if (r < 0)
		return log_error_errno(r, "cannot create the event loop: %m");
	r = loop_handle_stop_signals(d.loop);
	if (r < 0)
		goto out;
	make_parent_dir(o->socket_path);
	/* claim the socket first: a second daemon must fail before it loads anything */
	r = ipc_server_new(d.loop, o->socket_path, answer, &d, &d.ipc, &why);
	if (r < 0) {
		log_error("%s", why.text[0] ? why.text : strerror(-r));
		goto out;
	}
	r = containers_new(o->retention_ms * 1000000ull, &d.containers);
	if (r < 0)
		goto out;
	r = netinfo_cache_new(ADDRESS_MAX_AGE_MS, &d.addresses);
	if (r < 0)
		goto out;

	/* names first, so the first report already has them */
	hook_records_load(d.containers, o->state_dir);
	d.inotify_fd = hook_records_watch(o->state_dir);
	r = d.inotify_fd < 0 ? d.inotify_fd : loop_add(d.loop, d.inotify_fd, EPOLLIN, on_hook_records, &d);
	if (r < 0)
		log_warning(
			"cannot watch the OCI hook's records in %s (%s): containers the hook records from now "
			"on stay unnamed; check --state-dir",
			o->state_dir, strerror(-r));
	if (!o->no_docker && !docker_host_is_none(o->docker_host))
		start_engine(&d, &d.docker, DOCKER_ENGINE_DOCKER, o->docker_host);
	if (!docker_host_is_none(o->podman_host))
		start_engine(&d, &d.podman, DOCKER_ENGINE_PODMAN, o->podman_host);

	co.tracker.batch_wakeups = true;
	r = collector_new(&co, &d.collector, &why);
	if (r < 0) {
		log_error("%s", why.text[0] ? why.text : strerror(-r));
		goto out;
	}
	collector_set_nat_resolver(d.collector, resolve_nat, &d);
	if (collector_fd(d.collector) >= 0) {
		r = loop_add(d.loop, collector_fd(d.collector), EPOLLIN, on_tracker, &d);
		if (r < 0)
			goto out;
		r = loop_add_timer(d.loop, TRACKER_BATCH_POLL_MS, on_tracker_timer, &d);
		if (r < 0)
			goto out;
	}
	if (collector_fd(d.collector) >= 0) {
		/* a container that lives less than an interval is named by the cgroup made for it */
		r = cgroup_watch_new(o->tracker.btf_path, &d.cgroup_watch);
		if (r < 0)
			log_warning(
				"cannot watch cgroup creation (%s): containers that live less than an interval "
				"may stay unnamed",
				strerror(-r));
	}
	if (nat_new(&no, &d.nat, &why) < 0)
		log_warning(
			"%s, then restart the daemon; meanwhile connections through NAT (Docker's published ports, "
			"DNAT) are not paired with their other end",
			why.text);
	else if (loop_add(d.loop, nat_fd(d.nat), EPOLLIN, on_nat, &d) < 0)
		log_warning("continuing without NAT events (cannot add them to the loop)");

	r = loop_add_timer(d.loop, o->interval_ms, on_interval, &d);
	if (r < 0)
		goto out;
	d.naming_wait_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d.naming_wait_fd < 0 || loop_add(d.loop, d.naming_wait_fd, EPOLLIN, on_naming_wait, &d) < 0) {
		log_debug("no timer to wait for names (%m): reports do not wait for a container's name");
		closep(&d.naming_wait_fd);
	}
	r = drop_privileges();
	if (r < 0)
		goto out;
	make_report(&d, NULL);
	log_info("ctopo daemon %s ready: %s, a report every %.1f s on %s", CTOPO_VERSION,
		 o->no_ebpf ? "polling /proc (short-lived connections are not seen)" : "eBPF tracker",
		 o->interval_ms / 1000.0, o->socket_path);
	r = loop_run(d.loop);
	if (r < 0)
		log_error_errno(r, "the event loop failed: %m");
	else
		log_info("stopped");
out:
	daemon_teardown(&d);
	return r;
}
