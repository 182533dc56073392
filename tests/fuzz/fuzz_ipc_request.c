/* SPDX-License-Identifier: Apache-2.0 */
/* One request line a client sends to the daemon's socket. */
#include <stddef.h>
#include <stdint.h>

#include "daemon/ipc.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum ipc_request_kind kind;

	(void)ipc_parse_request((const char *)data, size, &kind);
	return 0;
}
