/* SPDX-License-Identifier: Apache-2.0 */
/* ctopo daemon: the long-running tracker (see daemon.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "common/util.h"
#include "containers/docker.h"
#include "daemon/daemon.h"
#include "daemon/ipc.h"
#include "hook/oci_state.h"

static void daemon_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctopo daemon [OPTIONS]\n"
		"\n"
		"Track every TCP connection on this host with eBPF, name containers (the Docker Engine API\n"
		"of Docker and of podman, and the OCI hook's records), resolve NAT with conntrack, and serve\n"
		"a report every interval on a unix socket to `ctopo ps`, `ctopo graph` and `ctopo stats`.\n"
		"Runs until SIGTERM or SIGINT.\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH        the socket to serve (default " IPC_DEFAULT_SOCKET
		", mode 0660,\n"
		"                           group ctopo when that group exists)\n"
		"  -i, --interval SECONDS   seconds between reports (default 3; fractions allowed)\n"
		"      --state-dir DIR      the OCI hook's records (default " OCI_STATE_DEFAULT_DIR
		")\n"
		"      --docker-host URL    unix:///PATH of the Docker Engine (default: $DOCKER_HOST, else\n"
		"                           unix:///var/run/docker.sock)\n"
		"      --no-docker          do not ask Docker for names (same as --docker-host none)\n"
		"      --podman-host URL    unix:///PATH of podman's Docker-compatible API (default:\n"
		"                           $CONTAINER_HOST, else " PODMAN_DEFAULT_HOST
		"; none: do not\n"
		"                           ask podman; a socket that is not there is retried quietly)\n"
		"      --no-ebpf            poll /proc/PID/net/tcp each interval instead of the BPF tracker\n"
		"                           (short-lived connections are not seen in this mode)\n"
		"      --retention SECONDS  how long stopped containers keep their names (default 300)\n"
		"      --max-conns N        bound of the connection table (default 262144)\n"
		"      --history DURATION   how long edges (who talked to whom) are remembered: 90s, 15m,\n"
		"                           1h (default 1h); buckets are 1 s for the last minute, then 1 min\n"
		"      --max-edges N        bound of the edge store; the least recently active edge goes\n"
		"                           first, counted in stats (default 50000)\n"
		"      --ringbuf-bytes N    the BPF ring buffer size, a power of two (default 2 MiB)\n"
		"      --btf FILE           the kernel's BTF, when /sys/kernel/btf/vmlinux is missing\n"
		"      --syslog             log to syslog instead of stderr\n"
		"  -v, --verbose            debug messages\n"
		"  -h, --help               this text\n"
		"\n"
		"Examples:\n"
		"  ctopo daemon &                  # then: ctopo ps, ctopo graph, ctopo stats\n"
		"  ctopo daemon --interval 1 -v\n"
		"  ctopo daemon --no-ebpf          # where BPF cannot load\n");
}

int cmd_daemon(int argc, char **argv)
{
	enum {
		OPT_STATE_DIR = 256,
		OPT_DOCKER_HOST,
		OPT_NO_DOCKER,
		OPT_PODMAN_HOST,
		OPT_NO_EBPF,
		OPT_RETENTION,
		OPT_MAX_CONNS,
		OPT_RINGBUF,
		OPT_BTF,
		OPT_SYSLOG,
		OPT_HISTORY,
		OPT_MAX_EDGES
	};
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "docker-host", required_argument, NULL, OPT_DOCKER_HOST },
		{ "no-docker", no_argument, NULL, OPT_NO_DOCKER },
		{ "podman-host", required_argument, NULL, OPT_PODMAN_HOST },
		{ "no-ebpf", no_argument, NULL, OPT_NO_EBPF },
		{ "retention", required_argument, NULL, OPT_RETENTION },
		{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "ringbuf-bytes", required_argument, NULL, OPT_RINGBUF },
		{ "history", required_argument, NULL, OPT_HISTORY },
		{ "max-edges", required_argument, NULL, OPT_MAX_EDGES },
		{ "btf", required_argument, NULL, OPT_BTF },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct daemon_options o = { .socket_path = IPC_DEFAULT_SOCKET,
				    .state_dir = OCI_STATE_DEFAULT_DIR,
				    .interval_ms = 3000,
				    .retention_ms = 300000 };
	unsigned long long v;
	double seconds;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "s:i:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.socket_path = optarg;
			break;
		case 'i':
			seconds = strtod(optarg, &end);
			if (*end || seconds < 0.1 || seconds > 3600) {
				log_error("--interval wants seconds between 0.1 and 3600, not '%s'", optarg);
				return 2;
			}
			o.interval_ms = (uint32_t)(seconds * 1000);
			break;
		case OPT_STATE_DIR:
			o.state_dir = optarg;
			break;
		case OPT_DOCKER_HOST:
			o.docker_host = optarg;
			break;
		case OPT_NO_DOCKER:
			o.no_docker = true;
			break;
		case OPT_PODMAN_HOST:
			o.podman_host = optarg;
			break;
		case OPT_NO_EBPF:
			o.no_ebpf = true;
			break;
		case OPT_RETENTION:
			if (parse_u64(optarg, 86400 * 365, &v) < 0) {
				log_error("--retention wants seconds, not '%s'", optarg);
				return 2;
			}
			o.retention_ms = v * 1000;
			break;
		case OPT_MAX_CONNS:
			if (parse_u64(optarg, 100000000, &v) < 0 || v < 16) {
				log_error("--max-conns wants a number from 16, not '%s'", optarg);
				return 2;
			}
			o.max_conns = v;
			break;
		case OPT_RINGBUF:
			if (parse_u64(optarg, 1u << 30, &v) < 0 || v < 4096 || (v & (v - 1))) {
				log_error("--ringbuf-bytes wants a power of two from 4096, not '%s'", optarg);
				return 2;
			}
			o.tracker.ringbuf_bytes = v;
			break;
		case OPT_HISTORY:
			if (parse_duration(optarg, 7 * 86400 * 1000000000ull, &v) < 0 || v < 60 * 1000000000ull) {
				log_error("--history wants a duration from 60s to 7d (90s, 15m, 1h), not '%s'", optarg);
				return 2;
			}
			o.history_ns = v;
			break;
		case OPT_MAX_EDGES:
			if (parse_u64(optarg, 100000000, &v) < 0 || v < 16) {
				log_error("--max-edges wants a number from 16, not '%s'", optarg);
				return 2;
			}
			o.max_edges = v;
			break;
		case OPT_BTF:
			o.tracker.btf_path = optarg;
			break;
		case OPT_SYSLOG:
			log_open_syslog("ctopo");
			break;
		case 'v':
			o.tracker.libbpf_debug = true;
			log_set_max_level(LOG_DEBUG);
			break;
		case 'h':
			daemon_usage(stdout);
			return 0;
		default:
			daemon_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	return daemon_run(&o) < 0 ? 1 : 0;
}
