/*
 * test_text.c: escape.h (esc_json, esc_text, esc_text_buf), logtime.h
 * (logtime_parse, logtime_format) and input.h (input_name_cmp).
 */
#define _GNU_SOURCE	/* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "input.h"
#include "logtime.h"
#include "memfind.h"
#include "report.h"

#define NELEM(a)	(sizeof (a) / sizeof *(a))

/* A byte string literal with its length (it may hold NUL bytes). */
#define BYTES(s)	s, sizeof(s) - 1

struct esc_case {
	const char	*in;
	size_t		 len;
	const char	*out;
};

/* The last output of capture(), freed by the next call or the teardown. */
static char *captured;

/* Run fn over in[0..len) into a memory stream; returns the output. */
static char *
capture(void (*fn)(FILE *, const char *, size_t), const char *in, size_t len)
{
	size_t size = 0;
	FILE *fp;

	free(captured);
	captured = NULL;
	fp = open_memstream(&captured, &size);
	assert_non_null(fp);
	fn(fp, in, len);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(captured);
	assert_int_equal(strlen(captured), size);	/* no NUL made it out */
	return captured;
}

static int
teardown(void **state)
{
	(void)state;
	free(captured);
	captured = NULL;
	return 0;
}

/* --- esc_json ----------------------------------------------------------- */

