/*
 * test_reader.c: reader.h, rows out of an Exchange protocol log, fed from
 * byte strings through fmemopen().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "logtime.h"
#include "reader.h"

#define NELEM(a)	(sizeof (a) / sizeof *(a))

/* A byte string literal with its length (it may hold NUL bytes). */
#define BYTES(s)	s, sizeof(s) - 1

/* The case being checked, named in the message when a check fails. */
static char where[256];

#define CHECK_INT(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (g_ != w_)							\
		print_error("%s: %s is %lld, want %lld\n", where, #got,	\
		    g_, w_);						\
	assert_int_equal(g_, w_);					\
} while (0)

#define CHECK_FIELD(f, want) do {					\
	const struct field *f_ = &(f);					\
	const char *w_ = (want);					\
	if (f_->len != strlen(w_) || memcmp(f_->p, w_, f_->len) != 0)	\
		print_error("%s: %s is \"%.*s\", want \"%s\"\n", where,	\
		    #f, (int)f_->len, f_->p, w_);			\
	assert_int_equal(f_->len, strlen(w_));				\
	assert_memory_equal(f_->p, w_, f_->len);			\
	assert_int_equal(f_->p[f_->len], '\0');				\
} while (0)

#define BOM	"\xEF\xBB\xBF"
#define FIELDS	"#Fields: date-time,connector-id,session-id,sequence-number," \
		"local-endpoint,remote-endpoint,event,data,context"

/* The five-line header block Exchange writes, CRLF. */
#define HDR	"#Software: Microsoft Exchange Server\r\n" \
		"#Version: 15.0.0.0\r\n" \
		"#Log-type: SMTP Send Protocol Log\r\n" \
		"#Date: 2019-03-21T13:01:06.525Z\r\n" \
		FIELDS "\r\n"
#define HDR_LF	"#Software: Microsoft Exchange Server\n" \
		"#Version: 15.0.0.0\n" \
		"#Log-type: SMTP Send Protocol Log\n" \
		"#Date: 2019-03-21T13:01:06.525Z\n" \
		FIELDS "\n"

#define T	"2019-03-21T13:01:06.525Z"
/* A data row of session id, without its line end. */
#define ROW(id, seq, ev, data, ctx)					\
	T ",Outbound to Office 365," id "," seq				\
	",10.0.0.5:51234,104.47.1.2:25," ev "," data "," ctx

#define ID	"08D6A8D416004F77"
#define ID2	"08D6A8D416004F78"

/* --- an in-memory log file ---------------------------------------------- */

struct src {
	char		*buf;
	FILE		*fp;
	struct reader	*r;
};

/* The source open now, so that a failed test's teardown can free it. */
static struct src live;

static struct reader *
src_open(struct src *s, const char *bytes, size_t len)
{
	s->buf = malloc(len > 0 ? len : 1);
	assert_non_null(s->buf);
	memcpy(s->buf, bytes, len);
	s->fp = fmemopen(s->buf, len, "r");
	assert_non_null(s->fp);
	s->r = reader_new(s->fp, "SEND20190321-1.LOG");
	assert_non_null(s->r);
	assert_null(live.r);
	live = *s;
	return s->r;
}

static void
src_close(struct src *s)
{
	reader_free(s->r);
	fclose(s->fp);
	free(s->buf);
	memset(s, 0, sizeof *s);
	memset(&live, 0, sizeof live);
}

static int
teardown(void **state)
{
	(void)state;
	if (live.r != NULL) {
		struct src s = live;

		src_close(&s);
	}
	return 0;
}

/* --- table: whole files and the rows they give -------------------------- */

struct exp_row {
	unsigned long	 line;
	char		 event;
	const char	*id;
	const char	*data;
	const char	*context;
};

struct file_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	unsigned long	 bad_rows;
	unsigned long	 lines;
	struct exp_row	 rows[5];
	size_t		 nrows;
};

static const struct file_case file_cases[] = {
	{ "BOM and CRLF, as Exchange writes",
	  BYTES(BOM HDR
	    ROW(ID, "0", "*", "", "attempting to connect") "\r\n"
	    ROW(ID, "1", "+", "", "") "\r\n"
	    ROW(ID, "2", "<", "220 mx.example.com ready", "") "\r\n"),
	  0, 8,
	  { { 6, '*', ID, "", "attempting to connect" },
	    { 7, '+', ID, "", "" },
	    { 8, '<', ID, "220 mx.example.com ready", "" } }, 3 },
	{ "LF line ends",
	  BYTES(HDR_LF
	    ROW(ID, "0", "*", "", "attempting to connect") "\n"
	    ROW(ID, "1", ">", "EHLO mail.contoso.com", "") "\n"),
	  0, 7,
	  { { 6, '*', ID, "", "attempting to connect" },
	    { 7, '>', ID, "EHLO mail.contoso.com", "" } }, 2 },
	{ "CRLF and LF mixed, a CR inside a line kept",
	  BYTES(BOM HDR
	    ROW(ID, "0", ">", "EHLO a", "") "\n"
	    ROW(ID, "1", "*", "x\ry", "Local") "\r\n"),
	  0, 7,
	  { { 6, '>', ID, "EHLO a", "" },
	    { 7, '*', ID, "x\ry", "Local" } }, 2 },
	{ "quoted fields: comma, doubled quotes",
	  BYTES(HDR
	    ROW(ID, "0", "<", "\"a,\"\"b\"\"\"", "") "\r\n"
	    ROW(ID, "1", "*", "", "\"TLS protocol SP_PROT_TLS1_2_CLIENT "
	      "negotiation succeeded using bulk encryption algorithm "
	      "CALG_AES_256 with strength 256 bits, MAC hash\"") "\r\n"
	    ROW(ID, "2", "<", "\"\"", "\"\"\"\"") "\r\n"),
	  0, 8,
	  { { 6, '<', ID, "a,\"b\"", "" },
	    { 7, '*', ID, "", "TLS protocol SP_PROT_TLS1_2_CLIENT negotiation "
	      "succeeded using bulk encryption algorithm CALG_AES_256 with "
	      "strength 256 bits, MAC hash" },
	    { 8, '<', ID, "", "\"" } }, 3 },
	{ "leading and trailing spaces kept",
	  BYTES(HDR
	    ROW(ID, "0", "*", " CN=x", " Sending certificate Subject") "\r\n"
	    ROW(ID, "1", "*", "\" CN=a, O=b \"", "Certificate subject  ")
	    "\r\n"),
	  0, 7,
	  { { 6, '*', ID, " CN=x", " Sending certificate Subject" },
	    { 7, '*', ID, " CN=a, O=b ", "Certificate subject  " } }, 2 },
	{ "rows with the wrong number of fields skipped",
	  BYTES(HDR
	    ROW(ID, "0", "*", "", "attempting to connect") "\r\n"
	    T ",Outbound," ID ",1,,104.47.1.2:25,+,\r\n"
	    ROW(ID, "2", "<", "220 a", "") ",extra\r\n"
	    ROW(ID, "3", ">", "EHLO mail.contoso.com", "") "\r\n"),
	  2, 9,
	  { { 6, '*', ID, "", "attempting to connect" },
	    { 9, '>', ID, "EHLO mail.contoso.com", "" } }, 2 },
	{ "stray quote in an unquoted field",
	  BYTES(HDR
	    ROW(ID, "0", "<", "250 a\"b", "") "\r\n"
	    ROW(ID, "1", ">", "EHLO mail.contoso.com", "") "\r\n"),
	  1, 7,
	  { { 7, '>', ID, "EHLO mail.contoso.com", "" } }, 1 },
	{ "unterminated quote does not swallow the next lines",
	  BYTES(HDR
	    ROW(ID, "0", "*", "", "attempting to connect") "\r\n"
	    ROW(ID, "1", "<", "\"250 abc", "") "\r\n"
	    ROW(ID, "2", ">", "EHLO mail.contoso.com", "") "\r\n"
	    ROW(ID, "3", "<", "\"250 x, y\"", "") "\r\n"),
	  1, 9,
	  { { 6, '*', ID, "", "attempting to connect" },
	    { 8, '>', ID, "EHLO mail.contoso.com", "" },
	    { 9, '<', ID, "250 x, y", "" } }, 3 },
	{ "text after a closing quote",
	  BYTES(HDR
	    ROW(ID, "0", "<", "\"250 a\"b", "") "\r\n"
	    ROW(ID, "1", "-", "", "Local") "\r\n"),
	  1, 7,
	  { { 7, '-', ID, "", "Local" } }, 1 },
	{ "bad timestamps skipped",
	  BYTES(HDR
	    "2019-13-21T13:01:06.525Z,Outbound," ID ",0,,1.2.3.4:25,*,,x\r\n"
	    "yesterday,Outbound," ID ",1,,1.2.3.4:25,*,,x\r\n"
	    ",Outbound," ID ",2,,1.2.3.4:25,*,,x\r\n"
	    ROW(ID, "3", "-", "", "Remote") "\r\n"),
	  3, 9,
	  { { 9, '-', ID, "", "Remote" } }, 1 },
	{ "bad events skipped",
	  BYTES(HDR
	    ROW(ID, "0", "x", "", "") "\r\n"
	    ROW(ID, "1", "", "", "") "\r\n"
	    ROW(ID, "2", "<>", "", "") "\r\n"
	    ROW(ID, "3", " <", "250 a", "") "\r\n"
	    ROW(ID, "4", "<", "250 b", "") "\r\n"),
	  4, 10,
	  { { 10, '<', ID, "250 b", "" } }, 1 },
	{ "empty session-id skipped",
	  BYTES(HDR
	    ROW("", "0", "*", "", "attempting to connect") "\r\n"
	    ROW(ID2, "0", "*", "", "attempting to connect") "\r\n"),
	  1, 7,
	  { { 7, '*', ID2, "", "attempting to connect" } }, 1 },
	{ "last line without a newline",
	  BYTES(HDR
	    ROW(ID, "0", ">", "QUIT", "") "\r\n"
	    ROW(ID, "1", "-", "", "Local")),
	  0, 7,
	  { { 6, '>', ID, "QUIT", "" },
	    { 7, '-', ID, "", "Local" } }, 2 },
	{ "last line cut short, no newline",
	  BYTES(HDR
	    ROW(ID, "0", ">", "QUIT", "") "\r\n"
	    T ",Outbound to Office 365," ID ",1,10.0.0.5:51234"),
	  1, 7,
	  { { 6, '>', ID, "QUIT", "" } }, 1 },
	{ "empty lines are no rows",
	  BYTES(HDR "\r\n"
	    ROW(ID, "0", ">", "QUIT", "") "\r\n\r\n\n"
	    ROW(ID, "1", "-", "", "Local") "\r\n"),
	  0, 10,
	  { { 7, '>', ID, "QUIT", "" },
	    { 10, '-', ID, "", "Local" } }, 2 },
	{ "a header block again (files joined)",
	  BYTES(BOM HDR
	    ROW(ID, "0", ">", "QUIT", "") "\r\n"
	    BOM HDR
	    ROW(ID2, "0", "*", "", "attempting to connect") "\r\n"),
	  0, 12,
	  { { 6, '>', ID, "QUIT", "" },
	    { 12, '*', ID2, "", "attempting to connect" } }, 2 },
	{ "interleaved sessions keep their ids",
	  BYTES(HDR
	    ROW(ID, "0", "*", "", "a") "\r\n"
	    ROW(ID2, "0", "*", "", "b") "\r\n"
	    ROW(ID, "1", "*", "", "c") "\r\n"),
	  0, 8,
	  { { 6, '*', ID, "", "a" },
	    { 7, '*', ID2, "", "b" },
	    { 8, '*', ID, "", "c" } }, 3 },
	{ "a header and no rows",
	  BYTES(BOM HDR), 0, 5, { { 0, 0, NULL, NULL, NULL } }, 0 },
};

