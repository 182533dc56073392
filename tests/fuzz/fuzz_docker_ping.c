/* SPDX-License-Identifier: Apache-2.0 */
/* The header block of a /_ping response (its Api-Version, and whether podman sent it). */
#include <stddef.h>
#include <stdint.h>

#include "containers/docker_parse.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned major, minor;

	(void)docker_parse_ping_api_version((const char *)data, size, &major, &minor);
	(void)docker_parse_ping_engine((const char *)data, size);
	return 0;
}
