/*
 * test_ehlo.c: ehlo.h, SMTP reply lines and EHLO extension lists, in the
 * multi-row (2010/2013) and one-row (2016/2019) forms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ehlo.h"

/* ehlo.c before it was made faster, its functions prefixed plain_. */
#include "ehlo_plain.c"

#define NELEM(a)	(sizeof (a) / sizeof *(a))

/* The case being checked, named in the message when a check fails. */
static char where[256];

#define CHECK_INT(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (g_ != w_)							\
		print_error("%s: %s is %lld, want %lld\n", where, #got,	\
		    g_, w_);						\
	assert_int_equal(g_, w_);					\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (strcmp(g_, w_) != 0)					\
		print_error("%s: %s is \"%s\", want \"%s\"\n", where,	\
		    #got, g_, w_);					\
	assert_string_equal(g_, w_);					\
} while (0)

static int
feed(struct ehlo_reply *e, const char *s, int helo)
{
	return ehlo_feed(e, s, strlen(s), helo);
}

/* --- smtp_line_parse ---------------------------------------------------- */

static void
test_smtp_line_parse(void **state)
{
	static const struct {
		const char	*s;
		size_t		 len;	/* 0: strlen */
		int		 ret, code, more;
		const char	*text;
	} cases[] = {
		{ "250-x", 0, 0, 250, 1, "x" },
		{ "250 x", 0, 0, 250, 0, "x" },
		{ "250", 0, 0, 250, 0, "" },
		{ "250  two spaces", 0, 0, 250, 0, "two spaces" },
		{ "250-", 0, 0, 250, 1, "" },
		{ "220 2.0.0 SMTP server ready", 0, 0, 220, 0,
		  "2.0.0 SMTP server ready" },
		{ "554 5.7.1 No", 0, 0, 554, 0, "5.7.1 No" },
		{ "100 x", 0, 0, 100, 0, "x" },
		{ "599 x", 0, 0, 599, 0, "x" },
		{ "250-x", 3, 0, 250, 0, "" },	/* the length is honoured */
		{ "abc", 0, -1, -1, 0, NULL },
		{ "25", 0, -1, -1, 0, NULL },
		{ "", 0, -1, -1, 0, NULL },
		{ "250x", 0, -1, -1, 0, NULL },
		{ "2500", 0, -1, -1, 0, NULL },
		{ "25a x", 0, -1, -1, 0, NULL },
		{ "600 x", 0, -1, -1, 0, NULL },
		{ "099 x", 0, -1, -1, 0, NULL },
		{ " 250 x", 0, -1, -1, 0, NULL },
		{ "EHLO mail.contoso.com", 0, -1, -1, 0, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		struct smtp_line l;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].s);

		memset(&l, 0x55, sizeof l);
		snprintf(where, sizeof where, "case %zu \"%s\"", i,
		    cases[i].s);
		CHECK_INT(smtp_line_parse(cases[i].s, len, &l), cases[i].ret);
		CHECK_INT(l.code, cases[i].code);
		if (cases[i].ret == -1)
			continue;
		CHECK_INT(l.more, cases[i].more);
		CHECK_INT(l.textlen, strlen(cases[i].text));
		assert_memory_equal(l.text, cases[i].text, l.textlen);
		/* text points into s, after the code */
		assert_true(l.text >= cases[i].s + 3 &&
		    l.text <= cases[i].s + len);
	}
}

/* --- ehlo_feed ---------------------------------------------------------- */

#define MAXLINES	12

struct ehlo_case {
	const char	*name;
	int		 helo;
	const char	*lines[MAXLINES];	/* NULL-terminated */
	int		 code, nlines;
	const char	*greeting;
	const char	*keywords;		/* space-separated, in order */
	int		 starttls, placeholders, dropped;
};

