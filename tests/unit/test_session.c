/*
 * test_session.c: session.h, SMTP sessions rebuilt from rows built by hand
 * and fed through a session table, with a close callback that copies what
 * it sees (the session is valid only during the callback).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "logtime.h"
#include "reader.h"
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

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (strcmp(g_, w_) != 0)					\
		print_error("%s: %s is \"%s\", want \"%s\"\n", where,	\
		    #got, g_, w_);					\
	assert_string_equal(g_, w_);					\
} while (0)

/* Two folders with the same name: sessions are told apart by pointer. */
static const char FOLDER_A[] = "mbx01";
static const char FOLDER_B[] = "mbx01";
static const char FILE_A[] = "mbx01/SEND20190321-1.LOG";
static const char FILE_A2[] = "mbx01/SEND20190321-2.LOG";

#define CONN	"Outbound to Office 365"
#define LOCAL	"10.0.0.5:51234"
#define REMOTE	"104.47.1.2:25"
#define ID	"08D6A8D416004F77"
#define ID2	"08D6A8D416004F78"
#define ID3	"08D6A8D416004F79"
#define BASE_MS	INT64_C(1553173266525)	/* 2019-03-21T13:01:06.525Z */
#define STEP_MS	10

#define TLS_UP	"TLS protocol SP_PROT_TLS1_2_CLIENT negotiation succeeded " \
		"using bulk encryption algorithm CALG_AES_256 with strength " \
		"256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 " \
		"bits and key exchange algorithm CALG_ECDH_EPHEM with " \
		"strength 384 bits"

/* --- what the close callback saw ---------------------------------------- */

struct ev_copy {
	const char	*file;
	unsigned long	 line;
	char		 event;
	char		 text[SESSION_TEXT_MAX + 1];
	size_t		 textlen;
};

struct snap {
	const char	*folder;
	char		 id[64], connector[128], local[64], remote[64];
	char		 host[256];
	const char	*file;
	unsigned long	 line;
	int64_t		 start, end;
	int		 complete, banner_masked, ehlo_sent, helo_used;
	int		 greeting_seen, starttls_offered, starttls_issued;
	int		 tls_up;
	unsigned	 attempted, accepted;
	char		 rcpt[64];
	struct ehlo_reply ehlo;
	int		 nevidence;
	unsigned	 evidence_dropped;
	struct ev_copy	 ev[SESSION_EVIDENCE_MAX];
};

#define MAXCLOSED	8
static struct snap closed[MAXCLOSED];
static int nclosed;

/* The table in use, freed by the teardown when a test fails. */
static struct session_table *live;
static int tearing_down;

static void
copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "<NULL>");
}

static void
on_close(struct session *s, void *arg)
{
	struct snap *p;
	int i;

	(void)arg;
	if (tearing_down)
		return;
	assert_true(nclosed < MAXCLOSED);
	p = &closed[nclosed++];
	memset(p, 0, sizeof *p);
	p->folder = s->folder;
	copy_str(p->id, sizeof p->id, s->id);
	copy_str(p->connector, sizeof p->connector, s->connector);
	copy_str(p->local, sizeof p->local, s->local_endpoint);
	copy_str(p->remote, sizeof p->remote, s->remote_endpoint);
	copy_str(p->host, sizeof p->host, s->remote_host);
	p->file = s->file;
	p->line = s->line;
	p->start = s->start;
	p->end = s->end;
	p->complete = s->complete;
	p->banner_masked = s->banner_masked;
	p->ehlo_sent = s->ehlo_sent;
	p->helo_used = s->helo_used;
	p->greeting_seen = s->greeting_seen;
	p->starttls_offered = s->starttls_offered;
	p->starttls_issued = s->starttls_issued;
	p->tls_up = s->tls_up;
	p->attempted = s->messages_attempted;
	p->accepted = s->messages_accepted;
	copy_str(p->rcpt, sizeof p->rcpt, s->rcpt_domain);
	p->ehlo = s->ehlo;
	p->nevidence = s->nevidence;
	p->evidence_dropped = s->evidence_dropped;
	assert_true(s->nevidence >= 0 && s->nevidence <= SESSION_EVIDENCE_MAX);
	for (i = 0; i < s->nevidence; i++) {
		const struct evidence *e = &s->evidence[i];

		assert_true(e->textlen <= SESSION_TEXT_MAX);
		assert_int_equal(strlen(e->text), e->textlen);
		p->ev[i].file = e->file;
		p->ev[i].line = e->line;
		p->ev[i].event = e->event;
		memcpy(p->ev[i].text, e->text, e->textlen + 1);
		p->ev[i].textlen = e->textlen;
	}
}

/* --- building rows by hand ---------------------------------------------- */

struct drv {
	struct session_table	*t;
	const char		*folder, *file;
	const char		*connector, *local, *remote;
	unsigned long		 line;
	int64_t			 time;
	char			 tbuf[LOGTIME_BUFSZ];
	/* Each session's rows count 0, 1, 2 ... in sequence-number. */
	struct { const char *folder, *id; unsigned long next; } seq[64];
	size_t			 nseq;
	char			 seqbuf[24];
};

/* The next sequence number of id in the driver's folder. */
static const char *
next_seq(struct drv *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->nseq; i++)
		if (d->seq[i].folder == d->folder &&
		    strcmp(d->seq[i].id, id) == 0)
			break;
	if (i == d->nseq) {
		assert_true(d->nseq < sizeof d->seq / sizeof d->seq[0]);
		d->seq[d->nseq].folder = d->folder;
		d->seq[d->nseq].id = id;
		d->seq[d->nseq++].next = 0;
	}
	snprintf(d->seqbuf, sizeof d->seqbuf, "%lu", d->seq[i].next++);
	return d->seqbuf;
}

static void
drv_init(struct drv *d)
{
	memset(d, 0, sizeof *d);
	memset(closed, 0, sizeof closed);
	nclosed = 0;
	d->t = sessions_new(on_close, NULL);
	assert_non_null(d->t);
	live = d->t;
	d->folder = FOLDER_A;
	d->file = FILE_A;
	d->connector = CONN;
	d->local = LOCAL;
	d->remote = REMOTE;
	d->time = BASE_MS;
}

static void
drv_free(struct drv *d)
{
	sessions_free(d->t);
	d->t = NULL;
	live = NULL;
}

static int
teardown(void **state)
{
	(void)state;
	if (live != NULL) {
		tearing_down = 1;
		sessions_free(live);
		live = NULL;
		tearing_down = 0;
	}
	return 0;
}

static void
set_field(struct field *f, const char *s)
{
	f->p = s;
	f->len = strlen(s);
}

/* The next row of the file: line and time go up by one step. */
static void
make_row(struct drv *d, struct row *row, const char *id, char event,
    const char *data, const char *context)
{
	memset(row, 0, sizeof *row);
	row->file = d->file;
	row->line = ++d->line;
	row->time = d->time;
	d->time += STEP_MS;
	set_field(&row->date_time, logtime_format(row->time, d->tbuf));
	set_field(&row->connector, d->connector);
	set_field(&row->session_id, id);
	set_field(&row->sequence, next_seq(d, id));
	set_field(&row->local, d->local);
	set_field(&row->remote, d->remote);
	row->event = event;
	set_field(&row->data, data);
	set_field(&row->context, context);
}

/* Feed one row and end it; returns its line. */
static unsigned long
feed(struct drv *d, const char *id, char event, const char *data,
    const char *context)
{
	struct row row;
	struct session *s;

	make_row(d, &row, id, event, data, context);
	s = sessions_feed(d->t, d->folder, &row);
	assert_non_null(s);
	sessions_end_row(d->t, s);
	return row.line;
}

struct step {
	char		 event;
	const char	*data;
	const char	*context;
	int		 evidence;	/* expected among the evidence rows */
};

/* Feed steps as session id; the lines of the evidence steps go to lines. */
static size_t
run(struct drv *d, const char *id, const struct step *steps, size_t n,
    unsigned long *lines, size_t maxlines)
{
	size_t i, nl = 0;

	for (i = 0; i < n; i++) {
		unsigned long line = feed(d, id, steps[i].event, steps[i].data,
		    steps[i].context);

		if (steps[i].evidence && lines != NULL) {
			assert_true(nl < maxlines);
			lines[nl++] = line;
		}
	}
	return nl;
}

static const struct snap *
find_closed(const char *id, const char *folder)
{
	int i;

	for (i = 0; i < nclosed; i++)
		if (strcmp(closed[i].id, id) == 0 && closed[i].folder == folder)
			return &closed[i];
	fail_msg("session %s not closed", id);
	return NULL;
}

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

/* --- scripts ------------------------------------------------------------ */

/* Exchange 2013 to Exchange Online: one row per reply line, TLS, BDAT. */
static const struct step tls_2013[] = {
	{ '*', "SendRoutingHeaders", "Set Session Permissions", 0 },
	{ '*', "", "attempting to connect", 0 },
	{ '+', "", "", 0 },
	{ '<', "220 XX.mail.protection.outlook.com Microsoft ESMTP MAIL "
	  "Service ready at Fri, 6 Dec 2013 21:54:51 +0000", "", 1 },
	{ '>', "EHLO mail.contoso.com", "", 1 },
	{ '<', "250-XX.mail.protection.outlook.com Hello [198.51.100.7]", "",
	  1 },
	{ '<', "250-SIZE 157286400", "", 1 },
	{ '<', "250-PIPELINING", "", 1 },
	{ '<', "250-STARTTLS", "", 1 },
	{ '<', "250 SMTPUTF8", "", 1 },
	{ '>', "STARTTLS", "", 1 },
	{ '<', "220 2.0.0 SMTP server ready", "", 1 },
	{ '*', "", "Sending certificate", 0 },
	{ '*', "CN=mail.contoso.com, O=Contoso, C=US", "Certificate subject",
	  0 },
	{ '*', "", TLS_UP, 1 },
	{ '>', "EHLO mail.contoso.com", "", 0 },
	{ '<', "250-YY.mail.protection.outlook.com Hello [198.51.100.7]", "",
	  0 },
	{ '<', "250-SIZE 157286400", "", 0 },
	{ '<', "250-AUTH LOGIN", "", 0 },
	{ '<', "250 SMTPUTF8", "", 0 },
	{ '*', "08D6A8D416004F77;2019-03-21T13:00:45.039Z;1",
	  "sending message with RecordId 1234567 and InternetMessageId "
	  "<id@contoso.com>", 0 },
	{ '>', "MAIL FROM:<a@contoso.com> SIZE=6074", "", 0 },
	{ '>', "RCPT TO:<b@fabrikam.com>", "", 0 },
	{ '<', "250 2.1.0 Sender OK", "", 0 },
	{ '<', "250 2.1.5 Recipient OK", "", 0 },
	{ '>', "BDAT 6074 LAST", "", 0 },
	{ '<', "250 2.6.0 <id@contoso.com> [InternalId=26929444962030, "
	  "Hostname=SN1PR12MB0864.namprd12.prod.outlook.com] 6074 bytes in "
	  "0.368, 16.085 KB/sec Queued mail for delivery", "", 0 },
	{ '>', "QUIT", "", 0 },
	{ '<', "221 2.0.0 Service closing transmission channel", "", 0 },
	{ '-', "", "Local", 1 },
};

/* Exchange 2016: the EHLO reply as one row. */
static const struct step tls_2016[] = {
	{ '+', "", "", 0 },
	{ '<', "220 mx.fabrikam.com Microsoft ESMTP MAIL Service ready", "",
	  1 },
	{ '>', "EHLO mail.contoso.com", "", 1 },
	{ '<', "250 mx.fabrikam.com Hello [198.51.100.7] SIZE 37748736 "
	  "PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS 8BITMIME BINARYMIME "
	  "CHUNKING", "", 1 },
	{ '>', "STARTTLS", "", 1 },
	{ '<', "220 2.0.0 SMTP server ready", "", 1 },
	{ '*', " CN=mail.contoso.com CN=CA 0C4F 3A7F 3/1/2026 3/1/2027 "
	  "mail.contoso.com", "Sending certificate Subject Issuer name "
	  "Serial number Thumbprint Not before Not after Subject alternate "
	  "names", 0 },
	{ '*', "", TLS_UP, 1 },
	{ '>', "EHLO mail.contoso.com", "", 0 },
	{ '<', "250 mx.fabrikam.com Hello [198.51.100.7] SIZE 37748736 "
	  "PIPELINING DSN ENHANCEDSTATUSCODES 8BITMIME BINARYMIME CHUNKING",
	  "", 0 },
	{ '>', "QUIT", "", 0 },
	{ '-', "", "Local", 1 },
};

/* EHLO refused, HELO accepted, a message sent with DATA. */
static const struct step helo_fallback[] = {
	{ '+', "", "", 0 },
	{ '<', "220 legacy.example.net ESMTP", "", 1 },
	{ '>', "EHLO mail.contoso.com", "", 1 },
	{ '<', "500 5.5.1 Command unrecognized", "", 1 },
	{ '>', "HELO mail.contoso.com", "", 1 },
	{ '<', "250 legacy.example.net Hello [198.51.100.7]", "", 1 },
	{ '>', "MAIL FROM:<a@contoso.com>", "", 0 },
	{ '<', "250 2.1.0 Ok", "", 0 },
	{ '>', "RCPT TO:<b@example.net>", "", 0 },
	{ '<', "250 2.1.5 Ok", "", 0 },
	{ '>', "DATA", "", 0 },
	{ '<', "354 End data with <CR><LF>.<CR><LF>", "", 0 },
	{ '<', "250 2.0.0 Ok: queued as 4AB12", "", 0 },
	{ '>', "QUIT", "", 0 },
	{ '<', "221 2.0.0 Bye", "", 0 },
	{ '-', "", "Local", 1 },
};

