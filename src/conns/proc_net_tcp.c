/* SPDX-License-Identifier: Apache-2.0 */
#include "conns/proc_net_tcp.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"

#define MAX_FIELDS 10

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly ndigits hex digits -> value. */
static int parse_hex(const char *s, size_t ndigits, uint32_t *ret)
{
	uint32_t v = 0;

	for (size_t i = 0; i < ndigits; i++) {
		int d = hex_value(s[i]);

		if (d < 0)
			return -EINVAL;
		v = (v << 4) | (uint32_t)d;
	}
	*ret = v;
	return 0;
}

/* "0100007F:0CEA" (IPv4) or 32 hex digits ":" port (IPv6). The kernel prints each 32-bit word of
 * the address as a number with %08X, so the word's bytes are in this machine's order: storing
 * the number back in host order restores the network-order bytes. */
static int parse_endpoint(const char *s, size_t len, uint16_t family, uint8_t addr[16], uint16_t *port)
{
	size_t addr_digits = family == AF_INET ? 8 : 32;
	uint32_t word, p;

	if (len != addr_digits + 5 || s[addr_digits] != ':')
		return -EINVAL;
	memset(addr, 0, 16);
	for (size_t i = 0; i < addr_digits / 8; i++) {
		if (parse_hex(s + i * 8, 8, &word) < 0)
			return -EINVAL;
		memcpy(addr + i * 4, &word, 4);
	}
	if (parse_hex(s + addr_digits + 1, 4, &p) < 0)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

static int parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (len == 0 || len > 20)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int proc_net_tcp_parse_line(const char *line, uint16_t family, struct proc_tcp_sock *ret)
{
	const char *field[MAX_FIELDS];
	size_t flen[MAX_FIELDS], n = 0;
	const char *p = line;
	struct proc_tcp_sock s = { .family = family };
	uint32_t st;
	uint64_t v;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	while (n < MAX_FIELDS) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			break;
		field[n] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		flen[n] = (size_t)(p - field[n]);
		n++;
	}
	if (n >= 1 && flen[0] == 2 && !strncmp(field[0], "sl", 2))
		return 1;
	if (n < MAX_FIELDS)
		return -EINVAL;
	/* "  12:" : the slot number, then a colon */
	if (flen[0] < 2 || field[0][flen[0] - 1] != ':' || parse_decimal(field[0], flen[0] - 1, UINT32_MAX, &v) < 0)
		return -EINVAL;
	if (parse_endpoint(field[1], flen[1], family, s.local_addr, &s.local_port) < 0 ||
	    parse_endpoint(field[2], flen[2], family, s.remote_addr, &s.remote_port) < 0)
		return -EINVAL;
	if (flen[3] != 2 || parse_hex(field[3], 2, &st) < 0 || st < TCP_ST_ESTABLISHED || st > TCP_ST_CLOSING)
		return -EINVAL;
	s.state = (uint8_t)st;
	if (parse_decimal(field[7], flen[7], UINT32_MAX, &v) < 0)
		return -EINVAL;
	s.uid = (uint32_t)v;
	if (parse_decimal(field[9], flen[9], UINT64_MAX, &v) < 0)
		return -EINVAL;
	s.inode = v;
	*ret = s;
	return 0;
}

int proc_net_tcp_parse(const char *buf, size_t len, uint16_t family, proc_tcp_sock_fn fn, void *userdata,
		       unsigned *ret_malformed)
{
	const char *end = buf + len, *line = buf;
	unsigned malformed = 0;
	int count = 0;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t llen = nl ? (size_t)(nl - line) : (size_t)(end - line);
		char copy[512];
		struct proc_tcp_sock s;
		int r;

		if (llen >= sizeof(copy)) {
			malformed++;
		} else if (llen > 0) {
			memcpy(copy, line, llen);
			copy[llen] = '\0';
			r = proc_net_tcp_parse_line(copy, family, &s);
			if (r < 0) {
				malformed++;
			} else if (r == 0) {
				count++;
				r = fn ? fn(&s, userdata) : 0;
				if (r != 0) {
					if (ret_malformed)
						*ret_malformed = malformed;
					return r;
				}
			}
		}
		line += llen + 1;
	}
	if (ret_malformed)
		*ret_malformed = malformed;
	return count;
}

int proc_read_file(const char *path, char **ret_buf, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return read_fd_bounded(fd, PROC_FILE_MAX, ret_buf, ret_len);
}