static void
test_esc_json_table(void **state)
{
	static const struct esc_case cases[] = {
		{ BYTES(""), "\"\"" },
		{ BYTES("plain text"), "\"plain text\"" },
		{ BYTES("say \"hi\""), "\"say \\\"hi\\\"\"" },
		{ BYTES("C:\\Logs"), "\"C:\\\\Logs\"" },
		{ BYTES("a\nb\rc\td"), "\"a\\nb\\rc\\td\"" },
		{ BYTES("\x01\x1f"), "\"\\u0001\\u001F\"" },
		{ BYTES("\x1b[31m"), "\"\\u001B[31m\"" },
		{ BYTES("\x00"), "\"\\u0000\"" },
		{ BYTES("\x0c\x08"), "\"\\u000C\\u0008\"" },
		{ BYTES("x\x7fy"), "\"x\\u007Fy\"" },
		/* invalid UTF-8: every bad byte becomes U+FFFD */
		{ BYTES("\xff"), "\"\\uFFFD\"" },
		{ BYTES("a" "\xff" "b"), "\"a\\uFFFDb\"" },
		/* a lone continuation byte, overlong forms, a surrogate */
		{ BYTES("\x80"), "\"\\uFFFD\"" },
		{ BYTES("\xc0\xaf"), "\"\\uFFFD\\uFFFD\"" },
		{ BYTES("\xe0\x80\xaf"), "\"\\uFFFD\\uFFFD\\uFFFD\"" },
		{ BYTES("\xed\xa0\x80"), "\"\\uFFFD\\uFFFD\\uFFFD\"" },
		{ BYTES("\xf4\x90\x80\x80"),
		  "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\"" },	/* above U+10FFFF */
		/* a truncated 3-byte sequence, at the end and inside */
		{ BYTES("a\xe2\x82"), "\"a\\uFFFD\\uFFFD\"" },
		{ BYTES("\xe2\x82" "z"), "\"\\uFFFD\\uFFFDz\"" },
		{ BYTES("caf\xe9"), "\"caf\\uFFFD\"" },		/* Latin-1 */
		/* valid multi-byte UTF-8 passes as it is */
		{ BYTES("caf\xc3\xa9"), "\"caf\xc3\xa9\"" },
		{ BYTES("\xe2\x82\xac \xe7\xbb\x84"),
		  "\"\xe2\x82\xac \xe7\xbb\x84\"" },
		{ BYTES("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"" },
		{ BYTES("\xe2\x80\x99"), "\"\xe2\x80\x99\"" },
		/* a C1 control is valid in JSON: kept as UTF-8 */
		{ BYTES("\xc2\x9b"), "\"\xc2\x9b\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		char *out = capture(esc_json, cases[i].in, cases[i].len);

		if (strcmp(out, cases[i].out) != 0)
			print_error("case %zu: got %s want %s\n", i, out,
			    cases[i].out);
		assert_string_equal(out, cases[i].out);
	}
}

static void
test_esc_json_str(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&buf, &size);

	(void)state;
	assert_non_null(fp);
	esc_json_str(fp, NULL);
	fputc(' ', fp);
	esc_json_str(fp, "a\"b");
	assert_int_equal(fclose(fp), 0);
	assert_string_equal(buf, "null \"a\\\"b\"");
	free(buf);
}

/* --- esc_text ----------------------------------------------------------- */

static void
test_esc_text_table(void **state)
{
	static const struct esc_case cases[] = {
		{ BYTES(""), "" },
		{ BYTES("220 mx.example.com ESMTP"),
		  "220 mx.example.com ESMTP" },
		{ BYTES("\x1b[2J"), "\\x1B[2J" },		/* ESC */
		{ BYTES("a\tb\r\n"), "a\\x09b\\x0D\\x0A" },
		{ BYTES("\x00"), "\\x00" },
		{ BYTES("x\x7f"), "x\\x7F" },			/* DEL */
		{ BYTES("\xc2\x9b" "1m"), "\\u{009B}1m" },	/* C1 CSI */
		{ BYTES("\xc2\x85"), "\\u{0085}" },		/* C1 NEL */
		{ BYTES("abc\xe2\x80\xae" "fdp.exe"), "abc\\u{202E}fdp.exe" },
		{ BYTES("\xe2\x80\x8f"), "\\u{200F}" },		/* RLM */
		{ BYTES("\xe2\x81\xa6"), "\\u{2066}" },		/* LRI */
		{ BYTES("caf\xe9"), "caf\\xE9" },	/* a Latin-1 byte */
		{ BYTES("\xc0\xaf"), "\\xC0\\xAF" },		/* overlong */
		{ BYTES("\xed\xa0\x80"), "\\xED\\xA0\\x80" },	/* surrogate */
		/* normal UTF-8 is kept */
		{ BYTES("caf\xc3\xa9"), "caf\xc3\xa9" },
		{ BYTES("\xe7\xbb\x84\xe7\xbb\x87\xe5\x86\x85 SMTP"),
		  "\xe7\xbb\x84\xe7\xbb\x87\xe5\x86\x85 SMTP" },
		{ BYTES("doesn\xe2\x80\x99t"), "doesn\xe2\x80\x99t" },
		{ BYTES("\xf0\x9f\x93\xa7"), "\xf0\x9f\x93\xa7" },
		/* for a person, not JSON: quotes and backslashes pass */
		{ BYTES("\"a\\b\""), "\"a\\b\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		char *out = capture(esc_text, cases[i].in, cases[i].len);

		if (strcmp(out, cases[i].out) != 0)
			print_error("case %zu: got %s want %s\n", i, out,
			    cases[i].out);
		assert_string_equal(out, cases[i].out);
	}
}

/*
 * esc_text() one character at a time, decoded, with no shortcut for
 * ASCII: what the shortcut must give.
 */
static void
esc_text_plain(FILE *fp, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long c;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_decode(u + i, len - i, &c)) == 0) {
			fprintf(fp, "\\x%02X", u[i++]);
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\x%02lX", c);
		else if ((c >= 0x80 && c <= 0x9f) || c == 0x200e ||
		    c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x2066 && c <= 0x2069))
			fprintf(fp, "\\u{%04lX}", c);
		else
			fwrite(s + i, 1, n, fp);
		i += n;
	}
}

/*
 * Random text, mostly ASCII, with controls and UTF-8 good and bad, in
 * runs of any length.
 */
static void
test_esc_text_random(void **state)
{
	static const char *const pieces[] = {
		"a", "Z", " ", "~", "\x7f", "\x1f", "\x20", "\t", "\n",
		"\x00", "\xc3\xa9", "\xc2\x9b", "\xe2\x80\xae",
		"\xe2\x80\x99", "\xf0\x9f\x93\xa7", "\xc0", "\x80",
		"\xe2\x80", "\xff", "\xed\xa0\x80",
		/* runs long enough for eight bytes at a time */
		"abcdefgh", "0123456789 !\"#$%&'()*+,-./", "~}|{`_^]",
	};
	char in[512], *want;
	size_t i, len, n, k;
	unsigned seed = 1;

	(void)state;
	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		len = 0;
		for (n = seed >> 16 & 15; n > 0; n--) {
			seed = seed * 1103515245u + 12345u;
			k = (seed >> 16) % NELEM(pieces);
			/* "\x00" is one byte; strlen() would take none */
			if (k == 9) {
				in[len++] = '\0';
				continue;
			}
			memcpy(in + len, pieces[k], strlen(pieces[k]));
			len += strlen(pieces[k]);
		}
		want = strdup(capture(esc_text_plain, in, len));
		assert_non_null(want);
		assert_string_equal(capture(esc_text, in, len), want);
		free(want);
	}
}