/* An inline firewall: masked banner, XXXXXXXA in place of STARTTLS. */
static const struct step masked[] = {
	{ '+', "", "", 0 },
	{ '<', "220 ******************************************", "", 1 },
	{ '>', "EHLO mail.contoso.com", "", 1 },
	{ '<', "250-mx.fabrikam.com Hello [198.51.100.7]", "", 1 },
	{ '<', "250-SIZE 10240000", "", 1 },
	{ '<', "250-XXXXXXXA", "", 1 },
	{ '<', "250 8BITMIME", "", 1 },
	{ '>', "QUIT", "", 0 },
	{ '-', "", "Local", 1 },
};

/* --- tests -------------------------------------------------------------- */

static void
check_evidence_lines(const struct snap *p, const unsigned long *lines,
    size_t n)
{
	size_t i;

	assert_int_equal(p->nevidence, n);
	assert_int_equal(p->evidence_dropped, 0);
	for (i = 0; i < n; i++) {
		if (p->ev[i].line != lines[i])
			print_error("evidence %zu: line %lu, want %lu\n", i,
			    p->ev[i].line, lines[i]);
		assert_int_equal(p->ev[i].line, lines[i]);
		assert_ptr_equal(p->ev[i].file, FILE_A);
	}
}

/* The 2013 multi-row form: STARTTLS offered, TLS up, one message. */
static void
test_session_tls_2013(void **state)
{
	unsigned long lines[32];
	const struct snap *p;
	struct drv d;
	char kw[512];
	size_t n;

	(void)state;
	drv_init(&d);
	n = run(&d, ID, tls_2013, NELEM(tls_2013), lines, NELEM(lines));
	assert_int_equal(nclosed, 1);
	p = &closed[0];
	assert_string_equal(p->id, ID);
	assert_ptr_equal(p->folder, FOLDER_A);
	assert_int_equal(p->complete, 1);
	assert_int_equal(p->ehlo_sent, 1);
	assert_int_equal(p->helo_used, 0);
	assert_int_equal(p->greeting_seen, 1);
	assert_int_equal(p->starttls_offered, 1);
	assert_int_equal(p->starttls_issued, 1);
	assert_int_equal(p->tls_up, 1);
	assert_int_equal(p->banner_masked, 0);
	assert_string_equal(p->host, "XX.mail.protection.outlook.com");
	/* the reply before TLS, not the one after it */
	assert_int_equal(p->ehlo.code, 250);
	assert_int_equal(p->ehlo.helo, 0);
	assert_int_equal(p->ehlo.starttls, 1);
	assert_string_equal(p->ehlo.greeting,
	    "XX.mail.protection.outlook.com Hello [198.51.100.7]");
	join_keywords(&p->ehlo, kw, sizeof kw);
	assert_string_equal(kw, "SIZE PIPELINING STARTTLS SMTPUTF8");
	assert_int_equal(p->attempted, 1);
	assert_int_equal(p->accepted, 1);
	check_evidence_lines(p, lines, n);
	drv_free(&d);
}

/* The 2016 one-row form: the same facts. */
static void
test_session_tls_2016(void **state)
{
	unsigned long lines[32];
	const struct snap *p;
	struct drv d;
	char kw[512];
	size_t n;

	(void)state;
	drv_init(&d);
	n = run(&d, ID, tls_2016, NELEM(tls_2016), lines, NELEM(lines));
	assert_int_equal(nclosed, 1);
	p = &closed[0];
	assert_int_equal(p->complete, 1);
	assert_int_equal(p->starttls_offered, 1);
	assert_int_equal(p->starttls_issued, 1);
	assert_int_equal(p->tls_up, 1);
	assert_int_equal(p->greeting_seen, 1);
	assert_string_equal(p->host, "mx.fabrikam.com");
	assert_int_equal(p->ehlo.starttls, 1);
	assert_string_equal(p->ehlo.greeting,
	    "mx.fabrikam.com Hello [198.51.100.7]");
	join_keywords(&p->ehlo, kw, sizeof kw);
	assert_string_equal(kw, "SIZE PIPELINING DSN ENHANCEDSTATUSCODES "
	    "STARTTLS 8BITMIME BINARYMIME CHUNKING");
	assert_int_equal(p->attempted, 0);
	assert_int_equal(p->accepted, 0);
	check_evidence_lines(p, lines, n);
	drv_free(&d);
}

/* No TLS: a full EHLO reply without STARTTLS, and nothing set. */
static void
test_session_no_starttls(void **state)
{
	static const struct step steps[] = {
		{ '+', "", "", 0 },
		{ '<', "220 mx.northwind.example ESMTP Postfix", "", 0 },
		{ '>', "EHLO mail.contoso.com", "", 0 },
		{ '<', "250-mx.northwind.example", "", 0 },
		{ '<', "250-PIPELINING", "", 0 },
		{ '<', "250-SIZE 10240000", "", 0 },
		{ '<', "250-ENHANCEDSTATUSCODES", "", 0 },
		{ '<', "250 8BITMIME", "", 0 },
		{ '>', "QUIT", "", 0 },
		{ '-', "", "Remote", 0 },
	};
	const struct snap *p;
	struct drv d;

	(void)state;
	drv_init(&d);
	run(&d, ID, steps, NELEM(steps), NULL, 0);
	assert_int_equal(nclosed, 1);
	p = &closed[0];
	assert_int_equal(p->complete, 1);
	assert_int_equal(p->greeting_seen, 1);
	assert_int_equal(p->starttls_offered, 0);
	assert_int_equal(p->starttls_issued, 0);
	assert_int_equal(p->tls_up, 0);
	assert_int_equal(p->ehlo.starttls, 0);
	assert_int_equal(p->ehlo.nkeywords, 4);
	assert_string_equal(p->host, "mx.northwind.example");
	drv_free(&d);
}

/* EHLO answered 500, HELO answered 250. */
static void
test_session_helo_fallback(void **state)
{
	unsigned long lines[32];
	const struct snap *p;
	struct drv d;
	size_t n;

	(void)state;
	drv_init(&d);
	n = run(&d, ID, helo_fallback, NELEM(helo_fallback), lines,
	    NELEM(lines));
	assert_int_equal(nclosed, 1);
	p = &closed[0];
	assert_int_equal(p->ehlo_sent, 1);
	assert_int_equal(p->helo_used, 1);
	assert_int_equal(p->greeting_seen, 1);
	assert_int_equal(p->starttls_offered, 0);
	assert_int_equal(p->ehlo.helo, 1);
	assert_int_equal(p->ehlo.code, 250);
	assert_int_equal(p->ehlo.nkeywords, 0);
	assert_string_equal(p->ehlo.greeting,
	    "legacy.example.net Hello [198.51.100.7]");
	assert_string_equal(p->host, "legacy.example.net");
	assert_int_equal(p->attempted, 1);
	assert_int_equal(p->accepted, 1);
	check_evidence_lines(p, lines, n);
	drv_free(&d);
}

/* EHLO refused and nothing else: the 500 is kept, no greeting seen. */
static void
test_session_ehlo_refused_only(void **state)
{
	static const struct step steps[] = {
		{ '+', "", "", 0 },
		{ '<', "220 legacy.example.net ESMTP", "", 0 },
		{ '>', "EHLO mail.contoso.com", "", 0 },
		{ '<', "500 5.5.1 Command unrecognized", "", 0 },
		{ '>', "QUIT", "", 0 },
		{ '-', "", "Local", 0 },
	};
	const struct snap *p;
	struct drv d;

	(void)state;
	drv_init(&d);
	run(&d, ID, steps, NELEM(steps), NULL, 0);
	p = &closed[0];
	assert_int_equal(p->greeting_seen, 0);
	assert_int_equal(p->ehlo.code, 500);
	assert_int_equal(p->helo_used, 0);
	assert_int_equal(p->ehlo_sent, 1);
	drv_free(&d);
}

/*
 * A second EHLO reply before TLS is read aside, each of its lines, and
 * copied over the first only when complete and positive: a refused one
 * leaves the first as it was, an accepted one takes its place whole.
 */
static void
test_session_second_ehlo_reply(void **state)
{
	static const struct step refused[] = {
		{ '+', "", "", 0 },
		{ '<', "220 mx.example.net ESMTP", "", 0 },
		{ '>', "EHLO mail.contoso.com", "", 0 },
		{ '<', "250-mx.example.net Hello [192.0.2.1]", "", 0 },
		{ '<', "250-SIZE 1000", "", 0 },
		{ '<', "250 PIPELINING", "", 0 },
		{ '>', "EHLO mail.contoso.com", "", 0 },
		{ '<', "550-mx.example.net no", "", 0 },
		{ '<', "550-STARTTLS", "", 0 },
		{ '<', "550 not now", "", 0 },
		{ '>', "QUIT", "", 0 },
		{ '-', "", "Local", 0 },
	};
	static const struct step accepted[] = {
		{ '+', "", "", 0 },
		{ '<', "220 mx.example.net ESMTP", "", 0 },
		{ '>', "EHLO mail.contoso.com", "", 0 },
		{ '<', "250-mx.example.net Hello [192.0.2.1]", "", 0 },
		{ '<', "250-SIZE 1000", "", 0 },
		{ '<', "250 PIPELINING", "", 0 },
		{ '>', "EHLO mail.contoso.com", "", 0 },
		{ '<', "250-mx2.example.net Hello [192.0.2.1]", "", 0 },
		{ '<', "250-STARTTLS", "", 0 },
		{ '<', "250-X-ANONYMOUSTLS", "", 0 },
		{ '<', "250 8BITMIME", "", 0 },
		{ '>', "QUIT", "", 0 },
		{ '-', "", "Local", 0 },
	};
	const struct snap *p;
	struct drv d;

	(void)state;
	drv_init(&d);
	run(&d, ID, refused, NELEM(refused), NULL, 0);
	run(&d, ID2, accepted, NELEM(accepted), NULL, 0);
	assert_int_equal(nclosed, 2);
	p = find_closed(ID, d.folder);
	assert_int_equal(p->ehlo.code, 250);
	assert_int_equal(p->ehlo.lines, 3);
	assert_int_equal(p->ehlo.nkeywords, 2);
	assert_string_equal(p->ehlo.keywords[0], "SIZE");
	assert_string_equal(p->ehlo.keywords[1], "PIPELINING");
	assert_int_equal(p->starttls_offered, 0);
	p = find_closed(ID2, d.folder);
	assert_int_equal(p->ehlo.code, 250);
	assert_int_equal(p->ehlo.lines, 4);
	assert_string_equal(p->ehlo.greeting,
	    "mx2.example.net Hello [192.0.2.1]");
	assert_int_equal(p->ehlo.nkeywords, 3);
	assert_string_equal(p->ehlo.keywords[0], "STARTTLS");
	assert_string_equal(p->ehlo.keywords[1], "X-ANONYMOUSTLS");
	assert_string_equal(p->ehlo.keywords[2], "8BITMIME");
	assert_int_equal(p->starttls_offered, 1);
	drv_free(&d);
}

/* A masked banner: the host name comes from the EHLO greeting. */
static void
test_session_masked_banner(void **state)
{
	unsigned long lines[32];
	const struct snap *p;
	struct drv d;
	size_t n;

	(void)state;
	drv_init(&d);
	n = run(&d, ID, masked, NELEM(masked), lines, NELEM(lines));
	p = &closed[0];
	assert_int_equal(p->banner_masked, 1);
	assert_string_equal(p->host, "mx.fabrikam.com");
	assert_int_equal(p->ehlo.placeholders, 1);
	assert_int_equal(p->starttls_offered, 0);
	assert_int_equal(p->greeting_seen, 1);
	check_evidence_lines(p, lines, n);
	drv_free(&d);
}

