/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI state a runtime writes on the hook's stdin, validated for every stage. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "hook/oci_hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum oci_hook_stage stages[] = { OCI_HOOK_PRESTART, OCI_HOOK_CREATE_RUNTIME, OCI_HOOK_POSTSTOP };

	for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		struct oci_hook_state st = { 0 };
		struct oci_record rec = { 0 };
		struct json_error err;

		if (oci_hook_parse_state((const char *)data, size, stages[i], &st, &err) < 0)
			continue;
		/* what the hook makes of a state it accepted */
		if (oci_hook_record_from_state(&st, NULL, NULL, &rec) == 0)
			oci_record_done(&rec);
		oci_hook_state_done(&st);
	}
	return 0;
}
