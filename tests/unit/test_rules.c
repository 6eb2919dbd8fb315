/*
 * test_rules.c: rules.h, the tls-required-no-starttls rule, on sessions
 * built by feeding rows through a session table; each row is shown to
 * rules_observe_row() and each closed session to rules_eval().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "finding.h"
#include "logtime.h"
#include "reader.h"
#include "rules.h"
#include "session.h"

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

#define CHECK_TRUE(c) do {						\
	if (!(c))							\
		print_error("%s: not true: %s\n", where, #c);		\
	assert_true(c);							\
} while (0)

static const char FOLDER[] = "mbx01";
static const char FILE1[] = "mbx01/SEND20190321-1.LOG";

#define ID	"08D6A8D416004F77"
#define ID2	"08D6A8D416004F78"
#define BASE_MS	INT64_C(1553173266525)

/* The texts Exchange writes (the context of a '*' row). */
#define CONNECTOR_TEXT	"Connector is configured to send mail only over TLS " \
			"connections and remote doesn't support TLS"
#define CONNECTOR_TEXT_U2019 "Connector is configured to send mail only " \
			"over TLS connections and remote doesn\xE2\x80\x99t " \
			"support TLS"
#define DROP_TEXT	"Drop connection because TLS configuration requires " \
			"TLS before MailFrom command and could not achieve " \
			"it, check connection authentication setting or " \
			"remote capabilities"
#define SECURE_TEXT	"Message to secure domain 'fabrikam.com' on send " \
			"connector 'X' failed because TLS was not offered ."
#define SECURE_HELO_TEXT "Message to secure domain 'fabrikam.com' on send " \
			"connector 'Domain Secure to Fabrikam' failed " \
			"because TLS was not offered on HELO"
#define TLS_UP		"TLS protocol SP_PROT_TLS1_2_CLIENT negotiation " \
			"succeeded using bulk encryption algorithm " \
			"CALG_AES_256 with strength 256 bits, MAC hash " \
			"algorithm CALG_SHA_384 with strength 0 bits and " \
			"key exchange algorithm CALG_ECDH_EPHEM with " \
			"strength 384 bits"

/* --- what rules_eval emitted -------------------------------------------- */

struct got {
	int		 n;		/* findings */
	char		 rule[64];
	enum severity	 severity;
	char		 message[1024];
	int		 has_hint;
	char		 hint[2048];
	char		 session[64];
	char		 last_evidence[SESSION_TEXT_MAX + 1];
};

static struct got got[4];
static int nsessions;

/* What a test has in use, freed by the teardown when it fails. */
static struct session_table *live_t;
static struct rules *live_r;
static int tearing_down;

static void
emit(const struct finding *f, const struct session *s, void *arg)
{
	struct got *g = arg;

	assert_non_null(f);
	assert_non_null(f->rule);
	assert_non_null(f->message);
	g->n++;
	snprintf(g->rule, sizeof g->rule, "%s", f->rule);
	g->severity = f->severity;
	snprintf(g->message, sizeof g->message, "%s", f->message);
	g->has_hint = f->hint != NULL;
	snprintf(g->hint, sizeof g->hint, "%s", f->hint ? f->hint : "");
	snprintf(g->session, sizeof g->session, "%s", s->id);
	assert_null(strchr(f->message, '\n'));
}

static void
on_close(struct session *s, void *arg)
{
	struct rules *r = arg;
	struct got *g;

	if (tearing_down)
		return;
	assert_true(nsessions < (int)NELEM(got));
	g = &got[nsessions++];
	memset(g, 0, sizeof *g);
	if (s->nevidence > 0)
		snprintf(g->last_evidence, sizeof g->last_evidence, "%s",
		    s->evidence[s->nevidence - 1].text);
	rules_eval(r, s, emit, g);
}

/*
 * --- rows by hand --------------------------------------------------------
 * drv_init() passes rules_new() a config on its stack: rules.h says the
 * config is copied, and every case relies on it.
 */

struct step {
	char		 event;
	const char	*data;
	const char	*context;
};

/* These cases are about tls-required-no-starttls: run it alone. */
static const char *const only_rule[] = { "tls-required-no-starttls" };

struct drv {
	struct session_table	*t;
	struct rules		*rules;
	const char		*connector;
	unsigned long		 line;
	int64_t			 time;
	char			 tbuf[LOGTIME_BUFSZ];
};

static void
drv_init(struct drv *d, const char *const *require, size_t nrequire,
    const char *connector)
{
	struct rules_config cfg;
	char err[512];

	memset(d, 0, sizeof *d);
	memset(&cfg, 0, sizeof cfg);
	memset(got, 0, sizeof got);
	nsessions = 0;
	cfg.require_tls = require;
	cfg.nrequire_tls = nrequire;
	cfg.only = only_rule;
	cfg.nonly = 1;
	d->rules = rules_new(&cfg, err, sizeof err);
	if (d->rules == NULL)
		fail_msg("rules_new: %s", err);
	d->t = sessions_new(on_close, d->rules);
	live_t = d->t;
	live_r = d->rules;
	d->connector = connector;
	d->time = BASE_MS;
}

static void
drv_free(struct drv *d)
{
	sessions_free(d->t);
	rules_free(d->rules);
	live_t = NULL;
	live_r = NULL;
}

static int
teardown(void **state)
{
	(void)state;
	tearing_down = 1;
	sessions_free(live_t);
	rules_free(live_r);
	live_t = NULL;
	live_r = NULL;
	tearing_down = 0;
	return 0;
}

