/* SPDX-License-Identifier: Apache-2.0 */
#include "tracker/tracker.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/errmsg.h"
#include "common/log.h"
#include "common/util.h"
#include "tracker.skel.h"
#include "tracker/event.h"

#define DEFAULT_BTF "/sys/kernel/btf/vmlinux"
#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"
#define TRACEPOINT_DIR "/events/sock/inet_sock_set_state"

struct tracker {
	struct tracker_bpf *skel;
	struct ring_buffer *rb;
	tracker_event_fn fn;
	void *userdata;
	uint64_t events;
	uint64_t malformed;
};

static bool libbpf_debug;

__attribute__((format(printf, 2, 0))) static int libbpf_print(enum libbpf_print_level level, const char *fmt,
							      va_list ap)
{
	/* our own message names the problem; libbpf's detail is for -v */
	(void)level;
	if (!libbpf_debug)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static bool path_exists(const char *p)
{
	return access(p, F_OK) == 0;
}

/* libbpf finds tracepoint ids in tracefs; mount it if the machine has not (as root we may). */
static int ensure_tracefs(struct errmsg *why)
{
	if (path_exists(TRACEFS TRACEPOINT_DIR) || path_exists(DEBUGFS_TRACING TRACEPOINT_DIR))
		return 0;
	if (!path_exists(TRACEFS "/events")) {
		if (mount("nodev", TRACEFS, "tracefs", 0, NULL) < 0 && errno != EBUSY)
			return errmsg_set(why, -errno,
					  "tracefs is not mounted and mounting it failed (%m): "
					  "run 'mount -t tracefs nodev " TRACEFS "' as root");
		if (path_exists(TRACEFS TRACEPOINT_DIR))
			return 0;
	}
	return errmsg_set(why, -ENOENT,
			  "the tracepoint sock:inet_sock_set_state is missing from " TRACEFS
			  "/events: "
			  "ctopo needs Linux >= 4.16 built with CONFIG_TRACEPOINTS (or use --no-ebpf where offered)");
}

/* Effective capabilities from /proc/self/status: checked first, so an unprivileged run gets
 * the privilege message rather than whatever tracefs or bpf() happen to refuse first. */
static bool have_bpf_privileges(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	bool found = false;

	if (!f)
		return true; /* cannot tell: let the kernel decide */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			found = true;
			break;
		}
	fclose(f);
	if (!found)
		return true;
	/* CAP_SYS_ADMIN (21), or CAP_BPF (39) with CAP_PERFMON (38) */
	return (caps & (1ULL << 21)) || ((caps & (1ULL << 39)) && (caps & (1ULL << 38)));
}

static int explain_load_error(int err, const char *btf_path, struct errmsg *why)
{
	if (err == -EACCES && geteuid() == 0)
		return errmsg_set(
			why, err,
			"the kernel's verifier rejected the BPF tracker (%m): this kernel and ctopo disagree; "
			"run with -v for the verifier log and report it");
	if (err == -EPERM || err == -EACCES) {
		struct rlimit rl;

		/* root in a container or under a manager that dropped the capabilities counts here */
		if (geteuid() != 0 || !have_bpf_privileges())
			return errmsg_set(
				why, err,
				"loading the BPF tracker was refused (%m): ctopo runs without CAP_BPF and CAP_PERFMON "
				"(or CAP_SYS_ADMIN); run it as root with its capabilities, or give it CAP_BPF, "
				"CAP_PERFMON, CAP_NET_ADMIN and CAP_SYS_PTRACE (CAP_SYS_ADMIN before Linux 5.8)");
		if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			return errmsg_set(why, err,
					  "loading the BPF tracker was refused (%m) and RLIMIT_MEMLOCK is %llu bytes: "
					  "on kernels before 5.11 raise it (ulimit -l unlimited)",
					  (unsigned long long)rl.rlim_cur);
		return errmsg_set(why, err,
				  "loading the BPF tracker was refused (%m): a security policy (lockdown, "
				  "kernel.unprivileged_bpf_disabled, seccomp, missing capabilities in a container) "
				  "blocks BPF; run with -v for libbpf's detail");
	}
	if (err == -ESRCH || err == -ENOENT || err == -EINVAL)
		return errmsg_set(
			why, err,
			"the BPF tracker does not fit this kernel (%m): relocating against the BTF at %s failed; "
			"pass the right BTF with --btf FILE, or run with -v for libbpf's detail",
			btf_path ? btf_path : DEFAULT_BTF);
	return errmsg_set(why, err, "loading the BPF tracker failed: %m (run with -v for libbpf's detail)");
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct tracker *t = ctx;
	struct ctopo_event ev;

	if (event_decode(data, size, &ev) < 0) {
		t->malformed++;
		log_debug("tracker: dropping a malformed sample of %zu bytes", size);
		return 0;
	}
	t->events++;
	return t->fn ? t->fn(&ev, t->userdata) : 0;
}

