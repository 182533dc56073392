/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a netlink socket and believing only the kernel. Any process in a network namespace
 * can send a unicast datagram to any netlink socket there (its port id is in /proc/net/netlink),
 * and one with CAP_NET_ADMIN over the namespace (root in a container's user namespace) can send
 * to conntrack's multicast groups. The kernel's own messages come from port id 0; the
 * header's nlmsg_pid is whatever the sender wrote, so only the socket address counts.
 * mnl_socket_recvfrom() reads that address and throws it away: read with this instead. */
#ifndef CTOPO_NETLINK_RECV_H
#define CTOPO_NETLINK_RECV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Receive the next datagram the kernel sent on fd into buf. Datagrams from any other sender
 * are read, dropped and counted in *forged. flags as for recvmsg() (MSG_DONTWAIT). Returns its
 * length, or -errno (-EAGAIN: nothing more; -EMSGSIZE: a kernel datagram longer than size,
 * dropped; -ENOBUFS: the socket's queue overflowed). */
ssize_t netlink_recv_kernel(int fd, void *buf, size_t size, int flags, uint64_t *forged);

#endif
