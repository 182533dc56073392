/* SPDX-License-Identifier: Apache-2.0 */
/* A main for a fuzz target without libFuzzer: each file named on the command line goes through
 * LLVMFuzzerTestOneInput once (what libFuzzer does with a file argument), so the seeds and the
 * crashes found so far run in every build (tests/fuzz/replay.sh). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "fuzz.h"

#pragma weak LLVMFuzzerInitialize

#define INPUT_MAX (64u << 20)

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len;
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC), r;

		if (fd < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		r = read_fd_bounded(fd, INPUT_MAX, &buf, &len);
		close(fd);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
			return 1;
		}
		/* a crash or a sanitizer report ends the process with the input's name above it */
		fprintf(stderr, "replay: %s\n", argv[i]);
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	}
	return 0;
}
