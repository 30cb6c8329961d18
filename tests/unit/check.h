/* The unit tests' one assertion: CHECK(cond, printf-style why) counts a failure and
 * says where, and the test goes on (main returns `failures != 0`). One test per
 * translation unit, so the counter is the file's own. */
#ifndef CTRFS_TESTS_CHECK_H
#define CTRFS_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			failures++;                                                                \
			fprintf(stderr, "%s:%d: failed: %s: ", __FILE__, __LINE__, #cond);         \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

/* CHECK for two strings (NULL prints as such): equal. */
#define CHECK_STR(got, want)                                                                       \
	do {                                                                                       \
		const char *got_ = (got), *want_ = (want);                                         \
		CHECK(got_ &&want_ &&strcmp(got_, want_) == 0, "got \"%s\", want \"%s\"",          \
		      got_ ? got_ : "(null)", want_ ? want_ : "(null)");                           \
	} while (0)

/* main's answer: says how many checks failed, and fails then. */
static inline int check_report(void)
{
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures != 0;
}

#endif
