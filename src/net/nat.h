/* SPDX-License-Identifier: Apache-2.0 */
/* What NAT did to each TCP flow, per network namespace, from conntrack (libnetfilter_conntrack
 * over libmnl): a dump at start plus a NEW/UPDATE/DESTROY subscription, keeping only flows that
 * were actually translated (IPS_SRC_NAT or IPS_DST_NAT). The kernel filters what it can: the
 * dump by status (CTA_STATUS with a mask), the events by protocol (a socket filter the library
 * builds); the rest is filtered here. A full event queue (ENOBUFS) triggers a fresh dump of that
 * namespace, counted as a resync, never a failure (Scope died there: scope#1137). Only the kernel
 * is believed: whatever another process sends to our sockets is dropped and counted. */
#ifndef CTOPO_NAT_H
#define CTOPO_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/errmsg.h"

#include "common/netns.h"
#include "conns/conntable.h"

struct nat_endpoint {
	uint16_t family;
	uint16_t port;
	uint8_t addr[16];
};

/* A socket's view of a translated flow. */
struct nat_translation {
	uint32_t netns;  /* the namespace whose conntrack translated the flow */
	bool dnat, snat; /* what the flow underwent */
	bool originator; /* this socket opened the flow (a client); else it answered it */
	/* the other end with NAT undone: for a client, the address a DNAT really sent it to; for a
	 * server, the client's own address before SNAT/masquerade */
	struct nat_endpoint peer;
	/* this end as the other side sees it: for a client, its address after SNAT; for a server,
	 * the (published) address the client asked for before DNAT */
	struct nat_endpoint local;
};

struct nat_options {
	bool subscribe;                      /* follow NEW/UPDATE/DESTROY events (else: one dump only) */
	uint32_t rcvbuf_bytes;               /* event socket receive buffer; 0: 8 MiB */
	uint32_t only_netns;                 /* 0: every namespace */
	const struct netns_list *namespaces; /* to open at the start; NULL: discovered by nat_new() */
};

struct nat_stats {
	uint64_t flows;      /* NATed TCP flows known now */
	uint64_t events;     /* conntrack events read */
	uint64_t resyncs;    /* re-dumps after the event queue overflowed (ENOBUFS) */
	uint64_t rejected;   /* datagrams dropped because the kernel did not send them */
	uint64_t unexpected; /* messages of a type a conntrack socket should not get, skipped */
	unsigned namespaces;
	unsigned namespaces_failed;
};

struct nat;

/* Open conntrack in every network namespace and dump. A namespace that cannot be read is skipped
 * (debug message); conntrack missing altogether (no nfnetlink) is -EPROTONOSUPPORT. On failure
 * why says what failed and what to do, for the caller, who decides what going without NAT means. */
int nat_new(const struct nat_options *opts, struct nat **ret, struct errmsg *why);
void nat_free(struct nat *n);

/* One fd for the caller's loop (an epoll set of every namespace's event socket): readable when
 * nat_process() has something to read. It stays the same for the life of n. */
int nat_fd(const struct nat *n);

/* Read everything waiting without blocking; a namespace whose events overflowed (ENOBUFS) is
 * dumped again. 0 or the first -errno. */
int nat_process(struct nat *n);

/* Pick up namespaces that appeared and let go of the ones gone (our sockets would keep a dead
 * namespace alive). Call it each interval with that interval's namespaces (NULL: discovered
 * here). 0 or -errno. */
int nat_update_namespaces(struct nat *n, const struct netns_list *namespaces);

/* The translation a socket's flow underwent: its own namespace's conntrack first, then any other
 * (masquerade happens in the host namespace, the socket lives in a container's) unless one end is
 * loopback. 0, or -ENOENT when the flow was not translated. */
int nat_lookup(const struct nat *n, const struct conn_key *key, struct nat_translation *ret);

void nat_get_stats(const struct nat *n, struct nat_stats *ret);

/* Apply a buffer of ctnetlink messages (a dump's replies or events) as if read from netns.
 * Returns 1 when more is expected, 0 at the end of a dump, -errno on a netlink error. */
int nat_apply_netlink(struct nat *n, uint32_t netns, const void *buf, size_t len);

/* An empty table, for nat_apply_netlink() without any socket (tests). */
int nat_new_empty(struct nat **ret);

#endif
