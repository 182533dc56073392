/* SPDX-License-Identifier: Apache-2.0 */
/* GET /containers/{id}/json as dockerd (or whatever listens on its socket) answers it. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "containers/docker_parse.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct docker_container c = { 0 };
	struct json_error err;
	const char *other;

	if (docker_parse_inspect((const char *)data, size, &c, &err) < 0)
		return 0;
	/* what the registry does next with a parsed container */
	(void)docker_container_label(&c, "com.docker.compose.project");
	if (c.network_mode && (other = docker_network_mode_container(c.network_mode)))
		(void)strlen(other);
	docker_container_done(&c);
	return 0;
}
