/* SPDX-License-Identifier: Apache-2.0 */
/* netlink_recv_kernel() on real NETLINK_ROUTE sockets: a datagram another socket sends, with a
 * header that claims to be the kernel's, is dropped and counted; the kernel's own reply behind it
 * is returned. Sending to another process's netlink socket takes CAP_NET_ADMIN over the network
 * namespace: the check runs in a child in a user and network namespace of its own, where any
 * user has it (as a container's root has it in its namespace; root needs no user namespace). */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/netlink_recv.h"

#define SEQ 4242

static int bound_socket(uint32_t *ret_portid)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	*ret_portid = sa.nl_pid;
	return fd;
}

static bool send_to(int fd, uint32_t portid, uint16_t type, uint16_t flags)
{
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
	} msg = { .h = { .nlmsg_len = sizeof(msg), .nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = SEQ },
		  .g = { .rtgen_family = AF_UNSPEC } };
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = portid };

	return sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)sizeof(msg);
}

/* In the child: 0 when every check holds, else the number of the one that failed. */
static int checks(void)
{
	uint32_t rx_portid, tx_portid;
	int rx = bound_socket(&rx_portid), tx = bound_socket(&tx_portid);
	const struct nlmsghdr *h;
	char buf[65536], small[8];
	uint64_t forged = 0;
	ssize_t n;

	if (rx < 0 || tx < 0)
		return 1;
	/* nothing waiting */
	if (netlink_recv_kernel(rx, buf, sizeof(buf), MSG_DONTWAIT, &forged) != -EAGAIN)
		return 2;
	/* a reply that looks like the kernel's (nlmsg_pid 0, our sequence number), from another
	 * socket; then the kernel's own answer to a real request */
	if (!send_to(tx, rx_portid, NLMSG_DONE, NLM_F_MULTI) ||
	    !send_to(rx, 0, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP))
		return 3;
	n = netlink_recv_kernel(rx, buf, sizeof(buf), 0, &forged);
	h = (const struct nlmsghdr *)buf;
	if (n < (ssize_t)sizeof(*h) || forged != 1)
		return 4;
	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_seq != SEQ) /* lo, at least */
		return 5;
	/* a kernel datagram longer than the buffer: the next part of that dump */
	if (netlink_recv_kernel(rx, small, sizeof(small), 0, &forged) != -EMSGSIZE || forged != 1)
		return 6;
	close(tx);
	close(rx);
	return 0;
}

static void only_the_kernel_is_believed(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0 && (geteuid() != 0 || unshare(CLONE_NEWNET) < 0))
			_exit(100);
		_exit(checks());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 100)
		skip(); /* neither root nor user namespaces: nobody here could forge either */
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_the_kernel_is_believed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
