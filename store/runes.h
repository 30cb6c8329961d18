/* Runes as Go sees them: UTF-8 decoding and encoding, and the unicode predicates
 * that containerd's filter scanner and Go's %q use. */
#ifndef CTRFS_RUNES_H
#define CTRFS_RUNES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RUNE_ERROR 0xFFFD

/* Go's utf8.DecodeRune: invalid or short input gives (RUNE_ERROR, 1), empty input
 * (RUNE_ERROR, 0). */
int32_t runes_decode(const unsigned char *s, size_t n, size_t *width);
/* Go's utf8.EncodeRune into buf (4 bytes): what is not a scalar value becomes U+FFFD. */
size_t runes_encode(int32_t r, char *buf);
/* Go's unicode.IsSpace, IsGraphic (L, M, N, P, S, Zs) and IsPrint (the same, but of
 * the spaces only U+0020); Unicode's tables are RE2's. */
bool runes_is_space(int32_t r);
bool runes_is_graphic(int32_t r);
bool runes_is_print(int32_t r);

#ifdef __cplusplus
}
#endif
#endif