static const struct ehlo_case ehlo_cases[] = {
	{ "2013 multi-row, STARTTLS offered", 0,
	  { "250-XX.mail.protection.outlook.com Hello [198.51.100.7]",
	    "250-SIZE 157286400", "250-PIPELINING", "250-DSN",
	    "250-ENHANCEDSTATUSCODES", "250-STARTTLS", "250-8BITMIME",
	    "250-BINARYMIME", "250-CHUNKING", "250 SMTPUTF8", NULL },
	  250, 10, "XX.mail.protection.outlook.com Hello [198.51.100.7]",
	  "SIZE PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS 8BITMIME "
	  "BINARYMIME CHUNKING SMTPUTF8", 1, 0, 0 },
	{ "2010 multi-row ending in XSHADOW", 0,
	  { "250-mbx02.contoso.com Hello [10.0.1.21]", "250-SIZE",
	    "250-PIPELINING", "250-STARTTLS", "250-X-ANONYMOUSTLS",
	    "250-XEXCH50", "250 XSHADOW", NULL },
	  250, 7, "mbx02.contoso.com Hello [10.0.1.21]",
	  "SIZE PIPELINING STARTTLS X-ANONYMOUSTLS XEXCH50 XSHADOW", 1, 0, 0 },
	{ "2016 one-row", 0,
	  { "250 host Hello [1.2.3.4] SIZE 37748736 PIPELINING DSN "
	    "ENHANCEDSTATUSCODES STARTTLS 8BITMIME BINARYMIME CHUNKING",
	    NULL },
	  250, 1, "host Hello [1.2.3.4]",
	  "SIZE PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS 8BITMIME "
	  "BINARYMIME CHUNKING", 1, 0, 0 },
	{ "receive log one-row, two spaces", 0,
	  { "250  host Hello [1.2.3.4] SIZE 37748736 PIPELINING DSN "
	    "ENHANCEDSTATUSCODES STARTTLS 8BITMIME BINARYMIME CHUNKING",
	    NULL },
	  250, 1, "host Hello [1.2.3.4]",
	  "SIZE PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS 8BITMIME "
	  "BINARYMIME CHUNKING", 1, 0, 0 },
	{ "one-row, 'at your service' greeting", 0,
	  { "250 mx2.example.org at your service, [203.0.113.5] SIZE 1000 "
	    "STARTTLS", NULL },
	  250, 1, "mx2.example.org at your service, [203.0.113.5]",
	  "SIZE STARTTLS", 1, 0, 0 },
	{ "one-row, sendmail greeting", 0,
	  { "250 mx.example.com Hello mail.contoso.com [198.51.100.7], "
	    "pleased to meet you ENHANCEDSTATUSCODES PIPELINING 8BITMIME "
	    "SIZE 20000000 DSN ETRN DELIVERBY HELP", NULL },
	  250, 1, "mx.example.com Hello mail.contoso.com [198.51.100.7], "
	  "pleased to meet you",
	  "ENHANCEDSTATUSCODES PIPELINING 8BITMIME SIZE DSN ETRN DELIVERBY "
	  "HELP", 0, 0, 0 },
	{ "one-row reduced (block list): only SIZE", 0,
	  { "250 XX.mail.protection.outlook.com Hello [198.51.100.9] SIZE "
	    "157286400", NULL },
	  250, 1, "XX.mail.protection.outlook.com Hello [198.51.100.9]",
	  "SIZE", 0, 0, 0 },
	{ "one-row, OK and HELP (reference example)", 0,
	  { "250 mx.example.com Hello [1.2.3.4] SIZE 1000000 HELP "
	    "ENHANCEDSTATUSCODES OK", NULL },
	  250, 1, "mx.example.com Hello [1.2.3.4]",
	  "SIZE HELP ENHANCEDSTATUSCODES", 0, 0, 0 },
	{ "one-row, greeting only", 0,
	  { "250 mx.example.com Hello [1.2.3.4]", NULL },
	  250, 1, "mx.example.com Hello [1.2.3.4]", "", 0, 0, 0 },
	{ "one-row, bare host name", 0,
	  { "250 mx.example.com", NULL },
	  250, 1, "mx.example.com", "", 0, 0, 0 },
	{ "one-row, unknown keywords after [ip]", 0,
	  { "250 mx.example.com Hello [1.2.3.4] XFOO X-BAR", NULL },
	  250, 1, "mx.example.com Hello [1.2.3.4]", "XFOO X-BAR", 0, 0, 0 },
	{ "one-row, AUTH and X-EXPS parameters", 0,
	  { "250 mail.fabrikam.com Hello [198.51.100.7] SIZE 36700160 "
	    "PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS X-ANONYMOUSTLS "
	    "AUTH NTLM LOGIN X-EXPS GSSAPI NTLM 8BITMIME BINARYMIME CHUNKING "
	    "XRDST", NULL },
	  250, 1, "mail.fabrikam.com Hello [198.51.100.7]",
	  "SIZE PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS X-ANONYMOUSTLS "
	  "AUTH X-EXPS 8BITMIME BINARYMIME CHUNKING XRDST", 1, 0, 0 },
	{ "multi-row, AUTH and X-EXPS parameters, AUTH=LOGIN", 0,
	  { "250-mail.fabrikam.com Hello [198.51.100.7]",
	    "250-AUTH NTLM LOGIN", "250-AUTH=LOGIN", "250-X-EXPS GSSAPI NTLM",
	    "250 XRDST", NULL },
	  250, 5, "mail.fabrikam.com Hello [198.51.100.7]",
	  "AUTH X-EXPS XRDST", 0, 0, 0 },
	{ "one-row, AUTH=LOGIN deduplicated", 0,
	  { "250 mx.example.net Hello [1.2.3.4] AUTH LOGIN PLAIN AUTH=LOGIN "
	    "PLAIN SIZE 1000", NULL },
	  250, 1, "mx.example.net Hello [1.2.3.4]", "AUTH SIZE", 0, 0, 0 },
	{ "multi-row, lower case keywords", 0,
	  { "250-mx.example.net", "250-size 1000", "250-starttls",
	    "250-Pipelining", "250 8bitmime", NULL },
	  250, 5, "mx.example.net", "SIZE STARTTLS PIPELINING 8BITMIME",
	  1, 0, 0 },
	{ "one-row, lower case keywords", 0,
	  { "250 mx.example.net Hello [1.2.3.4] size 1000 starttls 8bitmime",
	    NULL },
	  250, 1, "mx.example.net Hello [1.2.3.4]", "SIZE STARTTLS 8BITMIME",
	  1, 0, 0 },
	{ "multi-row, firewall placeholder", 0,
	  { "250-mx.example.com Hello [198.51.100.7]", "250-SIZE 10240000",
	    "250-XXXXXXXA", "250-PIPELINING", "250 8BITMIME", NULL },
	  250, 5, "mx.example.com Hello [198.51.100.7]",
	  "SIZE XXXXXXXA PIPELINING 8BITMIME", 0, 1, 0 },
	{ "one-row, firewall placeholders", 0,
	  { "250 mx.example.com Hello [198.51.100.7] XXXXXXXA SIZE 10240000 "
	    "XXXXXXXB 8BITMIME", NULL },
	  250, 1, "mx.example.com Hello [198.51.100.7]",
	  "XXXXXXXA SIZE XXXXXXXB 8BITMIME", 0, 2, 0 },
	{ "one-row, starttls.example.com as host name", 0,
	  { "250 starttls.example.com Hello [1.2.3.4] SIZE 1000 PIPELINING",
	    NULL },
	  250, 1, "starttls.example.com Hello [1.2.3.4]", "SIZE PIPELINING",
	  0, 0, 0 },
	{ "one-row, starttls.example.com inside the greeting", 0,
	  { "250 mx.example.com Hello starttls.example.com [1.2.3.4] SIZE 1000",
	    NULL },
	  250, 1, "mx.example.com Hello starttls.example.com [1.2.3.4]",
	  "SIZE", 0, 0, 0 },
	{ "one-row, starttls.example.com only", 0,
	  { "250 starttls.example.com", NULL },
	  250, 1, "starttls.example.com", "", 0, 0, 0 },
	{ "multi-row, starttls.example.com greeting", 0,
	  { "250-starttls.example.com Hello [1.2.3.4]", "250 SIZE 1000",
	    NULL },
	  250, 2, "starttls.example.com Hello [1.2.3.4]", "SIZE", 0, 0, 0 },
	{ "one-row, other *TLS keywords are not STARTTLS", 0,
	  { "250 mbx02.contoso.com Hello [10.0.1.21] SIZE X-ANONYMOUSTLS "
	    "REQUIRETLS XFIPS", NULL },
	  250, 1, "mbx02.contoso.com Hello [10.0.1.21]",
	  "SIZE X-ANONYMOUSTLS REQUIRETLS XFIPS", 0, 0, 0 },
	{ "one-row, a host name that is also a keyword", 0,
	  { "250 dsn Hello [1.2.3.4] SIZE 1000", NULL },
	  250, 1, "dsn Hello [1.2.3.4]", "SIZE", 0, 0, 0 },
	{ "HELO reply: all greeting, no keywords", 1,
	  { "250 mx.example.com Hello [198.51.100.7]", NULL },
	  250, 1, "mx.example.com Hello [198.51.100.7]", "", 0, 0, 0 },
	{ "HELO reply that names STARTTLS: still no keywords", 1,
	  { "250 mx.example.com Hello [198.51.100.7] SIZE 1000 STARTTLS",
	    NULL },
	  250, 1, "mx.example.com Hello [198.51.100.7] SIZE 1000 STARTTLS",
	  "", 0, 0, 0 },
	{ "500: EHLO refused", 0,
	  { "500 5.5.1 Command unrecognized", NULL },
	  500, 1, "5.5.1 Command unrecognized", "", 0, 0, 0 },
	{ "multi-row 5xx reply", 0,
	  { "554-mx.example.com", "554 STARTTLS not for you", NULL },
	  554, 2, "mx.example.com", "", 0, 0, 0 },
	{ "long keyword cut to EHLO_KEYWORD_MAX - 1", 0,
	  { "250-mx", "250 ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", NULL },
	  250, 2, "mx", "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234", 0, 0, 0 },
};