/*
 * A finding in the lines format: its head, ":line: severity: rule:
 * session ", made by hand, must be what fprintf() gives, for any line
 * number and for a rule too long for the buffer.
 */
static void
test_report_line(void **state)
{
	static const unsigned long lines[] = {
		0, 1, 9, 10, 99, 100, 4294967295UL, (unsigned long)-1, 123456789
	};
	static const enum severity sevs[] = {
		SEV_ERROR, SEV_WARNING, SEV_INFO
	};
	struct report_options opt;
	struct report *r;
	struct finding f;
	struct session s;
	char rule[300], want[1024], *got = NULL;
	size_t i, k, size = 0;
	unsigned long rnd = 99;
	FILE *fp;

	(void)state;
	memset(rule, 'r', sizeof rule - 1);
	rule[sizeof rule - 1] = '\0';
	memset(&opt, 0, sizeof opt);
	opt.format = REPORT_LINES;
	opt.fragment = 1;
	memset(&s, 0, sizeof s);
	s.file = "SEND20261102-1.LOG";
	s.id = (char *)(uintptr_t)"08D60D0150065FBC";
	memset(&f, 0, sizeof f);
	f.message = "m";
	for (i = 0; i < 3000; i++) {
		rnd = rnd * 6364136223846793005UL + 1442695040888963407UL;
		s.line = i < NELEM(lines) ? lines[i] : rnd >> (rnd & 63);
		f.severity = sevs[i % NELEM(sevs)];
		/* lengths from 0 to past what the buffer holds */
		k = (rnd >> 20) % (sizeof rule - 1);
		f.rule = rule + k;
		free(got);
		fp = open_memstream(&got, &size);
		assert_non_null(fp);
		r = report_new(&opt, fp);
		report_finding(r, &f, &s);
		report_free(r);
		assert_int_equal(fclose(fp), 0);
		snprintf(want, sizeof want, "%s:%lu: %s: %s: session %s "
		    "connector \"\" remote - []: m\n", s.file, s.line,
		    severity_name(f.severity), f.rule, s.id);
		assert_string_equal(got, want);
	}
	free(got);
}

/* --- esc_text_buf ------------------------------------------------------- */

struct buf_case {
	size_t		 bufsz;
	const char	*in;
	size_t		 len;
	const char	*out;
};

static void
run_buf_cases(const struct buf_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char buf[64];
		char *ret;

		assert_true(cases[i].bufsz <= sizeof buf);
		memset(buf, 'Z', sizeof buf);
		ret = esc_text_buf(buf, cases[i].bufsz, cases[i].in,
		    cases[i].len);
		assert_ptr_equal(ret, buf);
		if (strcmp(buf, cases[i].out) != 0)
			print_error("case %zu: got \"%s\" want \"%s\"\n", i,
			    buf, cases[i].out);
		assert_string_equal(buf, cases[i].out);
		assert_true(strlen(buf) < cases[i].bufsz);
		/* nothing written past bufsz */
		assert_int_equal(buf[cases[i].bufsz], 'Z');
	}
}

