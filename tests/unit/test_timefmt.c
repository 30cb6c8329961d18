/* Unit tests of timefmt: Go's RFC3339Nano text, RFC 3339 parsing, time.MarshalBinary. */
#include "timefmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define GO_ZERO_TIME INT64_C(-62135596800) /* 0001-01-01T00:00:00Z */

static void expect_format(int64_t sec, int32_t nsec, const char *want, bool json_ok)
{
	char buf[40];
	ctrfs_time t = {sec, nsec};
	memset(buf, 'x', sizeof(buf));
	ctrfs_time_format(t, buf, sizeof(buf));
	CHECK(strcmp(buf, want) == 0, "format(%" PRId64 ", %" PRId32 ") = %s, want %s", sec, nsec,
	      buf, want);
	CHECK(gotime_json_ok(t) == json_ok, "json_ok(%s)", want);
}

static void test_format(void)
{
	expect_format(0, 0, "1970-01-01T00:00:00Z", true);
	expect_format(GO_ZERO_TIME, 0, "0001-01-01T00:00:00Z", true);
	expect_format(-1, 999999999, "1969-12-31T23:59:59.999999999Z", true);
	expect_format(0, 100000000, "1970-01-01T00:00:00.1Z", true);
	expect_format(0, 1, "1970-01-01T00:00:00.000000001Z", true);
	expect_format(0, 120000, "1970-01-01T00:00:00.00012Z", true);
	expect_format(1795408676, 228779590, "2026-11-23T04:37:56.22877959Z", true);
	expect_format(951782400, 0, "2000-02-29T00:00:00Z", true);
	expect_format(1709164800, 0, "2024-02-29T00:00:00Z", true);
	expect_format(-2203891200, 0, "1900-03-01T00:00:00Z", true);
	expect_format(-2203977600, 0, "1900-02-28T00:00:00Z", true);
	expect_format(253402300799, 999999999, "9999-12-31T23:59:59.999999999Z", true);
	/* outside 0000..9999 Go's Format still writes it; MarshalJSON refuses */
	expect_format(253402300800, 0, "10000-01-01T00:00:00Z", false);
	expect_format(GO_ZERO_TIME - 366 * 86400, 0, "0000-01-01T00:00:00Z", true);
	expect_format(GO_ZERO_TIME - 366 * 86400 - 1, 0, "-0001-12-31T23:59:59Z", false);
	/* out-of-range nanoseconds carry into seconds */
	expect_format(0, 1500000000, "1970-01-01T00:00:01.5Z", true);
	expect_format(0, -1, "1969-12-31T23:59:59.999999999Z", true);

	/* the extremes fit the documented 40 bytes and do not crash */
	char buf[40];
	ctrfs_time big = {INT64_MAX, 999999999}, small = {INT64_MIN, 0};
	ctrfs_time_format(big, buf, sizeof(buf));
	CHECK(strlen(buf) < 40 && buf[strlen(buf) - 1] == 'Z', "%s", buf);
	CHECK(!gotime_json_ok(big), "%s", buf);
	ctrfs_time_format(small, buf, sizeof(buf));
	CHECK(strlen(buf) < 40 && buf[0] == '-', "%s", buf);
	/* a short buffer gets a truncated, terminated string */
	char tiny[5];
	ctrfs_time_format((ctrfs_time){0, 0}, tiny, sizeof(tiny));
	CHECK(strcmp(tiny, "1970") == 0, "%s", tiny);
}

static void expect_parse(const char *s, int64_t sec, int32_t nsec)
{
	ctrfs_time t = {1, 1};
	CHECK(ctrfs_time_parse(s, &t) && t.sec == sec && t.nsec == nsec,
	      "parse(%s) = %" PRId64 ".%09" PRId32, s, t.sec, t.nsec);
}