/* The keywords of e, space-separated. */
static void
join_keywords(const struct ehlo_reply *e, char *buf, size_t bufsz)
{
	size_t n = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < e->nkeywords; k++)
		n += (size_t)snprintf(buf + n, bufsz - n, "%s%s",
		    k > 0 ? " " : "", e->keywords[k]);
	assert_true(n < bufsz);
}

static void
test_ehlo_feed_table(void **state)
{
	char kw[EHLO_MAX_KEYWORDS * EHLO_KEYWORD_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(ehlo_cases); i++) {
		const struct ehlo_case *c = &ehlo_cases[i];
		struct ehlo_reply e;
		int j, k;

		snprintf(where, sizeof where, "case %zu (%s)", i, c->name);
		ehlo_init(&e);
		for (j = 0; c->lines[j] != NULL; j++) {
			int last = c->lines[j + 1] == NULL;

			CHECK_INT(feed(&e, c->lines[j], c->helo), last);
			CHECK_INT(e.done, last);
		}
		CHECK_INT(j, c->nlines);
		CHECK_INT(e.lines, c->nlines);
		CHECK_INT(e.code, c->code);
		CHECK_INT(e.helo, c->helo);
		CHECK_STR(e.greeting, c->greeting);
		join_keywords(&e, kw, sizeof kw);
		CHECK_STR(kw, c->keywords);
		CHECK_INT(e.starttls, c->starttls);
		CHECK_INT(ehlo_has(&e, "STARTTLS"), c->starttls);
		CHECK_INT(e.placeholders, c->placeholders);
		CHECK_INT(e.dropped, c->dropped);
		for (k = 0; k < e.nkeywords; k++)
			assert_true(ehlo_has(&e, e.keywords[k]));
	}
}

static void
test_ehlo_init(void **state)
{
	struct ehlo_reply e;

	(void)state;
	memset(&e, 0x7f, sizeof e);
	ehlo_init(&e);
	assert_int_equal(e.code, -1);
	assert_int_equal(e.lines, 0);
	assert_int_equal(e.done, 0);
	assert_int_equal(e.nkeywords, 0);
	assert_int_equal(e.starttls, 0);
	assert_string_equal(e.greeting, "");
	assert_false(ehlo_has(&e, "SIZE"));
}

/* A row that is not a reply line is ignored: nothing changes. */
static void
test_ehlo_feed_not_a_reply(void **state)
{
	static const char *const junk[] = { "abc", "25", "", "250x", "EHLO x" };
	struct ehlo_reply e;
	size_t i;

	(void)state;
	ehlo_init(&e);
	assert_int_equal(feed(&e, "250-mx.example.com Hello [1.2.3.4]", 0),
	    0);
	for (i = 0; i < NELEM(junk); i++)
		assert_int_equal(feed(&e, junk[i], 0), -1);
	assert_int_equal(e.lines, 1);
	assert_int_equal(e.done, 0);
	assert_int_equal(e.code, 250);
	assert_int_equal(feed(&e, "250 STARTTLS", 0), 1);
	assert_int_equal(e.lines, 2);
	assert_int_equal(e.nkeywords, 1);
	assert_true(e.starttls);
	assert_string_equal(e.greeting, "mx.example.com Hello [1.2.3.4]");
}

/* ehlo_has wants the upper-case keyword; SIZE's parameter is no keyword. */
static void
test_ehlo_has(void **state)
{
	const char *s = "250 mx.example.com Hello [1.2.3.4] SIZE 1000 STARTTLS";
	struct ehlo_reply e;

	(void)state;
	ehlo_init(&e);
	assert_int_equal(feed(&e, s, 0), 1);
	assert_true(ehlo_has(&e, "SIZE"));
	assert_true(ehlo_has(&e, "STARTTLS"));
	assert_false(ehlo_has(&e, "1000"));
	assert_false(ehlo_has(&e, "PIPELINING"));
	assert_false(ehlo_has(&e, "START"));
	assert_false(ehlo_has(&e, "STARTTLSX"));
}

