/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a netlink socket and believing only the kernel. A process with CAP_NET_ADMIN over a
 * network namespace can send a datagram to any netlink socket there, unicast to its port id (in
 * /proc/net/netlink) or to a multicast group such as conntrack's events: root in a container
 * that was given NET_ADMIN, and any user in a network namespace of a user namespace of their own
 * (`unshare -rn`), which ctopo enters like every other. The kernel's own messages come from port
 * id 0; the header's nlmsg_pid is whatever the sender wrote, so only the socket address counts.
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
