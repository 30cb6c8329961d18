/* Walking the elements of a JSON array in raw text (each element's exact bytes). */
#ifndef CTRFS_JSON_ITEMS_H
#define CTRFS_JSON_ITEMS_H

#include <stdbool.h>
#include <stddef.h>

/* Calls fn with the byte span of each element of the array [s, s+len), which must be
 * valid JSON (json_text_check). false if it is not an array or fn returned false. */
bool json_text_array_items(const char *s, size_t len,
			   bool (*fn)(const char *item, size_t ilen, void *arg), void *arg);

#endif
