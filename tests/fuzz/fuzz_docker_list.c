/* SPDX-License-Identifier: Apache-2.0 */
/* GET /containers/json?all=1: entries that are wrong in themselves are skipped. */
#include <stddef.h>
#include <stdint.h>

#include "containers/docker_parse.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct docker_container_list list = { 0 };
	struct json_error err;

	if (docker_parse_list((const char *)data, size, &list, &err) < 0)
		return 0;
	for (size_t i = 0; i < list.n; i++)
		(void)docker_container_label(&list.v[i], "com.docker.compose.service");
	docker_container_list_done(&list);
	return 0;
}