int tracker_new(const struct tracker_options *opts, tracker_event_fn fn, void *userdata, struct tracker **ret,
		struct errmsg *why)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	struct tracker_options defaults = { 0 };
	struct tracker *t;
	int r;

	if (!opts)
		opts = &defaults;
	libbpf_debug = opts->libbpf_debug;
	libbpf_set_print(libbpf_print);

	if (!have_bpf_privileges())
		return explain_load_error(-EPERM, NULL, why);

	/* First what no option can fix: without ring buffers (Linux < 5.8) the load would fail
	 * with an EINVAL that reads like a BTF mismatch. A probe that errors (not 0) decides nothing. */
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 0) {
		struct utsname u;

		return errmsg_set(why, -EOPNOTSUPP,
				  "this kernel (Linux %s) has no BPF ring buffer, which the tracker needs: it takes "
				  "Linux 5.8 or newer; upgrade the kernel, or use --no-ebpf where offered",
				  uname(&u) == 0 ? u.release : "?");
	}

	if (opts->btf_path) {
		if (!path_exists(opts->btf_path))
			return errmsg_set(why, -ENOENT, "the BTF file given with --btf (%s) does not exist",
					  opts->btf_path);
		open_opts.btf_custom_path = opts->btf_path;
	} else if (!path_exists(DEFAULT_BTF)) {
		return errmsg_set(why, -ENOENT,
				  "this kernel exposes no BTF at " DEFAULT_BTF
				  " (CONFIG_DEBUG_INFO_BTF is off): "
				  "pass a BTF file for this kernel with --btf FILE (for example from btfhub), "
				  "or use --no-ebpf where offered");
	}

	r = ensure_tracefs(why);
	if (r < 0)
		return r;

	t = calloc(1, sizeof(*t));
	if (!t)
		return errmsg_set(why, -ENOMEM, "out of memory");
	t->fn = fn;
	t->userdata = userdata;

	t->skel = tracker_bpf__open_opts(&open_opts);
	if (!t->skel) {
		r = explain_load_error(-errno, opts->btf_path, why);
		goto fail;
	}
	if (opts->ringbuf_bytes)
		bpf_map__set_max_entries(t->skel->maps.events, opts->ringbuf_bytes);
	if (opts->max_sockets)
		bpf_map__set_max_entries(t->skel->maps.socks, opts->max_sockets);
	if (opts->batch_wakeups)
		t->skel->rodata->wakeup_bytes = bpf_map__max_entries(t->skel->maps.events) / 4;

	r = tracker_bpf__load(t->skel);
	if (r) {
		r = explain_load_error(r < 0 ? r : -errno, opts->btf_path, why);
		goto fail;
	}
	r = tracker_bpf__attach(t->skel);
	if (r) {
		r = r < 0 ? r : -errno;
		if (r == -EPERM || r == -EACCES)
			explain_load_error(r, opts->btf_path, why);
		else
			errmsg_set(why, r,
				   "attaching the tracker to its tracepoints failed: %m "
				   "(is tracefs mounted at " TRACEFS "?)");
		goto fail;
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_sample, t, NULL);
	if (!t->rb) {
		r = errmsg_set(why, -errno, "opening the BPF ring buffer failed: %m");
		goto fail;
	}
	*ret = t;
	return 0;
fail:
	tracker_free(t);
	return r;
}

void tracker_free(struct tracker *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	tracker_bpf__destroy(t->skel);
	free(t);
}

int tracker_fd(const struct tracker *t)
{
	return ring_buffer__epoll_fd(t->rb);
}