static void test_parse(void)
{
	expect_parse("1970-01-01T00:00:00Z", 0, 0);
	expect_parse("2026-11-23T04:37:55.970544245Z", 1795408675, 970544245);
	expect_parse("1970-01-01T01:00:00+01:00", 0, 0);
	expect_parse("1969-12-31T19:00:00-05:00", 0, 0);
	expect_parse("1970-01-01T05:30:00.5+05:30", 0, 500000000);
	expect_parse("1970-01-01T00:00:00-00:00", 0, 0);
	expect_parse("2000-01-01T00:00:00.1Z", 946684800, 100000000);
	expect_parse("2000-01-01T00:00:00.123456789Z", 946684800, 123456789);
	expect_parse("2000-01-01T00:00:00.000000001Z", 946684800, 1);
	expect_parse("2000-02-29T12:00:00Z", 951825600, 0);
	expect_parse("2024-02-29T00:00:00Z", 1709164800, 0);
	expect_parse("0001-01-01T00:00:00Z", GO_ZERO_TIME, 0);
	expect_parse("0000-01-01T00:00:00Z", GO_ZERO_TIME - 366 * 86400, 0);
	expect_parse("0000-02-29T00:00:00Z", GO_ZERO_TIME - 366 * 86400 + 59 * 86400, 0);
	expect_parse("9999-12-31T23:59:59.999999999Z", 253402300799, 999999999);
	expect_parse("0001-01-01T00:00:00+23:59", GO_ZERO_TIME - 23 * 3600 - 59 * 60, 0);

	static const char *const bad[] = {
	    "",
	    "2026-11-23T04:37:55",
	    "2026-11-23 04:37:55Z",
	    "2026-11-23t04:37:55Z",
	    "2026-11-23T04:37:55z",
	    "2026-11-23T04:37:55.Z",
	    "2026-11-23T04:37:55.1234567890Z",
	    "2026-11-23T04:37:55,5Z",
	    "2026-11-23T04:37:55Z ",
	    " 2026-11-23T04:37:55Z",
	    "2026-11-23T04:37:55ZZ",
	    "2026-1-23T04:37:55Z",
	    "2026-11-23T4:37:55Z",
	    "+2026-11-23T04:37:55Z",
	    "12026-11-23T04:37:55Z",
	    "2026-13-01T00:00:00Z",
	    "2026-00-01T00:00:00Z",
	    "2026-11-00T00:00:00Z",
	    "2026-11-31T00:00:00Z",
	    "2026-02-29T00:00:00Z",
	    "1900-02-29T00:00:00Z",
	    "2026-11-23T24:00:00Z",
	    "2026-11-23T23:60:00Z",
	    "2026-11-23T23:59:60Z",
	    "2026-11-23T04:37:55+0100",
	    "2026-11-23T04:37:55+01",
	    "2026-11-23T04:37:55+24:00",
	    "2026-11-23T04:37:55+01:60",
	    "2026-11-23T04:37:55+01:00x",
	    "2026-11-23T04:37:55 +01:00",
	    "2026-11-23T04:37:55.5",
	    "2026-11-23T04:37:5aZ",
	    "2026-11-23",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ctrfs_time t = {7, 7};
		CHECK(!ctrfs_time_parse(bad[i], &t), "parse(%s) accepted", bad[i]);
		CHECK(t.sec == 7 && t.nsec == 7, "parse(%s) wrote on failure", bad[i]);
	}
}

static void test_round_trip(void)
{
	/* every second of a leap-year boundary day, and spread over 0000..9999 */
	uint64_t seed = 42;
	for (int i = 0; i < 200000; i++) {
		ctrfs_time t, back;
		char buf[40];
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		t.sec = (int64_t)(seed >> 11) % (INT64_C(253402300800) + 62167219200) -
			INT64_C(62167219200);
		t.nsec = (int32_t)((seed >> 3) % 1000000000);
		if (i % 3 == 0)
			t.nsec = 0;
		ctrfs_time_format(t, buf, sizeof(buf));
		CHECK(ctrfs_time_parse(buf, &back) && back.sec == t.sec && back.nsec == t.nsec,
		      "round trip %" PRId64 ".%09" PRId32 " via %s", t.sec, t.nsec, buf);
		CHECK(gotime_json_ok(t), "%s", buf);
		if (failures > 10)
			return;
	}
}

static int unhex(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void from_hex(const char *hex, unsigned char *out, size_t *len)
{
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)(unhex(hex[2 * i]) << 4 | unhex(hex[2 * i + 1]));
	*len = n;
}

/* createdat/updatedat values of containerd's meta.db (set-a) and what ctr printed. */
static const struct {
	const char *hex, *text;
} db_times[] = {
    {"010000000ee295ba2339d95475ffff", "2026-11-23T04:37:55.970544245Z"},
    {"010000000ee295ba240fa40b08ffff", "2026-11-23T04:37:56.262408968Z"},
    {"010000000ee295ba240f882baaffff", "2026-11-23T04:37:56.260582314Z"},
    {"010000000ee295ba240fbb7643ffff", "2026-11-23T04:37:56.263943747Z"},
    {"010000000ee295ba240fce1130ffff", "2026-11-23T04:37:56.265163056Z"},
    {"010000000ee295ba2400bd9190ffff", "2026-11-23T04:37:56.012423568Z"},
    {"010000000ee295ba2400133279ffff", "2026-11-23T04:37:56.001258105Z"},
    {"010000000ee295ba233a88f97effff", "2026-11-23T04:37:55.982055294Z"},
    {"010000000ee295ba2401d9ec4fffff", "2026-11-23T04:37:56.031059023Z"},
    {"010000000ee295ba2338bad797ffff", "2026-11-23T04:37:55.951768983Z"},
    {"010000000ee295ba2516702abaffff", "2026-11-23T04:37:57.376449722Z"},
    {"010000000ee295ba240a59d48fffff", "2026-11-23T04:37:56.173659279Z"},
    {"010000000ee295ba2517114f8bffff", "2026-11-23T04:37:57.387010443Z"},
    {"010000000ee295ba240b676128ffff", "2026-11-23T04:37:56.191324456Z"},
    {"010000000ee295ba240942de82ffff", "2026-11-23T04:37:56.155377282Z"},
    {"010000000ee295ba240c90837bffff", "2026-11-23T04:37:56.210797435Z"},
    {"010000000ee295ba240da2e646ffff", "2026-11-23T04:37:56.22877959Z"},
    {"010000000ee295ba25179c6594ffff", "2026-11-23T04:37:57.396125588Z"},
};

