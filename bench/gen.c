/*
 * gen: a corpus of Exchange SMTP Send protocol logs for the sendlog-scan
 * benchmark (bench/run).
 *
 *     gen -o DIR -s SIZE_MB [-n SERVERS] [-S SEED]
 *
 * Writes SERVERS folders under DIR (default 3), each one server: the even
 * ones (1st, 3rd, ...) Exchange 2013 (daily SENDyyyymmdd-N.LOG, one row per
 * reply line, six rows per certificate), the others Exchange 2016/2019
 * (hourly SENDyyyymmddhh-N.LOG, a multi-line reply as one row, one row per
 * certificate).  Each server writes SIZE_MB / SERVERS of rows, then lets the
 * sessions still open finish.  A file rolls over once it has passed 10 MB,
 * as Exchange does, and a session open at that moment goes on in the next
 * file.  Rows follow /work/shared/reference/exchange-smtp-logs.md and the
 * samples in samples/logs/: UTF-8 BOM, the 5-line header, CRLF, a field
 * quoted only when it holds ',' or '"' (inner quotes doubled), 20 to 50
 * sessions open at a time with their rows interleaved, time never going
 * back.  Addresses: documentation ranges for every remote on the Internet
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), 10.x for the servers'
 * own side, as in samples/.
 *
 * The output depends on nothing but SEED, SIZE_MB and SERVERS (own PRNG,
 * integer arithmetic only, a fixed start time): the same arguments give
 * byte-identical files.  It prints the sessions it wrote per scenario on
 * standard error and writes them, with the number of findings each of
 * sendlog-scan's built-in rules must report, to DIR/EXPECTED.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define GEN_VERSION	"1"
#define ROLLOVER	(10L * 1024 * 1024)	/* Exchange's MaxFileSize */
#define MIN_OPEN	20
#define MAX_OPEN	50
#define MAX_SERVERS	64
#define EXO_HOSTS	24

static const char *progname = "gen";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
    noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		die("out of memory");
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		die("out of memory");
	return p;
}

/* --- PRNG: xorshift64*, seeded through splitmix64 ------------------------ */

struct rng {
	uint64_t s;
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ULL);

	r->s = splitmix64(&x);
	if (r->s == 0)
		r->s = 0x2545F4914F6CDD1DULL;
}

