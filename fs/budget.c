/* The daemon's memory budget (see budget.h): one counter, no lock. */
#include "budget.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "ctrfs.h"

static size_t total = BUDGET_TOTAL;
static size_t used;

int budget_setup(void)
{
	const char *s = getenv("CTRFS_MEMORY_BUDGET");
	if (!s)
		return 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v == 0 || v > SIZE_MAX) {
		fuse_log(FUSE_LOG_ERR, "CTRFS_MEMORY_BUDGET=%s: not a number of bytes\n", s);
		return -1;
	}
	total = (size_t)v;
	return 0;
}

size_t budget_total(void)
{
	return total;
}

bool budget_take(size_t bytes)
{
	size_t now = __atomic_load_n(&used, __ATOMIC_RELAXED);
	do {
		if (bytes > total - now)
			return false;
	} while (!__atomic_compare_exchange_n(&used, &now, now + bytes, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

void budget_give(size_t bytes)
{
	__atomic_sub_fetch(&used, bytes, __ATOMIC_RELAXED);
}

size_t budget_used(void)
{
	return __atomic_load_n(&used, __ATOMIC_RELAXED);
}
