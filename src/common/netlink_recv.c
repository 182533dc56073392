/* SPDX-License-Identifier: Apache-2.0 */
#include "common/netlink_recv.h"

#include <errno.h>
#include <linux/netlink.h>
#include <sys/socket.h>

ssize_t netlink_recv_kernel(int fd, void *buf, size_t size, int flags, uint64_t *forged)
{
	for (;;) {
		struct sockaddr_nl from = { 0 };
		struct iovec iov = { .iov_base = buf, .iov_len = size };
		struct msghdr msg = {
			.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1
		};
		ssize_t len = recvmsg(fd, &msg, flags);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (msg.msg_namelen != sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0) {
			(*forged)++;
			continue;
		}
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		return len;
	}
}
