/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* The event record shared by bpf/tracker.bpf.c and src/tracker/tracker.c.
 * Fixed-width fields only: the same bytes are written by the kernel and read by user space. */
#ifndef CTOPO_EVENT_H
#define CTOPO_EVENT_H

#ifndef __KERNEL_TYPES_DEFINED
#include <linux/types.h>
#endif

#define CTOPO_COMM_LEN 16

enum ctopo_event_type {
	CTOPO_EV_CONNECT = 1,        /* SYN_SENT -> ESTABLISHED; pid of the connect() caller */
	CTOPO_EV_CONNECT_FAILED = 2, /* SYN_SENT -> CLOSE (refused, timed out, unreachable) */
	CTOPO_EV_ACCEPT = 3,         /* exit of accept()/accept4(); pid of the accepting process */
	CTOPO_EV_CLOSE = 4,          /* any established-or-later state -> CLOSE */
};

/* Which end of the connection this socket is; known from how we first saw it. */
enum ctopo_direction {
	CTOPO_DIR_UNKNOWN = 0,  /* the socket existed before the tracker started */
	CTOPO_DIR_OUTBOUND = 1, /* we connected */
	CTOPO_DIR_INBOUND = 2,  /* we accepted */
};

struct ctopo_event {
	__u64 ts_ns;          /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 cgroup_id;      /* cgroup v2 id of the process; 0 when no process context */
	__u64 bytes_sent;     /* close only: payload bytes sent (retransmissions not counted twice) */
	__u64 bytes_received; /* close only: payload bytes received */
	__u64 duration_ns;    /* close and connect_failed: since the first state change seen */
	__u32 pid;            /* tgid; 0 when unknown (socket predates the tracker) */
	__u32 tid;
	__u32 netns;    /* network namespace inode, read from the socket */
	__u32 mntns;    /* mount namespace inode of the process; 0 when unknown */
	__u8 saddr[16]; /* this socket's end; IPv4 in the first 4 bytes; network byte order */
	__u8 daddr[16]; /* the peer */
	__u16 sport;    /* host byte order */
	__u16 dport;
	__u16 family;   /* AF_INET or AF_INET6 */
	__u8 type;      /* enum ctopo_event_type */
	__u8 direction; /* enum ctopo_direction */
	__s32 error;    /* connect_failed: sk_err (e.g. ECONNREFUSED), else 0 */
	char comm[CTOPO_COMM_LEN];
};

/* Index of the counters in the per-CPU "stats" array. Events lost to a full ring buffer are
 * counted per event type (index = enum ctopo_event_type), so a shortfall can be accounted exactly. */
enum ctopo_stat {
	CTOPO_STAT_LOST_CONNECT = CTOPO_EV_CONNECT,
	CTOPO_STAT_LOST_CONNECT_FAILED = CTOPO_EV_CONNECT_FAILED,
	CTOPO_STAT_LOST_ACCEPT = CTOPO_EV_ACCEPT,
	CTOPO_STAT_LOST_CLOSE = CTOPO_EV_CLOSE,
	CTOPO_STAT_SOCK_UNTRACKED = 5, /* connect/failed seen without its SYN_SENT: pid unknown */
	CTOPO_STAT_STATE_NESTED = 6,   /* state changes the nested program handled (bpf/tracker.bpf.c) */
	CTOPO_STAT_MAX = 7,
};

#endif
