/* libFuzzer target: the text form of an Any (runtime/options, extensions/<name>) parsed
 * from arbitrary bytes, and rendered then parsed back to the same Any. */
#include "anytext.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Not assert(): the invariants must hold in every build, NDEBUG or not. */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *str(const char *s)
{
	return s ? s : "";
}

static bool same_any(const ctrfs_any *a, const ctrfs_any *b)
{
	return strcmp(str(a->type_url), str(b->type_url)) == 0 && a->value_len == b->value_len &&
	       (!a->value_len || memcmp(a->value, b->value, a->value_len) == 0);
}

/* Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), no NUL:
 * the type_urls a JSON string can carry unchanged (others are rendered with U+FFFD). */
static bool plain_utf8(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned c = s[i], n, min, cp;
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, min = 0x10000, cp = c & 0x07;
		else
			return false;
		if (len - i <= n)
			return false;
		for (unsigned k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static json_text_status parse(const char *text, size_t len, const ctrfs_any *stored, ctrfs_any *out)
{
	char msg[200];
	memset(msg, 'x', sizeof(msg));
	json_text_status st = anytext_parse(text, len, stored, out, msg, sizeof(msg));
	if (st == JSON_TEXT_INVALID)
		REQUIRE(memchr(msg, '\0', sizeof(msg)) && msg[0]);
	if (st != JSON_TEXT_OK)
		REQUIRE(!out->type_url && !out->value && !out->value_len);
	else
		REQUIRE(out->type_url && out->value);
	return st;
}

/* Rendering a parsed Any and parsing that text gives the same Any back: exactly when the
 * stored one is given (its bytes kept when they compact the same), compacted without. */
static void round_trip(const ctrfs_any *a)
{
	struct strbuf sb = STRBUF_INIT;
	ctrfs_any back = {0};
	anytext_render(&sb, a);
	REQUIRE(!sb.oom);
	REQUIRE(json_text_is_json(sb.buf, sb.len));
	REQUIRE(parse(sb.buf, sb.len, a, &back) == JSON_TEXT_OK);
	REQUIRE(same_any(a, &back));

	REQUIRE(parse(sb.buf, sb.len, NULL, &back) == JSON_TEXT_OK);
	REQUIRE(strcmp(str(a->type_url), back.type_url) == 0);
	if (a->value_len && json_text_is_json(a->value, a->value_len)) {
		size_t clen;
		char *c = json_text_compact((const char *)a->value, a->value_len, &clen);
		REQUIRE(c && clen == back.value_len && memcmp(c, back.value, clen) == 0);
		free(c);
	} else {
		REQUIRE(same_any(a, &back));
	}
	ctrfs_any_clear(&back);
	strbuf_release(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	ctrfs_any out = {0};

	/* the input as what a user writes */
	if (parse(text, size, NULL, &out) == JSON_TEXT_OK) {
		REQUIRE(plain_utf8((const unsigned char *)out.type_url, strlen(out.type_url)));
		round_trip(&out);
	}
	ctrfs_any_clear(&out);

	/* the input as a stored Any: type_url up to the first NUL, the rest its bytes */
	const uint8_t *nul = memchr(data, '\0', size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	if (plain_utf8(data, tlen)) {
		char *type_url = strndup(text, tlen);
		REQUIRE(type_url);
		const uint8_t *value = nul ? nul + 1 : data + size;
		REQUIRE(!ctrfs_any_set(&out, type_url, value, size - (size_t)(value - data)));
		free(type_url);
		round_trip(&out);
		ctrfs_any_clear(&out);
	}
	return 0;
}
