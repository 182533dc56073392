/* SPDX-License-Identifier: Apache-2.0 */
/* Open and hold long-lived loopback TCP connections: CONNS established connections (client and
 * accepted end both held, 2 fds each) in each network namespace given ("-": the current one), one
 * process per namespace. Prints "ready PID..." once every connection is up, then holds them until
 * SIGTERM/SIGINT or --seconds (default 900) pass, and exits, closing everything.
 *
 * Usage: hold [--port PORT] [--seconds MAX] CONNS NSPATH|- [NSPATH...] */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

#define MAX_NAMESPACES 1000

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static int enter_netns(const char *path)
{
	_cleanup_close_ int fd = -1;

	if (strcmp(path, "-") == 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		return -errno;
	return 0;
}

/* In the child: listen, then connect and accept one by one (the accept queue never fills). */
static int open_connections(const char *netns, int port, int conns)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct rlimit rl;
	int lfd, one = 1, r;

	/* 2 fds per connection: take the hard limit as the soft one */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((rlim_t)conns * 2 + 16 > rl.rlim_cur) {
		fprintf(stderr, "hold: %d connections need %d fds, the limit is %llu\n", conns, conns * 2 + 16,
			(unsigned long long)rl.rlim_cur);
		return -EMFILE;
	}
	r = enter_netns(netns);
	if (r < 0) {
		fprintf(stderr, "hold: cannot enter network namespace %s: %s\n", netns, strerror(-r));
		return r;
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 128) < 0) {
		fprintf(stderr, "hold: cannot listen on 127.0.0.1:%d in %s: %m\n", port, netns);
		return -errno;
	}
	for (int i = 0; i < conns; i++) {
		int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    accept4(lfd, NULL, NULL, SOCK_CLOEXEC) < 0) {
			fprintf(stderr, "hold: connection %d in %s failed: %m\n", i, netns);
			return -errno;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{},
	};
	struct sigaction sa = { .sa_handler = on_stop };
	int port = 18801, seconds = 900, conns, n_ns, c, ready_pipe[2], failed = 0;
	pid_t pids[MAX_NAMESPACES];
	time_t deadline;

	while ((c = getopt_long(argc, argv, "p:s:", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = atoi(optarg);
			break;
		case 's':
			seconds = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 2)
		goto usage;
	conns = atoi(argv[optind]);
	n_ns = argc - optind - 1;
	if (conns < 0 || conns > 9000 || n_ns > MAX_NAMESPACES || port < 1 || port > 65535 || seconds < 1) {
		fprintf(stderr, "hold: 0..9000 connections per namespace, at most %d namespaces\n", MAX_NAMESPACES);
		return 2;
	}
	if (pipe2(ready_pipe, O_CLOEXEC) < 0)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	for (int i = 0; i < n_ns; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			n_ns = i;
			failed = 1;
			break;
		}
		if (pids[i] == 0) {
			char ok;

			/* never outlive the parent, whatever kills it */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(1);
			ok = open_connections(argv[optind + 1 + i], port, conns) == 0 ? 'y' : 'n';

			if (write(ready_pipe[1], &ok, 1) != 1 || ok != 'y')
				_exit(1);
			for (;;)
				pause(); /* the parent ends us with SIGKILL */
		}
	}
	for (int i = 0; i < n_ns && !failed; i++) {
		char ok;

		if (read(ready_pipe[0], &ok, 1) != 1 || ok != 'y')
			failed = 1;
	}
	if (!failed) {
		printf("ready");
		for (int i = 0; i < n_ns; i++)
			printf(" %d", pids[i]);
		printf("\n");
		fflush(stdout);
		deadline = time(NULL) + seconds;
		while (!stop && time(NULL) < deadline)
			sleep(1);
	}
	for (int i = 0; i < n_ns; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < n_ns; i++)
		waitpid(pids[i], NULL, 0);
	return failed;
usage:
	fprintf(stderr, "usage: hold [--port PORT] [--seconds MAX] CONNS NSPATH|- [NSPATH...]\n");
	return 2;
}
