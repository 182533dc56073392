/* SPDX-License-Identifier: Apache-2.0 */
#include "itest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void itest_require_root(const char *test_name)
{
	const char *ci = getenv("CI");

	if (geteuid() == 0)
		return;
	if (ci && !strcmp(ci, "true")) {
		fprintf(stderr, "%s: FAIL: this test needs root and CI=true forbids skipping it\n", test_name);
		exit(1);
	}
	fprintf(stderr, "%s: SKIP: needs root (it loads BPF and creates network namespaces)\n", test_name);
	exit(77);
}

int itest_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	status = system(cmd);
	if (status == -1)
		return -1;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (status != 0)
		fprintf(stderr, "itest: '%s' exited %d\n", cmd, status);
	return status;
}

void itest_ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) != 0)
		mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
}

uint32_t itest_netns_create(const char *name)
{
	char path[256];
	struct stat st;

	itest_netns_delete(name);
	if (itest_sh("ip netns add %s", name) != 0)
		return 0;
	if (itest_sh("ip -n %s link set lo up", name) != 0)
		return 0;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (stat(path, &st) < 0)
		return 0;
	return (uint32_t)st.st_ino;
}

void itest_netns_delete(const char *name)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", name);
	if (system(cmd) == -1)
		perror("system");
}

int itest_netns_enter(const char *name)
{
	char path[256];
	int fd, r;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int itest_veth_link(const char *ns_a, const char *if_a, const char *v4_a, const char *v6_a, const char *ns_b,
		    const char *if_b, const char *v4_b, const char *v6_b)
{
	if (itest_sh("ip link add %s netns %s type veth peer name %s netns %s", if_a, ns_a, if_b, ns_b))
		return -1;
	if (itest_sh("ip -n %s addr add %s/24 dev %s && ip -n %s addr add %s/64 dev %s nodad && "
		     "ip -n %s link set %s up",
		     ns_a, v4_a, if_a, ns_a, v6_a, if_a, ns_a, if_a))
		return -1;
	if (itest_sh("ip -n %s addr add %s/24 dev %s && ip -n %s addr add %s/64 dev %s nodad && "
		     "ip -n %s link set %s up",
		     ns_b, v4_b, if_b, ns_b, v6_b, if_b, ns_b, if_b))
		return -1;
	return 0;
}

int itest_loopback_dnat(const char *ns, const char *out_if, uint16_t published, const char *to_addr, uint16_t to_port)
{
	int r = itest_sh("ip netns exec %s sysctl -qw net.ipv4.conf.all.route_localnet=1", ns);

	if (!r)
		r = itest_sh(
			"ip netns exec %s iptables -t nat -A OUTPUT -d 127.0.0.1 -p tcp --dport %u -j DNAT "
			"--to-destination %s:%u",
			ns, published, to_addr, to_port);
	if (!r)
		r = itest_sh("ip netns exec %s iptables -t nat -A POSTROUTING -s 127.0.0.0/8 -o %s -j MASQUERADE", ns,
			     out_if);
	return r;
}

void itest_sockaddr(int family, const char *addr, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		inet_pton(AF_INET, addr, &sin->sin_addr);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		*len = sizeof(*sin6);
	}
}

uint32_t itest_ns_inode(pid_t pid, const char *kind)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, kind);
	if (stat(path, &st) < 0)
		return 0;
	return (uint32_t)st.st_ino;
}

int itest_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void tcp_server_main(const char *ns, const char *addr, uint16_t port, int ready_fd, int hold_fd)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, lfd;
	char ok = 1;

	/* another holder's pipe kept open here would keep that holder from ever seeing its end */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != ready_fd && fd != hold_fd)
			close(fd);
	itest_sockaddr(AF_INET, addr, port, &ss, &len);
	if (itest_netns_enter(ns) < 0)
		_exit(10);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 1024) < 0)
		_exit(11);
	if (write(ready_fd, &ok, 1) != 1)
		_exit(12);
	for (;;) {
		struct pollfd pfd[2] = { { .fd = lfd, .events = POLLIN }, { .fd = hold_fd, .events = POLLIN } };

		if (poll(pfd, 2, -1) < 0)
			_exit(13);
		if (pfd[1].revents)
			_exit(0);
		if (pfd[0].revents)
			accept(lfd, NULL, NULL); /* kept open until we exit */
	}
}

pid_t itest_tcp_server(const char *ns, const char *addr, uint16_t port, int *ret_hold_fd)
{
	int ready[2], hold[2];
	pid_t pid;
	char ok;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(hold, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		tcp_server_main(ns, addr, port, ready[1], hold[0]);
	}
	close(ready[1]);
	close(hold[0]);
	if (pid < 0 || read(ready[0], &ok, 1) != 1) {
		close(hold[1]);
		if (pid > 0)
			itest_wait(pid);
		pid = -1;
	} else {
		*ret_hold_fd = hold[1];
	}
	close(ready[0]);
	return pid;
}
