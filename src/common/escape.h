/* SPDX-License-Identifier: Apache-2.0 */
/* Text from outside ctopo made safe for a terminal. Process names, container and image names,
 * annotations, paths and Docker's error messages are chosen by whoever runs a container; printed
 * raw, an ESC or BEL in them changes an administrator's terminal (colours, window title, cursor,
 * on some terminals the clipboard). Every text output and the log pass such fields through
 * escape_text(); JSON has its own escaping and DOT adds Graphviz's on top of this one. */
#ifndef CTOPO_ESCAPE_H
#define CTOPO_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Room for any field ctopo prints (a 16-byte comm needs 64 at most, a 255-byte name 1021). */
#define ESCAPE_MAX 1024

/* Write s[0..len) to buf (size bytes, always NUL-terminated when size > 0) with every control
 * character and every byte that is not part of valid UTF-8 replaced by a visible escape:
 *   \a \b \t \n \v \f \r         for those C0 controls
 *   \xHH                          other C0 controls (ESC is \x1b), DEL, NUL, and each byte of
 *                                 invalid UTF-8 (stray continuation bytes, overlong forms,
 *                                 surrogates, past U+10FFFF, a sequence cut short)
 *   \uHHHH                        the C1 controls U+0080..U+009F, which some terminals obey as
 *                                 8-bit escapes, and the bidirectional controls (U+061C,
 *                                 U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), which
 *                                 reorder what a terminal shows
 * Everything else, valid UTF-8 included, is copied unchanged (a backslash too: the result is
 * for reading, not for parsing back). The output is valid UTF-8 without any of those. When buf
 * is too small it stops before the first character or escape that does not fit, never inside
 * one. Returns the bytes written, without the NUL. */
size_t escape_text(char *buf, size_t size, const char *s, size_t len);

/* escape_text() of a string that ends at its NUL or after max bytes, whichever comes first
 * (a comm fills its 16 bytes without one); NULL prints as "". Returns buf. */
const char *escape_strn(char *buf, size_t size, const char *s, size_t max);

/* The escaped form of s in a buffer that lives until the end of the enclosing block: for
 * printf() arguments. ESCAPED_ARRAY for a char array that may lack its NUL. */
#define ESCAPED(s) escape_strn((char[ESCAPE_MAX]){ 0 }, ESCAPE_MAX, (s), SIZE_MAX)
#define ESCAPED_ARRAY(a) escape_strn((char[ESCAPE_MAX]){ 0 }, ESCAPE_MAX, (a), sizeof(a))

/* The length of the valid UTF-8 sequence at s (1-4) and its code point, or 0 when s does not
 * start one (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). */
size_t utf8_decode(const char *s, size_t len, uint32_t *ret_cp);

/* How many terminal columns escaped text takes: one per character (wide East Asian characters
 * are counted as one; table columns stay aligned for everything else). */
size_t text_columns(const char *s);

/* Cut escaped text after `columns` columns (at a character's end). */
void text_truncate_columns(char *text, size_t columns);

/* Print text and pad it with spaces to `columns` columns (nothing when it is wider). */
void text_print_padded(FILE *out, const char *text, size_t columns);

#endif