static void
set_field(struct field *f, const char *s)
{
	f->p = s;
	f->len = strlen(s);
}

static void
feed(struct drv *d, const char *id, const struct step *st)
{
	struct row row;
	struct session *s;
	char seq[24];

	memset(&row, 0, sizeof row);
	/* Rising in every session, never 0: no row begins one again. */
	snprintf(seq, sizeof seq, "%lu", d->line + 1);
	row.file = FILE1;
	row.line = ++d->line;
	row.time = d->time;
	d->time += 10;
	set_field(&row.date_time, logtime_format(row.time, d->tbuf));
	set_field(&row.connector, d->connector);
	set_field(&row.session_id, id);
	set_field(&row.sequence, seq);
	set_field(&row.local, "10.0.0.5:51234");
	set_field(&row.remote, "104.47.1.2:25");
	row.event = st->event;
	set_field(&row.data, st->data);
	set_field(&row.context, st->context);
	s = sessions_feed(d->t, FOLDER, &row);
	assert_non_null(s);
	rules_observe_row(d->rules, s, &row);
	sessions_end_row(d->t, s);
}

static void
run(struct drv *d, const char *id, const struct step *steps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		feed(d, id, &steps[i]);
}

/* --- sessions ----------------------------------------------------------- */

#define OPEN(banner)							\
	{ '*', "", "attempting to connect" },				\
	{ '+', "", "" },						\
	{ '<', banner, "" },						\
	{ '>', "EHLO mail.contoso.com", "" }
#define CLOSE(text)							\
	{ '*', "", text },						\
	{ '>', "QUIT", "" },						\
	{ '-', "", "Local" }
#define O365_BANNER	"220 XX.mail.protection.outlook.com Microsoft ESMTP " \
			"MAIL Service ready at Fri, 6 Dec 2013 21:54:51 +0000"
#define FULL_NO_TLS	"250 mx.northwind.example Hello [198.51.100.7] " \
			"PIPELINING SIZE 52428800 ETRN ENHANCEDSTATUSCODES " \
			"8BITMIME DSN SMTPUTF8 CHUNKING"

/* Exchange Online withdrew its extensions (block list), 2013 rows. */
static const struct step s_reduced_2013[] = {
	OPEN(O365_BANNER),
	{ '<', "250-XX.mail.protection.outlook.com Hello [198.51.100.7]", "" },
	{ '<', "250 SIZE 157286400", "" },
	CLOSE(CONNECTOR_TEXT),
};

/* The same, 2016 one-row reply. */
static const struct step s_reduced_2016[] = {
	OPEN(O365_BANNER),
	{ '<', "250 XX.mail.protection.outlook.com Hello [198.51.100.9] SIZE "
	  "157286400", "" },
	CLOSE(CONNECTOR_TEXT),
};

/* Greeting only: no extension at all. */
static const struct step s_greeting_only[] = {
	OPEN(O365_BANNER),
	{ '<', "250 XX.mail.protection.outlook.com Hello [198.51.100.7]", "" },
	CLOSE(CONNECTOR_TEXT),
};

/* A full reply without STARTTLS, the published apostrophe. */
static const struct step s_full_u2019[] = {
	OPEN("220 mx.northwind.example ESMTP Postfix"),
	{ '<', FULL_NO_TLS, "" },
	CLOSE(CONNECTOR_TEXT_U2019),
};

/* HELO fallback, then "Drop connection ...". */
static const struct step s_drop_after_helo[] = {
	OPEN("220 legacy.example.net ESMTP"),
	{ '<', "500 5.5.1 Command unrecognized", "" },
	{ '>', "HELO mail.contoso.com", "" },
	{ '<', "250 legacy.example.net Hello [198.51.100.7]", "" },
	CLOSE(DROP_TEXT),
};

/* Domain Secure, full 2013 reply without STARTTLS. */
static const struct step s_secure_domain[] = {
	OPEN("220 mail.fabrikam.com ESMTP"),
	{ '<', "250-mail.fabrikam.com Hello [198.51.100.7]", "" },
	{ '<', "250-SIZE 36700160", "" },
	{ '<', "250-PIPELINING", "" },
	{ '<', "250-DSN", "" },
	{ '<', "250 8BITMIME", "" },
	CLOSE(SECURE_TEXT),
};

/* Domain Secure after HELO. */
static const struct step s_secure_helo[] = {
	OPEN("220 mail.fabrikam.com ESMTP"),
	{ '<', "502 5.5.2 Error: command not recognized", "" },
	{ '>', "HELO mail.contoso.com", "" },
	{ '<', "250 mail.fabrikam.com", "" },
	CLOSE(SECURE_HELO_TEXT),
};

/* STARTTLS offered, negotiation failed. */
static const struct step s_offered_failed[] = {
	OPEN("220 mx.adatum.example ESMTP"),
	{ '<', "250 mx.adatum.example Hello [198.51.100.7] SIZE 1000 "
	  "STARTTLS 8BITMIME", "" },
	{ '>', "STARTTLS", "" },
	{ '<', "220 2.0.0 Ready to start TLS", "" },
	{ '*', "", "TLS negotiation failed with error UnknownCredentials" },
	{ '>', "QUIT", "" },
	{ '-', "", "Local" },
};

