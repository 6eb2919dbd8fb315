/*
 * ehlo.c: SMTP reply lines and EHLO extension lists.
 */
#include <strings.h>
#include <string.h>

#include "ehlo.h"
#include "memfind.h"

/*
 * The <ctype.h> tests of the C locale, which the program never leaves,
 * without a call for the locale's table.
 */
#define IS_DIGIT(c)	((unsigned)((unsigned char)(c) - '0') < 10)
#define IS_ALPHA(c)	((unsigned)(((unsigned char)(c) | 0x20) - 'a') < 26)
#define IS_ALNUM(c)	(IS_DIGIT(c) || IS_ALPHA(c))
#define IS_LOWER(c)	((unsigned)((unsigned char)(c) - 'a') < 26)
#define TO_UPPER(c)	(IS_LOWER(c) ? (c) - 0x20 : (c))

/* Keywords that mark the end of a one-row greeting (RFC 5321 and kin). */
static const char *const known_keywords[] = {
	"8BITMIME", "AUTH", "BINARYMIME", "CHUNKING", "DELIVERBY", "DSN",
	"ENHANCEDSTATUSCODES", "ETRN", "EXPN", "FUTURERELEASE", "HELP",
	"LIMITS", "MT-PRIORITY", "MTRK", "NO-SOLICITING", "PIPELINING",
	"REQUIRETLS", "SIZE", "SMTPUTF8", "STARTTLS", "VERB", "VRFY",
	"X-ANONYMOUSTLS", "X-EXPS", "X-LINK2STATE", "X-MESSAGEROUTING",
	"XEXCH50", "XOORG", "XPROXY", "XPROXYFROM", "XPROXYTO", "XRDST",
	"XRSET", "XSHADOW", "XSHADOWREQUEST", "XSYSPROBE", "XFIPS",
	"XMSEXCH-INSPECTION", NULL
};

/* Parameters of AUTH and X-EXPS, which are not keywords of their own. */
static const char *const sasl_mechanisms[] = {
	"ANONYMOUS", "CRAM-MD5", "DIGEST-MD5", "EXTERNAL", "GSSAPI",
	"KERBEROS_V4", "LOGIN", "NTLM", "OAUTHBEARER", "PLAIN", "SCRAM-SHA-1",
	"SCRAM-SHA-256", "XOAUTH2", "MSN", NULL
};

int
smtp_line_parse(const char *s, size_t len, struct smtp_line *l)
{
	size_t i = 3;

	l->code = -1;
	if (len < 3 || s[0] < '1' || s[0] > '5' || !IS_DIGIT(s[1]) ||
	    !IS_DIGIT(s[2]))
		return -1;
	if (len > 3 && s[3] != ' ' && s[3] != '-')
		return -1;
	l->code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	l->more = len > 3 && s[3] == '-';
	if (len > 3)
		i = 4;
	while (i < len && s[i] == ' ')
		i++;
	l->text = s + i;
	l->textlen = len - i;
	return 0;
}

void
ehlo_init(struct ehlo_reply *e)
{
	/* Nothing past the greeting's NUL or the nkeywords is read. */
	e->code = -1;
	e->helo = e->done = e->lines = 0;
	e->greeting[0] = '\0';
	e->nkeywords = e->dropped = e->starttls = e->placeholders = 0;
}

void
ehlo_copy(struct ehlo_reply *to, const struct ehlo_reply *from)
{
	int k;

	to->code = from->code;
	to->helo = from->helo;
	to->done = from->done;
	to->lines = from->lines;
	memcpy(to->greeting, from->greeting, strlen(from->greeting) + 1);
	for (k = 0; k < from->nkeywords; k++)
		memcpy(to->keywords[k], from->keywords[k],
		    strlen(from->keywords[k]) + 1);
	to->nkeywords = from->nkeywords;
	to->dropped = from->dropped;
	to->starttls = from->starttls;
	to->placeholders = from->placeholders;
}

/* Whether s is in list (upper case), in any case; the first byte first. */
static int
in_list(const char *const *list, const char *s, size_t len)
{
	char first = len > 0 ? (char)TO_UPPER(s[0]) : '\0';

	for (; *list != NULL; list++)
		if ((*list)[0] == first && strlen(*list) == len &&
		    strncasecmp(*list, s, len) == 0)
			return 1;
	return 0;
}

static int
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!IS_DIGIT(s[i]))
			return 0;
	return len > 0;
}

/* ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"), maybe "=..." */
static size_t
keyword_len(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !IS_ALNUM(s[0]))
		return 0;
	for (i = 1; i < len && s[i] != '='; i++)
		if (!IS_ALNUM(s[i]) && s[i] != '-')
			return 0;
	return i;
}

static int
is_placeholder(const char *kw)
{
	return strncmp(kw, "XXXX", 4) == 0;
}