static void test_binary(void)
{
	unsigned char b[32], out[15];
	size_t len;
	ctrfs_time t, p;
	char buf[40];

	for (size_t i = 0; i < sizeof(db_times) / sizeof(db_times[0]); i++) {
		from_hex(db_times[i].hex, b, &len);
		CHECK(gotime_unmarshal_binary(b, len, &t), "unmarshal %s", db_times[i].hex);
		ctrfs_time_format(t, buf, sizeof(buf));
		CHECK(strcmp(buf, db_times[i].text) == 0, "%s gives %s, want %s", db_times[i].hex,
		      buf, db_times[i].text);
		CHECK(ctrfs_time_parse(db_times[i].text, &p) && p.sec == t.sec && p.nsec == t.nsec,
		      "parse %s", db_times[i].text);
		CHECK(gotime_marshal_binary(t, out) == 15 && memcmp(out, b, 15) == 0, "marshal %s",
		      db_times[i].text);
	}

	/* Go's zero time */
	from_hex("010000000000000000"
		 "00000000"
		 "ffff",
		 b, &len);
	CHECK(gotime_unmarshal_binary(b, len, &t) && t.sec == GO_ZERO_TIME && t.nsec == 0,
	      "zero time");
	CHECK(gotime_marshal_binary(t, out) == 15 && memcmp(out, b, 15) == 0, "marshal zero");

	/* a zone offset changes only the display: same instant */
	from_hex("010000000ee295ba2339d95475003c", b, &len);
	CHECK(gotime_unmarshal_binary(b, len, &p) && p.sec == 1795408675 && p.nsec == 970544245,
	      "offset +60 min");
	from_hex("020000000ee295ba2339d95475003c1e", b, &len);
	CHECK(gotime_unmarshal_binary(b, len, &p) && p.sec == 1795408675 && p.nsec == 970544245,
	      "version 2");

	static const char *const bad[] = {
	    "",
	    "01",
	    "000000000ee295ba2339d95475ffff",	/* version 0 */
	    "030000000ee295ba2339d95475ffff",	/* version 3 */
	    "010000000ee295ba2339d95475ff",	/* short */
	    "010000000ee295ba2339d95475ffff00", /* v1 with 16 bytes */
	    "020000000ee295ba2339d95475ffff",	/* v2 with 15 bytes */
	    "010000000ee295ba233b9aca00ffff",	/* nsec = 1e9 */
	    "010000000ee295ba23ffffffffffff",	/* nsec negative */
	    "01800000000000000000000000ffff",	/* before the int64 Unix range */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		from_hex(bad[i], b, &len);
		CHECK(!gotime_unmarshal_binary(b, len, &t), "unmarshal(%s) accepted", bad[i]);
	}

	/* the far edges of the seconds field */
	from_hex("017fffffffffffffff"
		 "3b9ac9ff"
		 "ffff",
		 b, &len);
	CHECK(gotime_unmarshal_binary(b, len, &t) && gotime_marshal_binary(t, out) == 15 &&
		  memcmp(out, b, 15) == 0,
	      "max seconds");
	t.sec = INT64_MAX;
	t.nsec = 0;
	CHECK(gotime_marshal_binary(t, out) == 0, "beyond Go's range");
}

static void test_now(void)
{
	ctrfs_time a = ctrfs_time_now(), b = ctrfs_time_now();
	CHECK(a.sec > 1700000000 && a.nsec >= 0 && a.nsec < 1000000000, "now");
	CHECK(b.sec > a.sec || (b.sec == a.sec && b.nsec >= a.nsec), "now goes forward");
}

int main(void)
{
	test_format();
	test_parse();
	test_round_trip();
	test_binary();
	test_now();
	return check_report();
}