/* STARTTLS offered, yet a "doesn't support TLS" line: offered wins. */
static const struct step s_offered_and_text[] = {
	OPEN("220 mx.adatum.example ESMTP"),
	{ '<', "250-mx.adatum.example Hello [198.51.100.7]", "" },
	{ '<', "250 STARTTLS", "" },
	CLOSE(CONNECTOR_TEXT),
};

/* A clean TLS delivery. */
static const struct step s_tls_ok[] = {
	OPEN(O365_BANNER),
	{ '<', "250-XX.mail.protection.outlook.com Hello [198.51.100.7]", "" },
	{ '<', "250-SIZE 157286400", "" },
	{ '<', "250-STARTTLS", "" },
	{ '<', "250 SMTPUTF8", "" },
	{ '>', "STARTTLS", "" },
	{ '<', "220 2.0.0 SMTP server ready", "" },
	{ '*', "", TLS_UP },
	{ '>', "EHLO mail.contoso.com", "" },
	{ '<', "250-XX.mail.protection.outlook.com Hello [198.51.100.7]", "" },
	{ '<', "250 SIZE 157286400", "" },
	{ '>', "QUIT", "" },
	{ '-', "", "Local" },
};

/* An inline firewall: masked banner. */
static const struct step s_masked_banner[] = {
	OPEN("220 ****************************************"),
	{ '<', "250-mx.fabrikam.com Hello [198.51.100.7]", "" },
	{ '<', "250-SIZE 10240000", "" },
	{ '<', "250-PIPELINING", "" },
	{ '<', "250 8BITMIME", "" },
	CLOSE(CONNECTOR_TEXT),
};

/* An inline firewall: XXXXXXXA where STARTTLS was. */
static const struct step s_placeholder[] = {
	OPEN("220 mx.fabrikam.com ESMTP"),
	{ '<', "250-mx.fabrikam.com Hello [198.51.100.7]", "" },
	{ '<', "250-SIZE 10240000", "" },
	{ '<', "250-XXXXXXXA", "" },
	{ '<', "250 8BITMIME", "" },
	CLOSE(CONNECTOR_TEXT),
};

/* Both signs: a masked banner and a reduced reply. */
static const struct step s_masked_reduced[] = {
	OPEN("220 ******************"),
	{ '<', "250 mx.fabrikam.com Hello [198.51.100.7] SIZE 1000", "" },
	CLOSE(CONNECTOR_TEXT),
};

/* A cleartext delivery, nothing said by Exchange. */
static const struct step s_cleartext[] = {
	OPEN("220 mx.northwind.example ESMTP Postfix"),
	{ '<', FULL_NO_TLS, "" },
	{ '>', "MAIL FROM:<a@contoso.com>", "" },
	{ '<', "250 2.1.0 Ok", "" },
	{ '>', "RCPT TO:<b@northwind.example>", "" },
	{ '<', "250 2.1.5 Ok", "" },
	{ '>', "BDAT 100 LAST", "" },
	{ '<', "250 2.0.0 Ok: queued", "" },
	{ '>', "QUIT", "" },
	{ '<', "221 2.0.0 Bye", "" },
	{ '-', "", "Local" },
};

/* A cleartext delivery after HELO. */
static const struct step s_helo_cleartext[] = {
	OPEN("220 legacy.example.net ESMTP"),
	{ '<', "500 5.5.1 Command unrecognized", "" },
	{ '>', "HELO mail.contoso.com", "" },
	{ '<', "250 legacy.example.net Hello [198.51.100.7]", "" },
	{ '>', "QUIT", "" },
	{ '-', "", "Local" },
};

/* A reduced reply, nothing said by Exchange. */
static const struct step s_reduced_quiet[] = {
	OPEN(O365_BANNER),
	{ '<', "250 XX.mail.protection.outlook.com Hello [198.51.100.9] SIZE "
	  "157286400", "" },
	{ '>', "QUIT", "" },
	{ '-', "", "Local" },
};

/* Connect failure: no "+" row, no reply at all, no "-" row. */
static const struct step s_connect_failure[] = {
	{ '*', "SendRoutingHeaders", "Set Session Permissions" },
	{ '*', "", "attempting to connect" },
	{ '*', "", "Failed to connect. Winsock error code: 10060, Win32 error "
	  "code: 10060, Destination domain: fabrikam.com, Error Message: A "
	  "connection attempt failed because the connected party did not "
	  "properly respond after a period of time" },
};

/* EHLO refused and the session given up: no greeting. */
static const struct step s_ehlo_refused[] = {
	OPEN("220 legacy.example.net ESMTP"),
	{ '<', "500 5.5.1 Command unrecognized", "" },
	{ '>', "QUIT", "" },
	{ '-', "", "Local" },
};

#define SCRIPT(s)	s, NELEM(s)

static const char *const star[] = { "*" };
static const char *const partners_lc[] = { "internet, partners" };
static const char *const o365[] = { "Outbound to Office 365" };
static const char *const several[] = { "Foo", "INTERNET, PARTNERS" };
static const char *const prefix[] = { "Internet" };
#define CFG(a)		a, NELEM(a)
#define NOCFG		NULL, 0

enum hint { NO_HINT, BLOCK_LIST, FIREWALL, BOTH };

struct rule_case {
	const char		*name;
	const struct step	*steps;
	size_t			 nsteps;
	const char *const	*require;
	size_t			 nrequire;
	const char		*connector;
	int			 fires;
	const char		*message;	/* a part of it */
	enum hint		 hint;
};

