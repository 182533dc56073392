/* SPDX-License-Identifier: Apache-2.0 */
/* A record file under the state directory, as the daemon reads it. What it accepts must survive
 * a write and read back: the hook rewrites records at poststop. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "hook/oci_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_record rec = { 0 }, back = { 0 };
	char *text = NULL;
	size_t len = 0;

	if (oci_state_read_record((const char *)data, size, &rec) < 0)
		return 0;
	if (oci_record_format(&rec, &text, &len) == 0) {
		if (oci_state_read_record(text, len, &back) < 0) {
			fprintf(stderr, "an accepted record does not read back after formatting:\n%s\n", text);
			abort();
		}
		oci_record_done(&back);
		free(text);
	}
	oci_record_done(&rec);
	return 0;
}
