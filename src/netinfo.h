/* SPDX-License-Identifier: Apache-2.0 */
/* What a network namespace calls local: its interface addresses with their prefix lengths, read
 * with rtnetlink (RTM_GETADDR). The renderer uses them to tell "The Internet" from a local host
 * nobody we know owns; the host's bridges (docker0, br-*) cover Docker's networks. */
#ifndef CTOPO_NETINFO_H
#define CTOPO_NETINFO_H

#include <stddef.h>

#include "report.h"

typedef int (*netinfo_prefix_fn)(const struct report_prefix *p, void *userdata);

/* Parse an RTM_GETADDR dump reply buffer: fn per address. 1 when more messages are expected,
 * 0 at NLMSG_DONE, -errno for an NLMSG_ERROR or a broken buffer. */
int netinfo_parse_addr_dump(const void *buf, size_t len, netinfo_prefix_fn fn, void *userdata);

/* Append the addresses of the namespace open at netns_fd (-1: the caller's own) to ns. */
int netinfo_read_prefixes(int netns_fd, struct report_netns *ns);

#endif
