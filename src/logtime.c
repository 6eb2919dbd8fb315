#include <stdio.h>
#include <string.h>

#include "logtime.h"

/*
 * The constants of logtime_usual_seconds(), in memory: the compiler,
 * which sees no values, makes each an operand of the instruction that
 * uses it, where a constant took an instruction more to load.
 */
const uint64_t logtime_k[5] = {
	0x5a3030302e30303aull,			/* "Z000.00:" */
	0x7f7676767f767a7full,			/* see logtime.h */
	0x8080808080808080ull,
	0x0000ff00ff00ff00ull,			/* seconds and milliseconds */
	(1000ull << 40) + (100ull << 24) + (1ull << 8)	/* their weights */
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's method). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int
digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "yyyy-mm-ddThh:mm" (16 bytes) -> ms at that minute; -1 if not such. */
static int
parse_minute(const char *s, int64_t *ms)
{
	static const unsigned char mdays[] =
	    { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi;

	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &mi))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h > 23 || mi > 59)
		return -1;
	if (mo == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	*ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000;
	return 0;
}

/* ":ss[.f...]Z", from s + 16 of a time len bytes long -> ms in the minute. */
static int
parse_seconds(const char *s, size_t len, int64_t *ms)
{
	unsigned se, frac = 0, scale = 100;
	size_t i;

	if (s[16] != ':' || s[len - 1] != 'Z' || digits(s + 17, 2, &se) ||
	    se > 60)
		return -1;
	if (len > 20) {
		if (s[19] != '.' || len - 21 < 1 || len - 21 > 7)
			return -1;
		for (i = 20; i < len - 1; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			frac += (unsigned)(s[i] - '0') * scale;
			scale /= 10;
		}
	} else if (len != 20)
		return -1;
	*ms = (int64_t)se * 1000 + frac;
	return 0;
}

int
logtime_parse(const char *s, size_t len, int64_t *ms)
{
	int64_t minute, rest;

	if (len < 20 || parse_minute(s, &minute) == -1 ||
	    parse_seconds(s, len, &rest) == -1)
		return -1;
	*ms = minute + rest;
	return 0;
}

/*
 * What logtime_parse_cached() does in full, out of line so that its usual
 * case, inline, costs no more than it needs.
 */
int
logtime_parse_cached_fully(struct logtime_cache *c, const char *s,
    size_t len, int64_t *ms)
{
	int64_t rest;

	if (len < 20)
		return -1;
	if (c->usual == 0 || memcmp(c->last, s, 16) != 0) {
		c->usual = 0;
		if (parse_minute(s, &c->ms) == -1)
			return -1;
		memcpy(c->last, s, 16);
		memcpy(c->last + 16, ":00.000Z", 8);
		c->tail_ms = c->ms;
		c->usual = 24;
	}
	if (parse_seconds(s, len, &rest) == -1)
		return -1;
	*ms = c->ms + rest;
	return 0;
}

/* n decimal digits of v, zero-padded (v < 10^n). */
static void
put_digits(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

char *
logtime_format(int64_t ms, char *buf)
{
	char tmp[64];
	int64_t days, rem;
	unsigned m, d;
	int y;

	days = ms / 86400000;
	rem = ms % 86400000;
	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y >= 0) {
		/* What the snprintf() below writes, without its cost. */
		put_digits(buf, (unsigned)(y % 10000), 4);
		buf[4] = '-';
		put_digits(buf + 5, m, 2);
		buf[7] = '-';
		put_digits(buf + 8, d, 2);
		buf[10] = 'T';
		put_digits(buf + 11, (unsigned)(rem / 3600000), 2);
		buf[13] = ':';
		put_digits(buf + 14, (unsigned)(rem / 60000 % 60), 2);
		buf[16] = ':';
		put_digits(buf + 17, (unsigned)(rem / 1000 % 60), 2);
		buf[19] = '.';
		put_digits(buf + 20, (unsigned)(rem % 1000), 3);
		buf[23] = 'Z';
		buf[24] = '\0';
		return buf;
	}
	snprintf(tmp, sizeof tmp, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ",
	    y % 10000, m, d, (unsigned)(rem / 3600000),
	    (unsigned)(rem / 60000 % 60), (unsigned)(rem / 1000 % 60),
	    (unsigned)(rem % 1000));
	memcpy(buf, tmp, LOGTIME_BUFSZ - 1);
	buf[LOGTIME_BUFSZ - 1] = '\0';
	return buf;
}