/* More than EHLO_MAX_KEYWORDS keywords: the rest are counted as dropped. */
static void
test_ehlo_keyword_cap(void **state)
{
	char line[64];
	struct ehlo_reply e;
	int i, n = EHLO_MAX_KEYWORDS + 9;

	(void)state;
	ehlo_init(&e);
	assert_int_equal(feed(&e, "250-mx.example.com", 0), 0);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof line, "250%cXK%02d",
		    i == n - 1 ? ' ' : '-', i);
		assert_int_equal(feed(&e, line, 0), i == n - 1);
	}
	assert_int_equal(e.nkeywords, EHLO_MAX_KEYWORDS);
	assert_int_equal(e.dropped, 9);
	assert_string_equal(e.keywords[0], "XK00");
	assert_string_equal(e.keywords[EHLO_MAX_KEYWORDS - 1], "XK31");
	assert_true(ehlo_has(&e, "XK31"));
	assert_false(ehlo_has(&e, "XK32"));
	/* duplicates of kept keywords are not "dropped" */
	ehlo_init(&e);
	assert_int_equal(feed(&e, "250-mx.example.com", 0), 0);
	for (i = 0; i < EHLO_MAX_KEYWORDS; i++) {
		snprintf(line, sizeof line, "250-XK%02d", i);
		assert_int_equal(feed(&e, line, 0), 0);
	}
	assert_int_equal(feed(&e, "250 XK05", 0), 1);
	assert_int_equal(e.nkeywords, EHLO_MAX_KEYWORDS);
	assert_int_equal(e.dropped, 0);
}

/* The same in the one-row form. */
static void
test_ehlo_keyword_cap_one_row(void **state)
{
	char line[1024];
	struct ehlo_reply e;
	size_t n;
	int i;

	(void)state;
	n = (size_t)snprintf(line, sizeof line,
	    "250 mx.example.com Hello [1.2.3.4] SIZE 1000");
	for (i = 0; i < 39; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, " XK%02d", i);
	assert_true(n < sizeof line);
	ehlo_init(&e);
	assert_int_equal(ehlo_feed(&e, line, n, 0), 1);
	assert_string_equal(e.greeting, "mx.example.com Hello [1.2.3.4]");
	assert_int_equal(e.nkeywords, EHLO_MAX_KEYWORDS);
	assert_int_equal(e.dropped, 40 - EHLO_MAX_KEYWORDS);
	assert_string_equal(e.keywords[0], "SIZE");
	assert_string_equal(e.keywords[EHLO_MAX_KEYWORDS - 1], "XK30");
}

/*
 * A remote that lists STARTTLS after more than EHLO_MAX_KEYWORDS other
 * extensions still offers STARTTLS; the keyword cap bounds memory, it
 * must not change what the remote offered (session.starttls_offered is
 * built from this flag, and a lost STARTTLS is a false "no STARTTLS").
 */
static void
test_ehlo_starttls_past_cap(void **state)
{
	char line[64];
	struct ehlo_reply e;
	int i;

	(void)state;
	ehlo_init(&e);
	assert_int_equal(feed(&e, "250-mx.example.com", 0), 0);
	for (i = 0; i < EHLO_MAX_KEYWORDS; i++) {
		snprintf(line, sizeof line, "250-XK%02d", i);
		assert_int_equal(feed(&e, line, 0), 0);
	}
	assert_int_equal(feed(&e, "250 STARTTLS", 0), 1);
	assert_int_equal(e.dropped, 1);
	assert_int_equal(e.starttls, 1);
}

/* --- ehlo_host_name, smtp_text_masked ----------------------------------- */

static void
test_ehlo_host_name(void **state)
{
	static const struct {
		const char	*text;
		size_t		 bufsz;
		const char	*want;	/* NULL: no name */
	} cases[] = {
		{ "XX.mail.protection.outlook.com Microsoft ESMTP MAIL Service "
		  "ready at Fri, 6 Dec 2013 21:54:51 +0000", 256,
		  "XX.mail.protection.outlook.com" },
		{ "mx.example.com", 256, "mx.example.com" },
		{ "mx_1.example-2.org ESMTP", 256, "mx_1.example-2.org" },
		{ "mx.example.com Hello [198.51.100.7]", 64, "mx.example.com" },
		{ "MX01", 256, "MX01" },
		{ "****************************", 256, NULL },
		{ "******** *****", 256, NULL },
		{ "*mx.example.com", 256, NULL },
		{ "", 256, NULL },
		{ " mx.example.com", 256, NULL },
		{ "...", 256, NULL },
		{ "[198.51.100.7]", 256, NULL },
		{ "mx.example.com, ready", 256, NULL },
		{ "h\xc3\xa9.example", 256, NULL },
		{ "mx.example.com ready", 15, "mx.example.com" },
		{ "mx.example.com ready", 14, NULL },	/* does not fit */
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		char buf[256];
		char *ret;

		snprintf(where, sizeof where, "case %zu \"%s\"", i,
		    cases[i].text);
		memset(buf, 'Z', sizeof buf);
		ret = ehlo_host_name(cases[i].text, strlen(cases[i].text), buf,
		    cases[i].bufsz);
		if (cases[i].want == NULL) {
			if (ret != NULL)
				print_error("%s: got \"%s\", want NULL\n",
				    where, ret);
			assert_null(ret);
			continue;
		}
		if (ret == NULL)
			print_error("%s: got NULL\n", where);
		assert_ptr_equal(ret, buf);
		CHECK_STR(buf, cases[i].want);
	}
}

/* The length bounds the name, not a NUL. */
static void
test_ehlo_host_name_length(void **state)
{
	char buf[64];

	(void)state;
	assert_ptr_equal(ehlo_host_name("mx.example.comXYZ", 14, buf,
	    sizeof buf), buf);
	assert_string_equal(buf, "mx.example.com");
	assert_null(ehlo_host_name("mx.example.com", 0, buf, sizeof buf));
}

