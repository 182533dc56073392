/* SPDX-License-Identifier: Apache-2.0 */
#include "common/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void addr_normalize(uint16_t *family, uint8_t bytes[16])
{
	if (*family == AF_INET) {
		memset(bytes + 4, 0, 12);
		return;
	}
	if (*family == AF_INET6 && memcmp(bytes, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0) {
		memmove(bytes, bytes + 12, 4);
		memset(bytes + 4, 0, 12);
		*family = AF_INET;
	}
}

void addr_format(uint16_t family, const uint8_t bytes[16], char *buf, size_t len)
{
	if (len == 0)
		return;
	if ((family != AF_INET && family != AF_INET6) || !inet_ntop(family, bytes, buf, len))
		snprintf(buf, len, "?");
}

void endpoint_format(uint16_t family, const uint8_t bytes[16], uint16_t port, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	addr_format(family, bytes, a, sizeof(a));
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

int addr_parse(const char *s, uint16_t *ret_family, uint8_t ret_bytes[16])
{
	uint8_t bytes[16] = { 0 };
	uint16_t family;

	if (inet_pton(AF_INET, s, bytes) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, s, bytes) == 1)
		family = AF_INET6;
	else
		return -EINVAL;
	addr_normalize(&family, bytes);
	*ret_family = family;
	memcpy(ret_bytes, bytes, 16);
	return 0;
}

bool addr_is_loopback(uint16_t family, const uint8_t bytes[16])
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (family == AF_INET)
		return bytes[0] == 127;
	if (family == AF_INET6)
		return memcmp(bytes, v6_loopback, 16) == 0;
	return false;
}
