/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/PID/cgroup as the hook reads it (a NUL-terminated file's contents). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "hook/oci_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *path = NULL;
	bool is_v2;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (oci_hook_parse_proc_cgroup(text, &path, &is_v2) == 0)
		free(path);
	free(text);
	return 0;
}
