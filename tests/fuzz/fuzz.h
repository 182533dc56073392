/* SPDX-License-Identifier: Apache-2.0 */
/* The entry points libFuzzer calls (it declares them nowhere we could include). */
#ifndef CTOPO_FUZZ_H
#define CTOPO_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
