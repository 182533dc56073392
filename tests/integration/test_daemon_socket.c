/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's socket under abuse: garbage, a client that never sends, one that never reads, a
 * hundred at once, and peers without the right credentials. The daemon keeps serving the others
 * and never exits. The real ctopo binary runs as the daemon. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/ipc.h"
#include "itest.h"
#include "report/report_json.h"

#define CLIENTS 100

static char workdir[] = "/tmp/ctopo-dsock-XXXXXX";
static char sock_path[100], log_path[256];
static pid_t daemon_pid;
static bool made_group;

static int connect_daemon(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	return fd;
}

/* Read until EOF (the daemon closes after one answer); returns bytes read or -errno. */
static ssize_t read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += n;
	}
	buf[got] = '\0';
	return got;
}

/* A well-behaved client gets a report that parses. */
static void assert_report_served(void)
{
	struct report *rep = NULL;
	char err[256] = "";
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(ipc_request(sock_path, IPC_REQ_REPORT, 5000, &buf, &len), 0);
	assert_int_equal(report_parse_json(buf, len, &rep, err, sizeof(err)), 0);
	report_free(rep);
	free(buf);
}

static bool daemon_alive(void)
{
	return waitpid(daemon_pid, NULL, WNOHANG) == 0;
}

static void garbage_gets_an_error_and_others_are_served(void **state)
{
	const char *inputs[] = { "garbage\n", "{\"request\":\"nope\"}\n", "{\"request\":7}\n", "\x01\x02\x03\n",
				 "{\"request\":\"report\"" /* no newline, then shutdown */ };
	char buf[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(*inputs); i++) {
		int fd = connect_daemon();

		assert_true(fd >= 0);
		assert_int_equal(write(fd, inputs[i], strlen(inputs[i])), (ssize_t)strlen(inputs[i]));
		shutdown(fd, SHUT_WR);
		assert_true(read_all(fd, buf, sizeof(buf)) > 0);
		assert_non_null(strstr(buf, "\"error\""));
		close(fd);
	}
	/* an oversized request: an error answer, or a reset when the daemon closes on the unread rest */
	{
		char big[IPC_MAX_REQUEST + 100];
		int fd = connect_daemon();
		ssize_t n;

		memset(big, 'x', sizeof(big));
		assert_true(fd >= 0);
		assert_true(write(fd, big, sizeof(big)) > 0);
		shutdown(fd, SHUT_WR);
		n = read_all(fd, buf, sizeof(buf));
		assert_true(n == -ECONNRESET || (n > 0 && strstr(buf, "\"error\"")));
		close(fd);
	}
	assert_report_served();
	assert_true(daemon_alive());
}

static void silent_and_non_reading_clients_do_not_block_others(void **state)
{
	int silent = connect_daemon(), deaf = connect_daemon();
	const char *req = "{\"request\":\"report\"}\n";
	char buf[16];

	(void)state;
	assert_true(silent >= 0 && deaf >= 0);
	assert_int_equal(write(deaf, req, strlen(req)), (ssize_t)strlen(req)); /* and never read */
	for (int i = 0; i < 5; i++)
		assert_report_served();
	/* the silent one is dropped after the daemon's timeout (5 s, reaped on its interval tick) */
	{
		struct timeval tv = { .tv_sec = 15 };

		setsockopt(silent, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		assert_int_equal(read(silent, buf, sizeof(buf)), 0);
	}
	close(silent);
	close(deaf);
	assert_true(daemon_alive());
}

static void a_hundred_clients_at_once(void **state)
{
	const char *req = "{\"request\":\"report\"}\n";
	static char buf[64 << 20]; /* the host's whole report, however busy the host is */
	int fds[CLIENTS];

	(void)state;
	for (int i = 0; i < CLIENTS; i++) {
		fds[i] = connect_daemon();
		assert_true(fds[i] >= 0);
		assert_int_equal(write(fds[i], req, strlen(req)), (ssize_t)strlen(req));
	}
	for (int i = 0; i < CLIENTS; i++) {
		struct report *rep = NULL;
		char err[256];
		ssize_t n = read_all(fds[i], buf, sizeof(buf));

		assert_true(n > 0 && (size_t)n < sizeof(buf) - 1);
		if (report_parse_json(buf, n, &rep, err, sizeof(err)) != 0)
			fail_msg("client %d: the report (%zd bytes) does not parse: %s", i, n, err);
		report_free(rep);
		close(fds[i]);
	}
	assert_true(daemon_alive());
}

/* Run fn in a child with uid/gid 65534 and the given supplementary group (or none); returns the
 * child's exit status. */
static int as_nobody(gid_t extra_group, bool with_group)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *buf = NULL;
		size_t len;
		int r;

		if (setgroups(with_group ? 1 : 0, &extra_group) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(90);
		r = ipc_request(sock_path, IPC_REQ_STATS, 5000, &buf, &len);
		free(buf);
		_exit(r == 0 ? 0 : r == -EACCES ? 13 : 1);
	}
	return itest_wait(pid);
}

static void credentials_are_checked(void **state)
{
	struct group *gr = getgrnam(IPC_GROUP);

	(void)state;
	assert_non_null(gr);
	/* nobody without the group: refused (the 0660 socket refuses the connect itself) */
	assert_int_equal(as_nobody(0, false), 13);
	/* nobody in the group ctopo: served */
	assert_int_equal(as_nobody(gr->gr_gid, true), 0);
	assert_true(daemon_alive());
}

static int setup(void **state)
{
	const char *bin = getenv("CTOPO_BIN");
	char state_dir[300];

	(void)state;
	itest_ensure_tracefs();
	if (!bin || !mkdtemp(workdir))
		return -1;
	chmod(workdir, 0755); /* nobody must reach the socket inside */
	if (!getgrnam(IPC_GROUP)) {
		if (itest_sh("groupadd --system %s", IPC_GROUP) != 0)
			return -1;
		made_group = true; /* before the daemon starts: it looks the group up once */
	}
	snprintf(sock_path, sizeof(sock_path), "%s/ctopo.sock", workdir);
	snprintf(log_path, sizeof(log_path), "%s/daemon.log", workdir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", workdir);
	daemon_pid = fork();
	if (daemon_pid == 0) {
		int log = open(log_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		dup2(log, 2);
		execl(bin, "ctopo", "daemon", "--socket", sock_path, "--state-dir", state_dir, "--no-docker",
		      "--interval", "1", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) { /* up to 20 s for the first report */
		char *buf = NULL;
		size_t len;

		if (ipc_request(sock_path, IPC_REQ_REPORT, 1000, &buf, &len) == 0) {
			free(buf);
			return 0;
		}
		usleep(100000);
	}
	return -1;
}

static int teardown(void **state)
{
	int status = -1;

	(void)state;
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		status = itest_wait(daemon_pid);
	}
	if (made_group)
		itest_sh("groupdel %s", IPC_GROUP);
	if (status != 0) {
		fprintf(stderr, "daemon exited %d; its log:\n", status);
		itest_sh("cat %s >&2", log_path);
	}
	itest_sh("rm -rf %s", workdir);
	return status == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(garbage_gets_an_error_and_others_are_served),
		cmocka_unit_test(silent_and_non_reading_clients_do_not_block_others),
		cmocka_unit_test(a_hundred_clients_at_once),
		cmocka_unit_test(credentials_are_checked),
	};

	itest_require_root("test_daemon_socket");
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
