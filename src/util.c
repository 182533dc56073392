/* SPDX-License-Identifier: Apache-2.0 */
#include "util.h"

#include <ctype.h>

int parse_u64(const char *s, unsigned long long max, unsigned long long *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || v > max)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}
