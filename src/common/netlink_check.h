/* SPDX-License-Identifier: Apache-2.0 */
/* A check to run on a received netlink buffer before libmnl walks it. Two things in libmnl
 * (1.0.4) read past a buffer the kernel would never send, but a broken or forged one must not
 * crash us (tests/fuzz/fuzz_inet_diag and fuzz_netinfo found both):
 * - it compares nlmsg_len with the bytes left as an int: a length of 2 GiB or more turns
 *   negative, passes, and mnl_cb_run() hands the message to its callback (which reads its payload
 *   past the buffer), then steps gigabytes ahead;
 * - mnl_attr_parse() reads attributes up to the message's length rounded up to 4, so the last
 *   message of a buffer whose length is not a multiple of 4 has attributes read past its end. */
#ifndef CTOPO_NETLINK_CHECK_H
#define CTOPO_NETLINK_CHECK_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* False when libmnl's walk of buf would meet either. Everything else is left to libmnl as it is:
 * it stops quietly at a message cut short (a dump read in pieces) or too short for a header. */
static inline bool nlmsg_buffer_ok(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)p;
		size_t step = NLMSG_ALIGN((size_t)h->nlmsg_len);

		if (h->nlmsg_len > INT32_MAX)
			return false;
		if (h->nlmsg_len < sizeof(struct nlmsghdr) || h->nlmsg_len > len)
			break; /* libmnl stops here */
		if (step > len)
			return false; /* libmnl would parse its attributes up to step */
		p += step;
		len -= step;
	}
	return true;
}

#endif
