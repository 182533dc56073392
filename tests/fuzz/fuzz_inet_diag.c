/* SPDX-License-Identifier: Apache-2.0 */
/* A buffer of sock_diag replies (TCPDIAG_GETSOCK or SOCK_DIAG_BY_FAMILY), as recv() gives it. */
#include <stddef.h>
#include <stdint.h>

#include "conns/inet_diag.h"
#include "fuzz.h"

static int on_sock(const struct diag_sock *sock, void *userdata)
{
	*(uint64_t *)userdata += sock->inode + sock->cgroup_id + sock->local_port;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t sum = 0;
	unsigned malformed = 0;

	(void)inet_diag_parse(data, size, on_sock, &sum, &malformed);
	return 0;
}
