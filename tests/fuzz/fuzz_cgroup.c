/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/PID/cgroup as the daemon reads it, and the container id of a single cgroup path. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "containers/cgroup.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgroup_info info = { 0 };
	char id[CGROUP_ID_LEN + 1], *path;
	const char *runtime;

	if (cgroup_parse((const char *)data, size, &info) == 0)
		cgroup_info_done(&info);

	path = strndup((const char *)data, size);
	if (!path)
		return 0;
	(void)cgroup_container_id_from_path(path, id, &runtime);
	free(path);
	return 0;
}
