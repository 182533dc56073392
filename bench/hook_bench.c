/* SPDX-License-Identifier: Apache-2.0 */
/* Spawn a command N times the way a runtime runs a hook (fork + exec, the state on stdin, wait)
 * and print one markdown table row: median, p95, p99 and min wall time per run in ms.
 * Usage: hook_bench LABEL RUNS STDIN_FILE EXPECTED_EXIT COMMAND [ARGS...]
 * hook_bench.sh builds and drives it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* environ; meson passes it, hook_bench.sh's plain cc does not */
#endif
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	const char *label, *stdin_file;
	int runs, expected;
	double *ms;

	if (argc < 6) {
		fprintf(stderr, "usage: hook_bench LABEL RUNS STDIN_FILE EXPECTED_EXIT COMMAND [ARGS...]\n");
		return 2;
	}
	label = argv[1];
	runs = atoi(argv[2]);
	stdin_file = argv[3];
	expected = atoi(argv[4]);
	if (runs <= 0)
		return 2;
	ms = calloc((size_t)runs, sizeof(double));
	if (!ms)
		return 1;

	for (int i = 0; i < runs; i++) {
		posix_spawn_file_actions_t fa;
		int status, r;
		double t0;
		pid_t pid;

		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, stdin_file, O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
		t0 = now_ms();
		r = posix_spawn(&pid, argv[5], &fa, NULL, argv + 5, environ);
		posix_spawn_file_actions_destroy(&fa);
		if (r != 0) {
			fprintf(stderr, "hook_bench: cannot run %s: %s\n", argv[5], strerror(r));
			return 1;
		}
		if (waitpid(pid, &status, 0) < 0)
			return 1;
		ms[i] = now_ms() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != expected) {
			fprintf(stderr, "hook_bench: %s: run %d exited %d, expected %d\n", label, i,
				WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), expected);
			return 1;
		}
	}
	qsort(ms, (size_t)runs, sizeof(double), cmp_double);
	printf("| %s | %d | %.3f | %.3f | %.3f | %.3f |\n", label, runs, ms[runs / 2], ms[(runs * 95) / 100],
	       ms[(runs * 99) / 100], ms[0]);
	free(ms);
	return 0;
}
