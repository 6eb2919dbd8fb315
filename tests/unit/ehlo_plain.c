/*
 * ehlo_plain.c: ehlo.c as it was before it was made faster (commit
 * 8f9182d), the straightforward version that test_ehlo.c compares the
 * real one with.  Its functions are prefixed plain_ and static; it is
 * included by test_ehlo.c, not built on its own.  Do not make it faster.
 */
#include <ctype.h>
#include <strings.h>
#include <string.h>

/* Keywords that mark the end of a one-row greeting (RFC 5321 and kin). */
static const char *const plain_known_keywords[] = {
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
static const char *const plain_sasl_mechanisms[] = {
	"ANONYMOUS", "CRAM-MD5", "DIGEST-MD5", "EXTERNAL", "GSSAPI",
	"KERBEROS_V4", "LOGIN", "NTLM", "OAUTHBEARER", "PLAIN", "SCRAM-SHA-1",
	"SCRAM-SHA-256", "XOAUTH2", "MSN", NULL
};

static int
plain_smtp_line_parse(const char *s, size_t len, struct smtp_line *l)
{
	size_t i = 3;

	l->code = -1;
	if (len < 3 || !isdigit((unsigned char)s[0]) || s[0] < '1' ||
	    s[0] > '5' || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]))
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

static int
plain_in_list(const char *const *list, const char *s, size_t len)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == len && strncasecmp(*list, s, len) == 0)
			return 1;
	return 0;
}

static int
plain_all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return len > 0;
}

/* ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"), maybe "=..." */
static size_t
plain_keyword_len(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len && s[i] != '='; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return i;
}

static int
plain_is_placeholder(const char *kw)
{
	return strncmp(kw, "XXXX", 4) == 0;
}

static void
plain_add_keyword(struct ehlo_reply *e, const char *s, size_t len)
{
	char kw[EHLO_KEYWORD_MAX];
	size_t i;
	int k;

	if (len >= sizeof kw)
		len = sizeof kw - 1;
	for (i = 0; i < len; i++)
		kw[i] = (char)toupper((unsigned char)s[i]);
	kw[len] = '\0';
	for (k = 0; k < e->nkeywords; k++)
		if (strcmp(e->keywords[k], kw) == 0)
			return;
	/* Known even when the list is full. */
	if (strcmp(kw, "STARTTLS") == 0)
		e->starttls = 1;
	if (plain_is_placeholder(kw))
		e->placeholders++;
	if (e->nkeywords == EHLO_MAX_KEYWORDS) {
		e->dropped++;
		return;
	}
	memcpy(e->keywords[e->nkeywords++], kw, len + 1);
}

static void
plain_set_greeting(struct ehlo_reply *e, const char *s, size_t len)
{
	if (len >= sizeof e->greeting)
		len = sizeof e->greeting - 1;
	memcpy(e->greeting, s, len);
	e->greeting[len] = '\0';
}

struct plain_token {
	const char	*p;
	size_t		 len;
};

static size_t
plain_next_token(const char *s, size_t len, size_t i, struct plain_token *t)
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
plain_token_is_keyword_start(const struct plain_token *t)
{
	size_t n = plain_keyword_len(t->p, t->len);

	return n > 0 && (plain_in_list(plain_known_keywords, t->p, n) ||
	    (n >= 4 && strncmp(t->p, "XXXX", 4) == 0));
}

/*
 * The one-row form: greeting words, then keywords with their parameters.
 * The greeting ends at the first known keyword; failing that, after the
 * "[ip]" word that most greetings carry.
 */
static void
plain_parse_one_row(struct ehlo_reply *e, const char *s, size_t len)
{
	struct plain_token t;
	size_t i, greeting_end = 0, after_bracket = 0;
	int first = 1, found = 0;

	for (i = 0; i < len; first = 0) {
		size_t start;

		i = plain_next_token(s, len, i, &t);
		if (t.len == 0)
			break;
		start = (size_t)(t.p - s);
		if (!first && plain_token_is_keyword_start(&t)) {
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
	plain_set_greeting(e, s, i);
	for (i = greeting_end; i < len;) {
		size_t n;

		i = plain_next_token(s, len, i, &t);
		if (t.len == 0)
			break;
		n = plain_keyword_len(t.p, t.len);
		if (n == 0 || plain_all_digits(t.p, t.len) ||
		    plain_in_list(plain_sasl_mechanisms, t.p, t.len) ||
		    (t.len == 2 && strncasecmp(t.p, "OK", 2) == 0))
			continue;
		plain_add_keyword(e, t.p, n);
	}
}

static int
plain_ehlo_feed(struct ehlo_reply *e, const char *s, size_t len, int helo)
{
	struct smtp_line l;
	struct plain_token t;
	size_t n;

	if (plain_smtp_line_parse(s, len, &l) == -1)
		return -1;
	e->code = l.code;
	e->helo = helo;
	e->done = !l.more;
	if (e->lines++ == 0) {
		if (helo || l.code / 100 != 2 || l.more)
			plain_set_greeting(e, l.text, l.textlen);
		else
			plain_parse_one_row(e, l.text, l.textlen);
	} else if (!helo && l.code / 100 == 2) {
		plain_next_token(l.text, l.textlen, 0, &t);
		n = plain_keyword_len(t.p, t.len);
		if (n > 0)
			plain_add_keyword(e, t.p, n);
	}
	return e->done;
}

static char *
plain_ehlo_host_name(const char *text, size_t len, char *buf, size_t bufsz)
{
	size_t i;
	int alnum = 0;

	for (i = 0; i < len && text[i] != ' '; i++) {
		unsigned char c = (unsigned char)text[i];

		if (isalnum(c))
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

static int
plain_smtp_text_masked(const char *text, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		run = text[i] == '*' ? run + 1 : 0;
		if (run >= 3)
			return 1;
	}
	return 0;
}
