/* SPDX-License-Identifier: Apache-2.0 */
#include "common/errmsg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int errmsg_set(struct errmsg *e, int r, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		errno = r < 0 ? -r : r;
		va_start(ap, fmt);
		vsnprintf(e->text, sizeof(e->text), fmt, ap);
		va_end(ap);
	}
	return r < 0 ? r : -r;
}
