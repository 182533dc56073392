/* SPDX-License-Identifier: Apache-2.0 */
/* The body of a Docker error response ({"message":"..."}). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "containers/docker_parse.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	free(docker_parse_error_message((const char *)data, size));
	return 0;
}
