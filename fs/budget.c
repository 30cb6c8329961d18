/* The daemon's memory budget (see budget.h): one counter, no lock. */
#include "budget.h"

static size_t used;

bool budget_take(size_t bytes)
{
	size_t now = __atomic_load_n(&used, __ATOMIC_RELAXED);
	do {
		if (bytes > BUDGET_TOTAL - now)
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