static void
test_esc_text_buf_truncation(void **state)
{
	static const struct buf_case cases[] = {
		{ 32, BYTES("hello"), "hello" },
		{ 32, BYTES("bad \x1b byte"), "bad \\x1B byte" },
		/* cut with "..." */
		{ 8, BYTES("abcdefghijklmnop"), "abcd..." },
		{ 16, BYTES("2019-13-21T13:01:06.525Z"), "2019-13-21T1..." },
		/* an escape is never split: "\x1B" is 4 bytes, kept whole */
		{ 10, BYTES("\x1b\x1b\x1b"), "\\x1B..." },
		{ 11, BYTES("a\x1b\x1b\x1b"), "a\\x1B..." },
		{ 12, BYTES("\xc2\x9b\xc2\x9b"), "\\u{009B}..." },
		{ 10, BYTES("ab\xc2\x9b"), "ab..." },
		/* nor a UTF-8 character */
		{ 8, BYTES("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
		  "\xc3\xa9\xc3\xa9..." },
		{ 9, BYTES("ab\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"),
		  "ab\xe2\x82\xac..." },
	};

	(void)state;
	run_buf_cases(cases, NELEM(cases));
}

/*
 * escape.h: "cut at a character boundary with "..." when it does not
 * fit".  A text that does fit (with its NUL) must come out whole.
 */
static void
test_esc_text_buf_fits(void **state)
{
	static const struct buf_case cases[] = {
		{ 5, BYTES("abcd"), "abcd" },	/* 4 bytes + NUL = 5 */
		{ 8, BYTES("abcdef"), "abcdef" },
		{ 8, BYTES("abcdefg"), "abcdefg" },
		{ 9, BYTES("ab\x1b"), "ab\\x1B" },
		{ 11, BYTES("ab\xc2\x9b"), "ab\\u{009B}" },
	};

	(void)state;
	run_buf_cases(cases, NELEM(cases));
}

/* --- logtime ------------------------------------------------------------ */

static void
test_logtime_parse_valid(void **state)
{
	static const struct {
		const char	*s;
		int64_t		 ms;
	} cases[] = {
		{ "1970-01-01T00:00:00.000Z", 0 },
		{ "2019-03-21T13:01:06.525Z", INT64_C(1553173266525) },
		{ "2019-03-21T13:01:06.5251234Z", INT64_C(1553173266525) },
		{ "2019-03-21T13:01:06.5259999Z", INT64_C(1553173266525) },
		{ "2019-03-21T13:01:06Z", INT64_C(1553173266000) },
		{ "2019-03-21T13:01:06.5Z", INT64_C(1553173266500) },
		{ "2019-03-21T13:01:06.05Z", INT64_C(1553173266050) },
		{ "2020-02-29T00:00:00.000Z", INT64_C(1582934400000) },
		{ "2000-02-29T12:34:56.789Z", INT64_C(951827696789) },
		{ "1999-12-31T23:59:59.000Z", INT64_C(946684799000) },
		{ "1969-12-31T23:59:59.999Z", -1 },
		{ "2038-01-19T03:14:08.000Z", INT64_C(2147483648000) },
		{ "2100-12-31T23:59:59.999Z", INT64_C(4133980799999) },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		int64_t ms = 12345;

		if (logtime_parse(cases[i].s, strlen(cases[i].s), &ms) != 0)
			print_error("case %zu: %s refused\n", i, cases[i].s);
		assert_int_equal(logtime_parse(cases[i].s, strlen(cases[i].s),
		    &ms), 0);
		assert_true(ms == cases[i].ms);
	}
}

static void
test_logtime_parse_invalid(void **state)
{
	static const char *const cases[] = {
		"",
		"2019-03-21",
		"2019-03-21T13:01:06.525",	/* no Z */
		"2019-03-21T13:01:06.525z",
		"2019-13-21T13:01:06.525Z",	/* month 13 */
		"2019-00-21T13:01:06.525Z",
		"2019-03-00T13:01:06.525Z",
		"2019-03-32T13:01:06.525Z",
		"2019-04-31T13:01:06.525Z",
		"2019-02-29T13:01:06.525Z",	/* not a leap year */
		"1900-02-29T13:01:06.525Z",	/* nor is 1900 */
		"2019-02-30T13:01:06.525Z",
		"2019-03-21T24:00:00.000Z",
		"2019-03-21T13:60:06.525Z",
		"2019-03-21T13:01:61.525Z",
		"2019-0a-21T13:01:06.525Z",	/* letters */
		"abcd-ef-ghTij:kl:mn.opqZ",
		"2019-03-21T13:01:06.52xZ",
		"2019-03-21 13:01:06.525Z",
		"2019/03/21T13:01:06.525Z",
		"2019-03-21T13:01:06,525Z",
		"2019-03-21T13:01:06.Z",
		"2019-03-21T13:01:06.52512345Z",	/* 8 fraction digits */
		"+019-03-21T13:01:06.525Z",
		" 2019-03-21T13:01:06.525Z",
		"2019-03-21T13:01:06.525Z ",
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		int64_t ms = 12345;

		if (logtime_parse(cases[i], strlen(cases[i]), &ms) != -1)
			print_error("case %zu: %s accepted\n", i, cases[i]);
		assert_int_equal(logtime_parse(cases[i], strlen(cases[i]),
		    &ms), -1);
	}
}

/* The length given is honoured: no reading past it. */
static void
test_logtime_parse_length(void **state)
{
	const char *s = "2019-03-21T13:01:06.525Z,Outbound";
	int64_t ms = 0;

	(void)state;
	assert_int_equal(logtime_parse(s, 24, &ms), 0);
	assert_true(ms == INT64_C(1553173266525));
	assert_int_equal(logtime_parse(s, 25, &ms), -1);
	assert_int_equal(logtime_parse(s, 23, &ms), -1);
}

static void
test_logtime_format(void **state)
{
	static const struct {
		int64_t		 ms;
		const char	*s;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ INT64_C(1553173266525), "2019-03-21T13:01:06.525Z" },
		{ INT64_C(1582934400000), "2020-02-29T00:00:00.000Z" },
		{ INT64_C(951827696789), "2000-02-29T12:34:56.789Z" },
		{ -1, "1969-12-31T23:59:59.999Z" },
		{ INT64_C(4133980799999), "2100-12-31T23:59:59.999Z" },
	};
	char buf[LOGTIME_BUFSZ];
	size_t i;

	(void)state;
	assert_int_equal(LOGTIME_BUFSZ, 25);
	for (i = 0; i < NELEM(cases); i++) {
		int64_t back = 0;

		memset(buf, 'Z', sizeof buf);
		assert_ptr_equal(logtime_format(cases[i].ms, buf), buf);
		assert_string_equal(buf, cases[i].s);
		/* and back again */
		assert_int_equal(logtime_parse(buf, strlen(buf), &back), 0);
		assert_true(back == cases[i].ms);
	}
}

