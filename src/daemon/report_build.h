/* SPDX-License-Identifier: Apache-2.0 */
/* Assemble one report from the live parts: the connection table's copy, the NAT table, the
 * container registry and every network namespace's addresses. */
#ifndef CTOPO_REPORT_BUILD_H
#define CTOPO_REPORT_BUILD_H

#include <stdint.h>

#include "common/netns.h"
#include "conns/conntable.h"
#include "containers/containers.h"
#include "edges/edges.h"
#include "net/nat.h"
#include "net/netinfo.h"
#include "report/report.h"

struct report_sources {
	const struct conn_report *conns;     /* required */
	const struct nat *nat;               /* NULL: no NAT information */
	const struct containers *containers; /* NULL: no container names */
	const struct netns_list *namespaces; /* NULL: discovered here */
	struct netinfo_cache *addresses;     /* NULL: every namespace's addresses read afresh */
	const struct edges *edges;           /* NULL: no edges (a snapshot) */
};

/* 0 or -ENOMEM; what cannot be read (a namespace gone) is skipped with a debug message. */
int report_build(const struct report_sources *s, struct report **ret);

/* The host's network namespace inode (/proc/self/ns/net; /proc/1/ns/net may be refused). */
uint32_t host_netns_inode(void);

#endif
