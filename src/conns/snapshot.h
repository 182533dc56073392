/* SPDX-License-Identifier: Apache-2.0 */
/* The initial state: every TCP socket (established and listening, IPv4 and IPv6) in every
 * network namespace on the host, with the process that holds it, fed into the connection table.
 *
 * Namespaces come from /proc/PID/ns/net, /run/netns/ and /var/run/docker/netns/. Each is entered
 * with setns() just long enough to open a NETLINK_SOCK_DIAG socket (the socket stays bound to the
 * namespace it was made in), then we return: single-threaded, no helper threads. One legacy
 * TCPDIAG_GETSOCK dump per namespace covers IPv4 and IPv6 together (the cheapest dump measured
 * here); per-family SOCK_DIAG_BY_FAMILY dumps are the fallback. Socket inode -> pid/comm/mntns
 * comes from one walk of /proc/PID/fd per snapshot. The --no-ebpf mode reads /proc/PID/net/tcp{,6}
 * instead of netlink. */
#ifndef CTOPO_SNAPSHOT_H
#define CTOPO_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "conns/conntable.h"

/* The TCP states a snapshot asks for: open connections (what `ss -t` asks for, less SYN_RECV
 * request sockets no process holds) plus listeners (`ss -l`). Not ~0: that makes the kernel
 * walk the bind hash too. */
#define SNAPSHOT_CONN_STATES                                                                   \
	((1u << 1) /* ESTABLISHED */ | (1u << 4) /* FIN_WAIT1 */ | (1u << 5) /* FIN_WAIT2 */ | \
	 (1u << 8) /* CLOSE_WAIT */ | (1u << 9) /* LAST_ACK */ | (1u << 11) /* CLOSING */)
#define SNAPSHOT_LISTEN_STATES (1u << 10)

/* ---- network namespaces ---- */

struct netns_entry {
	uint32_t inode;
	int fd;    /* open on the namespace (O_RDONLY), for setns() */
	pid_t pid; /* one process inside, 0 when only a bind mount keeps it */
};

struct netns_list {
	struct netns_entry *v;
	size_t n;
};

/* Every distinct network namespace; unreadable entries are skipped with a debug message. */
int netns_discover(struct netns_list *ret);
void netns_list_clear(struct netns_list *l);

/* ---- inet_diag messages ---- */

struct diag_sock {
	uint16_t family; /* as the kernel gives it (AF_INET or AF_INET6, not normalised) */
	uint8_t state;   /* TCP state number (1 ESTABLISHED ... 10 LISTEN) */
	uint16_t local_port;
	uint16_t remote_port;
	uint8_t local_addr[16]; /* network byte order; IPv4 in the first 4 bytes */
	uint8_t remote_addr[16];
	uint32_t uid;
	uint64_t inode;
	uint64_t cgroup_id; /* INET_DIAG_CGROUP_ID when the kernel sends it, else 0 */
};

typedef int (*diag_sock_fn)(const struct diag_sock *sock, void *userdata);

/* Parse a buffer of netlink messages as a sock_diag dump returns them (TCPDIAG_GETSOCK or
 * SOCK_DIAG_BY_FAMILY replies). fn is called per socket; a non-zero return stops the parse and
 * is returned. Returns 1 when more messages are expected, 0 at the end of the dump (NLMSG_DONE),
 * -errno for an NLMSG_ERROR or a broken buffer. Short messages are counted in *malformed. */
int inet_diag_parse(const void *buf, size_t len, diag_sock_fn fn, void *userdata, unsigned *malformed);

/* ---- socket owners ---- */

struct sock_owner {
	uint32_t pid;
	uint32_t mntns;
	char comm[16];
};

struct sock_owners;

/* One walk of /proc/PID/fd: socket inode -> the lowest pid holding it (the parent of a forked
 * server rather than each child). Processes that vanish or refuse are skipped. */
int sock_owners_scan(struct sock_owners **ret);
const struct sock_owner *sock_owners_find(const struct sock_owners *o, uint64_t inode);
size_t sock_owners_count(const struct sock_owners *o);
void sock_owners_free(struct sock_owners *o);

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
};

struct snapshot_stats {
	unsigned namespaces;
	unsigned namespaces_failed; /* vanished or refused; skipped */
	unsigned sockets;
	unsigned sockets_without_owner;
	unsigned malformed; /* messages or lines that did not parse */
	bool legacy_dump;   /* the one-dump TCPDIAG_GETSOCK path was used */
	uint64_t duration_ns;
};

/* Take a snapshot into t as one sync (entries it no longer finds are closed). A namespace that
 * fails is skipped (debug message); only a failure that leaves nothing usable returns -errno. */
int snapshot_take(struct conntable *t, const struct snapshot_options *opts, struct snapshot_stats *ret_stats);

#endif
