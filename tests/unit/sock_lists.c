/* SPDX-License-Identifier: Apache-2.0 */
#include "sock_lists.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/addr.h"

int diag_list_collect(const struct diag_sock *s, void *userdata)
{
	struct diag_list *l = userdata;

	if (l->n < SOCK_LIST_MAX)
		l->v[l->n++] = *s;
	return 0;
}

int proc_list_collect(const struct proc_tcp_sock *s, void *userdata)
{
	struct proc_list *l = userdata;

	if (l->n < SOCK_LIST_MAX)
		l->v[l->n++] = *s;
	return 0;
}

const struct diag_sock *diag_list_by_inode(const struct diag_list *l, uint64_t inode)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].inode == inode)
			return &l->v[i];
	return NULL;
}

const struct proc_tcp_sock *proc_list_by_inode(const struct proc_list *l, uint64_t inode)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].inode == inode)
			return &l->v[i];
	return NULL;
}

void assert_endpoint(uint16_t family, const uint8_t addr[16], uint16_t port, const char *expected)
{
	char s[ENDPOINT_STRLEN];

	endpoint_format(family, addr, port, s, sizeof(s));
	assert_string_equal(s, expected);
}
