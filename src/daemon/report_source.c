/* SPDX-License-Identifier: Apache-2.0 */
#include "daemon/report_source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/netns.h"
#include "common/util.h"
#include "conns/snapshot.h"
#include "containers/containers.h"
#include "containers/docker.h"
#include "containers/hook_records.h"
#include "daemon/ipc.h"
#include "daemon/report_build.h"
#include "hook/oci_state.h"
#include "net/nat.h"
#include "report/report_json.h"

#define DAEMON_TIMEOUT_MS 10000
#define DOCKER_ONESHOT_TIMEOUT_MS 5000

/* The names one engine's socket gives. A podman socket that is not there is the usual case (podman
 * runs without a service): said with -v only. */
static void load_engine(struct containers *reg, enum docker_engine engine, const char *host)
{
	struct docker_client_options dopt = { .engine = engine, .host = host, .watch_events = false };
	struct docker_client *dc = NULL;
	int r;

	if (docker_host_is_none(host))
		return;
	r = docker_client_new(&dopt, reg, &dc);
	if (r == 0)
		r = docker_client_wait_synced(dc, DOCKER_ONESHOT_TIMEOUT_MS);
	if (r < 0 && engine == DOCKER_ENGINE_PODMAN)
		log_msg(r == -ENOENT ? LOG_DEBUG : LOG_WARNING,
			"podman's API at %s does not answer (%s): this snapshot names podman containers from the "
			"OCI hook's records only; run `podman system service --time 0`, point --podman-host at its "
			"socket, or pass --podman-host none",
			dc ? docker_client_host(dc) : "?",
			dc && *docker_client_last_error(dc) ? docker_client_last_error(dc) : strerror(-r));
	else if (r < 0)
		log_warning(
			"no Docker Engine at %s (%s): this snapshot names containers from the OCI hook's records "
			"only; start dockerd, point --docker-host at its socket, or pass --no-docker",
			dc ? docker_client_host(dc) : "?",
			dc && *docker_client_last_error(dc) ? docker_client_last_error(dc) : strerror(-r));
	docker_client_free(dc);
}

int report_snapshot(const struct report_source_options *o, struct report **ret)
{
	struct netns_list namespaces = { 0 };
	int listed = netns_discover(&namespaces);
	/* the namespaces, listed once for the sockets, NAT and the addresses (each tries again itself
	 * when that failed here, which is said once, here) */
	const struct netns_list *ns = listed == 0 ? &namespaces : NULL;
	struct snapshot_options so = { .source = o->no_ebpf ? SNAPSHOT_PROC : SNAPSHOT_SOCK_DIAG, .namespaces = ns };
	struct nat_options no = { .subscribe = false, .namespaces = ns };
	struct report_sources src = { 0 };
	struct conntable *table = NULL;
	struct containers *reg = NULL;
	struct nat *nat = NULL;
	struct conn_report conns = { 0 };
	struct snapshot_stats st;
	struct errmsg why = { "" };
	bool fell_back;
	int r;

	if (listed < 0)
		log_error_errno(listed, "cannot list the network namespaces in /proc: %m");
	r = conntable_new(0, &table);
	if (r < 0) {
		log_error_errno(r, "cannot make the connection table: %m");
		goto out;
	}
	r = snapshot_take_or_proc(table, &so, &st, &fell_back);
	if (r < 0)
		goto out; /* report_fetch says why */
	r = conntable_take_report(table, clock_mono_ns(), &conns);
	if (r < 0)
		goto out;
	if (nat_new(&no, &nat, &why) < 0)
		log_warning(
			"%s; this snapshot does not pair connections through NAT (Docker's published ports, "
			"DNAT) with their other end",
			why.text);
	r = containers_new(0, &reg);
	if (r < 0)
		goto out;
	hook_records_load(reg, o->state_dir ? o->state_dir : OCI_STATE_DEFAULT_DIR);
	if (!o->no_docker)
		load_engine(reg, DOCKER_ENGINE_DOCKER, o->docker_host);
	load_engine(reg, DOCKER_ENGINE_PODMAN, o->podman_host);
	src = (struct report_sources){ .conns = &conns, .nat = nat, .containers = reg, .namespaces = ns };
	r = report_build(&src, ret);
	if (r < 0)
		log_error_errno(r, "cannot build the report: %m");
out:
	conn_report_free(&conns);
	nat_free(nat);
	containers_free(reg);
	conntable_free(table);
	netns_list_clear(&namespaces);
	return r;
}

