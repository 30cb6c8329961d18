/* The unit tests' one assertion: CHECK(cond, printf-style why) counts a failure and
 * says where, and the test goes on (main returns `failures != 0`). One test per
 * translation unit, so the counter is the file's own. */
#ifndef CTRFS_TESTS_CHECK_H
#define CTRFS_TESTS_CHECK_H

#include <stdio.h>

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

#endif
