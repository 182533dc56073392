/* SPDX-License-Identifier: Apache-2.0 */
/* IP addresses as the tracker and the netlink dumps give them: a family and 16 bytes. */
#ifndef CTOPO_ADDR_H
#define CTOPO_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN 46     /* INET6_ADDRSTRLEN */
#define ENDPOINT_STRLEN 56 /* "[" addr "]:" port */

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes AF_INET a.b.c.d in the first 4 bytes,
 * so a dual-stack socket and a plain IPv4 one name the same peer the same way. */
void addr_normalize(uint16_t *family, uint8_t bytes[16]);

/* "10.0.0.1" or "fd00::1"; "?" for an unknown family. Always NUL-terminates. */
void addr_format(uint16_t family, const uint8_t bytes[16], char *buf, size_t len);

/* "10.0.0.1:80" or "[fd00::1]:80". */
void endpoint_format(uint16_t family, const uint8_t bytes[16], uint16_t port, char *buf, size_t len);

/* Parse a textual IPv4 or IPv6 address; 0 or -EINVAL. Normalised like addr_normalize. */
int addr_parse(const char *s, uint16_t *ret_family, uint8_t ret_bytes[16]);

bool addr_is_loopback(uint16_t family, const uint8_t bytes[16]);

#endif