static uint64_t
rnd(struct rng *r)
{
	uint64_t x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* 0 .. n-1 */
static uint32_t
rndn(struct rng *r, uint32_t n)
{
	return (uint32_t)((rnd(r) >> 32) % n);
}

/* lo .. hi */
static int32_t
rndr(struct rng *r, int32_t lo, int32_t hi)
{
	return lo + (int32_t)rndn(r, (uint32_t)(hi - lo + 1));
}

/* --- time ---------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

#define MS_PER_DAY	86400000LL
#define MS_PER_HOUR	3600000LL

/* v (0 <= v < 10^n) in n decimal digits, zero-padded. */
static void
digits(char *out, int v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* yyyy-mm-ddThh:mm:ss.fffZ, 24 characters and a NUL. */
static void
fmt_time(char out[25], int64_t ms)
{
	int64_t day = ms / MS_PER_DAY, rem = ms % MS_PER_DAY;
	int y, mo, d;

	civil_from_days(day, &y, &mo, &d);
	digits(out, y, 4);
	out[4] = '-';
	digits(out + 5, mo, 2);
	out[7] = '-';
	digits(out + 8, d, 2);
	out[10] = 'T';
	digits(out + 11, (int)(rem / MS_PER_HOUR), 2);
	out[13] = ':';
	digits(out + 14, (int)(rem / 60000 % 60), 2);
	out[16] = ':';
	digits(out + 17, (int)(rem / 1000 % 60), 2);
	out[19] = '.';
	digits(out + 20, (int)(rem % 1000), 3);
	out[23] = 'Z';
	out[24] = '\0';
}

/* Mon, 2 Nov 2026 08:12:03 +0000 (the date in a 220 banner). */
static void
fmt_rfc5322(char *out, size_t n, int64_t ms)
{
	static const char *const wd[] = { "Thu", "Fri", "Sat", "Sun", "Mon",
	    "Tue", "Wed" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t day = ms / MS_PER_DAY, rem = ms % MS_PER_DAY;
	int y, mo, d;

	civil_from_days(day, &y, &mo, &d);
	snprintf(out, n, "%s, %d %s %04d %02d:%02d:%02d +0000",
	    wd[day % 7], d, mon[mo - 1], y, (int)(rem / MS_PER_HOUR),
	    (int)(rem / 60000 % 60), (int)(rem / 1000 % 60));
}

/* --- scenarios and remotes ----------------------------------------------- */

enum scen {
	SC_CLEAN,		/* TLS delivery, 1-3 messages */
	SC_TLSREQ,		/* reduced EHLO, "remote doesn't support TLS" */
	SC_HELO_DROP,		/* HELO fallback, "Drop connection because ..." */
	SC_STARTTLS_FAIL,	/* "TLS negotiation failed with error ..." */
	SC_CERT_FAIL,		/* "Outbound TLS authentication failed ..." */
	SC_CLEARTEXT,		/* no STARTTLS offered, delivered in clear */
	SC_CONNECT_FAIL,	/* "Failed to connect. Winsock error code: ..." */
	SC_WEAK_TLS,		/* SP_PROT_TLS1_0_CLIENT, delivered */
	SC_N
};

static const char *const scen_name[SC_N] = {
	"clean-tls", "tls-required-no-starttls", "helo-tls-required-drop",
	"starttls-failed", "tls-certificate-failed", "cleartext-delivery",
	"connect-failed", "weak-tls-1.0",
};

/* Per 100000 sessions; SC_CLEAN takes the rest. */
static const uint32_t scen_rate[SC_N] = {
	0, 1500, 200, 300, 200, 3000, 2000, 300,
};

enum rkind {
	RK_EXO,			/* Exchange Online Protection */
	RK_POSTFIX_TLS, RK_EXIM_TLS, RK_EXCH_TLS, RK_GOOGLE,
	RK_POSTFIX_CLEAR,	/* full EHLO reply, no STARTTLS */
	RK_HELO_ONLY,		/* 500 to EHLO, cleartext after HELO */
	RK_HELO_TLSREQ,		/* 500 to EHLO, on a TLS-required connector */
	RK_CERT_BAD,		/* certificate for another name */
	RK_EX2010,		/* TLS 1.0 only */
	RK_ASA,			/* Cisco ASA ESMTP inspection */
	RK_DEAD			/* nothing answers */
};

struct remote {
	enum rkind	 kind;
	const char	*host, *domain, *ip, *cert_cn, *issuer;
	int		 rtt;		/* ms */
	const char	*banner;	/* NULL: built from the kind */
};

static const struct remote partners[] = {
	{ RK_POSTFIX_TLS, "mail.tailspintoys.com", "tailspintoys.com",
	    "203.0.113.40", NULL, NULL, 55, NULL },
	{ RK_POSTFIX_TLS, "mx1.wingtiptoys.com", "wingtiptoys.com",
	    "198.51.100.60", NULL, NULL, 70, NULL },
	{ RK_POSTFIX_TLS, "smtp.fourthcoffee.com", "fourthcoffee.com",
	    "192.0.2.71", NULL, NULL, 90,
	    "220 smtp.fourthcoffee.com ESMTP \"authorized use only\"" },
	{ RK_EXIM_TLS, "mx.northwindtraders.com", "northwindtraders.com",
	    "192.0.2.61", NULL, NULL, 140, NULL },
	{ RK_EXIM_TLS, "mx.margiestravel.com", "margiestravel.com",
	    "198.51.100.44", NULL, NULL, 120, NULL },
	{ RK_EXCH_TLS, "mail.fabrikam.com", "fabrikam.com", "203.0.113.25",
	    NULL, NULL, 45, NULL },
	{ RK_EXCH_TLS, "mail.adatum.com", "adatum.com", "192.0.2.88", NULL,
	    NULL, 75, NULL },
	{ RK_EXCH_TLS, "mail.treyresearch.net", "treyresearch.net",
	    "198.51.100.120", NULL, NULL, 60, NULL },
	{ RK_GOOGLE, "mx2.example.org", "example.org", "203.0.113.5", NULL,
	    NULL, 60, NULL },
	{ RK_GOOGLE, "aspmx.example.com", "example.com", "203.0.113.6", NULL,
	    NULL, 55, NULL },
	{ RK_POSTFIX_CLEAR, "mail.proseware.com", "proseware.com",
	    "192.0.2.90", NULL, NULL, 110, NULL },
	{ RK_POSTFIX_CLEAR, "mx.alpineskihouse.com", "alpineskihouse.com",
	    "198.51.100.150", NULL, NULL, 95, NULL },
	{ RK_HELO_ONLY, "oldmx.example.net", "example.net", "192.0.2.45",
	    NULL, NULL, 95, NULL },
	{ RK_HELO_TLSREQ, "smtp.litwareinc.com", "litwareinc.com",
	    "198.51.100.83", NULL, NULL, 60, NULL },
	{ RK_CERT_BAD, "mx.woodgrovebank.com", "woodgrovebank.com",
	    "192.0.2.130", "vps-4412.hosting.example", NULL, 70, NULL },
	{ RK_CERT_BAD, "mail.cohovineyard.com", "cohovineyard.com",
	    "203.0.113.140", "shared-mx07.hosting.example", NULL, 85, NULL },
	{ RK_EX2010, "mail.lucernepublishing.com", "lucernepublishing.com",
	    "192.0.2.240", NULL, NULL, 80, NULL },
	{ RK_ASA, "mail.relecloud.com", "relecloud.com", "192.0.2.141",
	    NULL, NULL, 90, NULL },
	{ RK_DEAD, "mx.adventure-works.com", "adventure-works.com",
	    "203.0.113.77", NULL, NULL, 0, NULL },
	{ RK_DEAD, "mail.wideworldimporters.com", "wideworldimporters.com",
	    "198.51.100.201", NULL, NULL, 0, NULL },
};
#define NPARTNERS (sizeof partners / sizeof partners[0])

static const char *const senders[] = {
	"anna.lindqvist", "m.okafor", "purchasing", "sales", "payroll",
	"legal", "newsletter", "j.garcia", "r.haddad", "helpdesk",
	"k.nakamura", "accounts", "l.moreau", "s.patel", "noreply",
	"hr-team", "d.novak", "invoices", "t.brennan", "e.schmidt",
};
#define NSENDERS (sizeof senders / sizeof senders[0])

static const char *const exo_prefix[] = {
	"AM4", "DB5", "DB8", "VI1", "DU2", "AM2", "AM9", "HE1", "FR2", "BL0",
};

/* --- sessions: the rows of one session, written when it is opened --------- */

struct span {
	uint32_t off, len;
};

struct step {
	struct span	data, ctx;
	int32_t		delay;		/* ms after the previous row */
	char		event;
	unsigned char	local;		/* local endpoint known */
};

enum { CONN_EXO, CONN_INET, CONN_PTLS, NCONN };

struct server;

struct sess {
	struct server	*srv;
	uint64_t	 id;
	int64_t		 start;		/* first row */
	int64_t		 t;		/* building: time of the last row */
	int64_t		 next;		/* writing: time of the next row */
	enum scen	 scen;
	int		 conn;
	const struct remote *r;
	int		 rtt;
	int		 connected, tls13;
	char		 local[48], remote[48];
	struct step	*st;
	size_t		 n, cap, cur;
	char		*tx;
	size_t		 tlen, tcap;
};

struct server {
	int		 idx, form;	/* 2013 or 2016 */
	char		 name[32], dir[4096];
	struct rng	 rng;
	FILE		*fp;
	char		*fbuf;
	int64_t		 fsize, key;	/* day or hour of the open file */
	int		 fileno;
	uint64_t	 bytes, budget, files, rows;
	int64_t		 now;
	uint64_t	 sid;
	unsigned	 port;
	uint64_t	 record;
	struct sess	*open[MAX_OPEN + 8];
	int		 nopen, target;
	uint64_t	 count[SC_N];
	struct remote	 exo[EXO_HOSTS];
	char		 exo_host[EXO_HOSTS][64], exo_ip[EXO_HOSTS][16];
	const char	*conn[NCONN];
	char		 pubip[32], localip[32], mbx[32];
	char		*row;
	size_t		 rowcap;
};

static const struct span NONE = { 0, 0 };

static struct span
vput(struct sess *s, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static struct span
vput(struct sess *s, const char *fmt, va_list ap)
{
	struct span sp;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(s->tx + s->tlen, s->tcap - s->tlen, fmt, aq);
	va_end(aq);
	if (n < 0)
		die("vsnprintf failed");
	if ((size_t)n + 1 > s->tcap - s->tlen) {
		while ((size_t)n + 1 > s->tcap - s->tlen)
			s->tcap *= 2;
		s->tx = xrealloc(s->tx, s->tcap);
		vsnprintf(s->tx + s->tlen, s->tcap - s->tlen, fmt, ap);
	}
	sp.off = (uint32_t)s->tlen;
	sp.len = (uint32_t)n;
	s->tlen += (size_t)n;
	return sp;
}

static struct span put(struct sess *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct span
put(struct sess *s, const char *fmt, ...)
{
	struct span sp;
	va_list ap;

	va_start(ap, fmt);
	sp = vput(s, fmt, ap);
	va_end(ap);
	return sp;
}

static void
row(struct sess *s, int32_t delay, char ev, struct span data, struct span ctx)
{
	struct step *p;

	if (s->n == s->cap) {
		s->cap *= 2;
		s->st = xrealloc(s->st, s->cap * sizeof *s->st);
	}
	if (ev == '+')
		s->connected = 1;
	p = &s->st[s->n++];
	p->data = data;
	p->ctx = ctx;
	p->delay = delay;
	p->event = ev;
	p->local = (unsigned char)s->connected;
	s->t += delay;
}

/* A '<' or '>' row: the SMTP line in data, context empty. */
static void rd(struct sess *s, int32_t delay, char ev, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
rd(struct sess *s, int32_t delay, char ev, const char *fmt, ...)
{
	struct span sp;
	va_list ap;

	va_start(ap, fmt);
	sp = vput(s, fmt, ap);
	va_end(ap);
	row(s, delay, ev, sp, NONE);
}

/* A '*' row with data empty and the text in context. */
static void ri(struct sess *s, int32_t delay, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ri(struct sess *s, int32_t delay, const char *fmt, ...)
{
	struct span sp;
	va_list ap;

	va_start(ap, fmt);
	sp = vput(s, fmt, ap);
	va_end(ap);
	row(s, delay, '*', NONE, sp);
}

static int32_t
rtt(struct sess *s)
{
	return s->rtt + rndr(&s->srv->rng, 0, s->rtt / 4 + 2);
}

/* n random upper-case hex digits. */
static void
hex(struct rng *r, char *out, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = digits[rndn(r, 16)];
	out[n] = '\0';
}

/* Hex digits that depend only on a name (a remote's certificate). */
static void
hexof(const char *name, unsigned salt, char *out, size_t n)
{
	uint64_t h = 1469598103934665603ULL ^ salt;
	struct rng r;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	rng_seed(&r, h, salt);
	hex(&r, out, n);
}

/* --- the SMTP conversation ------------------------------------------------ */

static const char *
exo_domain(void)
{
	return "contoso.mail.onmicrosoft.com";
}

static void
begin(struct sess *s)
{
	row(s, 0, '*', put(s, "SendRoutingHeaders"),
	    put(s, "Set Session Permissions"));
	ri(s, 1, "attempting to connect");
}

static void
connect_ok(struct sess *s)
{
	row(s, rndr(&s->srv->rng, 12, 30) + s->rtt / 2, '+', NONE, NONE);
}

static void
banner(struct sess *s)
{
	const struct remote *r = s->r;
	char date[48];
	int32_t d = rtt(s) + rndr(&s->srv->rng, 0, 30);

	fmt_rfc5322(date, sizeof date, s->t + d);
	if (r->banner != NULL) {
		rd(s, d, '<', "%s", r->banner);
		return;
	}
	switch (r->kind) {
	case RK_EXO:
	case RK_EXCH_TLS:
	case RK_EX2010:
		rd(s, d, '<', "220 %s Microsoft ESMTP MAIL Service ready at %s",
		    r->host, date);
		break;
	case RK_EXIM_TLS:
		rd(s, d, '<', "220 %s ESMTP Exim 4.96 %s", r->host, date);
		break;
	case RK_GOOGLE: {
		/* One draw per statement: argument order is unspecified. */
		int a = 'a' + (int)rndn(&s->srv->rng, 26);
		int b = 'a' + (int)rndn(&s->srv->rng, 26);
		int c = (int)rndn(&s->srv->rng, 100);
		int e = (int)rndn(&s->srv->rng, 1000000);
		int f = (int)rndn(&s->srv->rng, 900) + 100;

		rd(s, d, '<', "220 %s ESMTP %c%c%02d-2002%06da.%d - gsmtp",
		    r->host, a, b, c, e, f);
		break;
	}
	case RK_ASA:
		rd(s, d, '<', "220 ******************************");
		break;
	case RK_HELO_ONLY:
	case RK_HELO_TLSREQ:
		rd(s, d, '<', "220 %s SMTP Server ready", r->host);
		break;
	case RK_POSTFIX_TLS:
	case RK_POSTFIX_CLEAR:
	case RK_CERT_BAD:
	case RK_DEAD:
		rd(s, d, '<', "220 %s ESMTP Postfix", r->host);
		break;
	}
}

/*
 * An EHLO reply: 2013 logs each line as a row (250-GREETING ... 250 LAST),
 * 2016/2019 the whole reply as one row, the code once.
 */
static void
ehlo_reply(struct sess *s, const char *greeting, const char *const *ext,
    size_t n)
{
	size_t i, len;
	char *one;

	if (s->srv->form == 2013) {
		rd(s, rtt(s), '<', "250%c%s", n > 0 ? '-' : ' ', greeting);
		for (i = 0; i < n; i++)
			rd(s, 1, '<', "250%c%s", i + 1 < n ? '-' : ' ', ext[i]);
		return;
	}
	len = strlen(greeting) + 1;
	for (i = 0; i < n; i++)
		len += strlen(ext[i]) + 1;
	one = xmalloc(len);
	strcpy(one, greeting);
	for (i = 0; i < n; i++) {
		strcat(one, " ");
		strcat(one, ext[i]);
	}
	rd(s, rtt(s), '<', "250 %s", one);
	free(one);
}

/* EHLO and its reply; tls: the second EHLO, after STARTTLS. */
static void
ehlo(struct sess *s, int tls)
{
	static const char *const exo[] = { "SIZE 157286400", "PIPELINING",
	    "DSN", "ENHANCEDSTATUSCODES", "STARTTLS", "8BITMIME", "BINARYMIME",
	    "CHUNKING", "SMTPUTF8" };
	static const char *const exch[] = { "SIZE 36700160", "PIPELINING",
	    "DSN", "ENHANCEDSTATUSCODES", "STARTTLS", "AUTH NTLM", "8BITMIME",
	    "BINARYMIME", "CHUNKING" };
	static const char *const ex2010[] = { "SIZE 20971520", "PIPELINING",
	    "DSN", "ENHANCEDSTATUSCODES", "STARTTLS", "AUTH", "8BITMIME",
	    "BINARYMIME", "CHUNKING", "XEXCH50" };
	static const char *const postfix[] = { "PIPELINING", "SIZE 52428800",
	    "VRFY", "ETRN", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME",
	    "DSN", "SMTPUTF8" };
	static const char *const clear[] = { "PIPELINING", "SIZE 10240000",
	    "VRFY", "ETRN", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN" };
	static const char *const exim[] = { "SIZE 52428800", "8BITMIME",
	    "PIPELINING", "CHUNKING", "STARTTLS", "PRDR", "HELP" };
	static const char *const google[] = { "SIZE 35882577", "8BITMIME",
	    "STARTTLS", "ENHANCEDSTATUSCODES", "PIPELINING", "CHUNKING",
	    "SMTPUTF8" };
	const char *list[16];
	const char *const *src;
	const struct remote *r = s->r;
	char greeting[160];
	size_t i, n, k;
	const char *ip = s->srv->pubip;

	rd(s, 1, '>', "EHLO mail.contoso.com");
	switch (r->kind) {
	case RK_EXO:
	case RK_EXCH_TLS:
	case RK_EX2010:
		snprintf(greeting, sizeof greeting, "%s Hello [%s]", r->host,
		    ip);
		src = r->kind == RK_EXO ? exo : r->kind == RK_EXCH_TLS ?
		    exch : ex2010;
		n = r->kind == RK_EXO ? 9 : r->kind == RK_EXCH_TLS ? 9 : 10;
		break;
	case RK_EXIM_TLS:
		snprintf(greeting, sizeof greeting,
		    "%s Hello mail.contoso.com [%s]", r->host, ip);
		src = exim;
		n = 7;
		break;
	case RK_GOOGLE:
		snprintf(greeting, sizeof greeting,
		    "%s at your service, [%s]", r->host, ip);
		src = google;
		n = 7;
		break;
	case RK_POSTFIX_CLEAR:
		snprintf(greeting, sizeof greeting, "%s", r->host);
		src = clear;
		n = 7;
		break;
	case RK_POSTFIX_TLS:
	case RK_CERT_BAD:
	default:
		snprintf(greeting, sizeof greeting, "%s", r->host);
		src = postfix;
		n = 9;
		break;
	}
	/* After TLS the reply lists no STARTTLS; AUTH may appear. */
	for (i = k = 0; i < n; i++) {
		if (tls && strcmp(src[i], "STARTTLS") == 0)
			continue;
		if (!tls && strncmp(src[i], "AUTH", 4) == 0)
			continue;
		list[k++] = src[i];
	}
	ehlo_reply(s, greeting, list, k);
}

static const char contoso_subject[] =
    "CN=mail.contoso.com, O=Contoso Ltd, L=Redmond, S=Washington, C=US";
static const char contoso_issuer[] =
    "CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1, O=DigiCert Inc, C=US";
static const char contoso_sans[] =
    "mail.contoso.com;autodiscover.contoso.com;contoso.com";

static void
cert(struct sess *s, const char *kind, const char *subject,
    const char *issuer, const char *serial, const char *thumb,
    const char *from, const char *until, const char *sans, int32_t delay)
{
	if (s->srv->form == 2016) {
		row(s, delay, '*', put(s, " %s %s %s %s %s %s %s", subject,
		    issuer, serial, thumb, from, until, sans), put(s, "%s Subject "
		    "Issuer name Serial number Thumbprint Not before Not after "
		    "Subject alternate names", kind));
		return;
	}
	ri(s, delay, "%s", kind);
	row(s, 1, '*', put(s, "%s", subject), put(s, "Certificate subject"));
	row(s, 1, '*', put(s, "%s", issuer), put(s, "Certificate issuer name"));
	row(s, 1, '*', put(s, "%s", serial),
	    put(s, "Certificate serial number"));
	row(s, 1, '*', put(s, "%s", thumb), put(s, "Certificate thumbprint"));
	row(s, 1, '*', put(s, "%s", sans),
	    put(s, "Certificate alternate names"));
}

/*
 * STARTTLS, both certificates and the TLS protocol row.  proto: 0 for
 * TLS 1.2 (or 1.3, now and then), 10 for TLS 1.0.
 */
static void
starttls(struct sess *s, int proto)
{
	const struct remote *r = s->r;
	char subject[160], issuer[160], sans[256], serial[40], thumb[48];
	const char *ok;

	rd(s, 1, '>', "STARTTLS");
	ok = r->kind == RK_EXO || r->kind == RK_EXCH_TLS ||
	    r->kind == RK_EX2010 ? "220 2.0.0 SMTP server ready" :
	    r->kind == RK_EXIM_TLS ? "220 TLS go ahead" :
	    r->kind == RK_GOOGLE ? "220 2.0.0 Ready to start TLS" :
	    "220 2.0.0 Ready to start TLS";
	rd(s, rtt(s), '<', "%s", ok);
	cert(s, "Sending certificate", contoso_subject, contoso_issuer,
	    "0C4F7A1E93B2D85A6E0F1B3C7D9A2E41",
	    "3A7F19C2E85B4D06F1A2B3C4D5E6F708192A3B4C",
	    "2026-03-14T00:00:00.000Z", "2027-04-13T23:59:59.000Z",
	    contoso_sans, 1);

	if (r->kind == RK_EXO) {
		snprintf(subject, sizeof subject, "CN=mail.protection.outlook."
		    "com, O=Microsoft Corporation, L=Redmond, S=WA, C=US");
		snprintf(issuer, sizeof issuer,
		    "CN=DigiCert Cloud Services CA-1, O=DigiCert Inc, C=US");
		snprintf(sans, sizeof sans, "mail.protection.outlook.com;"
		    "*.mail.eo.outlook.com;*.mail.protection.outlook.com;"
		    "mail.messaging.microsoft.com;*.mail.protection.outlook.de");
		snprintf(serial, sizeof serial,
		    "0E7B3F2A91C45D8E6F0A1B2C3D4E5F60");
		snprintf(thumb, sizeof thumb,
		    "6F5E4D3C2B1A09F8E7D6C5B4A3928170F6E5D4C3");
	} else {
		const char *cn = r->cert_cn != NULL ? r->cert_cn : r->host;

		if (r->kind == RK_EXCH_TLS || r->kind == RK_EX2010)
			snprintf(subject, sizeof subject, "CN=%s, O=%s, C=US",
			    cn, r->domain);
		else
			snprintf(subject, sizeof subject, "CN=%s", cn);
		snprintf(issuer, sizeof issuer, "%s", r->kind == RK_EXCH_TLS ?
		    "CN=Sectigo RSA Organization Validation Secure Server CA, "
		    "O=Sectigo Limited, L=Salford, S=Greater Manchester, C=GB" :
		    "CN=R11, O=Let's Encrypt, C=US");
		snprintf(sans, sizeof sans, "%s;%s", cn, r->domain);
		hexof(cn, 1, serial, 32);
		hexof(cn, 2, thumb, 40);
	}
	cert(s, "Received certificate", subject, issuer, serial, thumb,
	    "2026-07-21T00:00:00.000Z", "2027-07-20T23:59:59.000Z", sans,
	    rtt(s));

	if (proto == 10)
		ri(s, 1, "TLS protocol SP_PROT_TLS1_0_CLIENT negotiation "
		    "succeeded using bulk encryption algorithm CALG_AES_256 "
		    "with strength 256 bits, MAC hash algorithm CALG_SHA1 with "
		    "strength 160 bits and key exchange algorithm "
		    "CALG_ECDH_EPHEM with strength 256 bits");
	else if (s->tls13)
		ri(s, 1, "TLS protocol SP_PROT_TLS1_3_CLIENT negotiation "
		    "succeeded using bulk encryption algorithm CALG_AES_256 "
		    "with strength 256 bits, MAC hash algorithm CALG_SHA_384 "
		    "with strength 0 bits and key exchange algorithm "
		    "CALG_ECDH_EPHEM with strength 384 bits");
	else if (r->kind == RK_EXO)
		ri(s, 1, "TLS protocol SP_PROT_TLS1_2_CLIENT negotiation "
		    "succeeded using bulk encryption algorithm CALG_AES_256 "
		    "with strength 256 bits, MAC hash algorithm CALG_SHA_384 "
		    "with strength 0 bits and key exchange algorithm "
		    "CALG_ECDH_EPHEM with strength 384 bits");
	else
		ri(s, 1, "TLS protocol SP_PROT_TLS1_2_CLIENT negotiation "
		    "succeeded using bulk encryption algorithm CALG_AES_128 "
		    "with strength 128 bits, MAC hash algorithm CALG_SHA_256 "
		    "with strength 0 bits and key exchange algorithm "
		    "CALG_ECDH_EPHEM with strength 256 bits");
}

static int
message_size(struct rng *r)
{
	uint32_t b = rndn(r, 100);

	if (b < 50)
		return rndr(r, 2000, 40000);
	if (b < 85)
		return rndr(r, 40000, 500000);
	if (b < 98)
		return rndr(r, 500000, 5000000);
	return rndr(r, 5000000, 25000000);
}

/* One to three messages; bdat: CHUNKING; pipe: PIPELINING. */
static void
messages(struct sess *s, int nmsg, int bdat, int pipe)
{
	struct server *sv = s->srv;
	struct rng *g = &sv->rng;
	const struct remote *r = s->r;
	const char *rdom = r->kind == RK_EXO ? exo_domain() : r->domain;
	const char *sender_ok, *rcpt_ok;
	char start[25], msgid[40], tmp[64];
	int m, k, nrcpt, size, ms, kbps10;

	fmt_time(start, s->start);
	switch (r->kind) {
	case RK_EXO:
	case RK_EXCH_TLS:
	case RK_EX2010:
		sender_ok = "250 2.1.0 Sender OK";
		rcpt_ok = "250 2.1.5 Recipient OK";
		break;
	case RK_EXIM_TLS:
		sender_ok = "250 OK";
		rcpt_ok = "250 Accepted";
		break;
	case RK_GOOGLE:
		sender_ok = "250 2.1.0 OK";
		rcpt_ok = "250 2.1.5 OK";
		break;
	default:
		sender_ok = "250 2.1.0 Ok";
		rcpt_ok = "250 2.1.5 Ok";
		break;
	}
	for (m = 1; m <= nmsg; m++) {
		k = (int)rndn(g, 100);
		nrcpt = k < 75 ? 1 : k < 95 ? 2 : 3;
		size = message_size(g);
		hex(g, msgid, 32);
		for (k = 0; msgid[k] != '\0'; k++)
			if (msgid[k] >= 'A' && msgid[k] <= 'F')
				msgid[k] = (char)(msgid[k] - 'A' + 'a');
		row(s, rndr(g, 1, 3), '*', put(s, "%016" PRIX64 ";%s;%d", s->id,
		    start, m), put(s, "sending message with RecordId %" PRIu64
		    " and InternetMessageId <%s@%s>", sv->record++, msgid,
		    sv->mbx));
		rd(s, 1, '>', "MAIL FROM:<%s@contoso.com> SIZE=%d",
		    senders[rndn(g, NSENDERS)], size);
		if (!pipe)
			rd(s, rtt(s), '<', "%s", sender_ok);
		for (k = 0; k < nrcpt; k++) {
			rd(s, 1, '>', "RCPT TO:<%s@%s>", senders[rndn(g,
			    NSENDERS)], rdom);
			if (!pipe)
				rd(s, rtt(s), '<', "%s", rcpt_ok);
		}
		if (pipe) {
			rd(s, rtt(s), '<', "%s", sender_ok);
			for (k = 0; k < nrcpt; k++)
				rd(s, 1, '<', "%s", rcpt_ok);
		}
		/* Transfer: 0.5 to 5 MB/s. */
		ms = size / rndr(g, 500, 5000) + rtt(s);
		if (bdat) {
			rd(s, 2, '>', "BDAT %d LAST", size);
		} else {
			rd(s, 1, '>', "DATA");
			rd(s, rtt(s), '<', "%s", r->kind == RK_EXO ||
			    r->kind == RK_EXCH_TLS ? "354 Start mail input; "
			    "end with <CRLF>.<CRLF>" :
			    "354 End data with <CR><LF>.<CR><LF>");
		}
		kbps10 = (int)((int64_t)size * 10000 / 1024 / (ms > 0 ? ms : 1));
		switch (r->kind) {
		case RK_EXO: {
			/* One draw per statement: argument order is unspecified. */
			uint64_t id = rnd(g) % 90000000000000ULL +
			    10000000000000ULL;
			const char *pre = exo_prefix[rndn(g, 10)];
			int a = (int)rndn(g, 20), b = (int)rndn(g, 10000);
			int c = (int)rndn(g, 10);

			rd(s, ms, '<', "250 2.6.0 <%s@%s> [InternalId=%" PRIu64
			    ", Hostname=%sPR%02dMB%04d.eurprd%02d.prod.outlook."
			    "com] %d bytes in %d.%03d, %d.%d KB/sec Queued mail "
			    "for delivery", msgid, sv->mbx, id, pre, a, b, c,
			    size, ms / 1000, ms % 1000, kbps10 / 10,
			    kbps10 % 10);
			break;
		}
		case RK_EXCH_TLS:
		case RK_EX2010:
			rd(s, ms, '<', "250 2.6.0 <%s@%s> [InternalId=%" PRIu64
			    ", Hostname=MAIL.%s] Queued mail for delivery", msgid,
			    sv->mbx, (uint64_t)(rnd(g) % 1000000000000ULL), r->domain);
			break;
		case RK_EXIM_TLS:
			hex(g, tmp, 12);
			rd(s, ms, '<', "250 OK id=1v%.4s-00%.4s-%.2s", tmp,
			    tmp + 4, tmp + 8);
			break;
		case RK_GOOGLE: {
			unsigned a = (unsigned)(rnd(g) >> 34) + 1700000000u;
			int b = 'a' + (int)rndn(g, 26), c = (int)rndn(g, 100);
			int e = (int)rndn(g, 1000), f = (int)rndn(g, 10000000);

			hex(g, tmp, 20);
			rd(s, ms, '<', "250 2.0.0 OK %u %c%d-2002%.12s%dsi%d",
			    a, b, c, tmp, e, f);
			break;
		}
		default:
			hex(g, tmp, 14);
			rd(s, ms, '<', "250 2.0.0 Ok: queued as 4d%s", tmp);
			break;
		}
	}
}

static void
quit(struct sess *s, int reply)
{
	rd(s, 1, '>', "QUIT");
	if (reply)
		rd(s, rtt(s), '<', "%s", s->r->kind == RK_EXO ||
		    s->r->kind == RK_EXCH_TLS || s->r->kind == RK_EX2010 ?
		    "221 2.0.0 Service closing transmission channel" :
		    s->r->kind == RK_EXIM_TLS ? "221 closing connection" :
		    "221 2.0.0 Bye");
	row(s, 1, '-', NONE, put(s, "Local"));
}

static int
nmsg(struct rng *r)
{
	uint32_t k = rndn(r, 100);

	return k < 60 ? 1 : k < 88 ? 2 : 3;
}

static const struct remote *
pick_partner(struct rng *g, enum rkind kind)
{
	size_t i, n = 0, want;

	for (i = 0; i < NPARTNERS; i++)
		n += partners[i].kind == kind;
	want = rndn(g, (uint32_t)n);
	for (i = 0; i < NPARTNERS; i++)
		if (partners[i].kind == kind && want-- == 0)
			return &partners[i];
	die("no partner of kind %d", (int)kind);
}

static enum scen
pick_scen(struct rng *g)
{
	uint32_t x = rndn(g, 100000), acc = 0;
	int i;

	for (i = 1; i < SC_N; i++) {
		acc += scen_rate[i];
		if (x < acc)
			return (enum scen)i;
	}
	return SC_CLEAN;
}

/* Build a whole session starting at time t. */
static struct sess *
session_new(struct server *sv, int64_t t)
{
	static const enum rkind clean_partners[] = { RK_POSTFIX_TLS,
	    RK_POSTFIX_TLS, RK_EXIM_TLS, RK_EXCH_TLS, RK_EXCH_TLS, RK_GOOGLE };
	struct rng *g = &sv->rng;
	struct sess *s = xmalloc(sizeof *s);
	const struct remote *r;
	int k;

	memset(s, 0, sizeof *s);
	s->srv = sv;
	s->id = sv->sid++;
	s->start = s->t = s->next = t;
	s->cap = 64;
	s->st = xmalloc(s->cap * sizeof *s->st);
	s->tcap = 4096;
	s->tx = xmalloc(s->tcap);
	s->scen = pick_scen(g);
	s->tls13 = rndn(g, 10) == 0;

	/* Where it goes, on which connector. */
	switch (s->scen) {
	case SC_CLEAN:
		k = (int)rndn(g, 100);
		if (k < 62) {
			r = &sv->exo[rndn(g, EXO_HOSTS)];
			s->conn = CONN_EXO;
		} else {
			r = pick_partner(g, clean_partners[rndn(g, 6)]);
			s->conn = CONN_INET;
		}
		break;
	case SC_TLSREQ:
		if (rndn(g, 10) == 0) {
			r = pick_partner(g, RK_ASA);
			s->conn = CONN_PTLS;
		} else {
			r = &sv->exo[rndn(g, EXO_HOSTS)];
			s->conn = CONN_EXO;
		}
		break;
	case SC_HELO_DROP:
		r = pick_partner(g, RK_HELO_TLSREQ);
		s->conn = CONN_PTLS;
		break;
	case SC_STARTTLS_FAIL:
		r = &sv->exo[rndn(g, EXO_HOSTS)];
		s->conn = CONN_EXO;
		break;
	case SC_CERT_FAIL:
		r = pick_partner(g, RK_CERT_BAD);
		s->conn = CONN_PTLS;
		break;
	case SC_CLEARTEXT:
		r = pick_partner(g, rndn(g, 5) == 0 ? RK_HELO_ONLY :
		    RK_POSTFIX_CLEAR);
		s->conn = CONN_INET;
		break;
	case SC_CONNECT_FAIL:
		r = pick_partner(g, RK_DEAD);
		s->conn = CONN_INET;
		break;
	case SC_WEAK_TLS:
	default:
		r = pick_partner(g, RK_EX2010);
		s->conn = CONN_INET;
		break;
	}
	s->r = r;
	s->rtt = r->rtt;
	snprintf(s->remote, sizeof s->remote, "%s:25", r->ip);
	if (sv->port < 49152 || sv->port > 65533)
		sv->port = 49152;
	sv->port += (unsigned)rndr(g, 1, 3);
	snprintf(s->local, sizeof s->local, "%s:%u", sv->localip, sv->port);

	begin(s);
	switch (s->scen) {
	case SC_CONNECT_FAIL:
		if (rndn(g, 100) < 85)
			ri(s, 21000 + rndr(g, 0, 80), "Failed to connect. Winsock "
			    "error code: 10060, Win32 error code: 10060, "
			    "Destination domain: %s, Error Message: A connection "
			    "attempt failed because the connected party did not "
			    "properly respond after a period of time, or "
			    "established connection failed because connected "
			    "host has failed to respond %s.", r->domain,
			    s->remote);
		else
			ri(s, 1000 + rndr(g, 0, 40), "Failed to connect. Winsock "
			    "error code: 10061, Win32 error code: 10061, "
			    "Destination domain: %s, Error Message: No "
			    "connection could be made because the target "
			    "machine actively refused it %s.", r->domain,
			    s->remote);
		row(s, 1, '-', NONE, put(s, "Local"));
		break;
	case SC_TLSREQ:
		connect_ok(s);
		banner(s);
		rd(s, 1, '>', "EHLO mail.contoso.com");
		if (r->kind == RK_ASA) {
			static const char *const ext[] = { "SIZE 10240000",
			    "PIPELINING", "XXXXXXXA", "8BITMIME" };
			char greet[64];

			snprintf(greet, sizeof greet, "***** Hello [%s]",
			    sv->pubip);
			ehlo_reply(s, greet, ext, 4);
		} else {
			static const char *const ext[] = { "SIZE 157286400" };
			char greet[96];

			snprintf(greet, sizeof greet, "%s Hello [%s]", r->host,
			    sv->pubip);
			ehlo_reply(s, greet, ext, 1);
		}
		ri(s, 1, "Connector is configured to send mail only over TLS "
		    "connections and remote doesn't support TLS");
		quit(s, 0);
		break;
	case SC_HELO_DROP:
		connect_ok(s);
		banner(s);
		rd(s, 1, '>', "EHLO mail.contoso.com");
		rd(s, rtt(s), '<', "500 5.5.1 Command unrecognized");
		rd(s, 1, '>', "HELO mail.contoso.com");
		rd(s, rtt(s), '<', "250 %s", r->host);
		ri(s, 1, "Drop connection because TLS configuration requires "
		    "TLS before MailFrom command and could not achieve it, "
		    "check connection authentication setting or remote "
		    "capabilities");
		quit(s, 0);
		break;
	case SC_STARTTLS_FAIL:
		connect_ok(s);
		banner(s);
		ehlo(s, 0);
		rd(s, 1, '>', "STARTTLS");
		rd(s, rtt(s), '<', "220 2.0.0 SMTP server ready");
		ri(s, rndr(g, 5, 12), "TLS negotiation failed with error "
		    "UnknownCredentials");
		row(s, 1, '-', NONE, put(s, "Local"));
		break;
	case SC_CERT_FAIL:
		connect_ok(s);
		banner(s);
		ehlo(s, 0);
		starttls(s, 0);
		ri(s, 1, "Outbound TLS authentication failed for auth level "
		    "DomainValidation with error SubjectMismatch");
		quit(s, 0);
		break;
	case SC_CLEARTEXT:
		connect_ok(s);
		banner(s);
		if (r->kind == RK_HELO_ONLY) {
			rd(s, 1, '>', "EHLO mail.contoso.com");
			rd(s, rtt(s), '<', "500 5.5.1 Command unrecognized");
			rd(s, 1, '>', "HELO mail.contoso.com");
			rd(s, rtt(s), '<', "250 %s", r->host);
			messages(s, 1, 0, 0);
		} else {
			ehlo(s, 0);
			messages(s, nmsg(g), 0, 1);
		}
		quit(s, 1);
		break;
	case SC_WEAK_TLS:
		connect_ok(s);
		banner(s);
		ehlo(s, 0);
		starttls(s, 10);
		ehlo(s, 1);
		messages(s, nmsg(g), 1, 1);
		quit(s, 1);
		break;
	case SC_CLEAN:
	default:
		connect_ok(s);
		banner(s);
		ehlo(s, 0);
		starttls(s, 0);
		ehlo(s, 1);
		messages(s, nmsg(g), r->kind != RK_POSTFIX_TLS, 1);
		quit(s, 1);
		break;
	}
	return s;
}

static void
session_free(struct sess *s)
{
	free(s->st);
	free(s->tx);
	free(s);
}

/* --- writing --------------------------------------------------------------- */

static void
xwrite(struct server *sv, const void *p, size_t n)
{
	if (fwrite(p, 1, n, sv->fp) != n)
		die("%s: write failed: %s", sv->dir, strerror(errno));
	sv->fsize += (int64_t)n;
	sv->bytes += n;
}

static void
close_file(struct server *sv)
{
	if (sv->fp == NULL)
		return;
	if (fclose(sv->fp) != 0)
		die("%s: write failed: %s", sv->dir, strerror(errno));
	sv->fp = NULL;
}

static void
open_file(struct server *sv, int64_t t, int64_t key, int n)
{
	char path[4200], stamp[16], date[25];
	int y, mo, d;
	int64_t hdr;
	int len;

	close_file(sv);
	civil_from_days(t / MS_PER_DAY, &y, &mo, &d);
	if (sv->form == 2013)
		snprintf(stamp, sizeof stamp, "%04d%02d%02d", y, mo, d);
	else
		snprintf(stamp, sizeof stamp, "%04d%02d%02d%02d", y, mo, d,
		    (int)(t % MS_PER_DAY / MS_PER_HOUR));
	len = snprintf(path, sizeof path, "%s/SEND%s-%d.LOG", sv->dir, stamp,
	    n);
	if (len < 0 || (size_t)len >= sizeof path)
		die("%s: path too long", sv->dir);
	sv->fp = fopen(path, "wb");
	if (sv->fp == NULL)
		die("%s: %s", path, strerror(errno));
	setvbuf(sv->fp, sv->fbuf, _IOFBF, 1 << 20);
	sv->fsize = 0;
	sv->key = key;
	sv->fileno = n;
	sv->files++;
	/*
	 * #Date is when the file was opened: before the first row for a
	 * server's first file, else a little after the rows that made the
	 * previous one roll over (Exchange buffers rows, so the first rows
	 * of a file can be older than its #Date).
	 */
	hdr = sv->files == 1 ? t - rndr(&sv->rng, 200, 5000) :
	    t + rndr(&sv->rng, 0, 150);
	fmt_time(date, hdr);
	len = snprintf(path, sizeof path, "\xEF\xBB\xBF#Software: Microsoft "
	    "Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Send "
	    "Protocol Log\r\n#Date: %s\r\n#Fields: date-time,connector-id,"
	    "session-id,sequence-number,local-endpoint,remote-endpoint,event,"
	    "data,context\r\n", date);
	xwrite(sv, path, (size_t)len);
}

static size_t
put_field(char *out, const char *p, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (p[i] == ',' || p[i] == '"')
			break;
	if (i == n) {
		memcpy(out, p, n);
		return n;
	}
	out[o++] = '"';
	for (i = 0; i < n; i++) {
		if (p[i] == '"')
			out[o++] = '"';
		out[o++] = p[i];
	}
	out[o++] = '"';
	return o;
}

static void
emit(struct server *sv, struct sess *s)
{
	const struct step *p = &s->st[s->cur];
	int64_t t = s->next, key;
	const char *conn = sv->conn[s->conn];
	size_t need, o = 0;
	char *b;
	int n;

	key = sv->form == 2013 ? t / MS_PER_DAY : t / MS_PER_HOUR;
	if (sv->fp == NULL || key != sv->key)
		open_file(sv, t, key, 1);
	else if (sv->fsize >= ROLLOVER)
		open_file(sv, t, key, sv->fileno + 1);

	/* Worst case: every byte of the quoted fields doubled. */
	need = 192 + 2 * strlen(conn) + 2 * ((size_t)p->data.len +
	    p->ctx.len) + 16;
	if (need > sv->rowcap) {
		sv->rowcap = need * 2;
		sv->row = xrealloc(sv->row, sv->rowcap);
	}
	b = sv->row;
	fmt_time(b, t);
	o = 24;
	b[o++] = ',';
	o += put_field(b + o, conn, strlen(conn));
	n = snprintf(b + o, sv->rowcap - o, ",%016" PRIX64 ",%zu,%s,%s,%c,",
	    s->id, s->cur, p->local ? s->local : "", s->remote, p->event);
	o += (size_t)n;
	o += put_field(b + o, s->tx + p->data.off, p->data.len);
	b[o++] = ',';
	o += put_field(b + o, s->tx + p->ctx.off, p->ctx.len);
	b[o++] = '\r';
	b[o++] = '\n';
	xwrite(sv, b, o);
	sv->rows++;
}

/* --- one server ------------------------------------------------------------ */

static void
server_init(struct server *sv, const char *out, int idx, uint64_t seed,
    uint64_t budget, int64_t start)
{
	int i, len;

	memset(sv, 0, sizeof *sv);
	sv->idx = idx;
	sv->form = idx % 2 == 0 ? 2013 : 2016;
	rng_seed(&sv->rng, seed, (uint64_t)idx + 1);
	snprintf(sv->name, sizeof sv->name, "mbx%02d-%d", idx + 1, sv->form);
	len = snprintf(sv->dir, sizeof sv->dir, "%s/%s", out, sv->name);
	if (len < 0 || (size_t)len >= sizeof sv->dir)
		die("%s: path too long", out);
	if (mkdir(sv->dir, 0777) != 0)
		die("%s: %s", sv->dir, strerror(errno));
	sv->fbuf = xmalloc(1 << 20);
	sv->budget = budget;
	sv->now = start;
	/* Exchange session ids: a per-server prefix and a counter. */
	sv->sid = (sv->form == 2013 ? 0x08D6000000000000ULL :
	    0x08DE000000000000ULL) | ((rnd(&sv->rng) & 0xFFFFFFULL) << 24);
	sv->sid |= (uint64_t)rndn(&sv->rng, 0x10000) << 4;
	sv->port = 49152 + rndn(&sv->rng, 10000);
	sv->record = 5000000 + rnd(&sv->rng) % 20000000;
	snprintf(sv->pubip, sizeof sv->pubip, "198.51.100.%d", 7 + idx);
	snprintf(sv->localip, sizeof sv->localip, "10.0.%d.21", 1 + idx);
	snprintf(sv->mbx, sizeof sv->mbx, "MBX%02d.corp.contoso.com", idx + 1);
	sv->conn[CONN_EXO] = sv->form == 2013 ? "Outbound to Office 365" :
	    "Outbound to Office 365 - 7c1e5a9b-3d2f-4e8a-9b6c-0d4f2a1e8c37";
	/* A localized name (UTF-8, with a comma) on every third server. */
	sv->conn[CONN_INET] = idx % 3 == 2 ?
	    "Internet, Partner \xE2\x80\x93 Z\xC3\xBCrich" : "Internet, Partners";
	sv->conn[CONN_PTLS] = "Partner TLS";
	for (i = 0; i < EXO_HOSTS; i++) {
		char tail[8];

		hex(&sv->rng, tail, 4);
		snprintf(sv->exo_host[i], sizeof sv->exo_host[i],
		    "%sPEPF0000%s.mail.protection.outlook.com",
		    exo_prefix[rndn(&sv->rng, 10)], tail);
		snprintf(sv->exo_ip[i], sizeof sv->exo_ip[i], "203.0.113.%d",
		    180 + i);
		sv->exo[i].kind = RK_EXO;
		sv->exo[i].host = sv->exo_host[i];
		sv->exo[i].domain = "outlook.com";
		sv->exo[i].ip = sv->exo_ip[i];
		sv->exo[i].rtt = rndr(&sv->rng, 30, 48);
	}
	sv->target = rndr(&sv->rng, MIN_OPEN, MAX_OPEN);
}

static void
server_run(struct server *sv)
{
	int spawning = 1, i, best;
	struct sess *s;

	/* The first sessions start over the first two seconds. */
	for (;;) {
		while (spawning && sv->nopen < sv->target) {
			int64_t at = sv->now + (sv->bytes == 0 ?
			    rndr(&sv->rng, 0, 2000) : rndr(&sv->rng, 0, 60));

			sv->open[sv->nopen++] = session_new(sv, at);
		}
		if (sv->nopen == 0)
			break;
		best = 0;
		for (i = 1; i < sv->nopen; i++)
			if (sv->open[i]->next < sv->open[best]->next ||
			    (sv->open[i]->next == sv->open[best]->next &&
			    sv->open[i]->id < sv->open[best]->id))
				best = i;
		s = sv->open[best];
		emit(sv, s);
		sv->now = s->next;
		if (++s->cur < s->n) {
			s->next += s->st[s->cur].delay;
		} else {
			sv->count[s->scen]++;
			session_free(s);
			sv->open[best] = sv->open[--sv->nopen];
			sv->target += rndr(&sv->rng, -1, 1);
			if (sv->target < MIN_OPEN)
				sv->target = MIN_OPEN;
			if (sv->target > MAX_OPEN)
				sv->target = MAX_OPEN;
		}
		if (sv->bytes >= sv->budget)
			spawning = 0;
	}
	close_file(sv);
	free(sv->fbuf);
	free(sv->row);
}

/* --- main ------------------------------------------------------------------ */

static void
usage(void)
{
	fprintf(stderr, "usage: %s -o DIR -s SIZE_MB [-n SERVERS] [-S SEED]\n"
	    "       %s -V\n", progname, progname);
	exit(2);
}

static void
check_out_dir(const char *out)
{
	struct dirent *e;
	DIR *d;

	if (mkdir(out, 0777) == 0)
		return;
	if (errno != EEXIST)
		die("%s: %s", out, strerror(errno));
	d = opendir(out);
	if (d == NULL)
		die("%s: %s", out, strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			die("%s: not empty; give a new or empty folder", out);
	closedir(d);
}

int
main(int argc, char **argv)
{
	const char *out = NULL, *size_arg = NULL;
	struct server *sv;
	uint64_t seed = 1, total, budget, sum[SC_N] = { 0 };
	uint64_t files = 0, bytes = 0, rows = 0, sessions = 0;
	int nservers = 3, c, i, j;
	char *end;
	double mb;
	int64_t start;
	FILE *fp;
	char path[4200];

	while ((c = getopt(argc, argv, "o:s:n:S:Vh")) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			size_arg = optarg;
			break;
		case 'n':
			errno = 0;
			nservers = (int)strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || nservers < 1 ||
			    nservers > MAX_SERVERS)
				die("-n: a number of servers from 1 to %d",
				    MAX_SERVERS);
			break;
		case 'S':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno != 0 || *end != '\0' || *optarg == '\0')
				die("-S: a seed is a number");
			break;
		case 'V':
			printf("%s\n", GEN_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc || out == NULL || size_arg == NULL)
		usage();
	errno = 0;
	mb = strtod(size_arg, &end);
	if (errno != 0 || *end != '\0' || !(mb > 0) || mb > 1048576)
		die("-s: a size in MB, more than 0");
	total = (uint64_t)(mb * 1048576.0);
	check_out_dir(out);

	/* 2026-11-02T23:57:00Z: the hourly and daily names change early. */
	start = days_from_civil(2026, 11, 2) * MS_PER_DAY + 23 * MS_PER_HOUR +
	    57 * 60000LL;
	sv = xmalloc(sizeof *sv);
	for (i = 0; i < nservers; i++) {
		budget = total / (uint64_t)nservers;
		if (i == nservers - 1)
			budget = total - budget * (uint64_t)(nservers - 1);
		server_init(sv, out, i, seed, budget, start + i * 3217LL);
		server_run(sv);
		fprintf(stderr, "%s: %s: %" PRIu64 " files, %" PRIu64 " bytes, %"
		    PRIu64 " rows\n", progname, sv->name, sv->files, sv->bytes,
		    sv->rows);
		for (j = 0; j < SC_N; j++) {
			sum[j] += sv->count[j];
			sessions += sv->count[j];
		}
		files += sv->files;
		bytes += sv->bytes;
		rows += sv->rows;
	}
	free(sv);

	snprintf(path, sizeof path, "%s/EXPECTED", out);
	fp = fopen(path, "w");
	if (fp == NULL)
		die("%s: %s", path, strerror(errno));
	fprintf(fp, "# bench/gen.c corpus: what it holds. 'scenario' lines: "
	    "sessions written per\n# scenario; 'rule' lines: the sessions "
	    "each built-in rule of sendlog-scan\n# must report (default "
	    "options).\n");
	fprintf(fp, "generator %s\nseed %" PRIu64 "\nsize_mb %s\nservers %d\n"
	    "files %" PRIu64 "\nbytes %" PRIu64 "\nrows %" PRIu64 "\nsessions %"
	    PRIu64 "\n", GEN_VERSION, seed, size_arg, nservers, files, bytes,
	    rows, sessions);
	for (j = 0; j < SC_N; j++)
		fprintf(fp, "scenario %s %" PRIu64 "\n", scen_name[j], sum[j]);
	fprintf(fp, "rule tls-required-no-starttls %" PRIu64 "\n",
	    sum[SC_TLSREQ] + sum[SC_HELO_DROP]);
	fprintf(fp, "rule starttls-failed %" PRIu64 "\n", sum[SC_STARTTLS_FAIL]);
	fprintf(fp, "rule tls-certificate-failed %" PRIu64 "\n",
	    sum[SC_CERT_FAIL]);
	fprintf(fp, "rule cleartext-delivery %" PRIu64 "\n", sum[SC_CLEARTEXT]);
	fprintf(fp, "rule remote-requires-starttls 0\n");
	fprintf(fp, "rule weak-tls %" PRIu64 "\n", sum[SC_WEAK_TLS]);
	if (fclose(fp) != 0)
		die("%s: write failed", path);

	fprintf(stderr, "%s: %s: %d servers, %" PRIu64 " files, %" PRIu64
	    " bytes, %" PRIu64 " rows, %" PRIu64 " sessions (seed %" PRIu64
	    ")\n", progname, out, nservers, files, bytes, rows, sessions, seed);
	for (j = 0; j < SC_N; j++)
		fprintf(stderr, "%s:   %-26s %8" PRIu64 "\n", progname,
		    scen_name[j], sum[j]);
	fprintf(stderr, "%s: sessions rule tls-required-no-starttls must flag: %"
	    PRIu64 "\n", progname, sum[SC_TLSREQ] + sum[SC_HELO_DROP]);
	return 0;
}
