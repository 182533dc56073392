/* SPDX-License-Identifier: Apache-2.0 */
#include "common/hash.h"

#include <stdbool.h>
#include <string.h>
#include <sys/random.h>

#include "common/clock.h"

static uint64_t rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

uint64_t hash_seed(void)
{
	static uint64_t seed;
	static bool chosen;

	if (!chosen) {
		if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
			seed = clock_mono_ns() * 0x9e3779b97f4a7c15ull;
		chosen = true;
	}
	return seed;
}

/* A seeded multiply-rotate mix over 8-byte words (MurmurHash3's constants), the tail bytewise,
 * and MurmurHash3's finaliser. */
uint64_t hash_bytes(uint64_t seed, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull);
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h ^= rotl64(w * 0x87c37b91114253d5ull, 31) * 0x4cf5ad432745937full;
		h = rotl64(h, 27) * 5 + 0x52dce729;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

uint64_t hash_string(uint64_t seed, const char *s)
{
	return hash_bytes(seed, s, strlen(s));
}