#define PARTNERS	"Internet, Partners"

static const struct rule_case cases[] = {
	/* what Exchange says */
	{ "connector text, reduced 2013 reply", SCRIPT(s_reduced_2013), NOCFG,
	  "Outbound to Office 365", 1, "remote does not support it; its EHLO "
	  "reply advertised SIZE", BLOCK_LIST },
	{ "connector text, reduced 2016 reply", SCRIPT(s_reduced_2016), NOCFG,
	  "Outbound to Office 365", 1, "advertised SIZE", BLOCK_LIST },
	{ "connector text, greeting only", SCRIPT(s_greeting_only), NOCFG,
	  "Outbound to Office 365", 1, "advertised no extensions",
	  BLOCK_LIST },
	{ "connector text with U+2019, full reply", SCRIPT(s_full_u2019),
	  NOCFG, PARTNERS, 1, "advertised PIPELINING, SIZE, ETRN", NO_HINT },
	{ "drop connection text after HELO", SCRIPT(s_drop_after_helo), NOCFG,
	  PARTNERS, 1, "before MAIL FROM", NO_HINT },
	{ "secure domain text", SCRIPT(s_secure_domain), NOCFG,
	  "Domain Secure to Fabrikam", 1, "Domain Secure", NO_HINT },
	{ "secure domain text on HELO", SCRIPT(s_secure_helo), NOCFG,
	  "Domain Secure to Fabrikam", 1, "answered HELO", NO_HINT },
	{ "masked banner", SCRIPT(s_masked_banner), NOCFG, PARTNERS, 1,
	  "does not support it", FIREWALL },
	{ "XXXXXXXA placeholder", SCRIPT(s_placeholder), NOCFG, PARTNERS, 1,
	  "XXXXXXXA", FIREWALL },
	{ "masked banner and reduced reply", SCRIPT(s_masked_reduced), NOCFG,
	  PARTNERS, 1, "advertised SIZE", BOTH },
	/* never when STARTTLS was offered */
	{ "offered, negotiation failed", SCRIPT(s_offered_failed), NOCFG,
	  PARTNERS, 0, NULL, NO_HINT },
	{ "offered, negotiation failed, --require-tls *",
	  SCRIPT(s_offered_failed), CFG(star), PARTNERS, 0, NULL, NO_HINT },
	{ "offered and the connector text", SCRIPT(s_offered_and_text),
	  CFG(star), PARTNERS, 0, NULL, NO_HINT },
	{ "clean TLS delivery, --require-tls *", SCRIPT(s_tls_ok), CFG(star),
	  "Outbound to Office 365", 0, NULL, NO_HINT },
	/* --require-tls */
	{ "cleartext, no option", SCRIPT(s_cleartext), NOCFG, PARTNERS, 0,
	  NULL, NO_HINT },
	{ "cleartext, --require-tls *", SCRIPT(s_cleartext), CFG(star),
	  PARTNERS, 1, "--require-tls", NO_HINT },
	{ "cleartext, --require-tls named (other case)", SCRIPT(s_cleartext),
	  CFG(partners_lc), PARTNERS, 1, "--require-tls", NO_HINT },
	{ "cleartext, --require-tls several", SCRIPT(s_cleartext),
	  CFG(several), PARTNERS, 1, "--require-tls", NO_HINT },
	{ "cleartext, --require-tls another connector", SCRIPT(s_cleartext),
	  CFG(o365), PARTNERS, 0, NULL, NO_HINT },
	{ "cleartext, --require-tls a prefix of the name",
	  SCRIPT(s_cleartext), CFG(prefix), PARTNERS, 0, NULL, NO_HINT },
	{ "cleartext, no connector, --require-tls named",
	  SCRIPT(s_cleartext), CFG(partners_lc), "", 0, NULL, NO_HINT },
	{ "cleartext, no connector, --require-tls *", SCRIPT(s_cleartext),
	  CFG(star), "", 1, "--require-tls", NO_HINT },
	{ "HELO cleartext, --require-tls *", SCRIPT(s_helo_cleartext),
	  CFG(star), PARTNERS, 1, "answered HELO", NO_HINT },
	{ "reduced reply, --require-tls *", SCRIPT(s_reduced_quiet),
	  CFG(star), "Outbound to Office 365", 1, "advertised SIZE",
	  BLOCK_LIST },
	{ "reduced reply, no option", SCRIPT(s_reduced_quiet), NOCFG,
	  "Outbound to Office 365", 0, NULL, NO_HINT },
	{ "connect failure, --require-tls *", SCRIPT(s_connect_failure),
	  CFG(star), PARTNERS, 0, NULL, NO_HINT },
	{ "EHLO refused, no HELO, --require-tls *", SCRIPT(s_ehlo_refused),
	  CFG(star), PARTNERS, 0, NULL, NO_HINT },
};