static void
test_reader_files(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < NELEM(file_cases); i++) {
		const struct file_case *c = &file_cases[i];
		const struct reader_stats *st;
		unsigned long warnings = diag_count(DIAG_WARNING);
		struct src s;
		struct reader *r;
		struct row row;
		int rc;

		snprintf(where, sizeof where, "case %zu (%s)", i, c->name);
		r = src_open(&s, c->in, c->len);
		CHECK_INT(reader_header(r), LOG_SEND);
		for (n = 0; (rc = reader_next(r, &row)) == 1; n++) {
			snprintf(where, sizeof where, "case %zu (%s) row %zu",
			    i, c->name, n);
			if (n >= c->nrows)
				print_error("%s: unexpected row at line %lu\n",
				    where, row.line);
			assert_true(n < c->nrows);
			CHECK_INT(row.line, c->rows[n].line);
			CHECK_INT(row.event, c->rows[n].event);
			CHECK_FIELD(row.session_id, c->rows[n].id);
			CHECK_FIELD(row.data, c->rows[n].data);
			CHECK_FIELD(row.context, c->rows[n].context);
			assert_string_equal(row.file, "SEND20190321-1.LOG");
		}
		snprintf(where, sizeof where, "case %zu (%s)", i, c->name);
		CHECK_INT(rc, 0);
		CHECK_INT(n, c->nrows);
		st = reader_stats(r);
		CHECK_INT(st->rows, c->nrows);
		CHECK_INT(st->bad_rows, c->bad_rows);
		CHECK_INT(st->lines, c->lines);
		CHECK_INT(st->bytes, c->len);
		/* each skipped row was reported */
		CHECK_INT(diag_count(DIAG_WARNING) - warnings, c->bad_rows);
		/* and the end stays the end */
		CHECK_INT(reader_next(r, &row), 0);
		src_close(&s);
	}
}

/* --- columns by name ---------------------------------------------------- */

static void
test_reader_field_mapping(void **state)
{
	static const char in[] = BOM
	    "#Software: Microsoft Exchange Server\r\n"
	    "#Log-type: SMTP Send Protocol Log\r\n"
	    "#Fields: event,x-extra,data,session-id,context,date-time,"
	    "connector-id,remote-endpoint,local-endpoint,sequence-number,"
	    "x-more\r\n"
	    "<,junk,250 SIZE 1000," ID ",,2019-03-21T13:01:06.525Z,"
	    "Outbound to Office 365,104.47.1.2:25,10.0.0.5:51234,7,more\r\n"
	    "*,,\" CN=x\"," ID2 ",Certificate subject,"
	    "2019-03-21T13:01:07.000Z,\"Internet, Partners\","
	    "[2001:db8::1]:25,,0,\r\n";
	struct src s;
	struct reader *r;
	struct row row;
	const char *missing = "untouched";

	(void)state;
	snprintf(where, sizeof where, "reordered #Fields");
	r = src_open(&s, in, sizeof in - 1);
	assert_int_equal(reader_header(r), LOG_SEND);
	assert_int_equal(reader_missing_columns(r, &missing), 0);
	assert_string_equal(missing, "untouched");

	assert_int_equal(reader_next(r, &row), 1);
	CHECK_INT(row.line, 4);
	CHECK_INT(row.event, '<');
	CHECK_FIELD(row.date_time, "2019-03-21T13:01:06.525Z");
	assert_true(row.time == INT64_C(1553173266525));
	CHECK_FIELD(row.connector, "Outbound to Office 365");
	CHECK_FIELD(row.session_id, ID);
	CHECK_FIELD(row.sequence, "7");
	CHECK_FIELD(row.local, "10.0.0.5:51234");
	CHECK_FIELD(row.remote, "104.47.1.2:25");
	CHECK_FIELD(row.data, "250 SIZE 1000");
	CHECK_FIELD(row.context, "");

	assert_int_equal(reader_next(r, &row), 1);
	CHECK_INT(row.line, 5);
	CHECK_INT(row.event, '*');
	assert_true(row.time == INT64_C(1553173267000));
	CHECK_FIELD(row.connector, "Internet, Partners");
	CHECK_FIELD(row.session_id, ID2);
	CHECK_FIELD(row.sequence, "0");
	CHECK_FIELD(row.local, "");
	CHECK_FIELD(row.remote, "[2001:db8::1]:25");
	CHECK_FIELD(row.data, " CN=x");
	CHECK_FIELD(row.context, "Certificate subject");

	assert_int_equal(reader_next(r, &row), 0);
	assert_int_equal(reader_stats(r)->bad_rows, 0);
	src_close(&s);
}

