/* SPDX-License-Identifier: Apache-2.0 */
/* The initial state: every TCP socket (established and listening, IPv4 and IPv6) in every
 * network namespace on the host (common/netns.h), with the process that holds it
 * (conns/sock_owners.h), fed into the connection table. Sockets come from sock_diag
 * (conns/inet_diag.h) or, in the --no-ebpf mode and as the fallback, /proc/PID/net/tcp{,6}. */
#ifndef CTOPO_SNAPSHOT_H
#define CTOPO_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/netns.h"
#include "conns/conntable.h"

/* The TCP states a snapshot asks for: open connections (what `ss -t` asks for, less SYN_RECV
 * request sockets no process holds) plus listeners (`ss -l`). Not ~0: that makes the kernel
 * walk the bind hash too. */
#define SNAPSHOT_CONN_STATES                                                                   \
	((1u << 1) /* ESTABLISHED */ | (1u << 4) /* FIN_WAIT1 */ | (1u << 5) /* FIN_WAIT2 */ | \
	 (1u << 8) /* CLOSE_WAIT */ | (1u << 9) /* LAST_ACK */ | (1u << 11) /* CLOSING */)
#define SNAPSHOT_LISTEN_STATES (1u << 10)

/* ---- the snapshot ---- */

enum snapshot_source {
	SNAPSHOT_SOCK_DIAG = 0,
	SNAPSHOT_PROC = 1, /* /proc/PID/net/tcp{,6}: the fallback and --no-ebpf */
};

struct snapshot_options {
	enum snapshot_source source;
	bool listeners_only; /* only listening sockets (cheap; the tracker reports no listener's close) */
	uint32_t only_netns; /* 0: all namespaces */
	FILE *raw_dump;      /* when set, every sock_diag reply is written here as received */
	const struct netns_list *namespaces; /* the host's namespaces; NULL: discovered here */
};

struct snapshot_stats {
	unsigned namespaces;
	unsigned namespaces_failed; /* vanished or refused; skipped */
	unsigned sockets;
	unsigned sockets_without_owner;
	unsigned malformed; /* messages or lines that did not parse; datagrams not from the kernel */
	bool legacy_dump;   /* the one-dump TCPDIAG_GETSOCK path was used */
	uint64_t duration_ns;
};

/* Take a snapshot into t as one sync (entries it no longer finds are closed). A namespace that
 * fails is skipped (debug message); only a failure that leaves nothing usable returns -errno. */
int snapshot_take(struct conntable *t, const struct snapshot_options *opts, struct snapshot_stats *ret_stats);

/* snapshot_take(), and when sock_diag fails (other than -ENOENT: no such namespace) the same from
 * /proc/PID/net/tcp; *ret_fell_back says so. Messages at debug level only: -EPERM or -EACCES
 * (not root) and -ENOENT (no namespace opts->only_netns) are the caller's to explain. */
int snapshot_take_or_proc(struct conntable *t, const struct snapshot_options *opts, struct snapshot_stats *ret_stats,
			  bool *ret_fell_back);

#endif
