/* SPDX-License-Identifier: Apache-2.0 */
/* What a network namespace calls local: its interface addresses with their prefix lengths, read
 * with rtnetlink (RTM_GETADDR). The renderer uses them to tell "The Internet" from a local host
 * nobody we know owns; the host's bridges (docker0, br-*) cover Docker's networks. */
#ifndef CTOPO_NETINFO_H
#define CTOPO_NETINFO_H

#include <stddef.h>
#include <stdint.h>

#include "report/report.h"

typedef int (*netinfo_prefix_fn)(const struct report_prefix *p, void *userdata);

/* Parse an RTM_GETADDR dump reply buffer: fn per address. 1 when more messages are expected,
 * 0 at NLMSG_DONE, -errno for an NLMSG_ERROR or a broken buffer. */
int netinfo_parse_addr_dump(const void *buf, size_t len, netinfo_prefix_fn fn, void *userdata);

/* Append the addresses of the namespace open at netns_fd (-1: the caller's own) to ns. */
int netinfo_read_prefixes(int netns_fd, struct report_netns *ns);

/* Addresses change rarely and entering a namespace costs ~2 ms: a daemon keeps them for a while
 * instead of re-reading every namespace every interval. */
struct netinfo_cache;

int netinfo_cache_new(uint64_t max_age_ms, struct netinfo_cache **ret);
void netinfo_cache_free(struct netinfo_cache *c);
/* Like netinfo_read_prefixes, from the cache when the inode's entry is younger than max_age,
 * still the same namespace (its nsfs inode, open at netns_fd, is the one read then) and settled:
 * its last two reads found the same addresses, more than loopback (a container's namespace exists
 * before its runtime gives it an address). */
int netinfo_cache_read(struct netinfo_cache *c, uint32_t inode, int netns_fd, struct report_netns *ns);
/* Forget namespaces not read since the previous call (they are gone; inodes get reused). */
void netinfo_cache_sweep(struct netinfo_cache *c);

#endif