static void
test_smtp_text_masked(void **state)
{
	static const struct {
		const char	*text;
		int		 want;
	} cases[] = {
		{ "******************", 1 },
		{ "***", 1 },
		{ "**", 0 },
		{ "a**b", 0 },
		{ "* * * *", 0 },
		{ "", 0 },
		{ "mx.example.com Microsoft ESMTP MAIL Service ready", 0 },
		{ "mx.example.com ****** ready", 1 },
		{ "**** ** ****", 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		snprintf(where, sizeof where, "case %zu \"%s\"", i,
		    cases[i].text);
		CHECK_INT(smtp_text_masked(cases[i].text,
		    strlen(cases[i].text)), cases[i].want);
	}
	/* the length is honoured */
	assert_int_equal(smtp_text_masked("ab***", 4), 0);
}

/*
 * Every row of up to 5 bytes over bytes around the digits, the
 * separators and the top bit, split by smtp_line_parse() (its codes read
 * as one word) and by the straightforward version: the same.  Each row is
 * put at the end of its buffer, so that a read past it would be seen by
 * the sanitizers.
 */
static void
test_smtp_line_parse_same_as_plain(void **state)
{
	static const char bytes[] = {
		'0', '1', '2', '4', '5', '6', '9', '/', ':', ' ', '-', '\0',
		'\x7f', '\x80', '\xb0', '\xb5', '\xff', 'a', 'P', '\x01',
	};
	const size_t nb = sizeof bytes;
	struct smtp_line la, lb;
	char buf[5];
	size_t len, i, k, n, total;
	int ra, rb;

	(void)state;
	for (len = 0; len <= 5; len++) {
		for (total = 1, k = 0; k < len; k++)
			total *= nb;
		for (n = 0; n < total; n++) {
			char *row = buf + sizeof buf - len;

			for (i = 0, k = n; i < len; i++, k /= nb)
				row[i] = bytes[k % nb];
			snprintf(where, sizeof where, "row of %zu bytes, "
			    "number %zu", len, n);
			ra = smtp_line_parse(row, len, &la);
			rb = plain_smtp_line_parse(row, len, &lb);
			CHECK_INT(ra, rb);
			CHECK_INT(la.code, lb.code);
			if (ra == 0) {
				CHECK_INT(la.more, lb.more);
				assert_ptr_equal(la.text, lb.text);
				CHECK_INT(la.textlen, lb.textlen);
			}
		}
	}
}

/* --- the same as the straightforward version --------------------------- */

static unsigned long rnd_state = 4242;

static size_t
rnd(size_t n)
{
	rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
	return (size_t)(rnd_state >> 33) % n;
}

/*
 * A random reply row: a code (mostly good), a separator, then words
 * that are keywords or look like them, parameters, greeting words, junk
 * bytes, with one or two spaces between.  A word may be put in lower or
 * mixed case.  Some rows have more words than a reply has keyword slots.
 */
static size_t
random_row(char *buf, size_t size)
{
	static const char *const codes[] = {
		"250", "250", "250", "220", "500", "554", "150", "650", "25",
		"2x0", "", "099", "5", "421",
	};
	static const char *const seps[] = { " ", "-", "-", "  ", "", "x" };
	static const char *const words[] = {
		"STARTTLS", "starttls", "StartTls", "STARTTLSX", "8BITMIME",
		"8bitmime", "SIZE", "SIZE=1000", "size", "1000", "157286400",
		"AUTH", "LOGIN", "login", "NTLM", "GSSAPI", "X-EXPS", "OK",
		"ok", "Ok", "O", "PIPELINING", "DSN", "dsn", "CHUNKING",
		"XXXXXXXA", "xxxxxxxa", "XXXXA", "XXXX", "XXX", "X-ANONYMOUSTLS",
		"XSHADOWREQUEST", "XMSEXCH-INSPECTION", "mx.example.com",
		"Hello", "[198.51.100.7]", "[::1]", "[1.2.3.4],", "]", "]]",
		"-", "-a", "a-", "=", "=x", "a=b", "A-B=", "*", "***",
		"*****", "\xc3\xa9", "caf\xc3\xa9", "\x7f", "_", "a_b",
		"ENHANCEDSTATUSCODES", "SMTPUTF8", "smtputf8", "VRFY", "ETRN",
		"A012345678901234567890123456789012345678",
		"abcdefghijklmnopqrstuvwxyzABCDEF", "Z", "z", "9",
		/* every known keyword */
		"BINARYMIME", "DELIVERBY", "EXPN", "FUTURERELEASE", "HELP",
		"LIMITS", "MT-PRIORITY", "MTRK", "NO-SOLICITING", "REQUIRETLS",
		"VERB", "X-LINK2STATE", "X-MESSAGEROUTING", "XEXCH50", "XOORG",
		"XPROXY", "XPROXYFROM", "XPROXYTO", "XRDST", "XRSET",
		"XSHADOW", "XSYSPROBE", "XFIPS",
		/* near misses: one byte more or less, a shared start */
		"DS", "DSNX", "SIZ", "SIZES", "XPROX", "XSHADOWREQUES",
		"ENHANCEDSTATUSCODE", "ENHANCEDSTATUSCODESX", "S", "ST", "SI",
		"8BITMIMF", "STARTTLT", "XMSEXCH_INSPECTION", "MT_PRIORITY",
		/* every SASL name, and near misses */
		"ANONYMOUS", "CRAM-MD5", "DIGEST-MD5", "EXTERNAL", "KERBEROS_V4",
		"KERBEROS-V4", "OAUTHBEARER", "PLAIN", "SCRAM-SHA-1",
		"SCRAM-SHA-256", "XOAUTH2", "MSN", "MSNX", "PLAI", "LOGIN=x",
		"NTLM=", "GSSAPI-",
		/* parameters, '=' and '-' in odd places */
		"AUTH=LOGIN", "X-EXPS=GSSAPI", "XXXX=1", "XXX=", "XXXX-",
		"SIZE=", "SIZE==", "==", "-SIZE", "SIZE-", "SI-ZE=1", "STARTTLS=",
		"OK=", "O=K", "O-K", "9=", "1-2", "0", "00", "1a", "a1",
		"12345678901234567890123456789012345",
		/* digits and other bytes inside a word */
		"SIZE\t", "\t", "S\xc9ZE", "\xff", "SIZE_", "x]", "x],", "]x",
		"a]]b", "[x]]", "[]",
		/* 30, 31, 32 and 33 bytes: around EHLO_KEYWORD_MAX - 1 */
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ012346",
		"abcdefghijklmnopqrstuvwxyz01234=x",
		"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
		/* every letter at the start, middle and end of 8 bytes */
		"zyxwvutsrqponmlkjihgfedcba", "ZYXWVUTSRQPONMLKJIHGFEDCBA",
		"abcdefghijklmnopqrstuvwxyz", "0a-z9AZ-", "az-09-za",
		/* alike in their first bytes, or cut alike */
		"XA", "XB", "XAB", "XBA", "X1", "X-", "X-1", "AB", "AC", "A",
	};
	size_t n = 0, i, k, start, nwords = rnd(8) == 0 ? rnd(120) : rnd(12);
	int len;

	len = snprintf(buf, size, "%s%s", codes[rnd(NELEM(codes))],
	    seps[rnd(NELEM(seps))]);
	n = (size_t)len;
	for (k = 0; k < nwords && n < size; k++) {
		len = snprintf(buf + n, size - n, "%s", k > 0 &&
		    rnd(4) == 0 ? "  " : k > 0 ? " " : "");
		n += (size_t)len;
		if (n >= size)
			break;
		start = n;
		len = snprintf(buf + n, size - n, "%s",
		    words[rnd(NELEM(words))]);
		n += (size_t)len;
		/* Lower or mixed case now and then. */
		switch (rnd(6)) {
		case 0:
			for (i = start; i < n && i < size; i++)
				if (buf[i] >= 'A' && buf[i] <= 'Z')
					buf[i] += 'a' - 'A';
			break;
		case 1:
			for (i = start; i < n && i < size; i++)
				if (rnd(2) && ((buf[i] | 0x20) >= 'a' &&
				    (buf[i] | 0x20) <= 'z'))
					buf[i] ^= 0x20;
			break;
		}
	}
	if (n >= size)
		n = size - 1;
	if (rnd(16) == 0 && n + 1 < size) {	/* a trailing space */
		buf[n++] = ' ';
		buf[n] = '\0';
	}
	return n;
}

static void
check_same_reply(const struct ehlo_reply *a, const struct ehlo_reply *b)
{
	int k;

	CHECK_INT(a->code, b->code);
	CHECK_INT(a->helo, b->helo);
	CHECK_INT(a->done, b->done);
	CHECK_INT(a->lines, b->lines);
	CHECK_STR(a->greeting, b->greeting);
	CHECK_INT(a->nkeywords, b->nkeywords);
	for (k = 0; k < a->nkeywords; k++)
		CHECK_STR(a->keywords[k], b->keywords[k]);
	CHECK_INT(a->dropped, b->dropped);
	CHECK_INT(a->starttls, b->starttls);
	CHECK_INT(a->placeholders, b->placeholders);
}

/*
 * Replies of random rows, one-row and multi-row, EHLO and HELO, fed to
 * ehlo_feed() and to the straightforward version: the same results, row
 * by row.  So are smtp_line_parse(), smtp_text_masked() and
 * ehlo_host_name() on each row, and on each row cut short.
 */
static void
test_ehlo_same_as_plain(void **state)
{
	struct ehlo_reply a, b;
	struct smtp_line la, lb;
	char row[1024], ha[64], hb[64], *pa, *pb;
	size_t i, j, len, cut, nrows, skip, n;
	int helo, ra, rb;

	(void)state;
	for (i = 0; i < 20000; i++) {
		ehlo_init(&a);
		ehlo_init(&b);
		helo = rnd(5) == 0;
		/* Now and then more rows than keyword slots. */
		nrows = 1 + rnd(rnd(3) == 0 ? (rnd(4) == 0 ? 100 : 40) : 4);
		for (j = 0; j < nrows; j++) {
			len = random_row(row, sizeof row);
			snprintf(where, sizeof where, "reply %zu row %zu "
			    "\"%.200s\"", i, j, row);
			ra = ehlo_feed(&a, row, len, helo);
			rb = plain_ehlo_feed(&b, row, len, helo);
			CHECK_INT(ra, rb);
			check_same_reply(&a, &b);
			for (cut = len; cut + 3 > len && cut > 0; cut--) {
				ra = smtp_line_parse(row, cut, &la);
				rb = plain_smtp_line_parse(row, cut, &lb);
				CHECK_INT(ra, rb);
				CHECK_INT(la.code, lb.code);
				if (ra == 0) {
					CHECK_INT(la.more, lb.more);
					assert_ptr_equal(la.text, lb.text);
					CHECK_INT(la.textlen, lb.textlen);
				}
				CHECK_INT(smtp_text_masked(row, cut),
				    plain_smtp_text_masked(row, cut));
				/* The name after the code, if any. */
				skip = cut > 4 ? 4 : 0;
				pa = ehlo_host_name(row + skip, cut - skip, ha,
				    sizeof ha);
				pb = plain_ehlo_host_name(row + skip, cut - skip,
				    hb, sizeof hb);
				CHECK_INT(pa == NULL, pb == NULL);
				if (pa != NULL)
					CHECK_STR(ha, hb);
				/* The same name by its length alone. */
				n = ehlo_host_name_len(row + skip, cut - skip);
				if (pb != NULL)
					CHECK_INT(n, strlen(hb));
				else
					assert_true(n == 0 || n >= sizeof hb);
			}
		}
	}
}

/*
 * One-row replies whose keyword tails come again and again behind other
 * greetings, as in a log, so that ehlo.c keeps and reuses what it made
 * of a tail: the same results as the straightforward version.  Tails
 * are many more than the slots that keep them, some alike but in a byte,
 * some too long or with too many keywords to keep; after a reply, rows
 * of the multi-row form add keywords to it, which tells whether one
 * taken from a slot is known as there.
 */
static void
test_ehlo_tail_cache_same_as_plain(void **state)
{
	static const char *const firsts[] = {
		"SIZE", "size", "PIPELINING", "STARTTLS", "8BITMIME", "DSN",
		"XXXXXXXA", "xxxxA", "AUTH", "ENHANCEDSTATUSCODES", "Auth=x",
	};
	static const char *const greetings[] = {
		"mx.example.com Hello [198.51.100.7]", "mx2.example.com",
		"DB8PEPF0000E089.mail.protection.outlook.com Hello [1.2.3.4]",
		"host at your service, [ip]", "a", "***** ****", "x SIZE",
		"STARTTLS", "h  Hello  [::1]",
	};
	static char tails[300][600];
	struct ehlo_reply a, b;
	char row[1024], tmp[1024];
	size_t i, j, k, len, n, more;
	int ra, rb;

	(void)state;
	for (k = 0; k < NELEM(tails); k++) {
		/* A random row's words, behind a known keyword. */
		len = random_row(tmp, sizeof tmp);
		for (i = 0; i < len && tmp[i] != ' ' && tmp[i] != '-'; i++)
			;
		n = (size_t)snprintf(tails[k], sizeof tails[k], "%s %s",
		    firsts[rnd(NELEM(firsts))], i < len ? tmp + i + 1 : "");
		/* Every tenth alike but in its last byte, or one more. */
		if (k % 10 == 9) {
			memcpy(tails[k], tails[k - 1], sizeof tails[k]);
			n = strlen(tails[k]);
			if (rnd(2) && n + 1 < sizeof tails[k])
				tails[k][n++] = 'S';
			else
				tails[k][n - 1] ^= 1;
			tails[k][n] = '\0';
		}
	}
	for (i = 0; i < 40000; i++) {
		ehlo_init(&a);
		ehlo_init(&b);
		/* Most replies from a few tails, the others from all. */
		k = rnd(4) > 0 ? rnd(12) : rnd(NELEM(tails));
		len = (size_t)snprintf(row, sizeof row, "250%s%s %s",
		    rnd(4) == 0 ? "  " : " ", greetings[rnd(NELEM(greetings))],
		    tails[k]);
		if (len >= sizeof row)
			len = sizeof row - 1;
		snprintf(where, sizeof where, "reply %zu tail %zu \"%.200s\"",
		    i, k, row);
		ra = ehlo_feed(&a, row, len, 0);
		rb = plain_ehlo_feed(&b, row, len, 0);
		CHECK_INT(ra, rb);
		check_same_reply(&a, &b);
		for (more = rnd(4), j = 0; j < more; j++) {
			len = random_row(row, sizeof row);
			snprintf(where, sizeof where, "reply %zu tail %zu, row "
			    "%zu after \"%.200s\"", i, k, j, row);
			ra = ehlo_feed(&a, row, len, 0);
			rb = plain_ehlo_feed(&b, row, len, 0);
			CHECK_INT(ra, rb);
			check_same_reply(&a, &b);
		}
	}
}

/*
 * Multi-row replies of short rows (1 to 30 bytes), each reply's from one
 * family of rows alike but in one byte anywhere (its case, a space, an
 * "="), so that ehlo.c keeps and reuses what it made of a row and must
 * tell apart rows that are not the same, even when they meet in a slot:
 * the same results as the straightforward version.
 */
static void
test_ehlo_row_cache_same_as_plain(void **state)
{
	static const char bytes[] = "ABCDEFGHIJKLMNOPSTXZ0123456789-= a*";
	static char pool[64][40][32];
	struct ehlo_reply a, b;
	char row[64];
	size_t i, j, k, f, len, nrows, at;
	int ra, rb;

	(void)state;
	for (f = 0; f < NELEM(pool); f++) {
		len = 1 + (f < 30 ? f % 24 : rnd(30));
		for (i = 0; i < len; i++)
			pool[f][0][i] = bytes[rnd(sizeof bytes - 3)];
		pool[f][0][len] = '\0';
		for (k = 1; k < NELEM(pool[f]); k++) {
			memcpy(pool[f][k], pool[f][0], sizeof pool[f][k]);
			at = rnd(len);
			pool[f][k][at] = rnd(4) == 0 ?
			    (char)(pool[f][k][at] ^ 0x20) :
			    bytes[rnd(sizeof bytes - 1)];
			if (pool[f][k][at] == '\0')
				pool[f][k][at] = 'Q';
		}
	}
	for (i = 0; i < 40000; i++) {
		ehlo_init(&a);
		ehlo_init(&b);
		f = rnd(NELEM(pool));
		nrows = 2 + rnd(rnd(4) == 0 ? 40 : 12);
		for (j = 0; j < nrows; j++) {
			k = rnd(NELEM(pool[f]));
			len = (size_t)snprintf(row, sizeof row, "250%c%s",
			    j + 1 < nrows ? '-' : ' ', j == 0 ? "mx Hello [ip]" :
			    pool[f][k]);
			snprintf(where, sizeof where, "reply %zu row %zu "
			    "\"%s\"", i, j, row);
			ra = ehlo_feed(&a, row, len, 0);
			rb = plain_ehlo_feed(&b, row, len, 0);
			CHECK_INT(ra, rb);
			check_same_reply(&a, &b);
		}
	}
}

/*
 * One-row replies that come again and again, byte for byte, as a server
 * sends the same row to every session, so that ehlo.c keeps where it
 * split each and reuses it: the same results as the straightforward
 * version.  Rows are more than the slots that keep them; some alike but
 * in a byte, at the start, in the middle or at the end, which may move
 * the split ("SIZE" or "SIZF" after the name), or not; some too short or
 * too long to keep.
 */
static void
test_ehlo_split_cache_same_as_plain(void **state)
{
	static const char *const names[] = {
		"AM2PEPF00003D87.mail.protection.outlook.com",
		"AM2PEPF0000B6C0.mail.protection.outlook.com",
		"mail.adatum.com", "mail.fabrikam.com", "mx", "x", "*****",
	};
	static const char *const middles[] = {
		" Hello [198.51.100.8]", " Hello [198.51.100.9]", "", " ESMTP",
		" SIZF 10", " at your service, [ip]",
	};
	static const char *const tails[] = {
		" SIZE 36700160 PIPELINING DSN STARTTLS 8BITMIME",
		" SIZE 36700160 PIPELINING DSN AUTH NTLM 8BITMIME",
		" SIZE 36700160 PIPELINING DSN STARTTLS 8BITMIMF",
		" PIPELINING", " XXXXXXXA SIZE", "", " Auth=x",
		" SIZE 157286400 PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS "
		"8BITMIME BINARYMIME CHUNKING SMTPUTF8 XRDST XEXCH50 XSHADOW",
	};
	static char rows[400][400];
	struct ehlo_reply a, b;
	size_t nrows[NELEM(rows)];
	char row[1024];
	size_t i, k, len, n, pos;
	int ra, rb;

	(void)state;
	for (k = 0; k < NELEM(rows); k++) {
		n = (size_t)snprintf(rows[k], sizeof rows[k], "250 %s%s%s",
		    names[rnd(NELEM(names))], middles[rnd(NELEM(middles))],
		    tails[rnd(NELEM(tails))]);
		/* Every fifth alike to the one before but in a byte. */
		if (k % 5 == 4 && nrows[k - 1] > 4) {
			memcpy(rows[k], rows[k - 1], sizeof rows[k]);
			n = nrows[k - 1];
			pos = 4 + rnd(n - 4);
			switch (rnd(3)) {
			case 0:
				pos = 4 + rnd(n - 4 < 12 ? n - 4 : 12);
				break;
			case 1:
				pos = n - 1 - rnd(n - 4 < 8 ? n - 4 : 8);
				break;
			default:
				break;
			}
			rows[k][pos] = rows[k][pos] == ' ' ? 'S' :
			    (char)(rows[k][pos] ^ 1);
		}
		nrows[k] = n;
	}
	for (i = 0; i < 60000; i++) {
		ehlo_init(&a);
		ehlo_init(&b);
		/* Most replies from a few rows, the others from all. */
		k = rnd(4) > 0 ? rnd(40) : rnd(NELEM(rows));
		len = nrows[k];
		memcpy(row, rows[k], len);
		snprintf(where, sizeof where, "reply %zu row %zu \"%.200s\"",
		    i, k, rows[k]);
		ra = ehlo_feed(&a, row, len, 0);
		rb = plain_ehlo_feed(&b, row, len, 0);
		CHECK_INT(ra, rb);
		check_same_reply(&a, &b);
	}
	/*
	 * Rows of one length alike but in a byte, which splits them apart
	 * or not ("SIZE" is a keyword, "SIZF" none), a byte that a hash of
	 * a few words of a row may well not look at: a slot holds one of
	 * them or another row, never what is told of the other.
	 */
	for (i = 0; i < 60000; i++) {
		ehlo_init(&a);
		ehlo_init(&b);
		len = (size_t)snprintf(row, sizeof row, "250 mail%03zu.example."
		    "com Hel SIZ%c 123456789", rnd(40), rnd(2) ? 'E' : 'F');
		snprintf(where, sizeof where, "reply %zu \"%.200s\"", i, row);
		ra = ehlo_feed(&a, row, len, 0);
		rb = plain_ehlo_feed(&b, row, len, 0);
		CHECK_INT(ra, rb);
		check_same_reply(&a, &b);
	}
}

/*
 * Banners that come again and again, as each server sends its own to
 * every session, so that ehlo.c keeps the names it found and reuses
 * them: the same names as the straightforward version.  Names are more
 * than the slots that keep them, and some banners begin as another's
 * name does but go on with more of a name ("mx1.example.comX"), or a
 * byte no name has, or stop at its end; some are masked.
 */
static void
test_ehlo_host_name_cache_same_as_plain(void **state)
{
	static const char *const afters[] = {
		" Microsoft ESMTP MAIL Service ready at Mon, 2 Nov 2026",
		"X Microsoft ESMTP MAIL Service ready", "-x ESMTP", ".org ESMTP",
		"/x ESMTP", "_ ready", "", " ", "\tESMTP",
	};
	static const char *const firsts[] = {
		"mail", "AM2PEPF0000", "mx", "***", "-", "_a", "1",
	};
	char text[256], ha[256], hb[256];
	const char *pa, *pb;
	size_t i, len, n;

	(void)state;
	for (i = 0; i < 100000; i++) {
		/* Most from a few names, the others from many. */
		n = rnd(4) > 0 ? rnd(20) : rnd(400);
		len = (size_t)snprintf(text, sizeof text, "%s%zu.example.com%s",
		    firsts[n % NELEM(firsts)], n, rnd(3) > 0 ? afters[0] :
		    afters[rnd(NELEM(afters))]);
		snprintf(where, sizeof where, "text %zu \"%.200s\"", i, text);
		pa = ehlo_host_name(text, len, ha, sizeof ha);
		pb = plain_ehlo_host_name(text, len, hb, sizeof hb);
		CHECK_INT(pa == NULL, pb == NULL);
		if (pa != NULL)
			CHECK_STR(ha, hb);
		n = ehlo_host_name_len(text, len);
		CHECK_INT(n, pb != NULL ? strlen(hb) : 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smtp_line_parse),
		cmocka_unit_test(test_smtp_line_parse_same_as_plain),
		cmocka_unit_test(test_ehlo_init),
		cmocka_unit_test(test_ehlo_feed_table),
		cmocka_unit_test(test_ehlo_feed_not_a_reply),
		cmocka_unit_test(test_ehlo_has),
		cmocka_unit_test(test_ehlo_keyword_cap),
		cmocka_unit_test(test_ehlo_keyword_cap_one_row),
		cmocka_unit_test(test_ehlo_starttls_past_cap),
		cmocka_unit_test(test_ehlo_host_name),
		cmocka_unit_test(test_ehlo_host_name_length),
		cmocka_unit_test(test_ehlo_host_name_cache_same_as_plain),
		cmocka_unit_test(test_smtp_text_masked),
		cmocka_unit_test(test_ehlo_same_as_plain),
		cmocka_unit_test(test_ehlo_tail_cache_same_as_plain),
		cmocka_unit_test(test_ehlo_row_cache_same_as_plain),
		cmocka_unit_test(test_ehlo_split_cache_same_as_plain),
	};

	return cmocka_run_group_tests_name("ehlo", tests, NULL, NULL);
}