/* A column #Fields does not name reads as an empty string. */
static void
test_reader_unnamed_columns_empty(void **state)
{
	static const char in[] =
	    "#Log-type: SMTP Send Protocol Log\n"
	    "#Fields: date-time,session-id,event,data\n"
	    T "," ID ",<,250 OK\n";
	struct src s;
	struct reader *r;
	struct row row;

	(void)state;
	snprintf(where, sizeof where, "short #Fields");
	r = src_open(&s, in, sizeof in - 1);
	assert_int_equal(reader_header(r), LOG_SEND);
	assert_int_equal(reader_next(r, &row), 1);
	CHECK_FIELD(row.data, "250 OK");
	CHECK_FIELD(row.connector, "");
	CHECK_FIELD(row.context, "");
	CHECK_FIELD(row.local, "");
	CHECK_FIELD(row.remote, "");
	CHECK_FIELD(row.sequence, "");
	src_close(&s);
}

static void
test_reader_missing_columns(void **state)
{
	static const struct {
		const char	*fields;
		int		 ret;
		const char	*name;
	} cases[] = {
		{ FIELDS, 0, NULL },
		{ "#Fields: date-time,connector-id,sequence-number,"
		  "local-endpoint,remote-endpoint,event,data,context", 1,
		  "session-id" },
		{ "#Fields: date-time,connector-id,session-id,sequence-number,"
		  "local-endpoint,remote-endpoint,data,context", 1, "event" },
		{ "#Fields: connector-id,session-id,sequence-number,"
		  "local-endpoint,remote-endpoint,event,data,context", 1,
		  "date-time" },
		{ "#Fields: date-time,session-id,event", 0, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		char in[512];
		const char *name = NULL;
		struct src s;
		struct reader *r;
		int n;

		snprintf(where, sizeof where, "case %zu (%s)", i,
		    cases[i].fields);
		n = snprintf(in, sizeof in, "#Software: Microsoft Exchange "
		    "Server\r\n#Log-type: SMTP Send Protocol Log\r\n%s\r\n",
		    cases[i].fields);
		r = src_open(&s, in, (size_t)n);
		CHECK_INT(reader_header(r), LOG_SEND);
		CHECK_INT(reader_missing_columns(r, &name), cases[i].ret);
		if (cases[i].ret)
			assert_string_equal(name, cases[i].name);
		src_close(&s);
	}
}

/* --- the log kind ------------------------------------------------------- */

static void
test_reader_kinds(void **state)
{
	static const struct {
		const char	*name;
		const char	*in;
		size_t		 len;
		int		 kind;
	} cases[] = {
		{ "send log", BYTES(BOM HDR ROW(ID, "0", "*", "", "x") "\r\n"),
		  LOG_SEND },
		{ "send log, no BOM, LF", BYTES(HDR_LF), LOG_SEND },
		{ "receive log", BYTES(BOM
		    "#Software: Microsoft Exchange Server\r\n"
		    "#Version: 15.0.0.0\r\n"
		    "#Log-type: SMTP Receive Protocol Log\r\n"
		    "#Date: 2019-03-21T13:01:06.525Z\r\n"
		    FIELDS "\r\n"
		    ROW(ID, "0", "+", "", "") "\r\n"), LOG_RECEIVE },
		{ "another log type", BYTES(BOM
		    "#Software: Microsoft Exchange Server\r\n"
		    "#Log-type: Message Tracking Log\r\n"
		    "#Fields: date-time,client-ip\r\n"), LOG_OTHER },
		{ "no header: a data row first", BYTES(
		    ROW(ID, "0", "*", "", "attempting to connect") "\r\n"),
		  LOG_UNKNOWN },
		{ "no header, BOM", BYTES(BOM
		    ROW(ID, "0", "*", "", "attempting to connect") "\r\n"),
		  LOG_UNKNOWN },
		{ "not a log at all", BYTES("hello, world\n"), LOG_UNKNOWN },
		{ "a blank first line", BYTES("\r\n" HDR), LOG_UNKNOWN },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		struct src s;

		snprintf(where, sizeof where, "case %zu (%s)", i,
		    cases[i].name);
		CHECK_INT(reader_header(src_open(&s, cases[i].in,
		    cases[i].len)), cases[i].kind);
		src_close(&s);
	}
}

/* --- single rows -------------------------------------------------------- */

/* A NUL byte in a field is data: it survives, and len counts it. */
static void
test_reader_nul_in_data(void **state)
{
	static const char in[] = HDR
	    ROW(ID, "0", "<", "220 a\0b", "ctx") "\r\n"
	    ROW(ID, "1", "-", "", "Local") "\r\n";
	struct src s;
	struct reader *r;
	struct row row;

	(void)state;
	r = src_open(&s, in, sizeof in - 1);
	assert_int_equal(reader_header(r), LOG_SEND);
	assert_int_equal(reader_next(r, &row), 1);
	assert_int_equal(row.line, 6);
	assert_int_equal(row.data.len, 7);
	assert_memory_equal(row.data.p, "220 a\0b", 8);	/* with the NUL */
	assert_int_equal(row.context.len, 3);
	assert_string_equal(row.context.p, "ctx");
	assert_int_equal(reader_next(r, &row), 1);
	assert_int_equal(row.line, 7);
	assert_int_equal(row.event, '-');
	assert_int_equal(reader_stats(r)->bad_rows, 0);
	src_close(&s);
}

/*
 * An event field that is one NUL byte is not one of "+-<>*": the row must
 * be skipped as a bad event like any other.
 */
static void
test_reader_nul_event(void **state)
{
	static const char in[] = HDR
	    ROW(ID, "0", "\0", "250 a", "") "\r\n"
	    ROW(ID, "1", "<", "250 b", "") "\r\n";
	struct src s;
	struct reader *r;
	struct row row;

	(void)state;
	r = src_open(&s, in, sizeof in - 1);
	assert_int_equal(reader_header(r), LOG_SEND);
	assert_int_equal(reader_next(r, &row), 1);
	if (row.event == '\0')
		print_error("line %lu: a row with a NUL event was handed "
		    "out\n", row.line);
	assert_int_equal(row.event, '<');
	assert_int_equal(row.line, 7);
	assert_int_equal(reader_stats(r)->bad_rows, 1);
	src_close(&s);
}

static void
test_reader_time(void **state)
{
	static const struct {
		const char	*t;
		int64_t		 ms;
	} cases[] = {
		{ "2019-03-21T13:01:06.525Z", INT64_C(1553173266525) },
		{ "2019-03-21T13:01:06.5251234Z", INT64_C(1553173266525) },
		{ "1970-01-01T00:00:00.000Z", 0 },
		{ "2026-11-02T08:12:03.448Z", INT64_C(1793607123448) },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		char in[512];
		struct src s;
		struct reader *r;
		struct row row;
		int n;

		snprintf(where, sizeof where, "case %zu (%s)", i, cases[i].t);
		n = snprintf(in, sizeof in, HDR "%s,C," ID ",0,,1.2.3.4:25,"
		    "*,,x\r\n", cases[i].t);
		r = src_open(&s, in, (size_t)n);
		assert_int_equal(reader_header(r), LOG_SEND);
		CHECK_INT(reader_next(r, &row), 1);
		CHECK_FIELD(row.date_time, cases[i].t);
		if (row.time != cases[i].ms)
			print_error("%s: time %lld\n", where,
			    (long long)row.time);
		assert_true(row.time == cases[i].ms);
		src_close(&s);
	}
}

/*
 * Rows each of whose time differs from the one of the row before in one
 * byte, at each place of the 24, to another digit or to a byte no time
 * has there: the time of the same minute is taken from the last one met
 * (next_row_avx2() compares all 24 bytes at once, the minute in the
 * first 16), and each row's time is what logtime_parse() gives, or the
 * row is bad when that fails.
 */
static void
test_reader_time_each_byte(void **state)
{
	static const char subst[] = "0159:.TZ-x";
	char *in, t[25];
	size_t n, hlen = strlen(HDR), p, k;
	unsigned long want = 0;
	int64_t ms;
	struct src s;
	struct reader *r;
	struct row row;

	(void)state;
	in = malloc(hlen + 24 * sizeof subst * 2 * 128);
	assert_non_null(in);
	memcpy(in, HDR, hlen);
	n = hlen;
	for (p = 0; p < 24; p++)
		for (k = 0; k < sizeof subst - 1; k++) {
			/* The row before, which the time cache keeps, twice
			 * (the second of the same time), then the changed one. */
			memcpy(t, T, 24);
			n += (size_t)sprintf(in + n, ROW(ID, "1", ">", "a", "")
			    "\r\n" ROW(ID, "2", ">", "b", "") "\r\n");
			t[p] = subst[k];
			t[24] = '\0';
			n += (size_t)sprintf(in + n, "%s,C," ID ",3,l,r,<,d,\r\n",
			    t);
			want += 2 + (logtime_parse(t, 24, &ms) == 0);
		}
	r = src_open(&s, in, n);
	assert_int_equal(reader_header(r), LOG_SEND);
	while (reader_next(r, &row) == 1) {
		snprintf(where, sizeof where, "line %lu (%s)", row.line,
		    row.date_time.p);
		assert_int_equal(logtime_parse(row.date_time.p,
		    row.date_time.len, &ms), 0);
		if (row.time != ms)
			print_error("%s: time %lld, want %lld\n", where,
			    (long long)row.time, (long long)ms);
		assert_true(row.time == ms);
		want--;
	}
	CHECK_INT(want, 0);
	src_close(&s);
	free(in);
}

/*
 * A time of the minute before that runs on past its 24 bytes: the fast
 * way checks the time before it cuts the line, where a time of 24 bytes
 * with a comma after it is one it may take as it is.  A longer one must
 * be read in full: a 4-digit fraction is a good time, a byte more after
 * the Z a bad one.
 */
static void
test_reader_time_longer(void **state)
{
	static const char in[] = HDR
	    ROW(ID, "0", "<", "220 ready", "") "\r\n"
	    ROW(ID, "1", ">", "EHLO a", "") "\r\n"
	    "2019-03-21T13:01:06.525Zx,C," ID ",2,,1.2.3.4:25,*,,x\r\n"
	    "2019-03-21T13:01:06.5255Z,C," ID ",3,,1.2.3.4:25,*,,y\r\n"
	    ROW(ID, "4", "-", "", "Local") "\r\n";
	struct src s;
	struct reader *r;
	struct row row;

	(void)state;
	snprintf(where, sizeof where, "time longer");
	r = src_open(&s, BYTES(in));
	assert_int_equal(reader_header(r), LOG_SEND);
	CHECK_INT(reader_next(r, &row), 1);
	CHECK_FIELD(row.sequence, "0");
	CHECK_INT(reader_next(r, &row), 1);
	CHECK_FIELD(row.sequence, "1");
	CHECK_INT(reader_next(r, &row), 1);
	CHECK_FIELD(row.sequence, "3");
	CHECK_FIELD(row.date_time, "2019-03-21T13:01:06.5255Z");
	CHECK_FIELD(row.context, "y");
	assert_true(row.time == INT64_C(1553173266525));
	CHECK_INT(reader_next(r, &row), 1);
	CHECK_FIELD(row.sequence, "4");
	CHECK_INT(reader_next(r, &row), 0);
	CHECK_INT(reader_stats(r)->bad_rows, 1);
	src_close(&s);
}

/*
 * The fast way takes r->times as valid: it is after any row handed out.
 * A time of 16 NULs and ":00.000Z" is what a zeroed cache would take as
 * its minute; after a first row whose time is bad (the cache not valid
 * yet), and after good rows, it is a bad time.
 */
static void
test_reader_time_cache(void **state)
{
	static const char in[] = HDR
	    "2019-13-21T13:01:06.525Z,C," ID ",0,,1.2.3.4:25,*,,x\r\n"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0:00.000Z,C," ID
	    ",1,,1.2.3.4:25,*,,x\r\n"
	    ROW(ID, "2", "<", "220 ready", "") "\r\n"
	    ROW(ID, "3", ">", "EHLO a", "") "\r\n"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0:00.000Z,C," ID
	    ",4,,1.2.3.4:25,*,,x\r\n"
	    ROW(ID, "5", "-", "", "Local") "\r\n";
	struct src s;
	struct reader *r;
	struct row row;

	(void)state;
	snprintf(where, sizeof where, "time cache");
	r = src_open(&s, BYTES(in));
	assert_int_equal(reader_header(r), LOG_SEND);
	CHECK_INT(reader_next(r, &row), 1);
	CHECK_FIELD(row.sequence, "2");
	CHECK_INT(reader_next(r, &row), 1);
	CHECK_FIELD(row.sequence, "3");
	CHECK_INT(reader_next(r, &row), 1);
	CHECK_FIELD(row.sequence, "5");
	CHECK_INT(reader_next(r, &row), 0);
	CHECK_INT(reader_stats(r)->bad_rows, 3);
	src_close(&s);
}

/* --- long lines --------------------------------------------------------- */

/*
 * A file: header, one row whose data field makes the line len bytes long
 * (without its line end), then a good row.  Returns malloc'd bytes.
 */
static char *
long_line_file(size_t len, size_t *size)
{
	static const char head[] = HDR ROW(ID, "0", "<", "", "");
	static const char pre[] = T ",C," ID ",1,,1.2.3.4:25,<,250 ";
	static const char tail[] = "\r\n" ROW(ID, "2", "-", "", "Local")
	    "\r\n";
	size_t n = 0, fill;
	char *p;

	assert_true(len > sizeof pre + 1);
	fill = len - (sizeof pre - 1) - 1;	/* the last byte is the ',' */
	p = malloc((sizeof head - 1) + 2 + len + sizeof tail);
	assert_non_null(p);
	memcpy(p, head, sizeof head - 1), n += sizeof head - 1;
	memcpy(p + n, "\r\n", 2), n += 2;
	memcpy(p + n, pre, sizeof pre - 1), n += sizeof pre - 1;
	memset(p + n, 'a', fill), n += fill;
	p[n++] = ',';
	memcpy(p + n, tail, sizeof tail - 1), n += sizeof tail - 1;
	*size = n;
	return p;
}

static void
check_long_line(size_t len, int accepted)
{
	unsigned long warnings = diag_count(DIAG_WARNING);
	struct src s;
	struct reader *r;
	struct row row;
	size_t size;
	char *in = long_line_file(len, &size);

	snprintf(where, sizeof where, "line of %zu bytes (READER_LINE_MAX%+"
	    "lld)", len, (long long)len - READER_LINE_MAX);
	r = src_open(&s, in, size);
	free(in);
	assert_int_equal(reader_header(r), LOG_SEND);
	CHECK_INT(reader_next(r, &row), 1);
	CHECK_INT(row.line, 6);
	CHECK_INT(reader_next(r, &row), 1);
	if (accepted) {
		CHECK_INT(row.line, 7);
		CHECK_INT(row.data.len, len - (sizeof(T ",C," ID
		    ",1,,1.2.3.4:25,<,") - 1) - 1);
		CHECK_INT(reader_next(r, &row), 1);
	}
	/* the row after the long line, with its line number */
	CHECK_INT(row.line, 8);
	CHECK_INT(row.event, '-');
	CHECK_FIELD(row.context, "Local");
	CHECK_INT(reader_next(r, &row), 0);
	CHECK_INT(reader_stats(r)->bad_rows, accepted ? 0 : 1);
	CHECK_INT(reader_stats(r)->rows, accepted ? 3 : 2);
	CHECK_INT(reader_stats(r)->lines, 8);
	CHECK_INT(diag_count(DIAG_WARNING) - warnings, accepted ? 0 : 1);
	src_close(&s);
}

/* Far over the limit: skipped, counted, and the next row is read. */
static void
test_reader_long_line(void **state)
{
	static const size_t lens[] = {
		2 * READER_LINE_MAX + 1000,
		3 * READER_LINE_MAX,
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(lens); i++)
		check_long_line(lens[i], 0);
}

/* READER_LINE_MAX is "the longest line the reader accepts". */
static void
test_reader_line_at_limit(void **state)
{
	(void)state;
	check_long_line(READER_LINE_MAX, 1);
	check_long_line(READER_LINE_MAX - 1000, 1);
}

/* Just over the limit: reader.h says such a row is skipped and counted. */
static void
test_reader_line_just_over_limit(void **state)
{
	static const size_t lens[] = {
		READER_LINE_MAX + 1,
		READER_LINE_MAX + 100,
		READER_LINE_MAX + READER_LINE_MAX / 2,
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(lens); i++)
		check_long_line(lens[i], 0);
}

/* The long line last, without a line end: skipped and counted. */
static void
test_reader_long_last_line(void **state)
{
	static const char head[] = HDR ROW(ID, "0", "<", "250 a", "") "\r\n";
	size_t len = 2 * READER_LINE_MAX + 10, size = sizeof head - 1 + len;
	struct src s;
	struct reader *r;
	struct row row;
	char *in = malloc(size);

	(void)state;
	assert_non_null(in);
	memcpy(in, head, sizeof head - 1);
	memset(in + sizeof head - 1, 'x', len);
	r = src_open(&s, in, size);
	free(in);
	assert_int_equal(reader_header(r), LOG_SEND);
	assert_int_equal(reader_next(r, &row), 1);
	assert_int_equal(row.line, 6);
	assert_int_equal(reader_next(r, &row), 0);
	assert_int_equal(reader_stats(r)->bad_rows, 1);
	assert_int_equal(reader_stats(r)->lines, 7);
	src_close(&s);
}

/* A header block again inside the file, naming no event column: its rows
 * cannot be read as rows of any kind. */
static void
test_reader_later_fields_without_event(void **state)
{
	static const char in[] = HDR
	    ROW(ID, "0", "<", "250 a", "") "\r\n"
	    "#Fields: date-time,connector-id,session-id\r\n"
	    T ",c," ID "\r\n";
	struct src s;
	struct reader *r;
	struct row row;

	(void)state;
	r = src_open(&s, in, sizeof in - 1);
	assert_int_equal(reader_header(r), LOG_SEND);
	assert_int_equal(reader_next(r, &row), 1);
	assert_int_equal(row.event, '<');
	assert_int_equal(reader_next(r, &row), 0);
	assert_int_equal(reader_stats(r)->bad_rows, 1);
	src_close(&s);
}

/* A session id is text: one with a NUL byte in it is a bad row. */
static void
test_reader_nul_in_session_id(void **state)
{
	static const char in[] = HDR
	    ROW("08D6\0A", "0", "<", "250 a", "") "\r\n"
	    ROW(ID, "1", "<", "250 b", "") "\r\n";
	struct src s;
	struct reader *r;
	struct row row;

	(void)state;
	r = src_open(&s, in, sizeof in - 1);
	assert_int_equal(reader_header(r), LOG_SEND);
	assert_int_equal(reader_next(r, &row), 1);
	assert_string_equal(row.session_id.p, ID);
	assert_int_equal(reader_next(r, &row), 0);
	assert_int_equal(reader_stats(r)->bad_rows, 1);
	src_close(&s);
}

/*
 * The same for ids of every length up to 40, with a NUL at each place or
 * none, on every way of splitting a line, the id plain or quoted, in the
 * middle of the line or at its end (the end of the file), after a good
 * row (so that next_row_avx2() reads it): what reader.c looks at a word
 * at a time must say what memchr() says.
 */
static void
test_reader_nul_in_session_id_each_place(void **state)
{
	static const char *const heads[] = {
		HDR, "#Fields: date-time,event,session-id\n"
	};
	char in[512], id[41];
	size_t h, len, at, n;
	int level, quoted, nl, rc;
	struct src s;
	struct reader *r;
	struct row row;

	(void)state;
	for (h = 0; h < NELEM(heads); h++)
	for (level = 0; level <= 2; level++)
	for (quoted = 0; quoted <= 1; quoted++)
	for (nl = 0; nl <= 1; nl++)
	for (len = 1; len <= 40; len++)
	for (at = 0; at <= len; at++) {	/* at == len: no NUL */
		for (n = 0; n < len; n++)
			id[n] = "0123456789ABCDEF"[n % 16];
		if (at < len)
			id[at] = '\0';
		n = strlen(heads[h]);
		memcpy(in, heads[h], n);
		/* A good row first, read ahead by the header: the one looked
		 * at is then read as any row after it is. */
		n += (size_t)snprintf(in + n, sizeof in - n, h == 0 ?
		    ROW(ID, "0", "<", "220 a", "") "\r\n" T ",c,%s" :
		    T ",<," ID "\n" T ",<,%s", quoted ? "\"" : "");
		memcpy(in + n, id, len);
		n += len;
		n += (size_t)snprintf(in + n, sizeof in - n, h == 0 ?
		    "%s,0,l,r,<,250 a,%s" : "%s%s", quoted ? "\"" : "",
		    nl ? "\n" : "");
		snprintf(where, sizeof where, "header %zu, level %d, quoted "
		    "%d, newline %d, length %zu, NUL at %zu", h, level, quoted,
		    nl, len, at);
		r = src_open(&s, in, n);
		reader_set_fast_path(r, level);
		CHECK_INT(reader_header(r), LOG_SEND);
		CHECK_INT(reader_next(r, &row), 1);
		rc = reader_next(r, &row);
		CHECK_INT(rc, at == len);
		if (rc == 1) {
			CHECK_INT(row.session_id.len, len);
			assert_memory_equal(row.session_id.p, id, len);
			CHECK_INT(reader_next(r, &row), 0);
		}
		CHECK_INT(reader_stats(r)->bad_rows, at < len);
		src_close(&s);
	}
}

/* --- the fast path gives what libcsv gives ------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static unsigned
rng(unsigned n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * 0x2545F4914F6CDD1Dull) >> 33) % n;
}

/* A field's bytes from an alphabet that holds every byte CSV cares about. */
static size_t
random_bytes(char *out, size_t max)
{
	static const char alphabet[] = "ab ,\"\"\r\t\0\xc3\xa9x*<-";
	size_t i, n = rng((unsigned)max);

	for (i = 0; i < n; i++)
		out[i] = alphabet[rng(sizeof alphabet - 1)];
	return n;
}

/* One data line: 9 fields (at times 60 to 79, more than MAX_COLUMNS),
 * each written well (quoted when it must be) or raw, so that good rows
 * and every kind of broken one come out. */
static size_t
random_line(char *out)
{
	static const char *const fixed[] = { T, NULL, ID, "0" };
	char field[24];
	size_t n = 0, len, k;
	int i, nf = rng(16) == 0 ? 60 + (int)rng(20) : 9, plain = rng(3) == 0;

	if (rng(32) == 0) {
		/* More commas than the fast path notes, a quote at times:
		 * about as many, or many more. */
		len = rng(2) ? 250 + rng(20) : 1000 + rng(1000);
		for (k = 0; k < len; k++)
			out[n++] = rng(64) == 0 ? '"' : rng(2) ? ',' : 'a';
		return n;
	}
	for (i = 0; i < nf; i++) {
		if (i > 0)
			out[n++] = ',';
		if (i < 4 && fixed[i] != NULL && rng(8) != 0) {
			memcpy(out + n, fixed[i], strlen(fixed[i]));
			n += strlen(fixed[i]);
			continue;
		}
		if (i == 6 && rng(8) != 0) {
			out[n++] = "+-<>*"[rng(5)];
			continue;
		}
		len = random_bytes(field, sizeof field);
		if (plain) {			/* no quote on the line */
			for (k = 0; k < len; k++)
				out[n++] = field[k] == '"' ? 'q' : field[k];
			continue;
		}
		if (rng(4) == 0) {		/* raw, maybe broken */
			memcpy(out + n, field, len);
			n += len;
			continue;
		}
		out[n++] = '"';
		for (k = 0; k < len; k++) {
			if (field[k] == '"')
				out[n++] = '"';
			out[n++] = field[k];
		}
		if (rng(16) != 0)		/* now and then left open */
			out[n++] = '"';
		if (rng(16) == 0)		/* or followed by junk */
			out[n++] = 'j';
	}
	return n;
}

struct parsed {
	char		*text;		/* every row's fields, one after another */
	size_t		 len;
	char		*diags;		/* the warnings, one after another */
	size_t		 diagslen;
	unsigned long	 rows, bad_rows, lines;
};

/* A warning held by diag_set_hold(): to the stream of the parse. */
static void
hold_diag(enum diag_level level, char *text, void *arg)
{
	(void)level;
	fputs(text, arg);
	free(text);
}

/*
 * in[0..len) read with the header at fast path level hfast, and its rows
 * at level fast.
 */
static void
parse_all_at(const char *in, size_t len, int hfast, int fast,
    struct parsed *out)
{
	struct reader *r;
	struct row row;
	FILE *fp, *mem, *diags;
	char *buf = malloc(len);

	assert_non_null(buf);
	memcpy(buf, in, len);
	fp = fmemopen(buf, len, "r");
	assert_non_null(fp);
	mem = open_memstream(&out->text, &out->len);
	assert_non_null(mem);
	diags = open_memstream(&out->diags, &out->diagslen);
	assert_non_null(diags);
	diag_set_hold(hold_diag, diags);
	r = reader_new(fp, "diff.LOG");
	reader_set_fast_path(r, hfast);
	assert_int_equal(reader_header(r), LOG_SEND);
	/* The first row, read ahead by the header, is read at this level. */
	reader_set_fast_path(r, fast);
	while (reader_next(r, &row) == 1) {
		const struct field *f;

		fprintf(mem, "%lu %c", row.line, row.event);
		for (f = &row.date_time; f <= &row.context; f++) {
			fprintf(mem, "|%zu:", f->len);
			fwrite(f->p, 1, f->len, mem);
			assert_int_equal(f->p[f->len], '\0');
		}
		fputc('\n', mem);
	}
	out->rows = reader_stats(r)->rows;
	out->bad_rows = reader_stats(r)->bad_rows;
	out->lines = reader_stats(r)->lines;
	reader_free(r);
	diag_set_hold(NULL, NULL);
	fclose(fp);
	fclose(mem);
	fclose(diags);
	free(buf);
}

static void
parse_all(const char *in, size_t len, int fast, struct parsed *out)
{
	parse_all_at(in, len, fast, fast, out);
}

/*
 * in[0..len) read with the fast path, without AVX2 and then with it where
 * the CPU has it, and with libcsv alone: the same rows, fields, bad rows
 * and warnings, byte for byte.  Returns the rows and the bad rows.
 */
static void
check_ways_equal(const char *in, size_t len, unsigned long *rows,
    unsigned long *bad_rows)
{
	struct parsed fast, slow;
	int level;

	parse_all(in, len, 0, &slow);
	for (level = 1; level <= 2; level++) {
		parse_all(in, len, level, &fast);
		assert_int_equal(fast.lines, slow.lines);
		assert_int_equal(fast.bad_rows, slow.bad_rows);
		assert_int_equal(fast.rows, slow.rows);
		assert_int_equal(fast.len, slow.len);
		assert_memory_equal(fast.text, slow.text, fast.len);
		/* The counts of fields in the warnings too. */
		assert_int_equal(fast.diagslen, slow.diagslen);
		assert_memory_equal(fast.diags, slow.diags, fast.diagslen);
		free(fast.text);
		free(fast.diags);
	}
	*rows = slow.rows;
	*bad_rows = slow.bad_rows;
	free(slow.text);
	free(slow.diags);
}

/*
 * Thousands of random lines, good and broken, read each way, as files of
 * many lines and, since only the first READER_BAD_ROWS_SHOWN bad rows of
 * a file are warned about, each line as a file of its own.  Under the
 * standard columns, which the fast path puts in a row each by its own
 * code and libcsv's fields by the loop for any columns, and under others
 * in another order, which both put by the loop.
 */
static void
test_reader_fast_path_equals_libcsv(void **state)
{
	enum { LINES = 400, ROUNDS = 25, LINE_ROOM = 4096 };
	static const char *const hdrs[] = { HDR,
	    "#Fields: date-time,data,session-id,sequence-number,"
	    "remote-endpoint,local-endpoint,event,connector-id,context\n" };
	const char *hdr;
	char *in, *one;
	size_t n, hlen, at[LINES + 1];
	unsigned long rows, bad_rows;
	int round, i;

	(void)state;
	in = malloc(sizeof HDR + LINES * LINE_ROOM);
	one = malloc(sizeof HDR + LINE_ROOM);
	assert_non_null(in);
	assert_non_null(one);
	for (round = 0; round < ROUNDS; round++) {
		hdr = hdrs[round % 2];
		hlen = strlen(hdr);
		memcpy(in, hdr, hlen);
		n = hlen;
		for (i = 0; i < LINES; i++) {
			at[i] = n;
			n += random_line(in + n);
			memcpy(in + n, rng(4) ? "\r\n" : "\n", 2);
			n += in[n] == '\r' ? 2 : 1;
		}
		at[LINES] = n;
		check_ways_equal(in, n, &rows, &bad_rows);
		/* Both kinds of row are there to compare. */
		assert_true(rows > 0 && bad_rows > 0);
		memcpy(one, hdr, hlen);
		for (i = 0; i < LINES; i++) {
			memcpy(one + hlen, in + at[i], at[i + 1] - at[i]);
			check_ways_equal(one, hlen + at[i + 1] - at[i], &rows,
			    &bad_rows);
		}
	}
	free(one);
	free(in);
}

/*
 * Lines that next_row_avx2() leaves to the way that serves any line,
 * each after a row that it takes (G): a BOM again, a header again (files
 * joined with cat), a #Fields: line alone (with the commas of a row), a
 * time of another minute, a bad time, an id empty or past 16 bytes, a
 * bad or quoted event, a receive log's header and row.  Each way gives
 * the same.
 */
#define G	ROW(ID, "9", ">", "", "g") "\n"
static void
test_reader_fast_path_leaves_lines(void **state)
{
	static const char in[] = HDR
	    G BOM ROW(ID, "1", "*", "", "b") "\r\n"
	    G HDR_LF
	    G FIELDS "\n"
	    G "2019-03-21T13:02:00.000Z,c," ID ",3,l,r,>,EHLO x,\n"
	    G "2019-03-21T13:01:06.000X,c," ID ",3,l,r,>,EHLO x,\n"
	    G T ",c,,4,l,r,>,d,\n"
	    G T ",c," ID "A,5,l,r,>,d,\n"
	    G T ",c," ID ",6,l,r,x,d,\n"
	    G T ",c," ID ",6,l,r,xy,d,\n"
	    G T ",c," ID ",7,l,r,\"<\",d,\n"
	    G "\"" T "\",c," ID ",7,l,r,<,d,\n"
	    G "#Log-type: SMTP Receive Protocol Log\n"
	    ROW(ID, "8", "+", "", "") "\n";
	unsigned long rows, bad_rows;

	(void)state;
	check_ways_equal(in, sizeof in - 1, &rows, &bad_rows);
	assert_int_equal(rows, 17);
	assert_int_equal(bad_rows, 5);
}
#undef G

/*
 * A receive log read on all the same, at each level: its rows are
 * skipped and counted bad, as next_row_avx2() takes on trust (it has no
 * test of the log kind).
 */
static void
test_reader_receive_rows_skipped(void **state)
{
	static const char in[] = "#Log-type: SMTP Receive Protocol Log\n"
	    FIELDS "\n"
	    ROW(ID, "0", "+", "", "") "\n"
	    ROW(ID, "1", "*", "", "") "\n"
	    ROW(ID, "2", "-", "", "") "\n";
	struct src s;
	struct reader *r;
	struct row row;
	int level;

	(void)state;
	for (level = 0; level <= 2; level++) {
		snprintf(where, sizeof where, "level %d", level);
		r = src_open(&s, in, sizeof in - 1);
		reader_set_fast_path(r, level);
		CHECK_INT(reader_header(r), LOG_RECEIVE);
		CHECK_INT(reader_next(r, &row), 0);
		CHECK_INT(reader_next(r, &row), 0);
		CHECK_INT(reader_stats(r)->rows, 0);
		CHECK_INT(reader_stats(r)->bad_rows, 3);
		src_close(&s);
	}
}

/*
 * A field for quoted_line(): plain text, or in quotes, often with commas
 * inside as connector names, certificate subjects and banners have them,
 * at times with "" or a LF inside, or broken: a quote in plain text,
 * bytes after the closing quote, a space before the opening one, a
 * quote left open.  Long ones put the quotes at every place of the
 * 64-byte blocks the AVX2 scan reads.
 */
static size_t
quoted_field(char *out)
{
	static const char text[] = "ab ,,x\t\r\0\xc3\xa9=<-";
	size_t n = 0, i, len = rng(8) == 0 ? 40 + rng(90) : rng(24);
	unsigned kind = rng(64);

	if (rng(128) == 0)		/* lines past 32 blocks too */
		len = 1800 + rng(1000);
	if (kind < 24) {		/* plain */
		for (i = 0; i < len; i++)
			if ((out[n] = text[rng(sizeof text - 1)]) != ',')
				n++;
		if (kind == 0 && n > 0)	/* a quote inside */
			out[rng((unsigned)n)] = '"';
		return n;
	}
	if (kind == 24)
		out[n++] = ' ';		/* before the quote: not a quote */
	out[n++] = '"';
	for (i = 0; i < len; i++) {
		out[n] = text[rng(sizeof text - 1)];
		if (kind >= 25 && kind < 30 && rng(8) == 0)
			out[n++] = '"', out[n] = '"';	/* "" */
		else if (kind == 30 && rng(32) == 0)
			out[n] = '\n';
		n++;
	}
	if (kind != 31)
		out[n++] = '"';		/* else left open */
	if (kind == 32)
		out[n++] = "j\"\r"[rng(3)];
	return n;
}

/* A data line of quoted_field()s, 9 of them most times. */
static size_t
quoted_line(char *out)
{
	static const char *const fixed[] = { T, NULL, ID, "0" };
	size_t n = 0;
	int i, nf = rng(8) == 0 ? 1 + (int)rng(12) : 9;

	for (i = 0; i < nf; i++) {
		if (i > 0)
			out[n++] = ',';
		if (i < 4 && fixed[i] != NULL && rng(16) != 0) {
			memcpy(out + n, fixed[i], strlen(fixed[i]));
			n += strlen(fixed[i]);
		} else if (i == 6 && rng(8) != 0)
			out[n++] = "+-<>*"[rng(5)];
		else if (i == 6 && rng(2))
			n += (size_t)sprintf(out + n, "\"%c\"", "+-<>*"[rng(5)]);
		else
			n += quoted_field(out + n);
	}
	return n;
}

/*
 * Lines with quotes, in the ways logs have them and in broken ones, the
 * quotes at every place of the blocks the scan reads, some lines longer
 * than the scan keeps masks for: the separating commas that the AVX2
 * scan finds with quotes, and the fields that it takes as quoted, are
 * those libcsv finds.
 */
static void
test_reader_quoted_fields_equal_libcsv(void **state)
{
	enum { LINES = 300, ROUNDS = 40, LINE_ROOM = 32768 };
	char *in, *one;
	size_t n, hlen = strlen(HDR), at[LINES + 1];
	unsigned long rows, bad_rows, all_rows = 0;
	int round, i;

	(void)state;
	in = malloc(hlen + LINES * LINE_ROOM);
	one = malloc(hlen + LINE_ROOM);
	assert_non_null(in);
	assert_non_null(one);
	for (round = 0; round < ROUNDS; round++) {
		memcpy(in, HDR, hlen);
		n = hlen;
		for (i = 0; i < LINES; i++) {
			at[i] = n;
			n += quoted_line(in + n);
			memcpy(in + n, rng(2) ? "\r\n" : "\n", 2);
			n += in[n] == '\r' ? 2 : 1;
		}
		at[LINES] = n;
		/* Sometimes the last line without its newline. */
		if (rng(2))
			n--;
		check_ways_equal(in, n, &rows, &bad_rows);
		assert_true(rows > 0 && bad_rows > 0);
		all_rows += rows;
		memcpy(one, HDR, hlen);
		for (i = 0; i < LINES && round < 4; i++) {
			memcpy(one + hlen, in + at[i], at[i + 1] - at[i]);
			check_ways_equal(one, hlen + at[i + 1] - at[i], &rows,
			    &bad_rows);
		}
	}
	/* Most lines are good rows, so that the quoted ones are cut. */
	assert_true(all_rows > ROUNDS * LINES / 3);
	free(one);
	free(in);
}

/*
 * A quoted field that starts and one that ends at each place of the
 * first 64-byte blocks, after plain text of each length: the quotes at
 * the edges of a block, and a CRLF right after a closing quote.
 */
static void
test_reader_quotes_at_block_edges(void **state)
{
	static const char *const data[] = {
		"\"CN=mail.contoso.com, O=Contoso Ltd, C=US\"",
		"\"\"", "\"a\"\"b\"", "\"a\"b", "\"a,b", "a\"b\"",
	};
	char in[1024], pad[200];
	size_t hlen = strlen(HDR), n, k;
	unsigned long rows, bad_rows;
	int len;

	(void)state;
	memset(pad, 'p', sizeof pad);
	for (len = 0; len < 140; len++)
		for (k = 0; k < NELEM(data); k++) {
			memcpy(in, HDR, hlen);
			n = hlen + (size_t)snprintf(in + hlen, sizeof in - hlen,
			    T ",\"Internet, %.*s\"," ID ",1,10.0.0.1:25,"
			    "10.0.0.2:25,<,%s,%s\r\n" T ",%.*s," ID ",2,,,*,"
			    "%s,\"x,%.*s\"\r\n", len, pad, data[k], data[k],
			    len, pad, data[k], len, pad);
			check_ways_equal(in, n, &rows, &bad_rows);
			assert_int_equal(rows + bad_rows, 2);
		}
}

/*
 * Rows read across the ends of the reader's reads: the bytes of a file
 * past its first READER_READ_SIZE are read later, and the row that the
 * end of a read cuts, here in its context, after all its commas, is taken
 * by next_row_avx2() only once it is whole (r->whole, the end of the last
 * LF read).  Lines end in CRLF and in LF (where the context's NUL is put
 * over the LF), and the last one in neither.  Each way gives the same.
 */
static void
test_reader_rows_across_reads(void **state)
{
	enum { SIZE = 3 * READER_READ_SIZE };
	char *in, ctx[400];
	size_t n, hlen = strlen(HDR);
	unsigned long rows, bad_rows, want = 0;
	int cut = 0, k;

	(void)state;
	in = malloc(SIZE + 1024);
	assert_non_null(in);
	memset(ctx, 'c', sizeof ctx);
	memcpy(in, HDR, hlen);
	n = hlen;
	for (k = 0; n < SIZE; k++) {
		/* Near the end of the first read: a row that it cuts. */
		if (!cut && n > READER_READ_SIZE - 400) {
			n += (size_t)sprintf(in + n, "%s%.*s\r\n",
			    ROW(ID, "1", ">", "EHLO x", ""), (int)sizeof ctx,
			    ctx);
			assert_true(n > READER_READ_SIZE);
			cut = 1;
		} else
			n += (size_t)sprintf(in + n, "%s%.*s%s",
			    ROW(ID, "2", "<", "250 OK", ""), k % 97, ctx,
			    k % 3 ? "\r\n" : "\n");
		want++;
	}
	n -= in[n - 2] == '\r' ? 2 : 1;	/* the last with no newline */
	check_ways_equal(in, n, &rows, &bad_rows);
	assert_int_equal(rows, want);
	assert_int_equal(bad_rows, 0);
	free(in);
}

/*
 * Quoted fields late in a line of 64 columns, the most a header maps:
 * the scan notes the quoted fields of a line a bit each in a word whose
 * last bit (63) says the line is to be looked at again, as a field 63 or
 * later in quotes is.  Fields 62 and 63 quoted, each alone and both, in
 * the data and context columns: each way gives the same.
 */
static void
test_reader_quotes_past_field_62(void **state)
{
	static const char *const ends[] = {
		"\"d,1\",c", "d,\"c,1\"", "\"d,1\",\"c,1\"", "d,c",
	};
	char in[2048];
	size_t n, k;
	unsigned long rows, bad_rows;
	int i, j;

	(void)state;
	for (k = 0; k < NELEM(ends); k++) {
		n = (size_t)sprintf(in, "#Log-type: SMTP Send Protocol Log\n"
		    "#Fields: ");
		for (i = 0; i < 55; i++)
			n += (size_t)sprintf(in + n, "x%d,", i);
		n += (size_t)sprintf(in + n, "date-time,connector-id,"
		    "session-id,sequence-number,local-endpoint,"
		    "remote-endpoint,event,data,context\n");
		/* Twice: the first row is read ahead by the header. */
		for (j = 0; j < 2; j++) {
			for (i = 0; i < 55; i++)
				n += (size_t)sprintf(in + n, "\"u,%d\",", i);
			n += (size_t)sprintf(in + n, T ",\"Internet, "
			    "Partners\"," ID ",%d,l,r,<,%s\r\n", j, ends[k]);
		}
		check_ways_equal(in, n, &rows, &bad_rows);
		assert_int_equal(rows, 2);
	}
}

/*
 * A row libcsv splits (more commas than the fast path notes) whose fields
 * outgrow the reader's field buffer, so that it moves as it grows: the
 * fields are read where they are now.  Under ASan (make SANITIZE=1 check)
 * a field read from where the buffer was fails; the fuzzer found it.
 */
static void
test_reader_libcsv_buffer_grows(void **state)
{
	static const char head[] = T ",Outbound to Office 365," ID
	    ",0,10.0.0.5:51234,104.47.1.2:25,>,\"";
	char *in, *p, *data;
	struct src s;
	struct reader *r;
	struct row row;
	size_t i, n = 3000;

	(void)state;
	data = malloc(2 * n + 1);
	assert_non_null(data);
	for (i = 0; i < n; i++)
		memcpy(data + 2 * i, i % 2 ? "b," : "a,", 2);
	data[2 * n] = '\0';
	in = malloc(sizeof HDR + sizeof head + 2 * n + 64);
	assert_non_null(in);
	p = in + sprintf(in, "%s%s%s\",ctx\r\n", HDR, head, data);
	r = src_open(&s, in, (size_t)(p - in));
	assert_int_equal(reader_header(r), LOG_SEND);
	assert_int_equal(reader_next(r, &row), 1);
	assert_int_equal(row.event, '>');
	assert_int_equal(row.data.len, 2 * n);
	assert_memory_equal(row.data.p, data, 2 * n);
	assert_int_equal(row.data.p[row.data.len], '\0');
	assert_int_equal(row.context.len, 3);
	assert_memory_equal(row.context.p, "ctx", 3);
	assert_int_equal(row.session_id.len, strlen(ID));
	assert_memory_equal(row.session_id.p, ID, strlen(ID));
	assert_int_equal(reader_next(r, &row), 0);
	src_close(&s);
	free(in);
	free(data);
}

/*
 * A file of garbage warns about its first READER_BAD_ROWS_SHOWN bad rows,
 * then once about how many more there were, at its end or, when reading
 * stops before, when the reader is freed; every bad row is counted.
 */
static void
test_reader_bad_rows_capped(void **state)
{
	unsigned long warnings;
	struct src s;
	struct reader *r;
	struct row row;
	char *in, *p;
	int i, whole;

	(void)state;
	in = malloc(sizeof HDR + 40 * 16 + 2 * 128);
	assert_non_null(in);
	p = in + sprintf(in, "%s", HDR);
	for (i = 0; i < 25; i++)
		p += sprintf(p, "garbage %d\r\n", i);
	p += sprintf(p, "%s\r\n", ROW(ID, "0", "<", "", ""));
	for (i = 0; i < 5; i++)
		p += sprintf(p, "garbage %d\r\n", i);
	p += sprintf(p, "%s\r\n", ROW(ID, "1", "-", "", "Local"));
	for (whole = 0; whole < 2; whole++) {
		snprintf(where, sizeof where, "garbage, read %s", whole ?
		    "to the end" : "to the first row");
		warnings = diag_count(DIAG_WARNING);
		r = src_open(&s, in, (size_t)(p - in));
		assert_int_equal(reader_header(r), LOG_SEND);
		CHECK_INT(reader_next(r, &row), 1);
		CHECK_INT(row.line, 6 + 25);
		CHECK_INT(reader_stats(r)->bad_rows, 25);
		CHECK_INT(diag_count(DIAG_WARNING) - warnings,
		    READER_BAD_ROWS_SHOWN);
		if (whole) {
			CHECK_INT(reader_next(r, &row), 1);
			CHECK_INT(reader_next(r, &row), 0);
			CHECK_INT(reader_stats(r)->bad_rows, 30);
			/* the one that says how many were not shown */
			CHECK_INT(diag_count(DIAG_WARNING) - warnings,
			    READER_BAD_ROWS_SHOWN + 1);
		}
		src_close(&s);
		CHECK_INT(diag_count(DIAG_WARNING) - warnings,
		    READER_BAD_ROWS_SHOWN + 1);
	}
	free(in);
}

/*
 * The fast path level changed after the header, whose look ahead at the
 * first row scanned it one way (AVX2: commas in masks; or not: in a list)
 * and the rows are then read the other: the same rows as libcsv gives.
 */
static void
test_reader_level_changed_after_header(void **state)
{
	static const char in[] = HDR
	    ROW(ID, "0", "+", "", "") "\r\n"
	    ROW(ID, "1", ">", "EHLO x", "") "\r\n"
	    T ",\"Internet, Partners\"," ID ",2,10.0.0.1:25,10.0.0.2:25,<,"
	    "\"250 a, b\",\r\n";
	struct parsed slow, fast;
	int hfast, level;

	(void)state;
	parse_all(BYTES(in), 0, &slow);
	assert_int_equal(slow.rows, 3);
	for (hfast = 0; hfast <= 2; hfast++)
		for (level = 0; level <= 2; level++) {
			parse_all_at(BYTES(in), hfast, level, &fast);
			assert_int_equal(fast.rows, slow.rows);
			assert_int_equal(fast.len, slow.len);
			assert_memory_equal(fast.text, slow.text, fast.len);
			free(fast.text);
			free(fast.diags);
		}
	free(slow.text);
	free(slow.diags);
}

/*
 * A row copied (what --jobs hands on): the same fields, each ended by a
 * NUL, in reader_row_size() bytes that hold little more than the fields
 * (one pad, not one per field: rows handed on are most of what the
 * workers hold), and 64 readable bytes after every field, as in the line.
 */
static void
test_reader_row_copy(void **state)
{
	static const char in[] = HDR
	    ROW(ID, "7", "<", "\"250 a, b\"", "context text") "\r\n";
	const struct field *f[8], *g[8];
	struct src s;
	struct reader *r;
	struct row row, *copy;
	size_t size, bytes = 0, i;
	char *mem;

	(void)state;
	r = src_open(&s, in, sizeof in - 1);
	assert_int_equal(reader_header(r), LOG_SEND);
	assert_int_equal(reader_next(r, &row), 1);
	size = reader_row_size(&row);
	assert_non_null(mem = malloc(size));
	copy = reader_row_copy_to(&row, mem);
	f[0] = &row.date_time; f[1] = &row.connector; f[2] = &row.session_id;
	f[3] = &row.sequence; f[4] = &row.local; f[5] = &row.remote;
	f[6] = &row.data; f[7] = &row.context;
	g[0] = &copy->date_time; g[1] = &copy->connector;
	g[2] = &copy->session_id; g[3] = &copy->sequence; g[4] = &copy->local;
	g[5] = &copy->remote; g[6] = &copy->data; g[7] = &copy->context;
	for (i = 0; i < 8; i++) {
		assert_int_equal(g[i]->len, f[i]->len);
		assert_memory_equal(g[i]->p, f[i]->p, f[i]->len);
		assert_int_equal(g[i]->p[g[i]->len], '\0');
		assert_true(g[i]->p >= mem + sizeof *copy);
		assert_true(g[i]->p + g[i]->len + 1 + 64 <= mem + size);
		bytes += f[i]->len + 1;
	}
	assert_string_equal(copy->data.p, "250 a, b");
	assert_int_equal(copy->event, '<');
	assert_int_equal(copy->line, row.line);
	assert_true(size <= sizeof *copy + bytes + 64);
	free(mem);
	src_close(&s);
}

int
main(void)
{
#define T_(f)	cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_reader_files),
		T_(test_reader_field_mapping),
		T_(test_reader_unnamed_columns_empty),
		T_(test_reader_missing_columns),
		T_(test_reader_kinds),
		T_(test_reader_nul_in_data),
		T_(test_reader_nul_event),
		T_(test_reader_time),
		T_(test_reader_time_longer),
		T_(test_reader_time_cache),
		T_(test_reader_time_each_byte),
		T_(test_reader_long_line),
		T_(test_reader_line_at_limit),
		T_(test_reader_line_just_over_limit),
		T_(test_reader_long_last_line),
		T_(test_reader_fast_path_equals_libcsv),
		T_(test_reader_fast_path_leaves_lines),
		T_(test_reader_receive_rows_skipped),
		T_(test_reader_quoted_fields_equal_libcsv),
		T_(test_reader_quotes_at_block_edges),
		T_(test_reader_quotes_past_field_62),
		T_(test_reader_rows_across_reads),
		T_(test_reader_later_fields_without_event),
		T_(test_reader_nul_in_session_id),
		T_(test_reader_nul_in_session_id_each_place),
		T_(test_reader_bad_rows_capped),
		T_(test_reader_libcsv_buffer_grows),
		T_(test_reader_level_changed_after_header),
		T_(test_reader_row_copy),
	};

	/* Skipped rows are warned about on stderr; they are counted anyway. */
	diag_set_quiet(1);
	return cmocka_run_group_tests_name("reader", tests, NULL, NULL);
}
