/* Unit tests of base64: RFC 4648 vectors, Go's StdEncoding decoding rules, fixtures. */
#include "base64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void expect_decode(const char *in, const char *want, size_t wantlen)
{
	unsigned char *out = (unsigned char *)"junk";
	size_t len = 99;
	bool ok = base64_decode(in, strlen(in), &out, &len);
	if (!want) {
		CHECK(!ok && out == NULL, "decode(%s) accepted", in);
		if (ok)
			free(out);
		return;
	}
	CHECK(ok && out != NULL && len == wantlen && memcmp(out, want, len) == 0,
	      "decode(%s) = %d len %zu", in, ok, len);
	if (ok)
		free(out);
}

static void test_vectors(void)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const enc[] = {"",	      "Zg==",	  "Zm8=",    "Zm9v",
					  "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (size_t i = 0; i < 7; i++) {
		size_t len = 99;
		char *e = base64_encode(plain[i], strlen(plain[i]), &len);
		CHECK(e && strcmp(e, enc[i]) == 0 && len == strlen(enc[i]), "encode(%s) = %s",
		      plain[i], e);
		free(e);
		expect_decode(enc[i], plain[i], strlen(plain[i]));
	}
	char *e = base64_encode("\xfb\xff\xbf", 3, NULL);
	CHECK(e && strcmp(e, "+/+/") == 0, "alphabet: %s", e);
	free(e);
	expect_decode("+/+/", "\xfb\xff\xbf", 3);
}

static void test_go_rules(void)
{
	/* refused by Go's StdEncoding.DecodeString */
	static const char *const bad[] = {
	    "Zg",     "Zg=",	"Zm9",	    "Z",	"Z===",	    "====",  "=",     "==",
	    "Zm9v=",  "Zm9v==", "Zg==Zg==", "Zg==x",	"Zg=x",	    "Zm 9v", "Zm9v ", " Zm9v",
	    "Zm9v\t", "Zm-v",	"Zm_v",	    "Zg==\x01", "Zm9v\xff", "Zg===",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_decode(bad[i], NULL, 0);
	unsigned char *out;
	size_t len;
	CHECK(!base64_decode("Zm9v\0", 5, &out, &len) && !out, "NUL after data");
	CHECK(!base64_decode("Zm\09v", 5, &out, &len) && !out, "NUL inside data");

	/* Go skips \r and \n anywhere, padding included */
	expect_decode("Zm\n9v\r\n", "foo", 3);
	expect_decode("\r\nZg=\n=\n", "f", 1);
	expect_decode("\n", "", 0);
	expect_decode("Zm8\r=", "fo", 2);
	/* non-zero leftover bits are accepted by Go's (non-Strict) decoder */
	expect_decode("Zh==", "f", 1);
	expect_decode("Zm9=", "fo", 2);
	expect_decode("QR==", "A", 1);
}

/* Values of Any.value from the ctr fixtures, as ctr printed them. */
static void test_fixture_values(void)
{
	static const char *const vals[] = {
	    "eyJjb25maWdfcGF0aCI6Ii9ldGMvZml4dHVyZS9ydW50aW1lLnRvbWwiLCJkZWJ1ZyI6dHJ1ZSwiYXJnc"
	    "yI6WyItLXgiLCItLXk9MSJdfQ==",
	    "CCo=",
	    "CAEaDS9maXh0dXJlLXNoaW0g6Aco6AcyDi91c3Ivc2Jpbi9ydW5jOhEvcnVuL2ZpeHR1cmUtcnVuY0IOL3"
	    "Vzci9zYmluL2NyaXVIAQ==",
	    "eyJvd25lciI6InRlYW0teCIsInJlcGxpY2EiOjMsInRhZ3MiOnsiYSI6IjEiLCLDvCI6IsOfIn19",
	    "Cg9oZWxsbyBleHRlbnNpb24=",
	};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		unsigned char *raw;
		size_t rlen, elen;
		CHECK(base64_decode(vals[i], strlen(vals[i]), &raw, &rlen), "decode %zu", i);
		char *e = base64_encode(raw, rlen, &elen);
		CHECK(e && strcmp(e, vals[i]) == 0, "round trip %zu: %s", i, e);
		free(e);
		free(raw);
	}
	unsigned char *raw;
	size_t rlen;
	base64_decode(vals[1], 4, &raw, &rlen);
	CHECK(rlen == 2 && raw[0] == 0x08 && raw[1] == 0x2a, "CCo= is 08 2a");
	free(raw);
}

static void test_round_trip(void)
{
	unsigned char data[300];
	unsigned seed = 12345;
	for (size_t len = 0; len < sizeof(data); len++) {
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			data[i] = (unsigned char)(seed >> 16);
		}
		size_t elen, dlen;
		char *e = base64_encode(data, len, &elen);
		CHECK(e && elen == (len + 2) / 3 * 4 && strlen(e) == elen, "len %zu", len);
		unsigned char *d;
		CHECK(base64_decode(e, elen, &d, &dlen) && dlen == len && memcmp(d, data, len) == 0,
		      "round trip len %zu", len);
		free(d);
		free(e);
	}
}

int main(void)
{
	test_vectors();
	test_go_rules();
	test_fixture_values();
	test_round_trip();
	return check_report();
}
