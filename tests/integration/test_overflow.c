/* SPDX-License-Identifier: Apache-2.0 */
/* A ring buffer overflow forced on purpose (4 KiB ring buffer, nobody reading during a storm):
 * the loss is counted, the next report resynchronises from a snapshot, and afterwards the table
 * holds exactly the connections sock_diag sees. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/clock.h"
#include "conns/collector.h"
#include "conns/snapshot.h"
#include "itest.h"

#define NS "ctopo-ovf"
#define PORT 18950
#define STORM 5000 /* short connections: about 20,000 events into a 4 KiB ring buffer */
#define HELD 50    /* long-lived ones the table must hold afterwards */

static uint32_t netns;
static pid_t children[2]; /* killed in teardown if an assertion left them holding */

/* Server: accept everything; close the short ones at once, hold the last HELD until told. */
static pid_t start_server(int ready_fd, int hold_fd, int hold_writer)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons(PORT),
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int one = 1, lfd, kept[HELD];
		char c;

		close(hold_writer); /* or the hold pipe never reaches EOF */
		if (itest_netns_enter(NS) < 0)
			_exit(10);
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 4096) < 0)
			_exit(11);
		if (write(ready_fd, "r", 1) != 1)
			_exit(12);
		for (int i = 0; i < STORM + HELD; i++) {
			int fd = accept(lfd, NULL, NULL);

			if (fd < 0)
				_exit(13);
			if (i < STORM)
				close(fd);
			else
				kept[i - STORM] = fd;
		}
		if (write(ready_fd, "a", 1) != 1)
			_exit(14);
		while (read(hold_fd, &c, 1) > 0)
			;
		for (int i = 0; i < HELD; i++)
			close(kept[i]);
		_exit(0);
	}
	return pid;
}

static pid_t start_clients(int ready_fd, int hold_fd, int hold_writer)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons(PORT),
					   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		struct linger rst = { .l_onoff = 1, .l_linger = 0 };
		int kept[HELD];
		char c;

		close(hold_writer);
		if (itest_netns_enter(NS) < 0)
			_exit(20);
		for (int i = 0; i < STORM + HELD; i++) {
			int fd = socket(AF_INET, SOCK_STREAM, 0);

			if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
				_exit(21);
			if (i < STORM) {
				/* RST: no TIME_WAIT piling up in the namespace */
				setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
				close(fd);
			} else {
				kept[i - STORM] = fd;
			}
		}
		if (write(ready_fd, "c", 1) != 1)
			_exit(22);
		while (read(hold_fd, &c, 1) > 0)
			;
		for (int i = 0; i < HELD; i++)
			close(kept[i]);
		_exit(0);
	}
	return pid;
}

/* The established connections of our namespace in a report, as sorted tuples. */
static size_t established(const struct conn_report *r, struct conn_key *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++) {
		const struct conn *c = &r->conns[i];

		if (c->key.netns == netns && c->state == CONN_ESTABLISHED && c->direction != CONN_DIR_LISTENING &&
		    n < max)
			out[n++] = c->key;
	}
	return n;
}

static int compare_keys(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct conn_key));
}

static void overflow_is_counted_and_resynchronised(void **state)
{
	struct collector_options co = { .only_netns = 0, .tracker = { .ringbuf_bytes = 4096 } };
	struct snapshot_options so = { .source = SNAPSHOT_SOCK_DIAG, .only_netns = 0 };
	struct conn_key *mine = calloc(4 * HELD, sizeof(*mine)), *truth = calloc(4 * HELD, sizeof(*truth));
	struct collector *col = NULL;
	struct collector_stats before, after;
	struct conn_report rep, fresh;
	struct conntable *t = NULL;
	int ready[2], hold[2];
	size_t n_mine, n_truth;
	pid_t server, clients;
	char c;

	(void)state;
	assert_non_null(mine);
	assert_non_null(truth);
	co.only_netns = so.only_netns = netns;
	assert_int_equal(collector_new(&co, &col, NULL), 0);
	collector_get_stats(col, &before);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	server = children[0] = start_server(ready[1], hold[0], hold[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	clients = children[1] = start_clients(ready[1], hold[0], hold[1]);
	/* nobody reads the ring buffer until both sides are done: it must overflow */
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(read(ready[0], &c, 1), 1);

	assert_int_equal(collector_take_report(col, &rep), 0);
	collector_get_stats(col, &after);
	fprintf(stderr,
		"overflow: %llu events delivered, %llu lost (connect %llu, accept %llu, close %llu), %llu resyncs\n",
		(unsigned long long)(after.tracker.events - before.tracker.events),
		(unsigned long long)(after.tracker.lost - before.tracker.lost),
		(unsigned long long)after.tracker.lost_by_type[CTOPO_EV_CONNECT],
		(unsigned long long)after.tracker.lost_by_type[CTOPO_EV_ACCEPT],
		(unsigned long long)after.tracker.lost_by_type[CTOPO_EV_CLOSE], (unsigned long long)after.resyncs);
	assert_true(after.tracker.lost > before.tracker.lost);
	/* every connect was either delivered or counted lost: none vanished silently (host-wide
	 * counters: other traffic may add to the lost side, never take from it) */
	assert_true(after.tracker.events - before.tracker.events + after.tracker.lost - before.tracker.lost >=
		    4 * (uint64_t)(STORM + HELD) - 2 * HELD);
	assert_int_equal(after.resyncs, before.resyncs + 1);

	/* after the resync the table holds what the kernel holds: both ends of each held connection */
	n_mine = established(&rep, mine, 4 * HELD);
	assert_int_equal(conntable_new(0, &t), 0);
	assert_int_equal(snapshot_take(t, &so, NULL), 0);
	assert_int_equal(conntable_take_report(t, clock_mono_ns(), &fresh), 0);
	n_truth = established(&fresh, truth, 4 * HELD);
	assert_int_equal(n_truth, 2 * HELD);
	assert_int_equal(n_mine, n_truth);
	qsort(mine, n_mine, sizeof(*mine), compare_keys);
	qsort(truth, n_truth, sizeof(*truth), compare_keys);
	assert_memory_equal(mine, truth, n_mine * sizeof(*mine));

	conn_report_free(&fresh);
	conn_report_free(&rep);
	conntable_free(t);
	close(hold[1]);
	assert_int_equal(itest_wait(clients), 0);
	assert_int_equal(itest_wait(server), 0);
	children[0] = children[1] = 0;
	close(hold[0]);
	close(ready[0]);
	close(ready[1]);
	collector_free(col);
	free(mine);
	free(truth);
}

static int setup(void **state)
{
	(void)state;
	itest_ensure_tracefs();
	netns = itest_netns_create(NS);
	return netns ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++)
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			itest_wait(children[i]);
		}
	itest_netns_delete(NS);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(overflow_is_counted_and_resynchronised),
	};

	itest_require_root("test_overflow");
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
