/* SPDX-License-Identifier: Apache-2.0 */
/* One way to walk a received netlink buffer with libmnl, for every parser of a dump (inet_diag
 * here, nat and netinfo in net/). It lives in conns/ because common/ is libc only and conns/ is
 * the lowest folder that links libmnl and that net/ may include. */
#ifndef CTOPO_CONNS_MNL_RUN_H
#define CTOPO_CONNS_MNL_RUN_H

#include <errno.h>
#include <libmnl/libmnl.h>
#include <stddef.h>

#include "common/netlink_check.h"

/* mnl_cb_run() over buf once nlmsg_buffer_ok() passed it. Returns 1 when a dump goes on
 * (MNL_CB_OK), 0 when it is done (NLMSG_DONE, or a callback said stop) and -errno on an error:
 * -EBADMSG for a buffer libmnl must not walk, or the error an NLMSG_ERROR carries. libmnl sets
 * errno from that message's own field: a forged one may say anything, INT_MIN included, whose
 * negation overflows, so only a positive errno is taken and anything else is -EBADMSG (as is a
 * callback's MNL_CB_ERROR that set no errno). A callback that keeps its own error in its context
 * has it checked by the caller before this result. */
static inline int mnl_run_checked(const void *buf, size_t len, unsigned seq, unsigned portid, mnl_cb_t cb, void *data)
{
	int r;

	if (!nlmsg_buffer_ok(buf, len))
		return -EBADMSG;
	errno = 0;
	r = mnl_cb_run(buf, len, seq, portid, cb, data);
	if (r == MNL_CB_ERROR)
		return errno > 0 ? -errno : -EBADMSG;
	return r == MNL_CB_STOP ? 0 : 1;
}

#endif