int tracker_poll(struct tracker *t, int timeout_ms)
{
	int r = timeout_ms > 0 ? ring_buffer__poll(t->rb, timeout_ms) : ring_buffer__consume(t->rb);

	if (r == -EINTR)
		return 0;
	return r;
}

static int sum_stat(struct tracker *t, uint32_t key, uint64_t *ret)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *values, sum = 0;

	if (ncpus <= 0)
		return ncpus < 0 ? ncpus : -EINVAL;
	values = calloc(ncpus, sizeof(*values));
	if (!values)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.stats), &key, values) < 0) {
		int r = -errno;

		free(values);
		return r;
	}
	for (int i = 0; i < ncpus; i++)
		sum += values[i];
	free(values);
	*ret = sum;
	return 0;
}

/* How often the kernel skipped prog because it was already running on the same CPU (Linux 5.12
 * counts it; before, 0). */
static uint64_t recursion_misses(const struct bpf_program *prog)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) < 0)
		return 0;
	return info.recursion_misses;
}

int tracker_read_stats(struct tracker *t, struct tracker_stats *ret)
{
	uint64_t state_misses;
	struct tracker_stats s = { .events = t->events, .malformed = t->malformed };
	int r;

	for (uint32_t type = CTOPO_EV_CONNECT; type <= CTOPO_EV_CLOSE; type++) {
		r = sum_stat(t, type, &s.lost_by_type[type]);
		if (r < 0)
			return r;
		s.lost += s.lost_by_type[type];
	}
	r = sum_stat(t, CTOPO_STAT_SOCK_UNTRACKED, &s.untracked);
	if (r < 0)
		return r;
	r = sum_stat(t, CTOPO_STAT_STATE_NESTED, &s.nested);
	if (r < 0)
		return r;
	/* every skip of the state program is a change the nested one takes (bpf/tracker.bpf.c): what
	 * is left over was lost; the accept exits run in no other program's context, so their skips
	 * are lost too */
	state_misses = recursion_misses(t->skel->progs.on_inet_sock_set_state);
	s.skipped = (state_misses > s.nested ? state_misses - s.nested : 0) +
		    recursion_misses(t->skel->progs.on_sys_exit_accept4) +
		    recursion_misses(t->skel->progs.on_sys_exit_accept);
	if (t->skel->bss) /* not mapped before Linux 5.5 */
		s.edge_map_full = __atomic_load_n(&t->skel->bss->edge_map_full, __ATOMIC_RELAXED);
	*ret = s;
	return 0;
}

int tracker_drain_edge_counts(struct tracker *t, tracker_edge_fn fn, void *userdata)
{
	_cleanup_free_ struct ctopo_edge_key *keys = NULL;
	struct ctopo_edge_key key, *prev = NULL;
	size_t n = 0, cap = 0;
	uint32_t gen;
	int fd;

	if (!t->skel->bss) /* global data is mapped from Linux 5.5: no way to flip before */
		return -EOPNOTSUPP;
	gen = __atomic_load_n(&t->skel->bss->edge_gen, __ATOMIC_RELAXED);
	/* the map counted into until the previous call: no program writes it any more */
	fd = bpf_map__fd(gen & 1 ? t->skel->maps.edge_counts_0 : t->skel->maps.edge_counts_1);
	/* keys first, then read and delete: deleting while walking restarts the walk */
	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		if (n == cap) {
			size_t c = cap ? cap * 2 : 256;
			struct ctopo_edge_key *grown = realloc(keys, c * sizeof(*grown));

			if (!grown)
				return -ENOMEM;
			keys = grown;
			cap = c;
		}
		keys[n] = key;
		prev = &keys[n++];
	}
	for (size_t i = 0; i < n; i++) {
		struct ctopo_edge_counts counts;

		if (bpf_map_lookup_elem(fd, &keys[i], &counts) < 0)
			continue;
		if (bpf_map_delete_elem(fd, &keys[i]) < 0)
			log_debug("tracker: cannot empty an edge counter: %m");
		fn(&keys[i], &counts, userdata);
	}
	__atomic_store_n(&t->skel->bss->edge_gen, gen ^ 1, __ATOMIC_RELAXED);
	return (int)n;
}
