/* Walking the elements of a JSON array in raw text; the input is already validated,
 * so the walk only has to find where each element ends. */
#include "json_items.h"

static size_t skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* End (exclusive) of the value starting at i. */
static size_t skip_value(const char *s, size_t len, size_t i)
{
	int depth = 0;
	bool in_string = false;
	for (; i < len; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"') {
				in_string = false;
				if (depth == 0)
					return i + 1;
			}
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return i; /* end of a scalar, closed by the parent */
			if (--depth == 0)
				return i + 1;
		} else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' ||
					  c == '\r')) {
			return i;
		}
	}
	return len;
}

bool json_text_array_items(const char *s, size_t len,
			   bool (*fn)(const char *item, size_t ilen, void *arg), void *arg)
{
	size_t i = skip_ws(s, len, 0);
	if (i >= len || s[i] != '[')
		return false;
	i = skip_ws(s, len, i + 1);
	if (i < len && s[i] == ']')
		return true;
	while (i < len) {
		size_t end = skip_value(s, len, i);
		if (!fn(s + i, end - i, arg))
			return false;
		i = skip_ws(s, len, end);
		if (i >= len || s[i] != ',')
			break;
		i = skip_ws(s, len, i + 1);
	}
	return i < len && s[i] == ']';
}
