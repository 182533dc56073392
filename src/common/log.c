/* SPDX-License-Identifier: Apache-2.0 */
#include "common/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int max_level = LOG_INFO;
static bool to_syslog;

void log_set_max_level(int level)
{
	max_level = level;
}

int log_get_max_level(void)
{
	return max_level;
}

void log_open_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	to_syslog = true;
}

void log_msg(int level, const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	if (to_syslog) {
		errno = saved_errno;
		vsyslog(level, fmt, ap);
	} else {
		fputs("ctopo: ", stderr);
		errno = saved_errno;
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
	errno = saved_errno;
}