/* What logtime_format() wrote with snprintf() alone, by gmtime_r(). */
static void
format_by_gmtime(int64_t ms, char *buf)
{
	int64_t secs = ms / 1000, frac = ms % 1000;
	char tmp[64];
	struct tm tm;
	time_t t;

	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	t = (time_t)secs;
	assert_non_null(gmtime_r(&t, &tm));
	snprintf(tmp, sizeof tmp, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ",
	    (tm.tm_year + 1900) % 10000, (unsigned)tm.tm_mon + 1,
	    (unsigned)tm.tm_mday, (unsigned)tm.tm_hour, (unsigned)tm.tm_min,
	    (unsigned)tm.tm_sec, (unsigned)frac);
	memcpy(buf, tmp, LOGTIME_BUFSZ - 1);
	buf[LOGTIME_BUFSZ - 1] = '\0';
}

/*
 * logtime_format() writes its digits itself for years from 0: the same
 * text as snprintf() on a million times from year -1200 to 11500, the
 * turns of years, days and the 10,000th year among them.
 */
static void
test_logtime_format_digits(void **state)
{
	static const int64_t edges[] = {
		0, -1, 1, 999, 1000, -999, -1000, -1001,
		INT64_C(-62167219200000), INT64_C(-62167219200001),
		INT64_C(253402300799999), INT64_C(253402300800000),
		INT64_C(946684799999), INT64_C(946684800000),
	};
	char got[LOGTIME_BUFSZ], want[LOGTIME_BUFSZ];
	uint64_t x = 0x2545F4914F6CDD1Dull;
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(edges) + 1000000; i++) {
		if (i < NELEM(edges))
			ms = edges[i];
		else {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			ms = (int64_t)(x * 0x9E3779B97F4A7C15ull %
			    UINT64_C(400000000000000)) -
			    INT64_C(100000000000000);
			if (i % 4 == 0)	/* near a day's end */
				ms -= ms % 86400000 + 1;
		}
		logtime_format(ms, got);
		format_by_gmtime(ms, want);
		if (strcmp(got, want) != 0)
			fail_msg("%lld: %s, not %s", (long long)ms, got, want);
	}
}

