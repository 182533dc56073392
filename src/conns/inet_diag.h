/* SPDX-License-Identifier: Apache-2.0 */
/* sock_diag (inet_diag) for TCP: a NETLINK_SOCK_DIAG socket made inside a namespace (it stays
 * bound to the namespace it was made in), the dump request, and the parser of its replies. One
 * legacy TCPDIAG_GETSOCK dump covers IPv4 and IPv6 together (the cheapest dump measured here);
 * per-family SOCK_DIAG_BY_FAMILY dumps are the fallback. */
#ifndef CTOPO_INET_DIAG_H
#define CTOPO_INET_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct mnl_socket;

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

/* A bound NETLINK_SOCK_DIAG socket in the namespace netns_fd (home_fd: ours, to come back to);
 * NULL and *ret_err = -errno on failure. */
struct mnl_socket *inet_diag_open_in(int netns_fd, int home_fd, int *ret_err);

/* One dump request (TCPDIAG_GETSOCK or SOCK_DIAG_BY_FAMILY) for the TCP states in the bit set
 * states; each reply is written to raw when set, and fn called per socket. Datagrams the kernel
 * did not send are dropped and counted in *malformed. 0 at the end of the dump, -errno (-EINVAL,
 * -EOPNOTSUPP or -ENOENT: the kernel lacks this request) or fn's result. */
int inet_diag_dump(struct mnl_socket *nl, uint16_t type, uint8_t family, uint32_t states, FILE *raw, diag_sock_fn fn,
		   void *userdata, unsigned *malformed);

#endif
