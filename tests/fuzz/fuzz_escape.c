/* SPDX-License-Identifier: Apache-2.0 */
/* escape_text(), what every text output puts between a hostile name and a terminal. Checks, for
 * any input: the output has no control byte (C0, DEL), is valid UTF-8 without C1 or bidi
 * controls; input that is already such text comes out unchanged; and a short buffer gives a
 * prefix of the full output, cut only where the next character or escape (6 bytes at most) did
 * not fit. The first input byte picks the short buffer's size. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "fuzz.h"

/* C1 and bidi controls: what escape_text() promises never to let through. */
static bool forbidden_code_point(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Valid UTF-8 with nothing forbidden in it. */
static bool safe_text(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode((const char *)p + i, len - i, &cp);

		if (n == 0 || forbidden_code_point(cp))
			return false;
		if ((n == 1) != (p[i] < 0x80))
			return false;
		i += n;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = 6 * size + 1, short_size, n, m;
	char *full, *part;

	if (size == 0)
		return 0;
	full = malloc(cap);
	part = malloc(cap);
	if (!full || !part)
		abort();

	n = escape_text(full, cap, (const char *)data, size);
	if (n != strlen(full) || n >= cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)full[i] < 0x20 || (uint8_t)full[i] == 0x7f)
			abort();
	if (!safe_text((const uint8_t *)full, n))
		abort();
	if (safe_text(data, size) && (n != size || memcmp(full, data, size) != 0))
		abort();

	short_size = data[0] % (n + 2);
	m = escape_text(part, short_size, (const char *)data, size);
	if (short_size > 0 && (m >= short_size || m > n || memcmp(part, full, m) != 0 || part[m] != '\0'))
		abort();
	if (m < n && short_size > 0 && m + 6 < short_size)
		abort(); /* it stopped though the next unit would have fit */
	free(full);
	free(part);
	return 0;
}
