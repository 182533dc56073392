/* SPDX-License-Identifier: Apache-2.0 */
/* A buffer of RTM_GETADDR dump replies: a namespace's interface addresses. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "net/netinfo.h"

static int on_prefix(const struct report_prefix *p, void *userdata)
{
	*(uint64_t *)userdata += p->family + p->len + p->addr[15];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t sum = 0;

	(void)netinfo_parse_addr_dump(data, size, on_prefix, &sum);
	return 0;
}
