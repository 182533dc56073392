/* SPDX-License-Identifier: Apache-2.0 */
/* A message for the caller to say, or not: library code that knows why something failed (and
 * what would fix it) writes it here and returns -errno; the caller that decides what the failure
 * means says it once, with what to do (docs/architecture.md, "Errors go up"). */
#ifndef CTOPO_ERRMSG_H
#define CTOPO_ERRMSG_H

struct errmsg {
	char text[512];
};

/* Fill e (NULL: nothing) from fmt, where %m names -r, and return r (a negative errno). */
int errmsg_set(struct errmsg *e, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