/* Every millisecond-exact time parses and formats back to itself. */
static void
test_logtime_round_trip(void **state)
{
	static const char *const cases[] = {
		"1970-01-01T00:00:00.000Z", "2019-03-21T13:01:06.525Z",
		"2019-12-31T23:59:59.999Z", "2020-01-01T00:00:00.001Z",
		"2024-02-29T08:15:00.100Z", "2026-11-02T08:12:03.448Z",
		"1999-03-01T00:00:00.000Z", "2000-03-01T00:00:00.000Z",
	};
	char buf[LOGTIME_BUFSZ];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		int64_t ms;

		assert_int_equal(logtime_parse(cases[i], strlen(cases[i]),
		    &ms), 0);
		assert_string_equal(logtime_format(ms, buf), cases[i]);
	}
}

/*
 * The cached parse gives what the plain one gives, valid or not, on times
 * that share their minute with the one before, and on those that do not:
 * mutations of good times, one or two bytes at a time, in a fixed
 * pseudo-random order.  Many seeds are of the "ss.fffZ" form the cached
 * parse takes a short way with, at the edges of its checks: seconds 59 to
 * 61, bytes next to the digits ('/', ':') or with the high bit set.
 */
static void
test_logtime_parse_cached(void **state)
{
	static const char *const seeds[] = {
		"2026-11-02T08:12:03.448Z", "2026-11-02T08:12:59.9Z",
		"2026-11-02T08:13:00Z", "2024-02-29T23:59:60.1234567Z",
		"2023-02-29T23:59:00.000Z", "2026-11-02T08:12:03.448",
		"2026-11-02T08:12:59.999Z", "2026-11-02T08:12:60.000Z",
		"2026-11-02T08:12:61.000Z", "2026-11-02T08:12:00.000Z",
		"2026-11-02T08:12:09.090Z", "2026-11-02T08:12:03.44Z",
		"2026-11-02T08:12:03.4488Z", "2026-11-02T08:12:03.448ZZ",
	};
	static const char bytes[] = "0123456789:.-TZ x/;\xb0\xba\x7f";
	struct logtime_cache c;
	unsigned long rnd = 12345;
	char buf[40];
	size_t i, len;
	int64_t a, b;
	int ra, rb;

	(void)state;
	memset(&c, 0, sizeof c);
	for (i = 0; i < 200000; i++) {
		rnd = rnd * 6364136223846793005UL + 1442695040888963407UL;
		snprintf(buf, sizeof buf, "%s", seeds[(rnd >> 33) %
		    NELEM(seeds)]);
		len = strlen(buf);
		if ((rnd >> 20) % 3 != 0)	/* most of them changed */
			buf[(rnd >> 40) % len] = bytes[(rnd >> 50) %
			    (sizeof bytes - 1)];
		if ((rnd >> 22) % 4 == 0)	/* some twice */
			buf[(rnd >> 26) % len] = bytes[(rnd >> 56) %
			    (sizeof bytes - 1)];
		if ((rnd >> 24) % 16 == 0)	/* and some cut short */
			len -= (rnd >> 30) % 3;
		ra = logtime_parse(buf, len, &a);
		rb = logtime_parse_cached(&c, buf, len, &b);
		if (ra != rb || (ra == 0 && a != b))
			print_error("'%s': %d %lld, cached %d %lld\n", buf, ra,
			    (long long)a, rb, (long long)b);
		assert_int_equal(ra, rb);
		if (ra == 0)
			assert_true(a == b);
	}
}

/*
 * Every second and millisecond of a minute, "ss.fffZ", through the cached
 * parse's short way (logtime_usual_seconds(), which sums the digits with
 * one multiply) and the plain parse: the same time.
 */
static void
test_logtime_usual_all(void **state)
{
	char buf[40];
	unsigned se, ms;
	int64_t a;

	(void)state;
	for (se = 0; se < 60; se++)
		for (ms = 0; ms < 1000; ms++) {
			snprintf(buf, sizeof buf, "2026-11-02T08:12:%02u.%03uZ",
			    se, ms);
			assert_int_equal(logtime_usual_seconds(buf),
			    se * 1000 + ms);
			assert_int_equal(logtime_parse(buf, 24, &a), 0);
			assert_true(a % 60000 == se * 1000 + ms);
		}
}

/*
 * An empty date-time (a header without that column) in a cache not yet
 * valid: its usual length is 0 then, and the bytes past the empty field
 * are not a time, even when they look like one of that cache's minute.
 */