static void
test_rules_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		const struct rule_case *c = &cases[i];
		const struct got *g;
		struct drv d;

		snprintf(where, sizeof where, "case %zu (%s)", i, c->name);
		drv_init(&d, c->require, c->nrequire, c->connector);
		run(&d, ID, c->steps, c->nsteps);
		sessions_close_all(d.t);	/* for those without "-" */
		CHECK_INT(nsessions, 1);
		g = &got[0];
		CHECK_INT(g->n, c->fires);
		if (!c->fires) {
			drv_free(&d);
			continue;
		}
		CHECK_INT(strcmp(g->rule, "tls-required-no-starttls"), 0);
		CHECK_INT(g->severity, SEV_ERROR);
		CHECK_INT(strcmp(g->session, ID), 0);
		if (strstr(g->message, c->message) == NULL)
			print_error("%s: message \"%s\" lacks \"%s\"\n", where,
			    g->message, c->message);
		CHECK_TRUE(strstr(g->message, c->message) != NULL);
		if (c->hint == NO_HINT) {
			if (g->has_hint)
				print_error("%s: unexpected hint \"%s\"\n",
				    where, g->hint);
			CHECK_INT(g->has_hint, 0);
		} else {
			CHECK_INT(g->has_hint, 1);
			CHECK_INT(strstr(g->hint, "block list") != NULL,
			    c->hint == BLOCK_LIST || c->hint == BOTH);
			CHECK_INT(strstr(g->hint, "firewall") != NULL,
			    c->hint == FIREWALL || c->hint == BOTH);
		}
		drv_free(&d);
	}
}

/* The hint for a reduced reply names the address the remote saw. */
static void
test_rules_hint_ip(void **state)
{
	struct drv d;

	(void)state;
	snprintf(where, sizeof where, "reduced 2016");
	drv_init(&d, NOCFG, "Outbound to Office 365");
	run(&d, ID, SCRIPT(s_reduced_2016));
	assert_int_equal(nsessions, 1);
	assert_int_equal(got[0].n, 1);
	assert_non_null(strstr(got[0].hint, "198.51.100.9"));
	drv_free(&d);
}

/* The row with Exchange's text is kept as evidence of the session. */
static void
test_rules_text_row_is_evidence(void **state)
{
	static const struct step steps[] = {
		OPEN("220 legacy.example.net ESMTP"),
		{ '<', FULL_NO_TLS, "" },
		{ '*', "", CONNECTOR_TEXT },
	};
	struct drv d;

	(void)state;
	drv_init(&d, NOCFG, PARTNERS);
	run(&d, ID, SCRIPT(steps));
	sessions_close_all(d.t);
	assert_int_equal(nsessions, 1);
	assert_int_equal(got[0].n, 1);
	assert_string_equal(got[0].last_evidence, CONNECTOR_TEXT);
	drv_free(&d);
}

/* Interleaved sessions: the marks of one do not leak into the other. */
static void
test_rules_interleaved(void **state)
{
	size_t i, na = NELEM(s_reduced_2013), nb = NELEM(s_cleartext);
	struct drv d;

	(void)state;
	drv_init(&d, NOCFG, PARTNERS);
	for (i = 0; i < na || i < nb; i++) {
		if (i < nb)
			feed(&d, ID2, &s_cleartext[i]);
		if (i < na)
			feed(&d, ID, &s_reduced_2013[i]);
	}
	assert_int_equal(nsessions, 2);
	/* ID closed first (shorter), and only it fires */
	assert_int_equal(got[0].n, 1);
	assert_string_equal(got[0].session, ID);
	assert_int_equal(got[1].n, 0);
	drv_free(&d);
}

/*
 * --- rows said again ------------------------------------------------------
 * rules_observe_row() skips a row whose subject came before with no match,
 * or starts with a byte no anchored pattern does (told before the call by
 * rules_row_wanted()), and a rule is not
 * evaluated on a session without a fact it ands (rules_skip_rows()): the
 * same facts, captures, evidence and findings as with every row matched
 * and every rule evaluated, on rows of
 * every event made of a few texts (long and short, around the 512 bytes
 * kept) or cut from a long one (a cut is a prefix of the longer ones, and
 * matches /END$/ where they do not), a byte changed now and then where
 * the texts are told apart or elsewhere.
 */
static const char SEEN_RULES[] =
    "fact f_long on * context /negotiation (?<proto>[A-Z_0-9]+) done/\n"
    "fact f_short on *- context /ab?c/\n"
    "fact f_dash on - context /z/\n"
    "fact f_data on <> data /x{3}/\n"
    "fact f_end on <> data /END$/\n"
    "fact f_plus on + data /^(?:ac|x)/\n"
    "fact f_plus_cn on + data /^[cn]./\n"
    "rule t\n"
    "    severity warning\n"
    "    title \"t\"\n"
    "    tlsrpt validation-failure\n"
    "    when f_long or f_short or f_dash or f_data or f_end or f_plus or "
    "f_plus_cn\n"
    "    message \"{proto}\"\n"
    "rule u\n"
    "    severity warning\n"
    "    title \"u\"\n"
    "    tlsrpt validation-failure\n"
    "    when f_data and not f_end\n"
    "    message \"u\"\n"
    "rule w\n"
    "    severity warning\n"
    "    title \"w\"\n"
    "    tlsrpt validation-failure\n"
    "    when f_short and (f_dash and not tls_up)\n"
    "    message \"w\"\n";

/* The rules that fired, their ids one after another. */
static void
seen_emit(const struct finding *f, const struct session *s, void *arg)
{
	char *fired = arg;

	(void)s;
	strncat(fired, f->rule, 8);
}

static void
no_close(struct session *s, void *arg)
{
	(void)s;
	(void)arg;
}

static unsigned long seen_rnd = 7;

static size_t
seen_rand(size_t n)
{
	seen_rnd = seen_rnd * 6364136223846793005UL + 1442695040888963407UL;
	return (size_t)(seen_rnd >> 33) % n;
}

