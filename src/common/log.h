/* SPDX-License-Identifier: Apache-2.0 */
/* One place that decides where messages go (stderr or syslog) and which levels show. */
#ifndef CTOPO_LOG_H
#define CTOPO_LOG_H

#include <errno.h>
#include <syslog.h>

void log_set_max_level(int level); /* LOG_ERR .. LOG_DEBUG; default LOG_INFO */
int log_get_max_level(void);
/* "PREFIX: message" on stderr; "ctopo" unless set */
void log_set_prefix(const char *prefix);
/* From now on messages go to syslog instead of stderr (the daemon as a service). */
void log_open_syslog(const char *ident);
/* From now on messages go to stderr and syslog both, connecting on the first one (the OCI hook:
 * the runtime may swallow its stderr). */
void log_copy_to_syslog(const char *ident);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Log at level with errno set to -err (so %m names it), and return err (negative). */
#define log_errno(level, err, ...)             \
	({                                     \
		int _e = (err);                \
		errno = _e < 0 ? -_e : _e;     \
		log_msg((level), __VA_ARGS__); \
		_e < 0 ? _e : -_e;             \
	})
#define log_error_errno(err, ...) log_errno(LOG_ERR, err, __VA_ARGS__)
#define log_debug_errno(err, ...) log_errno(LOG_DEBUG, err, __VA_ARGS__)

#endif
