/* SPDX-License-Identifier: Apache-2.0 */
/* c/storage's containers.json, where the hook looks up a podman container's name. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "hook/oci_hook.h"

/* The id of tests/data/oci/podman.containers.json, so the seeds find it. */
#define PODMAN_ID "6fbca1aae3c05317dea8c7be0e1b1ffacf931f1cba1390f0f34576d349453d28"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = NULL;

	if (oci_hook_podman_name((const char *)data, size, PODMAN_ID, &name) == 0)
		free(name);
	return 0;
}
