/* SPDX-License-Identifier: Apache-2.0 */
/* What the two socket-reader tests (inet_diag, /proc/net/tcp) share: the sockets a parser hands
 * out, collected into a list, found by inode, and an endpoint compared as text. */
#ifndef CTOPO_SOCK_LISTS_H
#define CTOPO_SOCK_LISTS_H

#include <stddef.h>
#include <stdint.h>

#include "conns/inet_diag.h"
#include "conns/proc_net_tcp.h"

#define SOCK_LIST_MAX 64

struct diag_list {
	struct diag_sock v[SOCK_LIST_MAX];
	size_t n;
};

struct proc_list {
	struct proc_tcp_sock v[SOCK_LIST_MAX];
	size_t n;
};

/* Parser callbacks (userdata: the list); sockets past SOCK_LIST_MAX are dropped. */
int diag_list_collect(const struct diag_sock *s, void *userdata);
int proc_list_collect(const struct proc_tcp_sock *s, void *userdata);

/* The first socket with this inode, or NULL. */
const struct diag_sock *diag_list_by_inode(const struct diag_list *l, uint64_t inode);
const struct proc_tcp_sock *proc_list_by_inode(const struct proc_list *l, uint64_t inode);

/* endpoint_format() of the address and port equals expected ("10.0.0.1:80", "[::1]:80"). */
void assert_endpoint(uint16_t family, const uint8_t addr[16], uint16_t port, const char *expected);

#endif