static const char seen_filler[] = "TLS protocol SP_PROT negotiation "
    "succeeded using bulk encryption algorithm with strength END";

/*
 * One of the texts, or a cut of the filler repeated (ending with its END,
 * or after), into buf, perhaps with a byte changed; its length.
 */
static size_t
seen_text(char *buf, char texts[][600], const size_t *lens, size_t ntexts)
{
	static const char bytes[] = "abcxz -_TLS";
	size_t i, k = seen_rand(ntexts), len = lens[k], period;

	if (seen_rand(2) == 0) {
		period = sizeof seen_filler - 1;
		len = period * (1 + seen_rand(5));
		if (seen_rand(2) == 0)
			len += seen_rand(period);
		for (i = 0; i < len; i++)
			buf[i] = seen_filler[i % period];
	} else
		memcpy(buf, texts[k], len);
	buf[len] = '\0';
	if (len > 0 && seen_rand(3) == 0)
		buf[seen_rand(len)] = bytes[seen_rand(sizeof bytes - 1)];
	return len;
}

/*
 * Two rule sets from text, written to path and loaded twice: for the
 * tests that run one set with a shortcut and the other without.
 */
static void
load_two(const char *path, const char *text, struct rules *r[2])
{
	const char *const files[] = { path };
	struct rules_config cfg;
	char err[512];
	FILE *fp;
	size_t k;

	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	memset(&cfg, 0, sizeof cfg);
	cfg.files = files;
	cfg.nfiles = 1;
	cfg.no_default = 1;
	for (k = 0; k < 2; k++) {
		r[k] = rules_new(&cfg, err, sizeof err);
		if (r[k] == NULL)
			fail_msg("rules_new: %s", err);
	}
	unlink(path);
}

static void
test_rules_rows_seen(void **state)
{
	static const size_t lens[] = { 0, 2, 8, 22, 100, 100, 300, 511, 512,
	    512, 513, 600 };
	char texts[NELEM(lens)][600], data[601], context[601];
	char id[24], fired[2][32];
	struct rules *r[2];
	struct session_table *t[2];
	struct session *s[2];
	struct row row;
	size_t i, k, matched = 0, nfired[2] = { 0, 0 };

	(void)state;
	for (k = 0; k < NELEM(lens); k++)
		for (i = 0; i < lens[k]; i++)
			texts[k][i] = seen_filler[i % (sizeof seen_filler - 4)];
	memcpy(texts[1], "ac", 2);
	memcpy(texts[2], "zac abc ", 8);
	memcpy(texts[3], "negotiation TLS_1 done", 22);
	/* [5] is [4] but where no slot is told by. */
	memcpy(texts[5] + 20, "abc", 3);
	memcpy(texts[9] + 300, "xxx", 3);
	memcpy(texts[11] + 513, "z", 1);	/* [10] is its prefix */
	load_two("seen.rules", SEEN_RULES, r);
	for (k = 0; k < 2; k++)
		t[k] = sessions_new(no_close, NULL);
	rules_skip_rows(r[1], 0);

	memset(&row, 0, sizeof row);
	row.file = FILE1;
	set_field(&row.connector, "Outbound");
	set_field(&row.sequence, "0");
	for (i = 0; i < 200000; i++) {
		snprintf(where, sizeof where, "row %zu", i);
		snprintf(id, sizeof id, "%016zX", i);
		set_field(&row.session_id, id);
		row.line = i + 1;
		row.event = "*-<>+x"[seen_rand(6)];
		row.data.p = data;
		row.data.len = seen_text(data, texts, lens, NELEM(lens));
		row.context.p = context;
		row.context.len = seen_text(context, texts, lens,
		    NELEM(lens));
		for (k = 0; k < 2; k++) {
			s[k] = sessions_feed(t[k], FOLDER, &row);
			assert_non_null(s[k]);
		}
		/* As scan.c does: only rows rules_row_wanted(). */
		if (rules_row_wanted(rules_row_filter(r[0]), &row))
			rules_observe_wanted(r[0], s[0], &row);
		rules_observe_row(r[1], s[1], &row);
		CHECK_INT(s[0]->facts, s[1]->facts);
		matched += s[1]->facts != 0;
		for (k = 0; k < SESSION_CAPTURES_MAX; k++) {
			CHECK_INT(s[0]->captures[k] == NULL,
			    s[1]->captures[k] == NULL);
			if (s[0]->captures[k] != NULL)
				assert_string_equal(s[0]->captures[k],
				    s[1]->captures[k]);
		}
		CHECK_INT(s[0]->nevidence, s[1]->nevidence);
		for (k = 0; k < (size_t)s[0]->nevidence; k++)
			assert_string_equal(s[0]->evidence[k].text,
			    s[1]->evidence[k].text);
		CHECK_INT(rules_would_fire(r[0], s[0]),
		    rules_would_fire(r[1], s[1]));
		for (k = 0; k < 2; k++) {
			fired[k][0] = '\0';
			rules_eval(r[k], s[k], seen_emit, fired[k]);
		}
		assert_string_equal(fired[0], fired[1]);
		nfired[0] += strchr(fired[1], 'u') != NULL;
		nfired[1] += strchr(fired[1], 'w') != NULL;
		sessions_close_all(t[0]);
		sessions_close_all(t[1]);
	}
	/* Both kinds of rows were met, many times. */
	CHECK_TRUE(matched > 10000 && matched < 190000);
	CHECK_TRUE(nfired[0] > 1000 && nfired[1] > 1000);
	for (k = 0; k < 2; k++) {
		sessions_free(t[k]);
		rules_free(r[k]);
	}
}

