/* Go's time formats: RFC 3339 text as time.Time's JSON, and time.MarshalBinary. */
#include "timefmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000
#define SEC_PER_DAY 86400
/* seconds from 0001-01-01 (Go's internal epoch) to 1970-01-01 */
#define UNIX_TO_INTERNAL INT64_C(62135596800)

ctrfs_time ctrfs_time_now(void)
{
	struct timespec ts;
	ctrfs_time t = {0, 0};
	if (clock_gettime(CLOCK_REALTIME, &ts) == 0) {
		t.sec = (int64_t)ts.tv_sec;
		t.nsec = (int32_t)ts.tv_nsec;
	}
	return t;
}

/* Brings nsec into 0..999999999, carrying into sec without overflowing. */
static ctrfs_time normalize(ctrfs_time t)
{
	if (t.nsec >= 0 && t.nsec < NSEC_PER_SEC)
		return t;
	int32_t carry = t.nsec / NSEC_PER_SEC;
	t.nsec -= carry * NSEC_PER_SEC;
	if (t.nsec < 0) {
		t.nsec += NSEC_PER_SEC;
		carry--;
	}
	if ((carry > 0 && t.sec > INT64_MAX - carry) || (carry < 0 && t.sec < INT64_MIN - carry))
		t.sec = carry > 0 ? INT64_MAX : INT64_MIN;
	else
		t.sec += carry;
	return t;
}

/*
 * Proleptic Gregorian calendar by whole 400-year eras (146097 days), counted from
 * 0000-03-01 so that the leap day falls at the end of a year; see Howard Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms". Valid for any day an int64 second
 * count can reach, unlike gmtime with a 32-bit tm_year.
 */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void split(int64_t sec, int64_t *days, unsigned *secs_of_day)
{
	int64_t dd = sec / SEC_PER_DAY, r = sec % SEC_PER_DAY;
	if (r < 0) {
		r += SEC_PER_DAY;
		dd--;
	}
	*days = dd;
	*secs_of_day = (unsigned)r;
}

static int64_t year_of(ctrfs_time t)
{
	int64_t days, y;
	unsigned sod, m, d;
	split(normalize(t).sec, &days, &sod);
	civil_from_days(days, &y, &m, &d);
	return y;
}

bool gotime_json_ok(ctrfs_time t)
{
	int64_t y = year_of(t);
	return y >= 0 && y <= 9999;
}

void ctrfs_time_format(ctrfs_time t, char *buf, size_t size)
{
	char out[64], frac[11] = "";
	int64_t days, y;
	unsigned sod, m, d;

	t = normalize(t);
	split(t.sec, &days, &sod);
	civil_from_days(days, &y, &m, &d);
	if (t.nsec) {
		/* RFC3339Nano's .999999999: trailing zeros go, and the dot with them */
		snprintf(frac, sizeof(frac), ".%09" PRId32, t.nsec);
		size_t n = strlen(frac);
		while (frac[n - 1] == '0')
			frac[--n] = '\0';
	}
	/* Go pads the year to four digits after any sign: -0001, 0000, 10000 */
	snprintf(out, sizeof(out), "%s%04" PRId64 "-%02u-%02uT%02u:%02u:%02u%sZ", y < 0 ? "-" : "",
		 y < 0 ? -y : y, m, d, sod / 3600, sod / 60 % 60, sod % 60, frac);
	if (size) {
		size_t n = strlen(out);
		if (n >= size)
			n = size - 1;
		memcpy(buf, out, n);
		buf[n] = '\0';
	}
}

static bool digits(const char *s, int n, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

static bool is_leap(unsigned y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

bool ctrfs_time_parse(const char *s, ctrfs_time *out)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, mo, d, h, mi, se, nsec = 0, oh, om;
	int64_t offset = 0;

	/* 2006-01-02T15:04:05 */
	if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59)
		return false;
	if (d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
		return false;
	s += 19;
	if (*s == '.') {
		unsigned scale = NSEC_PER_SEC;
		int n = 0;
		for (s++; *s >= '0' && *s <= '9'; s++, n++) {
			if (n == 9)
				return false;
			scale /= 10;
			nsec += (unsigned)(*s - '0') * scale;
		}
		if (n == 0)
			return false;
	}
	if (s[0] == 'Z') {
		s++;
	} else if (s[0] == '+' || s[0] == '-') {
		if (!digits(s + 1, 2, &oh) || s[3] != ':' || !digits(s + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return false;
		offset = (int64_t)(oh * 3600 + om * 60);
		if (s[0] == '-')
			offset = -offset;
		s += 6;
	} else {
		return false;
	}
	if (*s)
		return false;
	out->sec = days_from_civil(y, mo, d) * SEC_PER_DAY + h * 3600 + mi * 60 + se - offset;
	out->nsec = (int32_t)nsec;
	return true;
}

bool gotime_unmarshal_binary(const unsigned char *b, size_t len, ctrfs_time *out)
{
	uint64_t sec = 0;
	uint32_t nsec = 0;

	if (len == 0 || (b[0] != 1 && b[0] != 2) || len != (b[0] == 1 ? 15u : 16u))
		return false;
	for (int i = 1; i <= 8; i++)
		sec = sec << 8 | b[i];
	for (int i = 9; i <= 12; i++)
		nsec = nsec << 8 | b[i];
	if (nsec >= NSEC_PER_SEC || (int64_t)sec < INT64_MIN + UNIX_TO_INTERNAL)
		return false;
	out->sec = (int64_t)sec - UNIX_TO_INTERNAL;
	out->nsec = (int32_t)nsec;
	return true;
}

size_t gotime_marshal_binary(ctrfs_time t, unsigned char out[15])
{
	t = normalize(t);
	if (t.sec > INT64_MAX - UNIX_TO_INTERNAL)
		return 0;
	uint64_t sec = (uint64_t)(t.sec + UNIX_TO_INTERNAL);
	uint32_t nsec = (uint32_t)t.nsec;
	out[0] = 1;
	for (int i = 0; i < 8; i++)
		out[1 + i] = (unsigned char)(sec >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		out[9 + i] = (unsigned char)(nsec >> (24 - 8 * i));
	out[13] = 0xff; /* offset -1: UTC */
	out[14] = 0xff;
	return 15;
}
