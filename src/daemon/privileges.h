/* SPDX-License-Identifier: Apache-2.0 */
/* Least privilege for the daemon: once the BPF programs are loaded and attached and the sockets
 * are open, it keeps only the capabilities its loop still uses (docs/security.md):
 *   CAP_SYS_ADMIN        setns() into each network namespace, to dump its sockets (sock_diag,
 *                        each report and after lost events) and open conntrack in namespaces
 *                        that appear later; and, before Linux 6.5 with
 *                        kernel.unprivileged_bpf_disabled set, any bpf() call (the counters)
 *   CAP_SYS_PTRACE       /proc/PID/ns/ and /proc/PID/fd/ entries of processes that hold capabilities
 *                        the daemon no longer has (ptrace access mode read)
 *   CAP_DAC_READ_SEARCH  list /proc/PID/fd of processes of other users (mode 0500)
 *   CAP_NET_ADMIN        conntrack: dump (a re-dump after the event queue overflowed) and
 *                        subscribe to events in namespaces that appear later
 * Everything else goes, from the effective, permitted, inheritable, ambient and (when allowed:
 * CAP_SETPCAP) bounding sets, and no_new_privs is set: CAP_BPF, CAP_PERFMON and
 * CAP_SYS_RESOURCE were for loading BPF, CAP_CHOWN for the socket's group. */
#ifndef CTOPO_PRIVILEGES_H
#define CTOPO_PRIVILEGES_H

#include <linux/capability.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAP_BIT(cap) (1ull << (cap))
#define DAEMON_KEPT_CAPABILITIES \
	(CAP_BIT(CAP_SYS_ADMIN) | CAP_BIT(CAP_SYS_PTRACE) | CAP_BIT(CAP_DAC_READ_SEARCH) | CAP_BIT(CAP_NET_ADMIN))

struct privileges {
	uint64_t permitted; /* what the process holds now */
	uint64_t effective;
	uint64_t bounding;
	bool bounding_dropped; /* false: no CAP_SETPCAP; the bounding set was left as it was */
};

/* Keep only the capabilities in keep (a mask of CAP_BIT()s) that the process has. 0 and
 * *ret (may be NULL) or -errno when capset() fails (nothing is changed then). */
int privileges_drop(uint64_t keep, struct privileges *ret);

/* The process's sets now. 0 or -errno. */
int privileges_get(struct privileges *ret);

/* "sys_admin,net_admin" for a mask (names as capabilities(7) has them, without "cap_");
 * "none" for 0. */
void privileges_format(uint64_t mask, char *buf, size_t size);

#endif
