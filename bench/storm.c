/* SPDX-License-Identifier: Apache-2.0 */
/* A connect/accept/close storm on loopback: one accepting process and N client processes that
 * connect and close as fast as they can for a fixed time, optionally inside a network namespace.
 * Prints one line: connections made (client side), accepted (server side), failed, seconds, rate.
 * Bounded: the clients stop at the deadline, the server when the clients are done.
 *
 * Usage: storm [--netns PATH] [--port PORT] [--clients N] [--seconds S]
 *        storm [--netns PATH] --distinct N
 * --distinct: instead, one client process connects once to each of N distinct servers where none
 * listens (127.0.1.0 and up, ports 20000-59999; refused at once), so that a tracer sees N client
 * edges; prints made=0 and failed=N. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

#define MAX_CLIENTS 16

struct client_result {
	uint64_t made, failed;
};

static volatile sig_atomic_t server_stop;

static void on_term(int sig)
{
	(void)sig;
	server_stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int enter_netns(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "storm: cannot enter network namespace %s: %m\n", path);
		return -errno;
	}
	return 0;
}

static int listen_on(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4096) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* The accepting side: accept and close until SIGTERM; the count goes to out_fd. */
static void run_server(int listen_fd, int out_fd)
{
	struct sigaction sa = { .sa_handler = on_term }; /* no SA_RESTART: accept() returns EINTR */
	uint64_t accepted = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the parent */
	sigaction(SIGTERM, &sa, NULL);
	while (!server_stop) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			continue;
		accepted++;
		close(fd);
	}
	if (write(out_fd, &accepted, sizeof(accepted)) != sizeof(accepted))
		_exit(1);
	_exit(0);
}

static void run_client(uint16_t port, double deadline, int out_fd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct client_result res = { 0 };

	while (now_s() < deadline) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			res.failed++;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			res.made++;
		else
			res.failed++;
		close(fd);
	}
	if (write(out_fd, &res, sizeof(res)) != sizeof(res))
		_exit(1);
	_exit(0);
}

/* One refused connect to each of n distinct (address, port) pairs. */
static int run_distinct(long n)
{
	uint64_t refused = 0, other = 0;
	double start = now_s();

	for (long i = 0; i < n; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons((uint16_t)(20000 + i % 40000)),
					  .sin_addr.s_addr = htonl(0x7f000100u + (uint32_t)(i / 40000)) };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return 1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == ECONNREFUSED)
			refused++;
		else
			other++;
		close(fd);
	}
	printf("made=0 accepted=0 failed=%llu seconds=%.3f rate=0 unexpected=%llu\n", (unsigned long long)refused,
	       now_s() - start, (unsigned long long)other);
	return other ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "netns", required_argument, NULL, 'n' },    { "port", required_argument, NULL, 'p' },
		{ "clients", required_argument, NULL, 'c' },  { "seconds", required_argument, NULL, 's' },
		{ "distinct", required_argument, NULL, 'd' }, {},
	};
	const char *netns = NULL;
	int port = 18800, clients = 1, c, listen_fd, server_pipe[2], client_pipe[2];
	double seconds = 10, start, elapsed;
	long distinct = 0;
	struct client_result total = { 0 };
	uint64_t accepted = 0;
	pid_t server, pids[MAX_CLIENTS];

	while ((c = getopt_long(argc, argv, "n:p:c:s:d:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			netns = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'c':
			clients = atoi(optarg);
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'd':
			distinct = atol(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: storm [--netns PATH] [--port PORT] [--clients N] [--seconds S]\n"
				"       storm [--netns PATH] --distinct N\n");
			return 2;
		}
	}
	if (clients < 1 || clients > MAX_CLIENTS || port < 1 || port > 65535 || seconds <= 0 || seconds > 600) {
		fprintf(stderr, "storm: clients 1..%d, port 1..65535, seconds (0, 600]\n", MAX_CLIENTS);
		return 2;
	}
	if (distinct < 0 || distinct > 1000000) {
		fprintf(stderr, "storm: distinct 1..1000000\n");
		return 2;
	}
	if (netns && enter_netns(netns) < 0)
		return 1;
	if (distinct)
		return run_distinct(distinct);
	listen_fd = listen_on((uint16_t)port);
	if (listen_fd < 0) {
		fprintf(stderr, "storm: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(-listen_fd));
		return 1;
	}
	if (pipe2(server_pipe, O_CLOEXEC) < 0 || pipe2(client_pipe, O_CLOEXEC) < 0)
		return 1;

	server = fork();
	if (server < 0)
		return 1;
	if (server == 0)
		run_server(listen_fd, server_pipe[1]);

	start = now_s();
	for (int i = 0; i < clients; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			kill(server, SIGKILL);
			return 1;
		}
		if (pids[i] == 0)
			run_client((uint16_t)port, start + seconds, client_pipe[1]);
	}
	for (int i = 0; i < clients; i++) {
		struct client_result res;

		if (read(client_pipe[0], &res, sizeof(res)) != sizeof(res)) {
			fprintf(stderr, "storm: a client died\n");
			kill(server, SIGKILL);
			return 1;
		}
		total.made += res.made;
		total.failed += res.failed;
	}
	elapsed = now_s() - start;
	for (int i = 0; i < clients; i++)
		waitpid(pids[i], NULL, 0);

	/* let the server drain the accept queue (bounded: 2 s); for a listener, TCP_INFO's
	 * tcpi_unacked is the accept queue length */
	for (int i = 0; i < 200; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		if (getsockopt(listen_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 || ti.tcpi_unacked == 0)
			break;
		nanosleep(&ts, NULL);
	}
	kill(server, SIGTERM);
	if (read(server_pipe[0], &accepted, sizeof(accepted)) != sizeof(accepted))
		accepted = 0;
	waitpid(server, NULL, 0);
	close(listen_fd);

	printf("made=%llu accepted=%llu failed=%llu seconds=%.3f rate=%.0f\n", (unsigned long long)total.made,
	       (unsigned long long)accepted, (unsigned long long)total.failed, elapsed, total.made / elapsed);
	return 0;
}