static void
test_logtime_cached_empty(void **state)
{
	struct logtime_cache c;
	char buf[24];
	int64_t ms = 42;

	(void)state;
	memset(&c, 0, sizeof c);
	memset(buf, 0, 16);		/* the zeroed cache's "minute" */
	memcpy(buf + 16, ":00.000Z", 8);
	assert_int_equal(logtime_parse_cached(&c, buf, 0, &ms), -1);
	assert_true(ms == 42);
}

/*
 * mem_find() finds what memmem() finds, first place included, for
 * needles (up to 23 bytes) and haystacks of a small alphabet (so that
 * there are many near misses), every anchor mem_anchor() may pick and
 * every other one.
 */
static void
test_mem_find(void **state)
{
	static const char alphabet[] = "aT S\0";
	char h[64], n[24];
	unsigned long rnd = 99;
	size_t i, k, hn, nn, anchor, at;

	(void)state;
	for (i = 0; i < 100000; i++) {
		rnd = rnd * 6364136223846793005UL + 1442695040888963407UL;
		hn = (rnd >> 33) % sizeof h;
		nn = 1 + (rnd >> 45) % (sizeof n - 1);
		for (k = 0; k < hn; k++) {
			rnd = rnd * 6364136223846793005UL + 1;
			h[k] = alphabet[(rnd >> 40) % (sizeof alphabet - 1)];
		}
		for (k = 0; k < nn; k++) {
			rnd = rnd * 6364136223846793005UL + 1;
			n[k] = alphabet[(rnd >> 40) % (sizeof alphabet - 1)];
		}
		/* Long needles are seldom there by chance: put some there,
		 * a byte changed now and then (a near miss past 8 bytes). */
		if (nn <= hn && i % 3 == 0) {
			at = (rnd >> 25) % (hn - nn + 1);
			memcpy(h + at, n, nn);
			if (i % 2)
				h[at + (rnd >> 30) % nn] ^= 1;
		}
		anchor = i % 2 ? mem_anchor(n, nn) : (rnd >> 20) % nn;
		assert_ptr_equal(mem_find(h, hn, n, nn, anchor),
		    memmem(h, hn, n, nn));
	}
}

/* --- input_name_cmp ----------------------------------------------------- */

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