bool report_source_option(struct report_source_options *o, int c, const char *arg)
{
	switch (c) {
	case REPORT_SOURCE_OPT_SOCKET:
		o->socket_path = arg;
		return true;
	case REPORT_SOURCE_OPT_NO_DAEMON:
		o->no_daemon = true;
		return true;
	case REPORT_SOURCE_OPT_NO_EBPF:
		o->no_ebpf = true;
		return true;
	case REPORT_SOURCE_OPT_DOCKER_HOST:
		o->docker_host = arg;
		return true;
	case REPORT_SOURCE_OPT_NO_DOCKER:
		o->no_docker = true;
		return true;
	case REPORT_SOURCE_OPT_PODMAN_HOST:
		o->podman_host = arg;
		return true;
	default:
		return false;
	}
}

/* The one line a user sees when there is no report: what failed and what to do. */
static void explain_no_report(const struct report_source_options *o, const char *path, int daemon_r, int r)
{
	if (r != -EPERM && r != -EACCES)
		log_error_errno(r, "cannot take a snapshot of TCP sockets: %m");
	else if (daemon_r == -EACCES)
		log_error(
			"the ctopo daemon at %s answers root and the group ctopo only, and a snapshot without it "
			"needs root: run as root, or join the group ctopo",
			path);
	else if (o->no_daemon)
		log_error(
			"a snapshot of every process's sockets needs root: run as root, or leave out "
			"--no-daemon and ask a running `ctopo daemon` (as root or in the group ctopo)");
	else
		log_error(
			"no ctopo daemon answers on %s, and a snapshot without it needs root: run as root, or "
			"start `ctopo daemon` and ask it as root or in the group ctopo",
			path);
}

int report_fetch(const struct report_source_options *o, struct report **ret, bool *ret_from_daemon)
{
	const char *path = o->socket_path ? o->socket_path : IPC_DEFAULT_SOCKET;
	_cleanup_free_ char *buf = NULL;
	char err[256] = "";
	size_t len;
	int r, daemon_r = -ENOENT;
	bool unreadable = false;

	*ret_from_daemon = false;
	if (!o->no_daemon) {
		daemon_r = ipc_request(path, IPC_REQ_REPORT, DAEMON_TIMEOUT_MS, &buf, &len);
		if (daemon_r == 0) {
			daemon_r = report_parse_json(buf, len, ret, err, sizeof(err));
			if (daemon_r == 0) {
				*ret_from_daemon = true;
				return 0;
			}
			unreadable = true;
		}
		log_debug_errno(daemon_r, "no report from the daemon at %s: %m", path);
	}
	r = report_snapshot(o, ret);
	if (r < 0) {
		explain_no_report(o, path, daemon_r, r);
		return r;
	}
	/* the snapshot stands in; a daemon that is there but did not serve is worth saying */
	if (daemon_r == -EACCES)
		log_warning("the daemon at %s refused us (root or the group ctopo only); this is a snapshot instead",
			    path);
	else if (unreadable)
		log_warning("the daemon at %s sent a report this ctopo cannot read (%s); this is a snapshot instead",
			    path, err[0] ? err : strerror(-daemon_r));
	else if (daemon_r != -ENOENT && daemon_r != -ECONNREFUSED)
		log_warning("the daemon at %s did not answer (%s); this is a snapshot instead", path,
			    strerror(-daemon_r));
	return 0;
}

int report_source_parse_since(const char *arg, uint64_t *ret_ns)
{
	unsigned long long v;

	if (parse_duration(arg, 30ull * 86400 * 1000000000ull, &v) < 0 || v < 1000000000ull) {
		log_error("--since wants a duration from 1s (30s, 5m, 1h), not '%s'", arg);
		return -EINVAL;
	}
	*ret_ns = v;
	return 0;
}

void report_source_check_since(const struct report *r, bool from_daemon, uint64_t since_ns)
{
	if (!from_daemon) {
		if (since_ns)
			log_warning("--since: a snapshot shows open connections only; the window needs `ctopo daemon`");
		return;
	}
	if (since_ns && r->history_s > 0 && since_ns / 1e9 > r->history_s)
		log_warning("--since: the daemon remembers %.0f s (its --history); the window is cut there",
			    r->history_s);
}
