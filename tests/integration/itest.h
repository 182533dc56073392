/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the C integration tests: privileges, network namespaces, child processes. */
#ifndef CTOPO_ITEST_H
#define CTOPO_ITEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Exit 77 (meson: skipped) with the reason when not root; exit 1 when CI=true, where a skip
 * would hide a test that never ran. */
void itest_require_root(const char *test_name);

/* Run a shell command; returns its exit status (or -1). The command is echoed on failure. */
int itest_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Mount tracefs when missing (the tracker needs it). */
void itest_ensure_tracefs(void);

/* `ip netns add NAME` (deleting a stale one first); returns the namespace inode, 0 on error. */
uint32_t itest_netns_create(const char *name);
void itest_netns_delete(const char *name);
/* setns() the calling process into /run/netns/NAME; 0 or -errno. */
int itest_netns_enter(const char *name);

/* A veth pair between two namespaces with IPv4 /24 and IPv6 /64 addresses (nodad), links up. */
int itest_veth_link(const char *ns_a, const char *if_a, const char *v4_a, const char *v6_a, const char *ns_b,
		    const char *if_b, const char *v4_b, const char *v6_b);

/* In namespace ns, send what dials 127.0.0.1:published to to_addr:to_port, masqueraded on its way
 * out of out_if (RECIPES.md "Loopback DNAT inside a namespace"). 0 or the failing command's status. */
int itest_loopback_dnat(const char *ns, const char *out_if, uint16_t published, const char *to_addr, uint16_t to_port);

/* An AF_INET or AF_INET6 socket address for the textual addr and port. */
void itest_sockaddr(int family, const char *addr, uint16_t port, struct sockaddr_storage *ss, socklen_t *len);

/* Inode of /proc/PID/ns/KIND (KIND "net", "mnt"); 0 when unreadable. */
uint32_t itest_ns_inode(pid_t pid, const char *kind);

/* A child in network namespace /run/netns/NS that listens on addr:port (IPv4), accepts every
 * connection and holds it open until *ret_hold_fd is closed. Listening when this returns; the
 * child's pid, or -1. */
pid_t itest_tcp_server(const char *ns, const char *addr, uint16_t port, int *ret_hold_fd);

/* Wait for a child and return its exit status (or 128+signal). */
int itest_wait(pid_t pid);

#endif