static void
add_keyword(struct ehlo_reply *e, const char *s, size_t len)
{
	char kw[EHLO_KEYWORD_MAX];
	size_t i;
	int k;

	if (len >= sizeof kw)
		len = sizeof kw - 1;
	for (i = 0; i < len; i++)
		kw[i] = (char)TO_UPPER(s[i]);
	kw[len] = '\0';
	/* Keywords seldom share their first byte: look at it first. */
	for (k = 0; k < e->nkeywords; k++)
		if (e->keywords[k][0] == kw[0] &&
		    strcmp(e->keywords[k], kw) == 0)
			return;
	/* Known even when the list is full. */
	if (strcmp(kw, "STARTTLS") == 0)
		e->starttls = 1;
	if (is_placeholder(kw))
		e->placeholders++;
	if (e->nkeywords == EHLO_MAX_KEYWORDS) {
		e->dropped++;
		return;
	}
	memcpy(e->keywords[e->nkeywords++], kw, len + 1);
}

static void
set_greeting(struct ehlo_reply *e, const char *s, size_t len)
{
	if (len >= sizeof e->greeting)
		len = sizeof e->greeting - 1;
	memcpy(e->greeting, s, len);
	e->greeting[len] = '\0';
}

struct token {
	const char	*p;
	size_t		 len;
};

static size_t
next_token(const char *s, size_t len, size_t i, struct token *t)
{
	while (i < len && s[i] == ' ')
		i++;
	t->p = s + i;
	while (i < len && s[i] != ' ')
		i++;
	t->len = (size_t)(s + i - t->p);
	return i;
}

static int
token_is_keyword_start(const struct token *t)
{
	size_t n = keyword_len(t->p, t->len);

	return n > 0 && (in_list(known_keywords, t->p, n) ||
	    (n >= 4 && strncmp(t->p, "XXXX", 4) == 0));
}

/*
 * The one-row form: greeting words, then keywords with their parameters.
 * The greeting ends at the first known keyword; failing that, after the
 * "[ip]" word that most greetings carry.
 */
static void
parse_one_row(struct ehlo_reply *e, const char *s, size_t len)
{
	struct token t;
	size_t i, greeting_end = 0, after_bracket = 0;
	int first = 1, found = 0;

	for (i = 0; i < len; first = 0) {
		size_t start;

		i = next_token(s, len, i, &t);
		if (t.len == 0)
			break;
		start = (size_t)(t.p - s);
		if (!first && token_is_keyword_start(&t)) {
			greeting_end = start;
			found = 1;
			break;
		}
		if (after_bracket == 0 && (t.p[t.len - 1] == ']' ||
		    (t.len > 1 && t.p[t.len - 2] == ']')))
			after_bracket = i;
	}
	if (!found)
		greeting_end = after_bracket > 0 ? after_bracket : len;
	i = greeting_end;
	while (i > 0 && s[i - 1] == ' ')
		i--;
	set_greeting(e, s, i);
	for (i = greeting_end; i < len;) {
		size_t n;

		i = next_token(s, len, i, &t);
		if (t.len == 0)
			break;
		n = keyword_len(t.p, t.len);
		if (n == 0 || all_digits(t.p, t.len) ||
		    in_list(sasl_mechanisms, t.p, t.len) ||
		    (t.len == 2 && strncasecmp(t.p, "OK", 2) == 0))
			continue;
		add_keyword(e, t.p, n);
	}
}

int
ehlo_feed_line(struct ehlo_reply *e, const struct smtp_line *l, int helo)
{
	struct token t;
	size_t n;

	e->code = l->code;
	e->helo = helo;
	e->done = !l->more;
	if (e->lines++ == 0) {
		if (helo || l->code / 100 != 2 || l->more)
			set_greeting(e, l->text, l->textlen);
		else
			parse_one_row(e, l->text, l->textlen);
	} else if (!helo && l->code / 100 == 2) {
		next_token(l->text, l->textlen, 0, &t);
		n = keyword_len(t.p, t.len);
		if (n > 0)
			add_keyword(e, t.p, n);
	}
	return e->done;
}

int
ehlo_feed(struct ehlo_reply *e, const char *s, size_t len, int helo)
{
	struct smtp_line l;

	if (smtp_line_parse(s, len, &l) == -1)
		return -1;
	return ehlo_feed_line(e, &l, helo);
}

int
ehlo_has(const struct ehlo_reply *e, const char *kw)
{
	int k;

	for (k = 0; k < e->nkeywords; k++)
		if (strcmp(e->keywords[k], kw) == 0)
			return 1;
	return 0;
}

char *
ehlo_host_name(const char *text, size_t len, char *buf, size_t bufsz)
{
	size_t i;
	int alnum = 0;

	for (i = 0; i < len && text[i] != ' '; i++) {
		unsigned char c = (unsigned char)text[i];

		if (IS_ALNUM(c))
			alnum = 1;
		else if (c != '.' && c != '-' && c != '_')
			return NULL;
	}
	if (!alnum || i >= bufsz)
		return NULL;
	memcpy(buf, text, i);
	buf[i] = '\0';
	return buf;
}

/* Three asterisks in a row; most texts have none at all. */
int
smtp_text_masked(const char *text, size_t len)
{
	return mem_find(text, len, "***", 3, 0) != NULL;
}
