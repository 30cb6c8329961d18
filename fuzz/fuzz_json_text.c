/* libFuzzer target: json_text check, compact, indent, member and quote on arbitrary bytes. */
#include "json_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Not assert(): the invariants must hold in every build, NDEBUG or not. */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static json_text_status check(const char *s, size_t len, size_t *off)
{
	char msg[128];
	json_text_status st = json_text_check(s, len, off, msg, sizeof(msg));
	REQUIRE(memchr(msg, '\0', sizeof(msg)) != NULL);
	REQUIRE((st == JSON_TEXT_OK) == (msg[0] == '\0'));
	return st;
}

/* The verdict on a prefix agrees with the verdict on the whole. */
static void check_prefixes(const char *s, size_t len, json_text_status st, size_t off)
{
	size_t o;
	if (st == JSON_TEXT_INVALID) {
		REQUIRE(off < len);
		REQUIRE(check(s, off, &o) != JSON_TEXT_INVALID);
		REQUIRE(check(s, off + 1, &o) == JSON_TEXT_INVALID && o == off);
	} else {
		REQUIRE(off == len);
		if (len)
			REQUIRE(check(s, len - 1, &o) != JSON_TEXT_INVALID);
		REQUIRE(check(s, len / 2, &o) != JSON_TEXT_INVALID);
	}
}

static void check_member(const char *s, size_t len, const char *key)
{
	size_t start, vlen, o;
	if (!json_text_member(s, len, key, &start, &vlen))
		return;
	REQUIRE(start <= len && vlen <= len - start && vlen > 0);
	REQUIRE(check(s + start, vlen, &o) == JSON_TEXT_OK);
	/* the span is exactly a value: no whitespace around it */
	REQUIRE(s[start] != ' ' && s[start] != '\t' && s[start] != '\r' && s[start] != '\n');
	char last = s[start + vlen - 1];
	REQUIRE(last != ' ' && last != '\t' && last != '\r' && last != '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t off, clen, c2len;
	json_text_status st = check(s, size, &off);
	char *c = json_text_compact(s, size, &clen);
	struct strbuf sb = STRBUF_INIT;

	check_prefixes(s, size, st, off);
	REQUIRE(json_text_is_json(s, size) == (st == JSON_TEXT_OK));
	REQUIRE((c != NULL) == (st == JSON_TEXT_OK));

	strbuf_adds(&sb, "x");
	bool ind = json_text_indent(&sb, s, size, "\t", "  ");
	REQUIRE(ind == (st == JSON_TEXT_OK));
	if (!ind)
		REQUIRE(sb.len == 1 && strcmp(sb.buf, "x") == 0);

	if (c) {
		/* compact output is valid, has no whitespace left to drop, and is what
		 * compacting the indented form gives back */
		REQUIRE(strlen(c) == clen && clen <= size);
		REQUIRE(check(c, clen, &off) == JSON_TEXT_OK);
		char *c2 = json_text_compact(c, clen, &c2len);
		REQUIRE(c2 && c2len == clen && memcmp(c2, c, clen) == 0);
		free(c2);
		REQUIRE(check(sb.buf + 1, sb.len - 1, &off) == JSON_TEXT_OK);
		c2 = json_text_compact(sb.buf + 1, sb.len - 1, &c2len);
		REQUIRE(c2 && c2len == clen && memcmp(c2, c, clen) == 0);
		free(c2);

		/* members found in the original and compact text are the same values */
		check_member(s, size, "a");
		check_member(s, size, "");
		check_member(s, size, "Spec");
		check_member(c, clen, "a");
		size_t s1, l1, s2, l2;
		bool f1 = json_text_member(s, size, "a", &s1, &l1);
		bool f2 = json_text_member(c, clen, "a", &s2, &l2);
		REQUIRE(f1 == f2);
		if (f1) {
			char *v = json_text_compact(s + s1, l1, &c2len);
			REQUIRE(v && c2len == l2 && memcmp(v, c + s2, l2) == 0);
			free(v);
		}
	}
	free(c);
	strbuf_release(&sb);

	/* quoting anything gives one valid JSON string */
	json_text_quote_go(&sb, s, size);
	REQUIRE(!sb.oom && check(sb.buf, sb.len, &off) == JSON_TEXT_OK);
	REQUIRE(sb.buf[0] == '"' && sb.buf[sb.len - 1] == '"');
	strbuf_release(&sb);
	return 0;
}
