/* SPDX-License-Identifier: Apache-2.0 */
/* A buffer of ctnetlink messages (a dump's replies or events) applied to the NAT table, then
 * lookups. The lookup key is read from the input's last bytes (they also belong to the messages),
 * so the fuzzer can steer a key onto a flow it made; every lookup runs against flows in the
 * key's own namespace and in another one. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "net/nat.h"

#define KEY_BYTES 37 /* family bit, two ports, two 16-byte addresses */

static void lookup_from_tail(const struct nat *n, const uint8_t *data, size_t size, uint32_t netns)
{
	const uint8_t *t = data + size - KEY_BYTES;
	struct nat_translation tr;
	struct conn_key key;
	uint8_t local[16] = { 0 }, remote[16] = { 0 };
	uint16_t family = (t[0] & 1) ? AF_INET6 : AF_INET;
	size_t alen = family == AF_INET ? 4 : 16;

	memcpy(local, t + 5, alen);
	memcpy(remote, t + 21, alen);
	conn_key_init(&key, netns, family, local, (uint16_t)(t[1] << 8 | t[2]), remote, (uint16_t)(t[3] << 8 | t[4]));
	if (nat_lookup(n, &key, &tr) == 0 && tr.peer.family != AF_INET && tr.peer.family != AF_INET6)
		abort(); /* only TCP/IP flows go into the table */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nat *n;
	struct nat_stats stats;

	if (nat_new_empty(&n) < 0)
		return 0;
	/* twice into one namespace (the second pass updates what the first added), once into another */
	(void)nat_apply_netlink(n, 1, data, size);
	(void)nat_apply_netlink(n, 1, data, size);
	(void)nat_apply_netlink(n, 2, data, size);
	if (size >= KEY_BYTES) {
		lookup_from_tail(n, data, size, 1);
		lookup_from_tail(n, data, size, 3);
	}
	nat_get_stats(n, &stats);
	nat_free(n);
	return 0;
}
