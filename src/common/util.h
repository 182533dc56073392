/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers every module uses: cleanup attributes and ownership transfer. */
#ifndef CTOPO_UTIL_H
#define CTOPO_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_(fn) __attribute__((cleanup(fn)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand ownership out of a cleanup variable: the variable is left NULL. */
#define TAKE_PTR(p)                         \
	({                                  \
		__typeof__(p) _taken = (p); \
		(p) = NULL;                 \
		_taken;                     \
	})

#define TAKE_FD(fd)                \
	({                         \
		int _taken = (fd); \
		(fd) = -1;         \
		_taken;            \
	})

/* Read fd to its end into a NUL-terminated buffer; -EFBIG past max bytes (nothing is returned
 * then), 0 and *ret_buf / *ret_len otherwise. */
int read_fd_bounded(int fd, size_t max, char **ret_buf, size_t *ret_len);

/* A /proc entry that names a process: digits only. */
bool is_pid_name(const char *s);

/* Parse a whole decimal unsigned number; 0 or -EINVAL / -ERANGE. */
int parse_u64(const char *s, unsigned long long max, unsigned long long *ret);
/* "90" or "90s", "15m", "1h", "2d", or several ("1h30m"): 0 and *ret_ns (at most max_ns), or
 * -EINVAL / -ERANGE. */
int parse_duration(const char *s, unsigned long long max_ns, unsigned long long *ret_ns);

#endif