/*
 * --- rules told false before they are evaluated ---------------------------
 * With rules_skip_rows(), a rule is not evaluated on a session that lacks
 * a fact or yes-or-no attribute its when ands, or has one it ands the
 * negation of.  On sessions with every mix of those, the same rules must
 * fire as when each rule is evaluated.
 */
static const char FLAG_RULES[] =
    "fact f1 on * context /f1/\n"
    "fact f2 on * context /f2/\n"
    "rule a\n    severity warning\n    title \"a\"\n    tlsrpt none\n"
    "    when starttls_offered and not tls_up\n    message \"a\"\n"
    "rule b\n    severity warning\n    title \"b\"\n    tlsrpt none\n"
    "    when not starttls_issued and f1 and not f2\n    message \"b\"\n"
    "rule c\n    severity warning\n    title \"c\"\n    tlsrpt none\n"
    "    when (greeting_seen or helo_used) and not complete\n"
    "    message \"c\"\n"
    "rule d\n    severity warning\n    title \"d\"\n    tlsrpt none\n"
    "    when not (ehlo_sent and tls_up)\n    message \"d\"\n"
    "rule e\n    severity warning\n    title \"e\"\n    tlsrpt none\n"
    "    when complete and not f1 or ehlo_sent\n    message \"e\"\n"
    "rule f\n    severity warning\n    title \"f\"\n    tlsrpt none\n"
    "    when not greeting_seen and not helo_used and ehlo_sent and "
    "not (not f2)\n    message \"f\"\n";

/* A session of bits: seven attributes, then two facts. */
static void
flag_session(struct session *s, unsigned bits, char *host)
{
	memset(s, 0, sizeof *s);
	s->folder = FOLDER;
	s->remote_host = host;
	s->ehlo_sent = bits & 1;
	s->helo_used = (bits >> 1 & 1) * 2;	/* any non-zero */
	s->greeting_seen = bits >> 2 & 1;
	s->starttls_offered = bits >> 3 & 1;
	s->starttls_issued = bits >> 4 & 1;
	s->tls_up = bits >> 5 & 1;
	s->complete = bits >> 6 & 1;
	s->facts = bits >> 7;
}

static void
test_rules_flags(void **state)
{
	char fired[2][32];
	struct rules *r[2];
	char host[] = "mx.example.com";
	struct session s;
	unsigned bits, k, n, counts[6] = { 0 };
	uint32_t x = 1;

	(void)state;
	load_two("flags.rules", FLAG_RULES, r);
	rules_skip_rows(r[1], 0);
	/*
	 * Every mix of seven attributes and two facts (ids 0 and 1); then
	 * each mix of the seven 64 times in a row, with facts at random:
	 * what the rules remember of sessions of the same facts and flags
	 * (or of others, in the same place) must not change what fires.
	 */
	for (n = 0; n < (1u << 9) + (128u << 6); n++) {
		/* After the first of each, 64 of each seven, mixed facts. */
		x = x * 1103515245u + 12345u;
		bits = n < 1u << 9 ? n : ((n - (1u << 9)) >> 6 & 127) |
		    (x >> 16 & 3) << 7;
		snprintf(where, sizeof where, "bits %#x", bits);
		flag_session(&s, bits, host);
		/* And facts no rule looks at: other places, same flags. */
		if (n >= 1u << 9)
			s.facts |= (uint64_t)(x >> 20 & 1023) << 2;
		CHECK_INT(rules_would_fire(r[0], &s),
		    rules_would_fire(r[1], &s));
		for (k = 0; k < 2; k++) {
			fired[k][0] = '\0';
			rules_eval(r[k], &s, seen_emit, fired[k]);
		}
		assert_string_equal(fired[0], fired[1]);
		for (k = 0; k < 6 && n < 1u << 9; k++)
			counts[k] += strchr(fired[0], 'a' + (int)k) != NULL;
	}
	/* Each rule fired on some and not on others. */
	for (k = 0; k < 6; k++)
		CHECK_TRUE(counts[k] > 0 && counts[k] < 1u << 9);
	for (k = 0; k < 2; k++)
		rules_free(r[k]);
}

/*
 * A finding's hint: its pieces after spaces, cut to the 2,047 bytes
 * kept, as snprintf() of each in turn would give, whatever the lengths
 * around the cut (pieces are cut to 1,023 bytes).
 */
static char hint_got[4096];

static void
hint_emit(const struct finding *f, const struct session *s, void *arg)
{
	(void)s;
	(void)arg;
	snprintf(hint_got, sizeof hint_got, "%s", f->hint != NULL ? f->hint :
	    "(none)");
}

