/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/PID/net/tcp and tcp6 (the fallback snapshot and --no-ebpf), read as either family. */
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conns/proc_net_tcp.h"
#include "fuzz.h"

static int on_sock(const struct proc_tcp_sock *sock, void *userdata)
{
	*(uint64_t *)userdata += sock->inode + sock->local_port + sock->remote_port + sock->state;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t sum = 0;
	unsigned malformed;

	(void)proc_net_tcp_parse((const char *)data, size, AF_INET, on_sock, &sum, &malformed);
	(void)proc_net_tcp_parse((const char *)data, size, AF_INET6, on_sock, &sum, &malformed);
	return 0;
}