static void
test_input_name_cmp(void **state)
{
	static const struct {
		const char	*a, *b;
		int		 want;	/* sign of cmp(a, b) */
	} cases[] = {
		{ "SEND20190321-9.LOG", "SEND20190321-10.LOG", -1 },
		{ "SEND20190321-1.LOG", "SEND20190321-2.LOG", -1 },
		{ "SEND20190321-99.LOG", "SEND20190321-100.LOG", -1 },
		{ "SEND2019032113-9.LOG", "SEND2019032113-10.LOG", -1 },
		{ "SEND20190321-10.LOG", "SEND20190322-1.LOG", -1 },
		{ "SEND2019032113-10.LOG", "SEND2019032114-1.LOG", -1 },
		/* a daily stamp reads as hour 00 */
		{ "SEND20190321-3.LOG", "SEND2019032101-1.LOG", -1 },
		{ "SEND2019032023-5.LOG", "SEND20190321-1.LOG", -1 },
		{ "SEND20190321-1.log", "SEND20190321-2.LOG", -1 },
		{ "RECV20190321-5.LOG", "SEND20190321-1.LOG", -1 },
		{ "SEND20190321-4.LOG", "SEND20190321-4.LOG", 0 },
		/* rollover names before every other name */
		{ "SEND20190321-1.LOG", "AAA.txt", -1 },
		{ "SEND20190321-1.LOG", "0.LOG", -1 },
		{ "SEND2019032113-1.LOG", "SEND2019032113.LOG", -1 },
		{ "SEND2019032113-1.LOG", "SEND2019032113-1.LOG.bak", -1 },
		{ "SEND2019032113-1.LOG", "SEND201903211-1.LOG", -1 },
		/* others in byte order */
		{ "a.txt", "b.txt", -1 },
		{ "B.txt", "a.txt", -1 },
		{ "notes-10.txt", "notes-9.txt", -1 },
		{ "x.log", "x.log", 0 },
		/* paths by base name */
		{ "z/SEND20190321-2.LOG", "a/SEND20190321-10.LOG", -1 },
		{ "/logs/b/SEND20190321-9.LOG", "/logs/a/SEND20190322-1.LOG",
		  -1 },
		{ "zz/SEND20190321-1.LOG", "aa/readme.txt", -1 },
		{ "z/a.txt", "a/b.txt", -1 },
		{ "x/SEND20190321-1.LOG", "y/SEND20190321-1.LOG", 0 },
		/* a .gz suffix does not count in the rollover order */
		{ "SEND20190321-9.LOG.gz", "SEND20190321-10.LOG.gz", -1 },
		{ "SEND20190321-9.LOG.gz", "SEND20190321-10.LOG", -1 },
		{ "SEND20190321-9.LOG", "SEND20190321-10.LOG.gz", -1 },
		{ "SEND2019032113-10.LOG.gz", "SEND2019032114-1.LOG", -1 },
		{ "SEND20190321-2.log.GZ", "SEND20190321-10.LOG", -1 },
		{ "d/SEND20190321-9.LOG.gz", "c/SEND20190321-10.LOG", -1 },
		/* same rollover: the plain name first, by bytes */
		{ "SEND20190321-4.LOG", "SEND20190321-4.LOG.gz", -1 },
		/* only .LOG.gz: other suffixes are other names */
		{ "SEND20190321-10.LOG.gz", "SEND20190321-9.LOG.bz2", -1 },
		{ "SEND20190321-10.LOG.gz", "SEND20190321-9.gz", -1 },
		{ "SEND20190321-10.LOG", "SEND20190321-9.LOG.gz.gz", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		int ab = sign(input_name_cmp(cases[i].a, cases[i].b));
		int ba = sign(input_name_cmp(cases[i].b, cases[i].a));

		if (ab != cases[i].want || ba != -cases[i].want)
			print_error("case %zu: cmp(%s, %s) = %d, reverse %d, "
			    "want %d\n", i, cases[i].a, cases[i].b, ab, ba,
			    cases[i].want);
		assert_int_equal(ab, cases[i].want);
		assert_int_equal(ba, -cases[i].want);
	}
}

/* Sorting a shuffled folder listing gives the reading order. */
static int
qsort_cmp(const void *a, const void *b)
{
	return input_name_cmp(*(const char *const *)a,
	    *(const char *const *)b);
}

static void
test_input_name_sort(void **state)
{
	const char *names[] = {
		"notes.txt", "SEND2019032101-1.LOG", "SEND20190321-10.LOG",
		"SEND20190320-2.LOG", "SEND20190321-9.LOG", "README",
		"SEND20190321-1.LOG", "SEND20190321-11.LOG.gz",
		"SEND20190321-2.LOG.gz",
	};
	static const char *const want[] = {
		"SEND20190320-2.LOG", "SEND20190321-1.LOG",
		"SEND20190321-2.LOG.gz", "SEND20190321-9.LOG",
		"SEND20190321-10.LOG", "SEND20190321-11.LOG.gz",
		"SEND2019032101-1.LOG", "README", "notes.txt",
	};
	size_t i;

	(void)state;
	qsort(names, NELEM(names), sizeof *names, qsort_cmp);
	for (i = 0; i < NELEM(names); i++)
		assert_string_equal(names[i], want[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esc_json_table),
		cmocka_unit_test(test_esc_json_str),
		cmocka_unit_test(test_esc_text_table),
		cmocka_unit_test(test_esc_text_random),
		cmocka_unit_test(test_report_line),
		cmocka_unit_test(test_esc_text_buf_truncation),
		cmocka_unit_test(test_esc_text_buf_fits),
		cmocka_unit_test(test_logtime_parse_valid),
		cmocka_unit_test(test_logtime_parse_invalid),
		cmocka_unit_test(test_logtime_parse_length),
		cmocka_unit_test(test_logtime_format),
		cmocka_unit_test(test_logtime_format_digits),
		cmocka_unit_test(test_logtime_round_trip),
		cmocka_unit_test(test_logtime_parse_cached),
		cmocka_unit_test(test_logtime_usual_all),
		cmocka_unit_test(test_logtime_cached_empty),
		cmocka_unit_test(test_mem_find),
		cmocka_unit_test(test_input_name_cmp),
		cmocka_unit_test(test_input_name_sort),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, teardown);
}
