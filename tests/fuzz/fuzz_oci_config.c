/* SPDX-License-Identifier: Apache-2.0 */
/* A bundle's config.json, as the hook reads it to name the container. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "hook/oci_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_hook_config cfg = { 0 };
	struct json_error err;

	if (oci_hook_parse_config((const char *)data, size, &cfg, &err) == 0)
		oci_hook_config_done(&cfg);
	return 0;
}
