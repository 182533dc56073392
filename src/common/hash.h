/* SPDX-License-Identifier: Apache-2.0 */
/* One keyed hash for every table. The keys come from outside (peers choose ports and addresses,
 * whoever runs a container chooses its name), so each process hashes with a random seed: nobody
 * can choose keys that all land in one chain. */
#ifndef CTOPO_HASH_H
#define CTOPO_HASH_H

#include <stddef.h>
#include <stdint.h>

/* This process's seed: random, chosen on first use. */
uint64_t hash_seed(void);

/* A 64-bit hash of len bytes under seed (seed with hash_seed(), or a previous hash to chain). */
uint64_t hash_bytes(uint64_t seed, const void *data, size_t len);

/* hash_bytes over a NUL-terminated string, without the NUL */
uint64_t hash_string(uint64_t seed, const char *s);

#endif