/* Where remote_host comes from, case by case. */
static void
test_session_remote_host(void **state)
{
	static const struct {
		const char	*banner, *greeting;
		const char	*host;
		int		 masked;
	} cases[] = {
		{ "220 mx1.fabrikam.com ESMTP",
		  "250 mx2.fabrikam.com Hello [198.51.100.7] SIZE 1000",
		  "mx1.fabrikam.com", 0 },	/* the banner wins */
		{ "220 ****************",
		  "250 mx2.fabrikam.com Hello [198.51.100.7] SIZE 1000",
		  "mx2.fabrikam.com", 1 },
		{ "220 ****************", "250 ******************** SIZE 1000",
		  "<NULL>", 1 },
		{ "220 [192.0.2.4] ready", "250 mx3.fabrikam.com SIZE 1000",
		  "mx3.fabrikam.com", 0 },
		{ "220", "250 mx4.fabrikam.com", "mx4.fabrikam.com", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		struct drv d;

		snprintf(where, sizeof where, "case %zu (%s / %s)", i,
		    cases[i].banner, cases[i].greeting);
		drv_init(&d);
		feed(&d, ID, '+', "", "");
		feed(&d, ID, '<', cases[i].banner, "");
		feed(&d, ID, '>', "EHLO mail.contoso.com", "");
		feed(&d, ID, '<', cases[i].greeting, "");
		feed(&d, ID, '-', "", "Local");
		CHECK_INT(nclosed, 1);
		CHECK_STR(closed[0].host, cases[i].host);
		CHECK_INT(closed[0].banner_masked, cases[i].masked);
		drv_free(&d);
	}
}

/*
 * A log that lost a session's "+" row: a 220 reply that answers no
 * command is its banner while the session has no evidence yet, and is
 * then kept, its host name taken; later, it is none of that.
 */
static void
test_session_banner_without_plus(void **state)
{
	struct drv d;

	(void)state;
	drv_init(&d);
	feed(&d, ID, '<', "220 mx1.fabrikam.com ESMTP", "");
	feed(&d, ID, '-', "", "Local");
	CHECK_INT(nclosed, 1);
	CHECK_STR(closed[0].host, "mx1.fabrikam.com");
	CHECK_INT(closed[0].nevidence, 2);
	drv_free(&d);

	drv_init(&d);
	feed(&d, ID, '*', "", TLS_UP);
	feed(&d, ID, '<', "220 mx1.fabrikam.com ESMTP", "");
	feed(&d, ID, '<', "220 ****** ESMTP", "");
	feed(&d, ID, '-', "", "Local");
	CHECK_INT(nclosed, 1);
	CHECK_STR(closed[0].host, "<NULL>");
	CHECK_INT(closed[0].banner_masked, 0);
	CHECK_INT(closed[0].nevidence, 2);	/* the TLS row, the "-" */
	drv_free(&d);
}

/*
 * A banner's host name of 255 bytes is the remote host; one of 256 is
 * none, and the greeting's is taken.
 */
static void
test_session_remote_host_length(void **state)
{
	char banner[300], name[260];
	size_t n;

	(void)state;
	for (n = 254; n <= 257; n++) {
		struct drv d;

		memset(name, 'a', n);
		name[n] = '\0';
		snprintf(banner, sizeof banner, "220 %s ESMTP", name);
		snprintf(where, sizeof where, "name of %zu bytes", n);
		drv_init(&d);
		feed(&d, ID, '+', "", "");
		feed(&d, ID, '<', banner, "");
		feed(&d, ID, '>', "EHLO mail.contoso.com", "");
		feed(&d, ID, '<', "250 mx2.fabrikam.com Hello [198.51.100.7]",
		    "");
		feed(&d, ID, '-', "", "Local");
		CHECK_INT(nclosed, 1);
		CHECK_STR(closed[0].host, n < 256 ? name : "mx2.fabrikam.com");
		drv_free(&d);
	}
}

/*
 * After TLS is up, the second EHLO reply (without STARTTLS) does not
 * replace the first nor clear starttls_offered.
 */
static void
test_session_ehlo_after_tls(void **state)
{
	struct drv d;
	char kw[512];

	(void)state;
	drv_init(&d);
	feed(&d, ID, '+', "", "");
	feed(&d, ID, '<', "220 mx.fabrikam.com ESMTP", "");
	feed(&d, ID, '>', "EHLO mail.contoso.com", "");
	feed(&d, ID, '<', "250 mx.fabrikam.com Hello [198.51.100.7] SIZE 1000 "
	    "STARTTLS PIPELINING", "");
	feed(&d, ID, '>', "STARTTLS", "");
	feed(&d, ID, '<', "220 2.0.0 Ready to start TLS", "");
	feed(&d, ID, '*', "", TLS_UP);
	feed(&d, ID, '>', "EHLO mail.contoso.com", "");
	feed(&d, ID, '<', "250-other.fabrikam.com Hello [203.0.113.1]", "");
	feed(&d, ID, '<', "250-AUTH LOGIN", "");
	feed(&d, ID, '<', "250 CHUNKING", "");
	feed(&d, ID, '-', "", "Local");
	assert_int_equal(nclosed, 1);
	assert_int_equal(closed[0].tls_up, 1);
	assert_int_equal(closed[0].starttls_offered, 1);
	assert_int_equal(closed[0].ehlo.starttls, 1);
	assert_int_equal(closed[0].ehlo.lines, 1);
	assert_string_equal(closed[0].ehlo.greeting,
	    "mx.fabrikam.com Hello [198.51.100.7]");
	join_keywords(&closed[0].ehlo, kw, sizeof kw);
	assert_string_equal(kw, "SIZE STARTTLS PIPELINING");
	assert_string_equal(closed[0].host, "mx.fabrikam.com");
	drv_free(&d);
}

/*
 * A reply cut short has not been seen: the first of a session, read
 * straight into its EHLO reply, is taken back when the session closes
 * in its middle, with the "-" row or with TLS up before its end; a later
 * one leaves the complete one before it.
 */
static void
test_session_ehlo_cut_short(void **state)
{
	struct drv d;

	(void)state;
	drv_init(&d);
	feed(&d, ID, '+', "", "");
	feed(&d, ID, '<', "220 mx.fabrikam.com ESMTP", "");
	feed(&d, ID, '>', "EHLO mail.contoso.com", "");
	feed(&d, ID, '<', "250-other.fabrikam.com Hello [203.0.113.1]", "");
	feed(&d, ID, '<', "250-STARTTLS", "");
	feed(&d, ID, '-', "", "Local");

	feed(&d, ID2, '+', "", "");
	feed(&d, ID2, '<', "220 mx.fabrikam.com ESMTP", "");
	feed(&d, ID2, '>', "EHLO mail.contoso.com", "");
	feed(&d, ID2, '<', "250-other.fabrikam.com Hello [203.0.113.1]", "");
	feed(&d, ID2, '<', "250-SIZE 1000", "");
	feed(&d, ID2, '*', "", TLS_UP);
	feed(&d, ID2, '<', "250 PIPELINING", "");
	feed(&d, ID2, '-', "", "Local");

	feed(&d, ID3, '+', "", "");
	feed(&d, ID3, '<', "220 mx.fabrikam.com ESMTP", "");
	feed(&d, ID3, '>', "EHLO mail.contoso.com", "");
	feed(&d, ID3, '<', "500 5.5.1 Command unrecognized", "");
	feed(&d, ID3, '>', "HELO mail.contoso.com", "");
	feed(&d, ID3, '<', "250-other.fabrikam.com Hello", "");
	feed(&d, ID3, '-', "", "Local");

	assert_int_equal(nclosed, 3);
	assert_int_equal(closed[0].ehlo.lines, 0);
	assert_int_equal(closed[0].ehlo.code, -1);
	assert_int_equal(closed[0].ehlo.nkeywords, 0);
	assert_int_equal(closed[0].ehlo.starttls, 0);
	assert_string_equal(closed[0].ehlo.greeting, "");
	assert_int_equal(closed[0].greeting_seen, 0);
	assert_string_equal(closed[0].host, "mx.fabrikam.com");

	assert_int_equal(closed[1].tls_up, 1);
	assert_int_equal(closed[1].ehlo.lines, 0);
	assert_int_equal(closed[1].ehlo.nkeywords, 0);
	assert_string_equal(closed[1].ehlo.greeting, "");

	assert_int_equal(closed[2].ehlo.lines, 1);
	assert_int_equal(closed[2].ehlo.code, 500);
	assert_int_equal(closed[2].ehlo.helo, 0);
	assert_int_equal(closed[2].helo_used, 1);
	assert_int_equal(closed[2].greeting_seen, 0);
	drv_free(&d);
}

/*
 * Messages: attempted counts MAIL FROM; accepted counts a 2xx after
 * "BDAT n LAST" or after DATA's 354, never a 250 to MAIL or RCPT.
 */
static void
test_session_messages(void **state)
{
	static const struct {
		const char	*name;
		struct step	 steps[16];
		unsigned	 attempted, accepted;
	} cases[] = {
		{ "pipelined MAIL, RCPT, BDAT LAST",
		  { { '>', "MAIL FROM:<a@contoso.com> SIZE=6074", "", 0 },
		    { '>', "RCPT TO:<b@fabrikam.com>", "", 0 },
		    { '<', "250 2.1.0 Sender OK", "", 0 },
		    { '<', "250 2.1.5 Recipient OK", "", 0 },
		    { '>', "BDAT 6074 LAST", "", 0 },
		    { '<', "250 2.6.0 Queued mail for delivery", "", 0 },
		    { 0, NULL, NULL, 0 } }, 1, 1 },
		{ "250 to MAIL and RCPT only",
		  { { '>', "MAIL FROM:<a@contoso.com>", "", 0 },
		    { '>', "RCPT TO:<b@fabrikam.com>", "", 0 },
		    { '<', "250 2.1.0 Sender OK", "", 0 },
		    { '<', "250 2.1.5 Recipient OK", "", 0 },
		    { '>', "QUIT", "", 0 },
		    { '<', "221 2.0.0 Bye", "", 0 },
		    { 0, NULL, NULL, 0 } }, 1, 0 },
		{ "DATA, 354, 250",
		  { { '>', "MAIL FROM:<a@contoso.com>", "", 0 },
		    { '<', "250 2.1.0 Ok", "", 0 },
		    { '>', "RCPT TO:<b@fabrikam.com>", "", 0 },
		    { '<', "250 2.1.5 Ok", "", 0 },
		    { '>', "DATA", "", 0 },
		    { '<', "354 Start mail input", "", 0 },
		    { '<', "250 2.0.0 Ok: queued", "", 0 },
		    { 0, NULL, NULL, 0 } }, 1, 1 },
		{ "pipelined MAIL, RCPT, DATA",
		  { { '>', "MAIL FROM:<a@contoso.com>", "", 0 },
		    { '>', "RCPT TO:<b@fabrikam.com>", "", 0 },
		    { '>', "DATA", "", 0 },
		    { '<', "250 2.1.0 Ok", "", 0 },
		    { '<', "250 2.1.5 Ok", "", 0 },
		    { '<', "354 Start mail input", "", 0 },
		    { '<', "250 2.0.0 Ok: queued", "", 0 },
		    { 0, NULL, NULL, 0 } }, 1, 1 },
		{ "BDAT chunks, the LAST one accepted",
		  { { '>', "MAIL FROM:<a@contoso.com>", "", 0 },
		    { '>', "RCPT TO:<b@fabrikam.com>", "", 0 },
		    { '<', "250 2.1.0 Sender OK", "", 0 },
		    { '<', "250 2.1.5 Recipient OK", "", 0 },
		    { '>', "BDAT 65536", "", 0 },
		    { '<', "250 2.0.0 BDAT ok", "", 0 },
		    { '>', "BDAT 100 LAST", "", 0 },
		    { '<', "250 2.6.0 Queued", "", 0 },
		    { 0, NULL, NULL, 0 } }, 1, 1 },
		{ "rejected after BDAT LAST",
		  { { '>', "MAIL FROM:<a@contoso.com>", "", 0 },
		    { '>', "RCPT TO:<b@fabrikam.com>", "", 0 },
		    { '<', "250 2.1.0 Sender OK", "", 0 },
		    { '<', "250 2.1.5 Recipient OK", "", 0 },
		    { '>', "BDAT 6074 LAST", "", 0 },
		    { '<', "550 5.7.1 Message rejected as spam", "", 0 },
		    { 0, NULL, NULL, 0 } }, 1, 0 },
		{ "rejected after DATA's 354",
		  { { '>', "MAIL FROM:<a@contoso.com>", "", 0 },
		    { '<', "250 2.1.0 Ok", "", 0 },
		    { '>', "RCPT TO:<b@fabrikam.com>", "", 0 },
		    { '<', "250 2.1.5 Ok", "", 0 },
		    { '>', "DATA", "", 0 },
		    { '<', "354 Start mail input", "", 0 },
		    { '<', "451 4.3.0 Try again later", "", 0 },
		    { 0, NULL, NULL, 0 } }, 1, 0 },
		{ "DATA refused with no 354",
		  { { '>', "MAIL FROM:<a@contoso.com>", "", 0 },
		    { '<', "250 2.1.0 Ok", "", 0 },
		    { '>', "RCPT TO:<b@fabrikam.com>", "", 0 },
		    { '<', "550 5.1.1 No such user", "", 0 },
		    { '>', "DATA", "", 0 },
		    { '<', "554 5.5.1 No valid recipients", "", 0 },
		    { '>', "QUIT", "", 0 },
		    { '<', "221 2.0.0 Bye", "", 0 },
		    { 0, NULL, NULL, 0 } }, 1, 0 },
		{ "MAIL refused: STARTTLS first",
		  { { '>', "MAIL FROM:<a@contoso.com>", "", 0 },
		    { '<', "530 5.7.0 Must issue a STARTTLS command first", "",
		      0 },
		    { '>', "QUIT", "", 0 },
		    { 0, NULL, NULL, 0 } }, 1, 0 },
		{ "two messages",
		  { { '>', "MAIL FROM:<a@contoso.com>", "", 0 },
		    { '>', "RCPT TO:<b@fabrikam.com>", "", 0 },
		    { '<', "250 2.1.0 Sender OK", "", 0 },
		    { '<', "250 2.1.5 Recipient OK", "", 0 },
		    { '>', "BDAT 10 LAST", "", 0 },
		    { '<', "250 2.6.0 Queued", "", 0 },
		    { '>', "MAIL FROM:<c@contoso.com>", "", 0 },
		    { '>', "RCPT TO:<d@fabrikam.com>", "", 0 },
		    { '<', "250 2.1.0 Sender OK", "", 0 },
		    { '<', "250 2.1.5 Recipient OK", "", 0 },
		    { '>', "BDAT 20 LAST", "", 0 },
		    { '<', "250 2.6.0 Queued", "", 0 },
		    { 0, NULL, NULL, 0 } }, 2, 2 },
		{ "no message",
		  { { '>', "QUIT", "", 0 },
		    { '<', "221 2.0.0 Bye", "", 0 },
		    { 0, NULL, NULL, 0 } }, 0, 0 },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		struct drv d;

		snprintf(where, sizeof where, "case %zu (%s)", i,
		    cases[i].name);
		drv_init(&d);
		feed(&d, ID, '+', "", "");
		feed(&d, ID, '<', "220 mx.fabrikam.com ESMTP", "");
		feed(&d, ID, '>', "EHLO mail.contoso.com", "");
		feed(&d, ID, '<', "250 mx.fabrikam.com Hello [198.51.100.7] "
		    "SIZE 1000 PIPELINING CHUNKING", "");
		for (j = 0; cases[i].steps[j].event != 0; j++)
			feed(&d, ID, cases[i].steps[j].event,
			    cases[i].steps[j].data, cases[i].steps[j].context);
		feed(&d, ID, '-', "", "Local");
		CHECK_INT(nclosed, 1);
		CHECK_INT(closed[0].attempted, cases[i].attempted);
		CHECK_INT(closed[0].accepted, cases[i].accepted);
		drv_free(&d);
	}
}

/*
 * Commands are told by their verb in any case, followed by nothing, a
 * space or a colon; nothing else is taken for one.
 */
static void
test_session_command_verbs(void **state)
{
	/*
	 * Messages accepted: data_ok after "354" then "250" (DATA),
	 * bdat_ok after "250" alone (BDAT ... LAST).
	 */
	static const struct {
		const char	*data;
		int		 ehlo, helo, starttls;
		unsigned	 attempted;
		const char	*rcpt;
		unsigned	 data_ok, bdat_ok;
	} cases[] = {
		{ "EHLO mail.contoso.com", 1, 0, 0, 0, NULL, 0, 0 },
		{ "ehlo mail.contoso.com", 1, 0, 0, 0, NULL, 0, 0 },
		{ "eHlO", 1, 0, 0, 0, NULL, 0, 0 },
		{ "EHLO:", 1, 0, 0, 0, NULL, 0, 0 },
		{ "EHLOx mail.contoso.com", 0, 0, 0, 0, NULL, 0, 0 },
		{ "EHL", 0, 0, 0, 0, NULL, 0, 0 },
		{ "EHL\xcf mail", 0, 0, 0, 0, NULL, 0, 0 },
		{ "\xc5HLO mail", 0, 0, 0, 0, NULL, 0, 0 },
		{ " EHLO mail", 0, 0, 0, 0, NULL, 0, 0 },
		{ "\x05HLO mail", 0, 0, 0, 0, NULL, 0, 0 },
		{ "%hlo mail", 0, 0, 0, 0, NULL, 0, 0 },
		{ "EH\x0cO mail", 0, 0, 0, 0, NULL, 0, 0 },
		{ "HELO mail.contoso.com", 0, 1, 0, 0, NULL, 0, 0 },
		{ "helo", 0, 1, 0, 0, NULL, 0, 0 },
		{ "HELO-", 0, 0, 0, 0, NULL, 0, 0 },
		{ "STARTTLS", 0, 0, 1, 0, NULL, 0, 0 },
		{ "starttls", 0, 0, 1, 0, NULL, 0, 0 },
		{ "StartTls ", 0, 0, 1, 0, NULL, 0, 0 },
		{ "STARTTLSX", 0, 0, 0, 0, NULL, 0, 0 },
		{ "STARTTL", 0, 0, 0, 0, NULL, 0, 0 },
		{ "MAIL FROM:<a@contoso.com>", 0, 0, 0, 1, NULL, 0, 0 },
		{ "mail from:<>", 0, 0, 0, 1, NULL, 0, 0 },
		{ "MAIL:", 0, 0, 0, 1, NULL, 0, 0 },
		{ "MAILFROM:<>", 0, 0, 0, 0, NULL, 0, 0 },
		{ "MAI", 0, 0, 0, 0, NULL, 0, 0 },
		{ "RCPT TO:<a@Fabrikam.COM>", 0, 0, 0, 0, "fabrikam.com", 0,
		    0 },
		{ "rcpt to:<a@b.example>", 0, 0, 0, 0, "b.example", 0, 0 },
		{ "RCPT:<a@b.example>", 0, 0, 0, 0, "b.example", 0, 0 },
		{ "RCPTTO:<a@b.example>", 0, 0, 0, 0, NULL, 0, 0 },
		{ "RCP <a@b.example>", 0, 0, 0, 0, NULL, 0, 0 },
		{ "R\xc3PT TO:<a@b.example>", 0, 0, 0, 0, NULL, 0, 0 },
		{ "DATA", 0, 0, 0, 0, NULL, 1, 0 },
		{ "data", 0, 0, 0, 0, NULL, 1, 0 },
		{ "DATA ", 0, 0, 0, 0, NULL, 1, 0 },
		{ "DATAX", 0, 0, 0, 0, NULL, 0, 0 },
		{ "DAT", 0, 0, 0, 0, NULL, 0, 0 },
		{ "BDAT 100 LAST", 0, 0, 0, 0, NULL, 0, 1 },
		{ "bdat 100 LAST", 0, 0, 0, 0, NULL, 0, 1 },
		{ "BDAT 0 LAST ", 0, 0, 0, 0, NULL, 0, 1 },
		{ "BDAT 100", 0, 0, 0, 0, NULL, 0, 0 },
		{ "BDAT 100 last", 0, 0, 0, 0, NULL, 0, 0 },
		{ "BDAT 100 LAS", 0, 0, 0, 0, NULL, 0, 0 },
		{ "BDAT100 LAST", 0, 0, 0, 0, NULL, 0, 0 },
		{ "QUIT", 0, 0, 0, 0, NULL, 0, 0 },
		{ "quit", 0, 0, 0, 0, NULL, 0, 0 },
		{ "", 0, 0, 0, 0, NULL, 0, 0 },
	};
	static const char *const replies[][2] = {
		{ "354 Start mail input", "250 2.6.0 Queued mail" },
		{ "250 2.6.0 Queued mail", NULL },
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		for (k = 0; k < NELEM(replies); k++) {
			struct drv d;

			snprintf(where, sizeof where, "case %zu (\"%s\"), "
			    "replies %zu", i, cases[i].data, k);
			drv_init(&d);
			feed(&d, ID, '+', "", "");
			feed(&d, ID, '<', "220 mx.fabrikam.com ESMTP", "");
			feed(&d, ID, '>', cases[i].data, "");
			feed(&d, ID, '<', replies[k][0], "");
			if (replies[k][1] != NULL)
				feed(&d, ID, '<', replies[k][1], "");
			feed(&d, ID, '-', "", "Local");
			CHECK_INT(nclosed, 1);
			CHECK_INT(closed[0].ehlo_sent, cases[i].ehlo);
			CHECK_INT(closed[0].helo_used, cases[i].helo);
			CHECK_INT(closed[0].starttls_issued,
			    cases[i].starttls);
			CHECK_INT(closed[0].attempted, cases[i].attempted);
			assert_string_equal(closed[0].rcpt,
			    cases[i].rcpt != NULL ? cases[i].rcpt : "<NULL>");
			CHECK_INT(closed[0].accepted, k == 0 ?
			    cases[i].data_ok : cases[i].bdat_ok);
			drv_free(&d);
		}
	}
}

/*
 * An information row is evidence when its context says "TLS" or "Tls";
 * TLS is up when it says both "TLS protocol" and "negotiation succeeded".
 */
static void
test_session_information_tls(void **state)
{
	static const struct {
		const char	*context;
		int		 evidence, tls_up;
	} cases[] = {
		{ "TLS", 1, 0 },
		{ "Tls", 1, 0 },
		{ "tls", 0, 0 },
		{ "TLs", 0, 0 },
		{ "TlS", 0, 0 },
		{ "T", 0, 0 },
		{ "TL", 0, 0 },
		{ "", 0, 0 },
		{ "Sending certificate", 0, 0 },
		{ "xxTLS", 1, 0 },
		{ "TTLS", 1, 0 },
		{ "TLTls", 1, 0 },
		{ "T LS Tl s", 0, 0 },
		{ "STARTTLS negotiation", 1, 0 },
		{ "TlsCertificate validation", 1, 0 },
		{ TLS_UP, 1, 1 },
		{ "negotiation succeeded after TLS protocol", 1, 1 },
		{ "Tls protocol negotiation succeeded", 1, 0 },
		{ "TLS protocol negotiation failed", 1, 0 },
		{ "TLS protocolnegotiation succeeded", 1, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		struct drv d;

		snprintf(where, sizeof where, "case %zu (\"%s\")", i,
		    cases[i].context);
		drv_init(&d);
		feed(&d, ID, '+', "", "");
		feed(&d, ID, '*', "", cases[i].context);
		feed(&d, ID, '-', "", "Local");
		CHECK_INT(nclosed, 1);
		/* The "-" row is evidence too. */
		CHECK_INT(closed[0].nevidence, 1 + cases[i].evidence);
		CHECK_INT(closed[0].tls_up, cases[i].tls_up);
		drv_free(&d);
	}
}

/* Two interleaved sessions keep their own facts. */
static void
test_session_interleaved(void **state)
{
	const struct snap *a, *b;
	struct drv d;

	(void)state;
	drv_init(&d);
	d.connector = "Outbound to Office 365";
	d.remote = "104.47.1.2:25";
	feed(&d, ID, '+', "", "");
	d.connector = "Internet, Partners";
	d.remote = "192.0.2.45:25";
	feed(&d, ID2, '+', "", "");
	feed(&d, ID2, '<', "220 mx.partner.example ESMTP", "");
	d.connector = "Outbound to Office 365";
	d.remote = "104.47.1.2:25";
	feed(&d, ID, '<', "220 XX.mail.protection.outlook.com ESMTP", "");
	feed(&d, ID, '>', "EHLO mail.contoso.com", "");
	d.connector = "Internet, Partners";
	d.remote = "192.0.2.45:25";
	feed(&d, ID2, '>', "EHLO mail.contoso.com", "");
	d.connector = "Outbound to Office 365";
	d.remote = "104.47.1.2:25";
	feed(&d, ID, '<', "250-XX.mail.protection.outlook.com Hello "
	    "[198.51.100.7]", "");
	d.connector = "Internet, Partners";
	d.remote = "192.0.2.45:25";
	feed(&d, ID2, '<', "250-mx.partner.example", "");
	d.connector = "Outbound to Office 365";
	d.remote = "104.47.1.2:25";
	feed(&d, ID, '<', "250-STARTTLS", "");
	d.connector = "Internet, Partners";
	d.remote = "192.0.2.45:25";
	feed(&d, ID2, '<', "250-SIZE 1000", "");
	d.connector = "Outbound to Office 365";
	d.remote = "104.47.1.2:25";
	feed(&d, ID, '<', "250 SIZE 157286400", "");
	d.connector = "Internet, Partners";
	d.remote = "192.0.2.45:25";
	feed(&d, ID2, '<', "250 8BITMIME", "");
	feed(&d, ID2, '>', "MAIL FROM:<a@contoso.com>", "");
	d.connector = "Outbound to Office 365";
	d.remote = "104.47.1.2:25";
	feed(&d, ID, '-', "", "Local");
	assert_int_equal(nclosed, 1);
	d.connector = "Internet, Partners";
	d.remote = "192.0.2.45:25";
	feed(&d, ID2, '-', "", "Remote");
	assert_int_equal(nclosed, 2);

	a = find_closed(ID, FOLDER_A);
	b = find_closed(ID2, FOLDER_A);
	assert_ptr_equal(a, &closed[0]);
	assert_string_equal(a->connector, "Outbound to Office 365");
	assert_string_equal(b->connector, "Internet, Partners");
	assert_string_equal(a->remote, "104.47.1.2:25");
	assert_string_equal(b->remote, "192.0.2.45:25");
	assert_string_equal(a->host, "XX.mail.protection.outlook.com");
	assert_string_equal(b->host, "mx.partner.example");
	assert_int_equal(a->starttls_offered, 1);
	assert_int_equal(b->starttls_offered, 0);
	assert_int_equal(a->ehlo.nkeywords, 2);
	assert_int_equal(b->ehlo.nkeywords, 2);
	assert_true(ehlo_has(&b->ehlo, "8BITMIME"));
	assert_false(ehlo_has(&a->ehlo, "8BITMIME"));
	assert_int_equal(a->attempted, 0);
	assert_int_equal(b->attempted, 1);
	assert_int_equal(a->line, 1);
	assert_int_equal(b->line, 2);
	assert_int_equal(a->complete, 1);
	assert_int_equal(b->complete, 1);
	drv_free(&d);
}

/* The same session id in two folders is two sessions. */
static void
test_session_same_id_two_folders(void **state)
{
	const struct snap *a, *b;
	struct drv d;

	(void)state;
	assert_ptr_not_equal(FOLDER_A, FOLDER_B);
	drv_init(&d);
	d.folder = FOLDER_A;
	feed(&d, ID, '+', "", "");
	d.folder = FOLDER_B;
	feed(&d, ID, '+', "", "");
	d.folder = FOLDER_A;
	feed(&d, ID, '<', "220 a.example.com ESMTP", "");
	d.folder = FOLDER_B;
	feed(&d, ID, '<', "220 b.example.com ESMTP", "");
	d.folder = FOLDER_A;
	feed(&d, ID, '>', "MAIL FROM:<a@contoso.com>", "");
	assert_int_equal(nclosed, 0);
	assert_int_equal(sessions_stats(d.t)->open_max, 2);
	sessions_close_all(d.t);
	assert_int_equal(nclosed, 2);
	/* in the order of their first rows */
	assert_ptr_equal(closed[0].folder, FOLDER_A);
	assert_ptr_equal(closed[1].folder, FOLDER_B);
	a = find_closed(ID, FOLDER_A);
	b = find_closed(ID, FOLDER_B);
	assert_string_equal(a->host, "a.example.com");
	assert_string_equal(b->host, "b.example.com");
	assert_int_equal(a->attempted, 1);
	assert_int_equal(b->attempted, 0);
	assert_int_equal(a->line, 1);
	assert_int_equal(b->line, 2);
	drv_free(&d);
}

/*
 * A session closes at its "-" row, after sessions_end_row(); the others
 * close incomplete at sessions_close_all(), in first-row order.
 */
static void
test_session_close_order(void **state)
{
	struct drv d;
	struct row row;
	struct session *s;
	const struct session_stats *st;

	(void)state;
	drv_init(&d);
	feed(&d, ID3, '*', "", "attempting to connect");
	feed(&d, ID, '*', "", "attempting to connect");
	feed(&d, ID2, '*', "", "attempting to connect");
	feed(&d, ID, '+', "", "");
	feed(&d, ID3, '+', "", "");
	assert_int_equal(sessions_stats(d.t)->open_max, 3);

	/* ID's "-" row: still open until the row is ended */
	make_row(&d, &row, ID, '-', "", "Local");
	s = sessions_feed(d.t, d.folder, &row);
	assert_non_null(s);
	assert_int_equal(nclosed, 0);
	assert_string_equal(s->id, ID);
	assert_int_equal(s->nevidence, 1);
	sessions_end_row(d.t, s);
	assert_int_equal(nclosed, 1);
	assert_string_equal(closed[0].id, ID);
	assert_int_equal(closed[0].complete, 1);

	/* ending a row that is not "-" closes nothing */
	make_row(&d, &row, ID2, '>', "EHLO mail.contoso.com", "");
	s = sessions_feed(d.t, d.folder, &row);
	sessions_end_row(d.t, s);
	assert_int_equal(nclosed, 1);

	sessions_close_all(d.t);
	assert_int_equal(nclosed, 3);
	assert_string_equal(closed[1].id, ID3);
	assert_int_equal(closed[1].complete, 0);
	assert_string_equal(closed[2].id, ID2);
	assert_int_equal(closed[2].complete, 0);

	st = sessions_stats(d.t);
	assert_int_equal(st->complete, 1);
	assert_int_equal(st->incomplete, 2);
	assert_int_equal(st->open_max, 3);

	/* a new session after close_all is a new session */
	feed(&d, ID, '*', "", "attempting to connect");
	assert_int_equal(nclosed, 3);
	drv_free(&d);		/* closes it */
	assert_int_equal(nclosed, 4);
	assert_string_equal(closed[3].id, ID);
	assert_int_equal(closed[3].complete, 0);
}

/* A session that goes on in the next file keeps its first file:line. */
static void
test_session_across_files(void **state)
{
	struct drv d;

	(void)state;
	drv_init(&d);
	feed(&d, ID, '+', "", "");
	feed(&d, ID, '<', "220 mx.fabrikam.com ESMTP", "");
	feed(&d, ID, '>', "EHLO mail.contoso.com", "");
	feed(&d, ID, '<', "250-mx.fabrikam.com Hello [198.51.100.7]", "");
	d.file = FILE_A2;
	d.line = 5;		/* after the next file's header */
	feed(&d, ID, '<', "250-SIZE 1000", "");
	feed(&d, ID, '<', "250 STARTTLS", "");
	feed(&d, ID, '-', "", "Local");
	assert_int_equal(nclosed, 1);
	assert_ptr_equal(closed[0].file, FILE_A);
	assert_int_equal(closed[0].line, 1);
	assert_int_equal(closed[0].starttls_offered, 1);
	assert_int_equal(closed[0].nevidence, 6);
	assert_ptr_equal(closed[0].ev[2].file, FILE_A);
	assert_int_equal(closed[0].ev[2].line, 4);
	assert_ptr_equal(closed[0].ev[3].file, FILE_A2);
	assert_int_equal(closed[0].ev[3].line, 6);
	assert_ptr_equal(closed[0].ev[5].file, FILE_A2);
	assert_int_equal(closed[0].ev[5].line, 8);
	drv_free(&d);
}

/* Connector, endpoints, first file:line, start and end. */
static void
test_session_connector_endpoints_times(void **state)
{
	const struct snap *p;
	struct drv d;

	(void)state;
	drv_init(&d);
	d.connector = "\xe7\xbb\x84\xe7\xbb\x87\xe5\x86\x85 SMTP";
	d.local = "";		/* no connection yet */
	feed(&d, ID, '*', "SendRoutingHeaders", "Set Session Permissions");
	feed(&d, ID, '*', "", "attempting to connect");
	d.local = "10.0.1.21:52417";
	feed(&d, ID, '+', "", "");
	d.local = "10.0.1.22:1";	/* only the first one is kept */
	d.remote = "192.0.2.99:25";
	d.connector = "Other";
	feed(&d, ID, '<', "220 mx.fabrikam.com ESMTP", "");
	feed(&d, ID, '-', "", "Local");
	p = &closed[0];
	assert_string_equal(p->connector,
	    "\xe7\xbb\x84\xe7\xbb\x87\xe5\x86\x85 SMTP");
	assert_string_equal(p->local, "10.0.1.21:52417");
	assert_string_equal(p->remote, REMOTE);
	assert_ptr_equal(p->file, FILE_A);
	assert_int_equal(p->line, 1);
	assert_true(p->start == BASE_MS);
	assert_true(p->end == BASE_MS + 4 * STEP_MS);
	drv_free(&d);
}

/* A session whose rows never name an endpoint or connector has NULLs. */
static void
test_session_no_endpoints(void **state)
{
	struct drv d;

	(void)state;
	drv_init(&d);
	d.connector = "";
	d.local = "";
	d.remote = "";
	feed(&d, ID, '*', "", "attempting to connect");
	sessions_close_all(d.t);
	assert_int_equal(nclosed, 1);
	assert_string_equal(closed[0].connector, "<NULL>");
	assert_string_equal(closed[0].local, "<NULL>");
	assert_string_equal(closed[0].remote, "<NULL>");
	assert_string_equal(closed[0].host, "<NULL>");
	assert_int_equal(closed[0].complete, 0);
	assert_int_equal(closed[0].greeting_seen, 0);
	assert_int_equal(closed[0].nevidence, 0);
	drv_free(&d);
}

/*
 * Past the cap, each new row's text takes the room of the one it drops:
 * the texts lie one after another, with nothing between, however many
 * rows come (of all lengths, so that the buffer grows now and then).
 */
static void
test_session_evidence_packed(void **state)
{
	char data[SESSION_TEXT_MAX + 200];
	struct session *s;
	struct row row;
	struct drv d;
	size_t off;
	int i, k;

	(void)state;
	drv_init(&d);
	for (i = 0; i < 400; i++) {
		snprintf(where, sizeof where, "row %d", i);
		memset(data, 'a' + i % 26, sizeof data - 1);
		data[(size_t)(i * 37) % (sizeof data - 1)] = '\0';
		make_row(&d, &row, ID, '*', data, "TLS negotiation failed");
		s = sessions_feed(d.t, d.folder, &row);
		assert_non_null(s);
		for (off = 0, k = 0; k < s->nevidence; k++) {
			CHECK_INT(s->evidence[k].textoff, off);
			assert_ptr_equal(s->evidence[k].text,
			    s->evidence_text + off);
			CHECK_INT(strlen(s->evidence[k].text),
			    s->evidence[k].textlen);
			off += s->evidence[k].textlen + 1;
		}
		CHECK_INT(s->evidence_used, off);
		assert_true(s->evidence_used <= s->evidence_size);
		sessions_end_row(d.t, s);
	}
	drv_free(&d);
}

/*
 * Evidence is capped at SESSION_EVIDENCE_MAX: the first rows are kept and
 * the last slot holds the latest row.
 */
static void
test_session_evidence_cap(void **state)
{
	enum { NROWS = SESSION_EVIDENCE_MAX + 12 };
	char data[NROWS][32];
	unsigned long lines[NROWS + 1];
	const struct snap *p;
	struct drv d;
	int i;

	(void)state;
	drv_init(&d);
	for (i = 0; i < NROWS; i++) {
		snprintf(data[i], sizeof data[i], "attempt %d", i);
		lines[i] = feed(&d, ID, '*', data[i],
		    "TLS negotiation failed with error SocketError");
	}
	lines[NROWS] = feed(&d, ID, '-', "", "Remote");
	assert_int_equal(nclosed, 1);
	p = &closed[0];
	assert_int_equal(p->nevidence, SESSION_EVIDENCE_MAX);
	assert_int_equal(p->evidence_dropped, NROWS + 1 - SESSION_EVIDENCE_MAX);
	for (i = 0; i < SESSION_EVIDENCE_MAX - 1; i++) {
		char want[128];

		snprintf(want, sizeof want, "TLS negotiation failed with "
		    "error SocketError: attempt %d", i);
		assert_int_equal(p->ev[i].line, lines[i]);
		assert_int_equal(p->ev[i].event, '*');
		assert_string_equal(p->ev[i].text, want);
		if (i > 0)
			assert_true(p->ev[i].line > p->ev[i - 1].line);
	}
	/* the last kept is the latest row */
	assert_int_equal(p->ev[SESSION_EVIDENCE_MAX - 1].line, lines[NROWS]);
	assert_int_equal(p->ev[SESSION_EVIDENCE_MAX - 1].event, '-');
	assert_string_equal(p->ev[SESSION_EVIDENCE_MAX - 1].text, "Remote");
	drv_free(&d);
}

/* The text of an evidence row, added by hand with session_add_evidence. */
static void
test_session_evidence_text(void **state)
{
	static const struct {
		char		 event;
		const char	*data, *context, *text;
	} cases[] = {
		{ '*', "CN=mx.fabrikam.com, O=Fabrikam", "Certificate subject",
		  "Certificate subject: CN=mx.fabrikam.com, O=Fabrikam" },
		{ '*', "", "Sending certificate", "Sending certificate" },
		{ '*', "SendRoutingHeaders", "", "SendRoutingHeaders" },
		{ '*', "", TLS_UP, TLS_UP },
		{ '-', "", "Local", "Local" },
		{ '>', "EHLO mail.contoso.com", "ignored",
		  "EHLO mail.contoso.com" },
		{ '<', "250 2.1.0 Sender OK", "", "250 2.1.0 Sender OK" },
		{ '+', "", "", "" },
	};
	struct drv d;
	struct row row;
	struct session *s = NULL;
	size_t i;

	(void)state;
	drv_init(&d);
	for (i = 0; i < NELEM(cases); i++) {
		make_row(&d, &row, ID, cases[i].event, cases[i].data,
		    cases[i].context);
		s = sessions_feed(d.t, d.folder, &row);
		/* twice: kept once */
		session_add_evidence(s, &row);
		session_add_evidence(s, &row);
		/* the "-" row (case 4) ends the first session */
		assert_int_equal(s->nevidence, i < 5 ? (int)i + 1 : (int)i - 4);
		sessions_end_row(d.t, s);
	}
	assert_int_equal(nclosed, 1);	/* the "-" row closed it */
	assert_int_equal(closed[0].nevidence, 5);
	for (i = 0; i < 5; i++) {
		snprintf(where, sizeof where, "case %zu", i);
		CHECK_INT(closed[0].ev[i].event, cases[i].event);
		CHECK_STR(closed[0].ev[i].text, cases[i].text);
		CHECK_INT(closed[0].ev[i].textlen, strlen(cases[i].text));
	}
	sessions_close_all(d.t);
	assert_int_equal(nclosed, 2);
	assert_int_equal(closed[1].nevidence, 3);
	for (i = 5; i < NELEM(cases); i++) {
		snprintf(where, sizeof where, "case %zu", i);
		CHECK_INT(closed[1].ev[i - 5].event, cases[i].event);
		CHECK_STR(closed[1].ev[i - 5].text, cases[i].text);
	}
	drv_free(&d);
}

/* An evidence text is cut at SESSION_TEXT_MAX bytes. */
static void
test_session_evidence_text_cut(void **state)
{
	static char data[3 * SESSION_TEXT_MAX];
	struct drv d;
	struct row row;
	struct session *s;
	size_t n;

	(void)state;
	memset(data, 'd', sizeof data - 1);
	drv_init(&d);
	make_row(&d, &row, ID, '*', data, "Certificate subject");
	s = sessions_feed(d.t, d.folder, &row);
	session_add_evidence(s, &row);
	sessions_end_row(d.t, s);
	sessions_close_all(d.t);
	assert_int_equal(closed[0].nevidence, 1);
	n = closed[0].ev[0].textlen;
	assert_int_equal(n, SESSION_TEXT_MAX);
	assert_memory_equal(closed[0].ev[0].text, "Certificate subject: dd",
	    23);
	assert_int_equal(closed[0].ev[0].text[n - 1], 'd');
	drv_free(&d);
}

/* A row numbered 0 of an open id closes that session, as incomplete. */
static void
test_session_restart_at_zero(void **state)
{
	struct drv d;

	(void)state;
	drv_init(&d);
	feed(&d, ID, '*', "SendRoutingHeaders", "Set Session Permissions");
	feed(&d, ID, '+', "", "");
	d.seq[0].next = 0;	/* the id begins again */
	feed(&d, ID, '*', "SendRoutingHeaders", "Set Session Permissions");
	assert_int_equal(nclosed, 1);
	assert_int_equal(closed[0].complete, 0);
	assert_int_equal(closed[0].line, 1);
	feed(&d, ID, '-', "", "Local");
	assert_int_equal(nclosed, 2);
	assert_int_equal(closed[1].complete, 1);
	assert_int_equal(closed[1].line, 3);
	assert_int_equal(sessions_stats(d.t)->restarted, 1);
	assert_int_equal(sessions_stats(d.t)->incomplete, 1);
	drv_free(&d);
}

/* Repeated sequence numbers and time going back are counted, rows kept. */
static void
test_session_out_of_order(void **state)
{
	struct drv d;

	(void)state;
	drv_init(&d);
	feed(&d, ID, '*', "SendRoutingHeaders", "Set Session Permissions");
	feed(&d, ID, '+', "", "");
	d.seq[0].next = 1;	/* the "+" row again */
	feed(&d, ID, '+', "", "");
	d.time -= 5000;		/* 5 s back */
	feed(&d, ID, '<', "220 mx.fabrikam.com ESMTP", "");
	d.time -= STEP_MS;	/* the same time again: not back */
	feed(&d, ID, '-', "", "Local");
	assert_int_equal(nclosed, 1);
	assert_int_equal(closed[0].complete, 1);
	assert_int_equal(closed[0].nevidence, 2);	/* banner, "-" */
	assert_int_equal(sessions_stats(d.t)->out_of_order, 1);
	assert_int_equal(sessions_stats(d.t)->time_back, 2);
	drv_free(&d);
}

/*
 * A sequence number that is not one (a byte next to the digits, too many
 * digits, none) is never out of order, nor is the row after it.
 */
static void
test_session_sequence_not_number(void **state)
{
	static const char *const seqs[] = {
		"0", "5", ":", "6", "/", "7", "1:", "8", "", "9",
		"1234567890", "10", "\xb1", "11", "0x", "12", " 1", "13",
		"123456789", "12",	/* the one out of order */
	};
	struct row row;
	struct session *s;
	struct drv d;
	size_t i;

	(void)state;
	drv_init(&d);
	for (i = 0; i < NELEM(seqs); i++) {
		snprintf(where, sizeof where, "row %zu (\"%s\")", i, seqs[i]);
		make_row(&d, &row, ID, '*', "", "attempting to connect");
		set_field(&row.sequence, seqs[i]);
		s = sessions_feed(d.t, d.folder, &row);
		assert_non_null(s);
		sessions_end_row(d.t, s);
		CHECK_INT(sessions_stats(d.t)->out_of_order,
		    i + 1 == NELEM(seqs));
	}
	CHECK_INT(sessions_stats(d.t)->restarted, 0);
	drv_free(&d);
}

/*
 * An id of 16 bytes (as Exchange writes) all 0 has the words of a shorter
 * id, 0 as those of all ids of another length: the two are two sessions.
 */
static void
test_session_lookup_zero_words(void **state)
{
	static const char zeros[16];
	struct session *odd, *nul = NULL, *s;
	struct row row;
	struct drv d;
	int i;

	(void)state;
	drv_init(&d);
	make_row(&d, &row, "abc", '*', "", "attempting to connect");
	odd = sessions_feed(d.t, d.folder, &row);
	sessions_end_row(d.t, odd);
	for (i = 0; i < 3; i++) {
		make_row(&d, &row, "", '*', "", "attempting to connect");
		row.session_id.p = zeros;
		row.session_id.len = sizeof zeros;
		set_field(&row.sequence, i == 0 ? "0" : i == 1 ? "1" : "2");
		s = sessions_feed(d.t, d.folder, &row);
		assert_non_null(s);
		assert_ptr_not_equal(s, odd);
		if (i == 0)
			nul = s;
		assert_ptr_equal(s, nul);
		sessions_end_row(d.t, s);
		make_row(&d, &row, "abc", '*', "", "attempting to connect");
		s = sessions_feed(d.t, d.folder, &row);
		assert_ptr_equal(s, odd);
		sessions_end_row(d.t, s);
	}
	assert_int_equal(sessions_stats(d.t)->restarted, 0);
	assert_int_equal(sessions_stats(d.t)->out_of_order, 0);
	assert_int_equal(nclosed, 0);
	drv_free(&d);
}

/*
 * A row numbered 0 after one with no number begins a session, as after
 * a number; what follows a row with no number is in order, whatever it
 * is.
 */
static void
test_session_zero_after_not_number(void **state)
{
	static const char *const seqs[] = {
		"0", "5", ":", "0", "3", ":", "1", ":", ":", "4",
	};
	struct row row;
	struct session *s;
	struct drv d;
	size_t i;

	(void)state;
	drv_init(&d);
	for (i = 0; i < NELEM(seqs); i++) {
		make_row(&d, &row, ID, '*', "", "attempting to connect");
		set_field(&row.sequence, seqs[i]);
		s = sessions_feed(d.t, d.folder, &row);
		assert_non_null(s);
		sessions_end_row(d.t, s);
	}
	assert_int_equal(sessions_stats(d.t)->restarted, 1);
	assert_int_equal(sessions_stats(d.t)->out_of_order, 0);
	assert_int_equal(nclosed, 1);
	assert_int_equal(closed[0].complete, 0);
	drv_free(&d);
}

/* A random number below n, the same every run. */
static uint64_t rnd_state = 0x5eed;

static size_t
rnd(size_t n)
{
	rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (size_t)(rnd_state >> 33) % n;
}

static size_t closed_count;

static void
count_close(struct session *s, void *arg)
{
	(void)s;
	(void)arg;
	closed_count++;
}

/*
 * Rows of many sessions at once, in two folders of the same name, whose
 * ids are alike: of 16 bytes (as Exchange writes them, which are looked
 * up as two words) and of other lengths, one byte apart at each place or
 * one byte longer or shorter.  Each row goes to the session of its own
 * folder and id, and never begins or reorders another.
 */
static void
test_session_lookup_alike_ids(void **state)
{
	static const char base[] = "08D6A8D416004F77ABCDEFGH";
	static const char *const folders[] = { FOLDER_A, FOLDER_B };
	struct {
		char		 id[32];
		unsigned long	 next;		/* 0: not open */
	} slots[2][120];
	char seqbuf[24];
	struct session_table *t;
	struct session *s;
	struct row row;
	size_t nids = 0, i, f, k, len, ended = 0;
	int dup;

	(void)state;
	while (nids < NELEM(slots[0])) {
		/* Mostly 16 bytes; then 15, 17, 8, 9, 24 or none. */
		static const size_t lens[] = { 16, 16, 16, 16, 15, 17, 8, 9,
		    24, 0, 1 };

		len = lens[rnd(NELEM(lens))];
		memcpy(slots[0][nids].id, base, len);
		slots[0][nids].id[len] = '\0';
		if (len > 0 && rnd(4) != 0)	/* one byte changed */
			slots[0][nids].id[rnd(len)] = "0123456789ABCDEF"[rnd(16)];
		for (dup = 0, k = 0; k < nids; k++)
			dup |= strcmp(slots[0][k].id, slots[0][nids].id) == 0;
		if (!dup)
			nids++;
	}
	memcpy(slots[1], slots[0], sizeof slots[0]);
	for (f = 0; f < 2; f++)
		for (k = 0; k < nids; k++)
			slots[f][k].next = 0;
	t = sessions_new(count_close, NULL);
	live = t;
	closed_count = 0;
	memset(&row, 0, sizeof row);
	row.file = FILE_A;
	set_field(&row.connector, CONN);
	set_field(&row.local, LOCAL);
	set_field(&row.remote, REMOTE);
	set_field(&row.context, "attempting to connect");
	for (i = 0; i < 40000; i++) {
		f = rnd(2);
		k = rnd(nids);
		row.line++;
		row.time = BASE_MS + (int64_t)i;
		set_field(&row.session_id, slots[f][k].id);
		snprintf(seqbuf, sizeof seqbuf, "%lu", slots[f][k].next++);
		set_field(&row.sequence, seqbuf);
		row.event = rnd(8) == 0 ? '-' : '*';
		snprintf(where, sizeof where, "row %zu, id \"%s\"", i,
		    slots[f][k].id);
		s = sessions_feed(t, folders[f], &row);
		assert_non_null(s);
		assert_ptr_equal(s->folder, folders[f]);
		CHECK_STR(s->id, slots[f][k].id);
		if (row.event == '-') {
			slots[f][k].next = 0;
			ended++;
		}
		sessions_end_row(t, s);
	}
	CHECK_INT(closed_count, ended);
	CHECK_INT(sessions_stats(t)->complete, ended);
	CHECK_INT(sessions_stats(t)->restarted, 0);
	CHECK_INT(sessions_stats(t)->out_of_order, 0);
	sessions_free(t);
	live = NULL;
}

/*
 * More sessions open at once than the table has buckets at first (1024),
 * so that it grows, three times: ids of 16 bytes in two folders, and a
 * few of other lengths.  Each later row, in a shuffled order, goes to
 * the session of its folder and id, which no row began again; closed,
 * each is counted once.
 */
static void
test_session_lookup_grown(void **state)
{
	static const char *const folders[] = { FOLDER_A, FOLDER_B };
	enum { NIDS = 2500 };
	static char ids[NIDS][24];
	static unsigned order[2 * NIDS];
	static struct session *opened[2 * NIDS];
	struct session_table *t;
	struct session *s;
	struct row row;
	size_t i, j, k, f;
	unsigned x;

	(void)state;
	for (k = 0; k < NIDS; k++)
		snprintf(ids[k], sizeof ids[k], k % 50 == 49 ? "%zX" :
		    "08D6A8D4%08zX", k * 2654435761u % 0x100000000u);
	t = sessions_new(count_close, NULL);
	live = t;
	closed_count = 0;
	memset(&row, 0, sizeof row);
	row.file = FILE_A;
	row.time = BASE_MS;
	set_field(&row.connector, CONN);
	set_field(&row.local, LOCAL);
	set_field(&row.remote, REMOTE);
	set_field(&row.context, "attempting to connect");
	for (i = 0; i < 2 * NIDS; i++) {
		order[i] = (unsigned)i;
		f = i / NIDS;
		k = i % NIDS;
		row.line++;
		row.event = '*';
		set_field(&row.session_id, ids[k]);
		set_field(&row.sequence, "0");
		snprintf(where, sizeof where, "first row of %zu", i);
		opened[i] = sessions_feed(t, folders[f], &row);
		assert_non_null(opened[i]);
	}
	CHECK_INT(sessions_stats(t)->open_max, 2 * NIDS);
	for (i = 2 * NIDS - 1; i > 0; i--) {
		j = rnd(i + 1);
		x = order[i];
		order[i] = order[j];
		order[j] = x;
	}
	for (i = 0; i < 2 * NIDS; i++) {
		f = order[i] / NIDS;
		k = order[i] % NIDS;
		row.line++;
		row.event = '-';
		set_field(&row.session_id, ids[k]);
		set_field(&row.sequence, "1");
		snprintf(where, sizeof where, "last row of %u", order[i]);
		s = sessions_feed(t, folders[f], &row);
		assert_ptr_equal(s, opened[order[i]]);
		assert_ptr_equal(s->folder, folders[f]);
		CHECK_STR(s->id, ids[k]);
		sessions_end_row(t, s);
	}
	CHECK_INT(closed_count, 2 * NIDS);
	CHECK_INT(sessions_stats(t)->complete, 2 * NIDS);
	CHECK_INT(sessions_stats(t)->restarted, 0);
	CHECK_INT(sessions_stats(t)->out_of_order, 0);
	sessions_free(t);
	live = NULL;
}

/* A sequence number as the plain loop reads it; ULONG_MAX if none. */
static unsigned long
plain_sequence(const char *s, size_t len)
{
	unsigned long n = 0;
	size_t i;

	if (len == 0 || len > 9)
		return ULONG_MAX;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return ULONG_MAX;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	return n;
}

/*
 * Sequence numbers of random bytes, mostly digits and of one or two of
 * them, some bytes next to the digits: restarts and rows out of order
 * are counted as the plain loop's numbers say.
 */
static void
test_session_sequence_random(void **state)
{
	static const char bytes[] = "0123456789012345678901234567890123456789"
	    "/:\xb0\xb9 -+x\x10\x90";
	char seqbuf[16];
	struct session_table *t;
	struct session *s;
	struct row row;
	unsigned long seq, prev = 0, restarted = 0, out_of_order = 0;
	size_t i, k, len;
	int open = 0;

	(void)state;
	diag_set_quiet(1);	/* a warning at each restart */
	t = sessions_new(count_close, NULL);
	live = t;
	memset(&row, 0, sizeof row);
	row.file = FILE_A;
	set_field(&row.session_id, ID);
	set_field(&row.context, "attempting to connect");
	/*
	 * With the fields a session takes from its first rows: the rows
	 * after the first of each session go sessions_feed()'s short way.
	 */
	set_field(&row.connector, "Internet");
	set_field(&row.local, "10.0.1.21:57797");
	set_field(&row.remote, "203.0.113.193:25");
	for (i = 0; i < 50000; i++) {
		static const size_t lens[] = { 1, 1, 1, 2, 2, 2, 0, 3, 4, 8,
		    9, 10, 11 };

		len = lens[rnd(NELEM(lens))];
		for (k = 0; k < len; k++)
			seqbuf[k] = bytes[rnd(sizeof bytes - 1)];
		seqbuf[len] = '\0';
		/* Zeros now and then, to begin sessions. */
		if (len <= 2 && rnd(4) == 0)
			memset(seqbuf, '0', len);
		/* Often one below, the same as or one above the last. */
		if (prev != ULONG_MAX && prev < 200 && rnd(2) == 0)
			len = (size_t)snprintf(seqbuf, sizeof seqbuf, "%lu",
			    prev + rnd(3) - (prev > 0));
		row.line++;
		row.time = BASE_MS + (int64_t)i;
		row.sequence.p = seqbuf;
		row.sequence.len = len;
		row.event = rnd(16) == 0 ? '-' : '*';
		seq = plain_sequence(seqbuf, len);
		if (open && seq == 0)
			restarted++;
		else if (open && seq != ULONG_MAX && prev != ULONG_MAX &&
		    seq <= prev)
			out_of_order++;
		prev = seq;
		open = row.event != '-';
		snprintf(where, sizeof where, "row %zu, sequence \"%s\"", i,
		    seqbuf);
		s = sessions_feed(t, FOLDER_A, &row);
		assert_non_null(s);
		sessions_end_row(t, s);
		CHECK_INT(sessions_stats(t)->restarted, restarted);
		CHECK_INT(sessions_stats(t)->out_of_order, out_of_order);
	}
	sessions_free(t);
	live = NULL;
	diag_set_quiet(0);
}

/*
 * Rows whose time mostly goes on, now and then back by up to 3 s: the
 * session's start and end are the least and the most of its times, and
 * rows over SESSION_TIME_BACK before the most are counted.
 */
static void
test_session_time_random(void **state)
{
	struct session_table *t;
	struct session *s;
	struct row row;
	char seqbuf[24];
	int64_t time = BASE_MS, least = 0, most = 0;
	unsigned long time_back = 0;
	size_t i;

	(void)state;
	diag_set_quiet(1);
	t = sessions_new(count_close, NULL);
	live = t;
	memset(&row, 0, sizeof row);
	row.file = FILE_A;
	set_field(&row.session_id, ID);
	set_field(&row.context, "attempting to connect");
	/* The short way too, as in test_session_sequence_random(). */
	set_field(&row.connector, "Internet");
	set_field(&row.local, "10.0.1.21:57797");
	set_field(&row.remote, "203.0.113.193:25");
	for (i = 0; i < 20000; i++) {
		/* A new session every 50 rows. */
		snprintf(seqbuf, sizeof seqbuf, "%zu", i % 50);
		set_field(&row.sequence, seqbuf);
		switch (rnd(4)) {
		case 0:
			time -= (int64_t)rnd(3000);
			break;
		case 1:
			break;
		default:
			time += (int64_t)rnd(100);
			break;
		}
		row.time = time;
		row.line++;
		row.event = '*';
		if (i % 50 == 0)
			least = most = time;
		else {
			if (most - time > SESSION_TIME_BACK)
				time_back++;
			if (time < least)
				least = time;
			if (time > most)
				most = time;
		}
		snprintf(where, sizeof where, "row %zu", i);
		s = sessions_feed(t, FOLDER_A, &row);
		assert_non_null(s);
		CHECK_INT(s->start, least);
		CHECK_INT(s->end, most);
		CHECK_INT(sessions_stats(t)->time_back, time_back);
		sessions_end_row(t, s);
	}
	sessions_free(t);
	live = NULL;
	diag_set_quiet(0);
}

/* What the session should hold for a field: NULL until a row has one. */
static void
check_first(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else
		CHECK_STR(got != NULL ? got : "<NULL>", want);
}

/*
 * Rows whose connector and endpoints are often empty and change: the
 * session keeps the first of each that is not empty, whatever the others
 * are.
 */
static void
test_session_fields_random(void **state)
{
	static const char *const values[] = { "", "", "", "a", "10.0.0.5:1",
	    "192.0.2.1:25", "Outbound to Office 365", "x" };
	const char *want[3];
	char *const *f[3];
	struct session_table *t;
	struct session *s;
	struct row row;
	struct field *rf[3];
	char seqbuf[24];
	size_t i, j;

	(void)state;
	t = sessions_new(count_close, NULL);
	live = t;
	memset(&row, 0, sizeof row);
	row.file = FILE_A;
	set_field(&row.session_id, ID);
	set_field(&row.context, "attempting to connect");
	rf[0] = &row.connector;
	rf[1] = &row.local;
	rf[2] = &row.remote;
	for (i = 0; i < 20000; i++) {
		/* A new session every 12 rows. */
		snprintf(seqbuf, sizeof seqbuf, "%zu", i % 12);
		set_field(&row.sequence, seqbuf);
		row.line++;
		row.time = BASE_MS;
		row.event = i % 12 == 11 ? '-' : '*';
		for (j = 0; j < 3; j++) {
			const char *v = values[rnd(NELEM(values))];

			set_field(rf[j], v);
			if (i % 12 == 0)
				want[j] = NULL;
			if (want[j] == NULL && *v != '\0')
				want[j] = v;
		}
		snprintf(where, sizeof where, "row %zu", i);
		s = sessions_feed(t, FOLDER_A, &row);
		assert_non_null(s);
		f[0] = &s->connector;
		f[1] = &s->local_endpoint;
		f[2] = &s->remote_endpoint;
		for (j = 0; j < 3; j++)
			check_first(*f[j], want[j]);
		sessions_end_row(t, s);
	}
	sessions_free(t);
	live = NULL;
}

/* Whether data begins with verb in any ASCII case, then nothing, ' ', ':'. */
static int
plain_verb(const char *data, const char *verb)
{
	size_t i, n = strlen(verb), len = strlen(data);

	if (len < n || (len > n && data[n] != ' ' && data[n] != ':'))
		return 0;
	for (i = 0; i < n; i++) {
		char c = data[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != verb[i])
			return 0;
	}
	return 1;
}

/*
 * Commands of random case and bytes near the verbs' (their 0x20 bit or
 * another flipped, cut short, run on): each counted as the plain
 * comparison says.
 */
static void
test_session_command_random(void **state)
{
	static const char *const verbs[] = { "EHLO", "HELO", "STARTTLS",
	    "MAIL", "RCPT", "DATA", "BDAT", "QUIT", "EHL", "STARTTL", "RSET",
	    "NOOP", "HELP", "STARTTLSS", "" };
	static const char *const tails[] = { "", " ", ":", "x", "\t", "-",
	    " mail.contoso.com", " TO:<a@b.example>", ":<a@b.example>",
	    "TLS", "\xa0" };
	static const unsigned char flips[] = { 0x20, 0x20, 0x20, 0x01, 0x40,
	    0x80, 0xa0, 0x60 };
	char data[64];
	size_t i, k, n, nverb;

	(void)state;
	for (i = 0; i < 20000; i++) {
		struct drv d;
		const char *verb = verbs[rnd(NELEM(verbs))];

		n = (size_t)snprintf(data, sizeof data, "%s%s", verb,
		    tails[rnd(NELEM(tails))]);
		/* Bytes of the verb and the one after it changed. */
		nverb = strlen(verb) + 1 < n ? strlen(verb) + 1 : n;
		for (k = 0; k < nverb; k++)
			if (rnd(3) == 0)
				data[k] = (char)(data[k] ^ flips[rnd(NELEM(flips))]);
		if (n > 0 && rnd(8) == 0)
			data[rnd(n)] = '\0';	/* cut short */
		snprintf(where, sizeof where, "case %zu (\"%s\")", i, data);
		drv_init(&d);
		feed(&d, ID, '+', "", "");
		feed(&d, ID, '<', "220 mx.fabrikam.com ESMTP", "");
		feed(&d, ID, '>', data, "");
		feed(&d, ID, '-', "", "Local");
		CHECK_INT(nclosed, 1);
		CHECK_INT(closed[0].ehlo_sent, plain_verb(data, "EHLO"));
		CHECK_INT(closed[0].helo_used, plain_verb(data, "HELO"));
		CHECK_INT(closed[0].starttls_issued,
		    plain_verb(data, "STARTTLS"));
		CHECK_INT(closed[0].attempted, plain_verb(data, "MAIL"));
		CHECK_INT(strcmp(closed[0].rcpt, "<NULL>") != 0,
		    plain_verb(data, "RCPT") &&
		    strstr(data, "<a@b.example>") != NULL);
		drv_free(&d);
	}
}

/* n random printable bytes at p, then a NUL. */
static void
random_text(char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)(' ' + rnd(95));
	p[n] = '\0';
}

/*
 * Evidence rows with and without a context, of random lengths around
 * SESSION_TEXT_MAX: the text is the data, or "context: data" (the
 * context alone when there is no data), cut at SESSION_TEXT_MAX.
 */
static void
test_session_evidence_random(void **state)
{
	static const size_t lens[] = { 0, 1, 2, 3, 100, 1019, 1020, 1021,
	    1022, 1023, 1024, 1025, 1026, 2000 };
	static char banner[2100], data[2100], context[2100], want[4300];
	size_t i, n;

	(void)state;
	for (i = 0; i < 3000; i++) {
		struct drv d;

		memcpy(banner, "220 ", 4);
		random_text(banner + 4, lens[rnd(NELEM(lens))]);
		random_text(data, lens[rnd(NELEM(lens))]);
		random_text(context, lens[rnd(NELEM(lens))]);
		snprintf(where, sizeof where, "case %zu: banner %zu, data %zu, "
		    "context %zu", i, strlen(banner), strlen(data),
		    strlen(context));
		drv_init(&d);
		feed(&d, ID, '+', "", "");
		feed(&d, ID, '<', banner, context);	/* context not used */
		feed(&d, ID, '-', data, context);
		CHECK_INT(nclosed, 1);
		CHECK_INT(closed[0].nevidence, 2);
		n = strlen(banner) < SESSION_TEXT_MAX ? strlen(banner) :
		    SESSION_TEXT_MAX;
		CHECK_INT(closed[0].ev[0].textlen, n);
		assert_memory_equal(closed[0].ev[0].text, banner, n);
		if (context[0] == '\0')
			snprintf(want, sizeof want, "%s", data);
		else
			snprintf(want, sizeof want, "%s%s%s", context,
			    data[0] != '\0' ? ": " : "", data);
		want[SESSION_TEXT_MAX] = '\0';
		CHECK_STR(closed[0].ev[1].text, want);
		CHECK_INT(closed[0].ev[1].textlen, strlen(want));
		drv_free(&d);
	}
}

/* What test_session_strings_random expects of the session closed. */
static char want_id[320], want_conn[320], want_local[320], want_remote[320],
    want_host[320], want_rcpt[320];
static int strings_checked;

static void
check_strings(struct session *s, void *arg)
{
	(void)arg;
	if (tearing_down)
		return;
	CHECK_STR(s->id, want_id);
	CHECK_STR(s->connector, want_conn);
	CHECK_STR(s->local_endpoint, want_local);
	CHECK_STR(s->remote_endpoint, want_remote);
	assert_non_null(s->remote_host);
	CHECK_STR(s->remote_host, want_host);
	assert_non_null(s->rcpt_domain);
	CHECK_STR(s->rcpt_domain, want_rcpt);
	strings_checked++;
}

/* n random letters and digits at p, then a NUL. */
static void
random_name(char *p, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = set[rnd(sizeof set - 1)];
	p[n] = '\0';
}

/*
 * Sessions whose id, connector, endpoints, remote host and recipient
 * domain are of random lengths, short or too long for the room a
 * session keeps them in (the rest are allocated): each is kept whole.
 */
static void
test_session_strings_random(void **state)
{
	static const size_t lens[] = { 1, 5, 16, 16, 30, 60, 120, 250, 300 };
	char banner[400], rcpt[400];
	struct session *s;
	struct row row;
	size_t i, k;
	int64_t time = BASE_MS;

	(void)state;
	live = sessions_new(check_strings, NULL);
	strings_checked = 0;
	for (i = 0; i < 3000; i++) {
		static const char events[] = "+<>-";
		char *fields[] = { want_id, want_conn, want_local, want_remote,
		    want_host, want_rcpt };

		for (k = 0; k < NELEM(fields); k++)
			random_name(fields[k], lens[rnd(NELEM(lens))]);
		/* A host name is of 255 bytes at most. */
		want_host[rnd(2) ? 250 : 255] = '\0';
		snprintf(banner, sizeof banner, "220 %s ESMTP", want_host);
		snprintf(rcpt, sizeof rcpt, "RCPT TO:<a@%s>", want_rcpt);
		snprintf(where, sizeof where, "session %zu", i);
		for (k = 0; k < 4; k++) {
			char seq[2] = { (char)('0' + k), '\0' };

			memset(&row, 0, sizeof row);
			row.file = FILE_A;
			row.line = i * 4 + k + 1;
			row.time = time++;
			set_field(&row.session_id, want_id);
			set_field(&row.sequence, seq);
			/* The fields come with the rows in random order. */
			set_field(&row.connector, rnd(2) || k == 3 ?
			    want_conn : "");
			set_field(&row.local, rnd(2) || k == 3 ?
			    want_local : "");
			set_field(&row.remote, rnd(2) || k == 3 ?
			    want_remote : "");
			row.event = events[k];
			set_field(&row.data, k == 1 ? banner : k == 2 ? rcpt :
			    "");
			s = sessions_feed(live, FOLDER_A, &row);
			assert_non_null(s);
			sessions_end_row(live, s);
		}
	}
	CHECK_INT(strings_checked, 3000);
	sessions_free(live);
	live = NULL;
}

/*
 * Information rows whose context of 3 to 40 bytes says "TLS" or "Tls" at
 * each place it fits, or has a 'T' that says neither there, or has none:
 * the rows that say it are kept as evidence, the others not.  Contexts of
 * 16 to 32 bytes are looked at in two blocks of 16 first, which overlap
 * but for 32: a 'T' in either, or in both, or in neither.
 */
static void
test_session_information_tls_places(void **state)
{
	static const char *const words[] = { "TLS", "Tls", "TLs", "TL", "T",
	    "" };
	char ctx[48];
	struct session *s;
	struct row row;
	size_t len, at, w, n;
	int want, nevidence;

	(void)state;
	live = sessions_new(count_close, NULL);
	memset(&row, 0, sizeof row);
	row.file = FILE_A;
	set_field(&row.session_id, ID);
	set_field(&row.data, "");
	for (len = 3; len <= 40; len++)
		for (w = 0; w < NELEM(words); w++)
			for (at = 0; at + strlen(words[w]) <= len; at++) {
				n = strlen(words[w]);
				memset(ctx, 'x', len);
				ctx[len] = '\0';
				memcpy(ctx + at, words[w], n);
				want = strstr(ctx, "TLS") != NULL ||
				    strstr(ctx, "Tls") != NULL;
				snprintf(where, sizeof where, "context \"%s\"",
				    ctx);
				row.line++;
				row.event = '+';
				set_field(&row.sequence, "0");
				set_field(&row.context, "");
				s = sessions_feed(live, FOLDER_A, &row);
				assert_non_null(s);
				nevidence = s->nevidence;
				row.line++;
				row.event = '*';
				set_field(&row.sequence, "1");
				set_field(&row.context, ctx);
				s = sessions_feed(live, FOLDER_A, &row);
				CHECK_INT(s->nevidence - nevidence, want);
				row.line++;
				row.event = '-';
				set_field(&row.sequence, "2");
				set_field(&row.context, "Local");
				s = sessions_feed(live, FOLDER_A, &row);
				sessions_end_row(live, s);
				if (n == 0)
					break;
			}
	sessions_free(live);
	live = NULL;
}

/*
 * Sessions given captures at random places, as the rules module does,
 * and none at all now and then: a session made anew (from the closed
 * ones the table keeps) has none.  Those before are freed, which the
 * leak checker of a SANITIZE=1 build tells.
 */
static void
test_session_captures_freed(void **state)
{
	struct session *s;
	struct row row;
	size_t i, k;

	(void)state;
	live = sessions_new(count_close, NULL);
	memset(&row, 0, sizeof row);
	row.file = FILE_A;
	set_field(&row.session_id, ID);
	set_field(&row.data, "");
	set_field(&row.context, "Local");
	for (i = 0; i < 2000; i++) {
		snprintf(where, sizeof where, "session %zu", i);
		row.line++;
		set_field(&row.sequence, "0");
		row.event = '+';
		s = sessions_feed(live, FOLDER_A, &row);
		assert_non_null(s);
		for (k = 0; k < SESSION_CAPTURES_MAX; k++)
			assert_null(s->captures[k]);
		/* None, one (at each place in turn), or a few. */
		if (rnd(3) == 0)
			s->captures[i % SESSION_CAPTURES_MAX] = strdup("x");
		else if (rnd(2))
			for (k = 0; k < SESSION_CAPTURES_MAX; k++)
				if (rnd(8) == 0)
					s->captures[k] = strdup("x");
		sessions_end_row(live, s);
		row.line++;
		set_field(&row.sequence, "1");
		row.event = '-';
		s = sessions_feed(live, FOLDER_A, &row);
		sessions_end_row(live, s);
	}
	sessions_free(live);
	live = NULL;
}

/*
 * The domain of the first RCPT TO as the plain loops find it: after the
 * last '@' between the first '<' and the first '>' after it, ASCII
 * letters in lower case; NULL when there is none.
 */
static int
plain_domain(const char *data, char *buf, size_t size)
{
	const char *lt = strchr(data, '<'), *end, *at;
	size_t i, n;

	if (lt == NULL || (end = strchr(lt, '>')) == NULL)
		return 0;
	for (at = end; at > lt && *at != '@'; at--)
		;
	if (at == lt || end - at < 2)
		return 0;
	n = (size_t)(end - at - 1);
	assert_true(n < size);
	for (i = 0; i < n; i++)
		buf[i] = (char)(at[1 + i] >= 'A' && at[1 + i] <= 'Z' ?
		    at[1 + i] - 'A' + 'a' : at[1 + i]);
	buf[n] = '\0';
	return 1;
}

/*
 * Recipients of random bytes (letters of both cases, '@', '<', '>', bytes
 * around the letters and over 0x7f) and lengths: the domain kept is the
 * plain loops'.
 */
static void
test_session_rcpt_domain_random(void **state)
{
	static const char bytes[] = "abcxyzABCXYZ@@@<>.-09@[\\]^`{\x80\xc1"
	    "\xda\xe1\xfa\xff";
	char data[120], want[120];
	size_t i, k, n;

	(void)state;
	for (i = 0; i < 20000; i++) {
		struct drv d;

		n = (size_t)snprintf(data, sizeof data, "RCPT TO:<");
		for (k = rnd(40); k > 0; k--)
			data[n++] = bytes[rnd(sizeof bytes - 1)];
		if (rnd(4) != 0)
			data[n++] = '>';
		data[n] = '\0';
		snprintf(where, sizeof where, "case %zu (\"%s\")", i, data);
		drv_init(&d);
		feed(&d, ID, '+', "", "");
		feed(&d, ID, '>', data, "");
		feed(&d, ID, '-', "", "Local");
		CHECK_INT(nclosed, 1);
		if (!plain_domain(data, want, sizeof want))
			snprintf(want, sizeof want, "<NULL>");
		CHECK_STR(closed[0].rcpt, want);
		drv_free(&d);
	}
}

static void
adopt(struct session *s, void *table)
{
	sessions_adopt(table, s);
}

/*
 * A table of the sessions that begin in one file leaves the rows of
 * others to the caller; its open sessions move to another table and go on
 * there.
 */
static void
test_session_born_only_hand_over(void **state)
{
	struct session_table *other;
	struct session *s;
	struct row row;
	struct drv d;

	(void)state;
	drv_init(&d);
	sessions_set_born_only(d.t, 1);
	d.seq[0].folder = d.folder;	/* ID's rows so far were elsewhere */
	d.seq[0].id = ID;
	d.seq[0].next = 4;
	d.nseq = 1;
	make_row(&d, &row, ID, '<', "250 STARTTLS", "");
	assert_null(sessions_feed(d.t, d.folder, &row));
	feed(&d, ID2, '*', "SendRoutingHeaders", "Set Session Permissions");
	feed(&d, ID2, '+', "", "");
	assert_int_equal(nclosed, 0);
	other = sessions_new(on_close, NULL);
	sessions_hand_over(d.t, adopt, other);
	sessions_close_all(d.t);
	assert_int_equal(nclosed, 0);	/* nothing left in d.t */
	d.file = FILE_A2;
	make_row(&d, &row, ID2, '<', "220 mx.fabrikam.com ESMTP", "");
	s = sessions_feed(other, d.folder, &row);
	assert_non_null(s);
	sessions_end_row(other, s);
	make_row(&d, &row, ID2, '-', "", "Local");
	s = sessions_feed(other, d.folder, &row);
	sessions_end_row(other, s);
	assert_int_equal(nclosed, 1);
	assert_int_equal(closed[0].complete, 1);
	assert_ptr_equal(closed[0].file, FILE_A);
	assert_int_equal(closed[0].nevidence, 2);	/* banner, "-" */
	assert_ptr_equal(closed[0].ev[0].file, FILE_A2);
	sessions_free(other);
	drv_free(&d);
}

/* The close callback of another table: keeps each session, for the test. */
static struct session *kept_last;

static void
on_close_keep(struct session *s, void *arg)
{
	(void)arg;
	on_close(s, NULL);
	session_keep(s);
	kept_last = s;
}

/* A session fed in t, to its "-" row; returns it. */
static struct session *
feed_to_end(struct drv *d, struct session_table *t, const char *id,
    int tls)
{
	struct session *s = NULL;
	struct row row;

	make_row(d, &row, id, '+', "", "");
	s = sessions_feed(t, d->folder, &row);
	sessions_end_row(t, s);
	if (tls) {
		make_row(d, &row, id, '<', "220 mx.fabrikam.com ESMTP", "");
		sessions_end_row(t, sessions_feed(t, d->folder, &row));
		make_row(d, &row, id, '>', "EHLO mail.contoso.com", "");
		sessions_end_row(t, sessions_feed(t, d->folder, &row));
		make_row(d, &row, id, '<', "250 mx.fabrikam.com Hello STARTTLS",
		    "");
		sessions_end_row(t, sessions_feed(t, d->folder, &row));
	}
	make_row(d, &row, id, '-', "", "Local");
	assert_ptr_equal(sessions_feed(t, d->folder, &row), s);
	sessions_end_row(t, s);
	return s;
}

/*
 * A session that went on in another table, kept when it closed there,
 * goes back to the table that made it (session_home()) with
 * sessions_recycle(), and the next session there is made from it: it
 * starts from nothing.
 */
static void
test_session_recycled_home(void **state)
{
	struct session_table *other;
	struct session *s, *s3;
	struct drv d;

	(void)state;
	drv_init(&d);
	sessions_set_born_only(d.t, 1);
	feed(&d, ID2, '+', "", "");
	feed(&d, ID2, '<', "220 mx.fabrikam.com ESMTP", "");
	feed(&d, ID2, '>', "EHLO mail.contoso.com", "");
	feed(&d, ID2, '<', "250 mx.fabrikam.com Hello STARTTLS", "");
	other = sessions_new(on_close_keep, NULL);
	sessions_hand_over(d.t, adopt, other);
	s = feed_to_end(&d, other, ID2, 0);
	assert_ptr_equal(kept_last, s);
	assert_ptr_equal(session_home(s), d.t);
	assert_int_equal(nclosed, 1);
	assert_int_equal(closed[0].starttls_offered, 1);
	assert_int_equal(closed[0].nevidence, 4);
	sessions_recycle(d.t, s);

	/* Made from it (else what follows shows nothing): nothing of the
	 * last one is left. */
	s3 = feed_to_end(&d, d.t, ID3, 0);
	assert_ptr_equal(s3, s);
	assert_ptr_equal(session_home(s3), d.t);
	assert_int_equal(nclosed, 2);
	assert_string_equal(closed[1].id, ID3);
	assert_int_equal(closed[1].starttls_offered, 0);
	assert_int_equal(closed[1].greeting_seen, 0);
	assert_int_equal(closed[1].nevidence, 1);
	/* And it goes on as any other. */
	feed_to_end(&d, d.t, ID, 1);
	assert_int_equal(closed[2].starttls_offered, 1);
	assert_int_equal(closed[2].nevidence, 4);
	sessions_free(other);
	drv_free(&d);
}

int
main(void)
{
#define T_(f)	cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_session_tls_2013),
		T_(test_session_tls_2016),
		T_(test_session_no_starttls),
		T_(test_session_helo_fallback),
		T_(test_session_ehlo_refused_only),
		T_(test_session_second_ehlo_reply),
		T_(test_session_masked_banner),
		T_(test_session_remote_host),
		T_(test_session_banner_without_plus),
		T_(test_session_remote_host_length),
		T_(test_session_ehlo_after_tls),
		T_(test_session_ehlo_cut_short),
		T_(test_session_messages),
		T_(test_session_command_verbs),
		T_(test_session_information_tls),
		T_(test_session_interleaved),
		T_(test_session_same_id_two_folders),
		T_(test_session_close_order),
		T_(test_session_across_files),
		T_(test_session_connector_endpoints_times),
		T_(test_session_no_endpoints),
		T_(test_session_evidence_cap),
		T_(test_session_evidence_packed),
		T_(test_session_evidence_text),
		T_(test_session_evidence_text_cut),
		T_(test_session_restart_at_zero),
		T_(test_session_out_of_order),
		T_(test_session_sequence_not_number),
		T_(test_session_zero_after_not_number),
		T_(test_session_born_only_hand_over),
		T_(test_session_recycled_home),
		T_(test_session_lookup_alike_ids),
		T_(test_session_lookup_grown),
		T_(test_session_lookup_zero_words),
		T_(test_session_sequence_random),
		T_(test_session_time_random),
		T_(test_session_fields_random),
		T_(test_session_command_random),
		T_(test_session_evidence_random),
		T_(test_session_strings_random),
		T_(test_session_captures_freed),
		T_(test_session_information_tls_places),
		T_(test_session_rcpt_domain_random),
	};

	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
