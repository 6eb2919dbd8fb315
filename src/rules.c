/*
 * rules.c: the rule engine.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "finding.h"
#include "rules.h"
#include "xmalloc.h"

/* What rules_observe_row() notes in session->marks. */
#define MARK_CONNECTOR_NO_TLS	0x1	/* "Connector is configured ..." */
#define MARK_DROP_NO_TLS	0x2	/* "Drop connection because TLS ..." */
#define MARK_SECURE_DOMAIN	0x4	/* "Message to secure domain ..." */

struct rules {
	struct rules_config cfg;
};

/* The texts Exchange writes; published copies use a typographic ’. */
static const struct {
	const char	*text, *and_text;
	uint32_t	 mark;
} tls_texts[] = {
	{ "Connector is configured to send mail only over TLS connections "
	  "and remote doesn't support TLS", NULL, MARK_CONNECTOR_NO_TLS },
	{ "Connector is configured to send mail only over TLS connections "
	  "and remote doesn\xE2\x80\x99t support TLS", NULL,
	  MARK_CONNECTOR_NO_TLS },
	{ "Drop connection because TLS configuration requires TLS before "
	  "MailFrom command and could not achieve it", NULL, MARK_DROP_NO_TLS },
	{ "Message to secure domain '", "failed because TLS was not offered",
	  MARK_SECURE_DOMAIN },
};

const char *
severity_name(enum severity s)
{
	switch (s) {
	case SEV_ERROR:
		return "error";
	case SEV_WARNING:
		return "warning";
	default:
		return "info";
	}
}

struct rules *
rules_new(const struct rules_config *cfg)
{
	struct rules *r = xcalloc(1, sizeof *r);

	r->cfg = *cfg;
	return r;
}

void
rules_free(struct rules *r)
{
	free(r);
}

static int
field_has(const struct field *f, const char *needle)
{
	return memmem(f->p, f->len, needle, strlen(needle)) != NULL;
}

void
rules_observe_row(const struct rules *r, struct session *s,
    const struct row *row)
{
	size_t i;

	(void)r;
	if (row->event != '*')
		return;
	for (i = 0; i < sizeof tls_texts / sizeof *tls_texts; i++) {
		const struct field *f;

		f = field_has(&row->context, tls_texts[i].text) ? &row->context :
		    field_has(&row->data, tls_texts[i].text) ? &row->data : NULL;
		if (f == NULL || (tls_texts[i].and_text != NULL &&
		    !field_has(f, tls_texts[i].and_text)))
			continue;
		s->marks |= tls_texts[i].mark;
		session_add_evidence(s, row);
	}
}

static int
tls_required_by_option(const struct rules *r, const struct session *s)
{
	size_t i;

	for (i = 0; i < r->cfg.nrequire_tls; i++)
		if (strcmp(r->cfg.require_tls[i], "*") == 0 ||
		    (s->connector != NULL &&
		    strcasecmp(r->cfg.require_tls[i], s->connector) == 0))
			return 1;
	return 0;
}

/* "[198.51.100.7]" in a greeting: our address as the remote saw it. */
static int
greeting_ip(const char *greeting, char *buf, size_t bufsz)
{
	const char *open = strchr(greeting, '['), *close;
	size_t n;

	if (open == NULL || (close = strchr(open, ']')) == NULL)
		return 0;
	n = (size_t)(close - open - 1);
	if (n == 0 || n >= bufsz || strspn(open + 1, "0123456789abcdefABCDEF.:") < n)
		return 0;
	memcpy(buf, open + 1, n);
	buf[n] = '\0';
	return 1;
}

static int
reduced_ehlo(const struct session *s)
{
	const struct ehlo_reply *e = &s->ehlo;

	return s->greeting_seen && !e->helo && e->code / 100 == 2 &&
	    (e->nkeywords == 0 || (e->nkeywords == 1 && ehlo_has(e, "SIZE")));
}

static int
inline_firewall(const struct session *s)
{
	return s->banner_masked || s->ehlo.placeholders > 0 ||
	    smtp_text_masked(s->ehlo.greeting, strlen(s->ehlo.greeting));
}

static void
build_hint(const struct session *s, char *buf, size_t bufsz)
{
	char ip[64], seen[96] = "";
	size_t n = 0;

	buf[0] = '\0';
	if (reduced_ehlo(s)) {
		if (greeting_ip(s->ehlo.greeting, ip, sizeof ip))
			snprintf(seen, sizeof seen, " (%s, as the remote saw it)",
			    ip);
		n += (size_t)snprintf(buf + n, bufsz - n,
		    "The EHLO reply advertised nothing beyond the greeting "
		    "and SIZE. Receivers such as Exchange Online Protection "
		    "do this when the sending IP is on a block list (CBL, "
		    "Spamhaus): check the reputation of the sending IP%s.",
		    seen);
	}
	if (inline_firewall(s) && n < bufsz)
		snprintf(buf + n, bufsz - n, "%s%s", n > 0 ? " " : "",
		    "The banner is masked with asterisks or the EHLO reply "
		    "carries XXXX placeholders: an inline firewall doing SMTP "
		    "inspection (such as Cisco ASA ESMTP inspection) is "
		    "rewriting the conversation and hiding STARTTLS; turn that "
		    "inspection off for this path.");
}

/* "SIZE, PIPELINING" or "no extensions" */
static void
list_keywords(const struct ehlo_reply *e, char *buf, size_t bufsz)
{
	size_t n = 0;
	int k;

	snprintf(buf, bufsz, "no extensions");
	for (k = 0; k < e->nkeywords && n < bufsz; k++)
		n += (size_t)snprintf(buf + n, bufsz - n, "%s%s",
		    k > 0 ? ", " : "", e->keywords[k]);
}

static void
rule_tls_required_no_starttls(const struct rules *r, const struct session *s,
    finding_fn emit, void *arg)
{
	char message[768], keywords[512], hint[1024];
	const char *why;
	struct finding f;

	if (s->starttls_offered)
		return;
	if (s->marks & MARK_CONNECTOR_NO_TLS)
		why = "the connector requires TLS and the remote does not "
		    "support it";
	else if (s->marks & MARK_SECURE_DOMAIN)
		why = "the destination is a Domain Secure (mutual TLS) domain "
		    "and the remote offered no STARTTLS";
	else if (s->marks & MARK_DROP_NO_TLS)
		why = "the connector requires TLS before MAIL FROM and the "
		    "remote offered no STARTTLS";
	else if (s->greeting_seen && tls_required_by_option(r, s))
		why = "the connector is treated as TLS-required (--require-tls) "
		    "and the remote offered no STARTTLS";
	else
		return;
	list_keywords(&s->ehlo, keywords, sizeof keywords);
	if (!s->greeting_seen)
		snprintf(message, sizeof message, "%s; no EHLO or HELO reply "
		    "was logged", why);
	else if (s->ehlo.helo)
		snprintf(message, sizeof message, "%s; the remote answered "
		    "HELO, which advertises no extensions", why);
	else
		snprintf(message, sizeof message, "%s; its EHLO reply "
		    "advertised %s", why, keywords);
	build_hint(s, hint, sizeof hint);
	f.rule = "tls-required-no-starttls";
	f.severity = SEV_ERROR;
	f.message = message;
	f.hint = hint[0] != '\0' ? hint : NULL;
	emit(&f, s, arg);
}

void
rules_eval(const struct rules *r, const struct session *s, finding_fn emit,
    void *arg)
{
	rule_tls_required_no_starttls(r, s, emit, arg);
}
