/* SPDX-License-Identifier: Apache-2.0 */
#include "common/util.h"

#include <ctype.h>
#include <string.h>

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

int parse_duration(const char *s, unsigned long long max_ns, unsigned long long *ret_ns)
{
	unsigned long long total = 0;

	if (!s || !*s)
		return -EINVAL;
	while (*s) {
		unsigned long long v, unit;
		char *end;

		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno == ERANGE)
			return -ERANGE;
		switch (*end) {
		case '\0':
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		default:
			return -EINVAL;
		}
		s = *end ? end + 1 : end;
		if (v > max_ns / 1000000000ull / unit)
			return -ERANGE;
		total += v * unit * 1000000000ull;
		if (total > max_ns)
			return -ERANGE;
	}
	*ret_ns = total;
	return 0;
}

int read_fd_bounded(int fd, size_t max, char **ret_buf, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (cap - len < 4096 + 1) {
			/* one byte past max lets us tell "exactly max" from "more" */
			size_t new_cap = cap ? cap * 2 : 8192;
			char *p;

			if (new_cap > max + 2)
				new_cap = max + 2;
			if (new_cap <= len + 1)
				return -EFBIG;
			p = realloc(buf, new_cap);
			if (!p)
				return -ENOMEM;
			buf = p;
			cap = new_cap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = '\0';
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

bool is_pid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}
