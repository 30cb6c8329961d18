/* Go's regexp (RE2 syntax and semantics) for filters, through RE2; a C API over C++. */
#ifndef CTRFS_REGEX_H
#define CTRFS_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ctrfs_regex ctrfs_regex;

enum regex_status {
	REGEX_OK = 0,
	REGEX_SYNTAX = -1, /* the pattern is not one Go's regexp.Compile accepts */
	REGEX_NOMEM = -2,
};

/* Compiles `pattern` (len bytes) as Go's regexp.Compile does. On REGEX_SYNTAX, `why`
 * receives Go's reason with the offending part ("missing closing ): `((`"). */
enum regex_status regex_compile(const char *pattern, size_t len, ctrfs_regex **out, char *why,
				size_t why_size);
/* Does the pattern match anywhere in subject[0:len] (bytes; each byte that is not part
 * of valid UTF-8 is one character, U+FFFD, as in Go)? Linear in len. */
bool regex_match(const ctrfs_regex *re, const char *subject, size_t len);
void regex_free(ctrfs_regex *re);

#ifdef __cplusplus
}
#endif
#endif
