/* SPDX-License-Identifier: (GPL-2.0-only OR Apache-2.0) */
/* The per-edge counters the tracker keeps in the kernel, shared by bpf/tracker.bpf.c and
 * src/edges: how many connections each (process, server) pair opened, failed and closed, counted
 * where they happen, so the counts stay exact when the ring buffer overflows.
 *
 * The key is what the kernel knows at the event: the socket's network namespace, the process
 * (mount namespace, cgroup, comm) and the server it talked to: the dialled address and port for a
 * client, the local port for a server. User space resolves keys to containers and servers. */
#ifndef CTOPO_EDGE_H
#define CTOPO_EDGE_H

#ifndef __KERNEL_TYPES_DEFINED
#include <linux/types.h>
#endif

#define CTOPO_EDGE_COMM_LEN 16

enum ctopo_edge_role {
	CTOPO_EDGE_CLIENT = 1, /* we connected: addr/port is the server we dialled */
	CTOPO_EDGE_SERVER = 2, /* we accepted: port is our local port, addr is zero */
};

/* Hashed as bytes on both sides: every byte is written (pad and the tail of comm are zero). */
struct ctopo_edge_key {
	__u64 cgroup_id;
	__u32 netns;
	__u32 mntns;
	__u8 addr[16]; /* client: the dialled server address (IPv4 in the first 4 bytes); server: 0 */
	__u16 port;    /* client: the dialled server port; server: the local port (host order) */
	__u16 family;  /* AF_INET or AF_INET6 (user space: v4-mapped is AF_INET, a server's is 0) */
	__u8 role;     /* enum ctopo_edge_role */
	__u8 pad[3];
	char comm[CTOPO_EDGE_COMM_LEN];
};

/* Counters of one key since the map was last drained. */
struct ctopo_edge_counts {
	__u64 opened;    /* connect() established (client) or accept() returned it (server) */
	__u64 refused;   /* connect() failed with ECONNREFUSED */
	__u64 timed_out; /* connect() failed with ETIMEDOUT */
	__u64 failed;    /* connect() failed otherwise (unreachable, reset, ...) */
	__u64 closed;    /* an established connection closed */
};

/* Two maps take turns (the .bss variable edge_gen picks the one counted into): user space flips
 * edge_gen, waits an interval so that no program still writes the other one, then reads and
 * empties it. Nothing is counted twice and nothing is lost between a read and a delete. */
#define CTOPO_EDGE_MAP_ENTRIES 16384

#endif
