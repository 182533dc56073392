/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's unix socket: one request line of JSON in, one JSON document out, then close.
 * Requests: {"request":"report"} (the latest report, docs/daemon-protocol.md) and
 * {"request":"stats"}. Peers must be root or in the group "ctopo" (SO_PEERCRED). */
#ifndef CTOPO_IPC_H
#define CTOPO_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/errmsg.h"
#include "common/loop.h"

#define IPC_DEFAULT_SOCKET "/run/ctopo/ctopo.sock"
#define IPC_GROUP "ctopo"
#define IPC_MAX_REQUEST 4096
#define IPC_CLIENT_TIMEOUT_MS 5000 /* a peer that neither asks nor reads is dropped after this */

enum ipc_request_kind { IPC_REQ_REPORT, IPC_REQ_STATS };

/* Parse one request line; 0 or -EBADMSG. */
int ipc_parse_request(const char *buf, size_t len, enum ipc_request_kind *ret);

struct ipc_server;

/* Answer a request: fill *ret_buf (malloc'd, the server frees it) and *ret_len. */
typedef int (*ipc_answer_fn)(enum ipc_request_kind kind, char **ret_buf, size_t *ret_len, void *userdata);

/* Bind and listen at path (mode 0660, group "ctopo" when it exists) and join the loop. A live
 * daemon already answering there is -EADDRINUSE; a stale socket file is replaced. On an error,
 * why (NULL: not wanted) says what failed and what to do, for the caller to report. */
int ipc_server_new(struct loop *l, const char *path, ipc_answer_fn answer, void *userdata, struct ipc_server **ret,
		   struct errmsg *why);
/* Drop clients that stalled past IPC_CLIENT_TIMEOUT_MS; call it from a timer. */
void ipc_server_reap(struct ipc_server *s);
/* Close all clients, leave the loop, remove the socket file. */
void ipc_server_free(struct ipc_server *s);

struct ipc_server_stats {
	uint64_t served;
	uint64_t refused; /* peers without the right credentials */
	uint64_t bad;     /* malformed requests */
	uint64_t dropped; /* timed out or went away mid-answer */
	unsigned clients; /* connected now */
};
void ipc_server_get_stats(const struct ipc_server *s, struct ipc_server_stats *ret);

/* Client side: send one request and read the whole answer (timeout_ms for the exchange).
 * -ENOENT / -ECONNREFUSED when no daemon listens (callers fall back to a snapshot),
 * -EACCES when the daemon refused us, -ETIMEDOUT, -EBADMSG for an error answer. */
int ipc_request(const char *path, enum ipc_request_kind kind, int timeout_ms, char **ret_buf, size_t *ret_len);

#endif