static void
test_rules_hint_cut(void **state)
{
	static const size_t lens[][3] = {
		{ 1, 1, 1 }, { 1000, 1, 5 }, { 1023, 1022, 1 },
		{ 1023, 1023, 1 }, { 1023, 1021, 1 }, { 1023, 1024, 7 },
		{ 1100, 1022, 3 }, { 1022, 1023, 2 }, { 1023, 1020, 1 },
		{ 10, 1023, 1023 },
	};
	static const char *const files[] = { "hint.rules" };
	static char text[3][1200], want[2048];
	char err[512], host[] = "mx.example.com";
	struct rules_config cfg;
	struct rules *r;
	struct session s;
	size_t i, k, n;
	FILE *fp;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.files = files;
	cfg.nfiles = 1;
	cfg.no_default = 1;
	memset(&s, 0, sizeof s);
	s.folder = FOLDER;
	s.remote_host = host;
	s.complete = 1;
	for (i = 0; i < NELEM(lens); i++) {
		snprintf(where, sizeof where, "case %zu", i);
		fp = fopen(files[0], "w");
		assert_non_null(fp);
		fputs("rule h\n    severity warning\n    title \"h\"\n"
		    "    tlsrpt none\n    when complete\n    message \"m\"\n",
		    fp);
		for (k = 0; k < 3; k++) {
			memset(text[k], 'a' + (int)k, lens[i][k]);
			text[k][lens[i][k]] = '\0';
			fprintf(fp, "    hint \"%s\"\n", text[k]);
		}
		fclose(fp);
		r = rules_new(&cfg, err, sizeof err);
		unlink(files[0]);
		if (r == NULL)
			fail_msg("rules_new: %s", err);
		/* What the hint was, made with snprintf(). */
		for (k = 0, n = 0; k < 3; k++) {
			text[k][1023] = '\0';
			if (n + 1 < sizeof want)
				n += (size_t)snprintf(want + n, sizeof want - n,
				    "%s%s", n > 0 ? " " : "", text[k]);
		}
		hint_got[0] = '\0';
		rules_eval(r, &s, hint_emit, NULL);
		CHECK_INT(strlen(hint_got), strlen(want));
		assert_string_equal(hint_got, want);
		rules_free(r);
	}
}

/*
 * --- remote_last_starttls -------------------------------------------------
 * The history knows a remote by its folder (one name, one address) and
 * host name or address: a session sees the offers of earlier ones of
 * both, noted by rules_eval() or by rules_history_add() of
 * rules_history_key(), and of no other folder or remote.  A folder name,
 * a byte and remote of 1,024 bytes or more have no history.
 */
static const char HISTORY_RULES[] =
    "rule h\n    severity warning\n    title \"h\"\n    tlsrpt none\n"
    "    when remote_last_starttls\n    message \"h\"\n";

static char folder_a[] = "mbx/a", folder_b[] = "mbx/b";
static char long_folder[2][1024];

static void
history_session(struct session *s, const char *folder, char *host,
    int64_t start)
{
	memset(s, 0, sizeof *s);
	s->folder = folder;
	s->remote_host = host;
	s->starttls_offered = 1;
	s->start = start;
}

/* Whether rule h fires on s, with r (or r's history, when by_key). */
static int
history_fires(struct rules *r, struct rules *by_key, const struct session *s)
{
	char fired[32] = "", key[RULES_HISTORY_KEY];
	size_t len;

	rules_eval(r, s, seen_emit, fired);
	if (by_key != NULL && (len = rules_history_key(s, key,
	    sizeof key)) > 0)
		rules_history_add(by_key, key, len, s->start);
	return fired[0] != '\0';
}

static void
test_rules_history(void **state)
{
	char host[] = "mx.example.com", other[] = "mx.example.co";
	char r1[] = "r";
	struct rules *r[2];
	struct session s;
	unsigned k;

	(void)state;
	load_two("history.rules", HISTORY_RULES, r);
	/* r[0] notes by rules_eval(), r[1] by key: the same after. */
	history_session(&s, folder_a, host, 1000);
	assert_false(history_fires(r[0], r[1], &s));
	history_session(&s, folder_a, host, 2000);
	assert_true(history_fires(r[0], NULL, &s));
	assert_true(history_fires(r[1], NULL, &s));
	history_session(&s, folder_b, host, 3000);
	assert_false(history_fires(r[0], r[1], &s));
	history_session(&s, folder_a, other, 3000);
	assert_false(history_fires(r[0], r[1], &s));
	history_session(&s, folder_b, host, 4000);
	assert_true(history_fires(r[0], NULL, &s));
	assert_true(history_fires(r[1], NULL, &s));
	/* Its own offer before. */
	history_session(&s, folder_a, other, 5000);
	assert_true(history_fires(r[0], NULL, &s));
	/* 1,021 + 1 + 1 bytes have a history, 1,022 + 1 + 1 none. */
	for (k = 0; k < 2; k++) {
		memset(long_folder[k], 'f', 1021 + k);
		long_folder[k][1021 + k] = '\0';
		history_session(&s, long_folder[k], r1, 1000);
		assert_false(history_fires(r[0], r[1], &s));
		history_session(&s, long_folder[k], r1, 2000);
		CHECK_INT(history_fires(r[0], NULL, &s), k == 0);
		CHECK_INT(history_fires(r[1], NULL, &s), k == 0);
	}
	for (k = 0; k < 2; k++)
		rules_free(r[k]);
}

static void
test_severity_name(void **state)
{
	(void)state;
	assert_string_equal(severity_name(SEV_ERROR), "error");
	assert_string_equal(severity_name(SEV_WARNING), "warning");
	assert_string_equal(severity_name(SEV_INFO), "info");
}

int
main(void)
{
#define T_(f)	cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_rules_table),
		T_(test_rules_hint_ip),
		T_(test_rules_text_row_is_evidence),
		T_(test_rules_interleaved),
		T_(test_rules_rows_seen),
		T_(test_rules_flags),
		T_(test_rules_hint_cut),
		T_(test_rules_history),
		T_(test_severity_name),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
