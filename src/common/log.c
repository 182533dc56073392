/* SPDX-License-Identifier: Apache-2.0 */
#include "common/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/escape.h"

static int max_level = LOG_INFO;
static const char *prefix = "ctopo";
static bool to_stderr = true, to_syslog;

void log_set_max_level(int level)
{
	max_level = level;
}

int log_get_max_level(void)
{
	return max_level;
}

void log_set_prefix(const char *p)
{
	prefix = p;
}

void log_open_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	to_syslog = true;
	to_stderr = false;
}

void log_copy_to_syslog(const char *ident)
{
	/* no LOG_NDELAY: connect only when there is something to say */
	openlog(ident, LOG_PID, LOG_DAEMON);
	to_syslog = true;
}

/* A message often carries names from outside (a container's, a Docker error): it is escaped as a
 * whole, so no field of it can put a control byte on a terminal or a second line in a log. */
void log_msg(int level, const char *fmt, ...)
{
	int saved_errno = errno;
	char msg[ESCAPE_MAX], shown[2 * ESCAPE_MAX];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	errno = saved_errno;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	escape_strn(shown, sizeof(shown), msg, sizeof(msg));
	if (to_stderr)
		fprintf(stderr, "%s: %s\n", prefix, shown);
	if (to_syslog)
		syslog(level, "%s", shown);
	errno = saved_errno;
}
