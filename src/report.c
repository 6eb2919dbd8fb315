/*
 * report.c: the formats written finding by finding (ndjson, lines, csv,
 * the findings of json), and the dispatch to those written at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "jsonw.h"
#include "logtime.h"
#include "report.h"
#include "xmalloc.h"

struct report {
	struct report_options	 opt;
	FILE			*out;
	unsigned long		 findings;
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

int
report_format_parse(const char *name, enum report_format *f)
{
	static const char *const names[] = {
		"text", "ndjson", "lines", "csv", "json", "tlsrpt"
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(name, names[i]) == 0) {
			*f = (enum report_format)i;
			return 0;
		}
	return -1;
}

struct report *
report_new(const struct report_options *opt, FILE *out)
{
	struct report *r = xcalloc(1, sizeof *r);

	r->opt = *opt;
	r->out = out;
	if (opt->fragment)
		;
	else if (opt->format == REPORT_CSV)
		fputs("rule,severity,title,tlsrpt_result_type,message,"
		    "session_id,folder,connector,local_endpoint,"
		    "remote_endpoint,remote_host,start,end,file,line,complete,"
		    "ehlo_extensions,starttls_offered,tls_up,"
		    "messages_attempted,messages_accepted,hint\r\n", out);
	else if (opt->format == REPORT_JSON)
		report_json_begin(out);
	return r;
}

void
report_free(struct report *r)
{
	free(r);
}

void
report_finding_json(FILE *fp, const struct finding *f,
    const struct session *s)
{
	struct jsonw w;
	char ev[2] = { 0, 0 };
	size_t i;
	int k;

	jw_init(&w, fp);
	jw_object(&w, NULL);
	jw_str(&w, "rule", f->rule);
	jw_str(&w, "severity", severity_name(f->severity));
	jw_str(&w, "title", f->title);
	jw_str(&w, "tlsrpt_result_type", f->tlsrpt);
	jw_str(&w, "message", f->message);
	jw_str(&w, "session_id", s->id);
	jw_str(&w, "folder", s->folder);
	jw_str(&w, "connector", s->connector);
	jw_str(&w, "local_endpoint", s->local_endpoint);
	jw_str(&w, "remote_endpoint", s->remote_endpoint);
	jw_str(&w, "remote_host", s->remote_host);
	jw_time(&w, "start", s->start, 0);
	jw_time(&w, "end", s->end, 0);
	jw_str(&w, "file", s->file);
	jw_int(&w, "line", (long long)s->line);
	jw_bool(&w, "complete", s->complete);
	jw_array(&w, "ehlo_extensions");
	for (k = 0; k < s->ehlo.nkeywords; k++)
		jw_str(&w, NULL, s->ehlo.keywords[k]);
	jw_end(&w);
	jw_bool(&w, "helo_used", s->helo_used);
	jw_bool(&w, "starttls_offered", s->starttls_offered);
	jw_bool(&w, "starttls_issued", s->starttls_issued);
	jw_bool(&w, "tls_up", s->tls_up);
	jw_int(&w, "messages_attempted", s->messages_attempted);
	jw_int(&w, "messages_accepted", s->messages_accepted);
	jw_array(&w, "evidence");
	for (k = 0; k < s->nevidence; k++) {
		const struct evidence *e = &s->evidence[k];

		jw_object(&w, NULL);
		jw_str(&w, "file", e->file);
		jw_int(&w, "line", (long long)e->line);
		ev[0] = e->event;
		jw_str(&w, "event", ev);
		jw_strn(&w, "text", e->text, e->textlen);
		jw_end(&w);
	}
	jw_end(&w);
	jw_int(&w, "evidence_omitted", s->evidence_dropped);
	jw_str(&w, "hint", f->hint);
	jw_object(&w, "attributes");
	for (i = 0; i < f->nattrs; i++)
		jw_str(&w, f->attrs[i].name, f->attrs[i].value);
	jw_end(&w);
	jw_time(&w, "remote_last_starttls", f->onset, 1);
	jw_end(&w);
}

static void
text_str(FILE *fp, const char *s)
{
	esc_text(fp, s, strlen(s));
}

/* Inside "...": a quote or backslash in the text gets a backslash. */
static void
quoted_str(FILE *fp, const char *s)
{
	const char *q;

	while ((q = strpbrk(s, "\"\\")) != NULL) {
		esc_text(fp, s, (size_t)(q - s));
		fputc('\\', fp);
		fputc(*q, fp);
		s = q + 1;
	}
	text_str(fp, s);
}

/*
 * ":line: severity: rule: session " of a line, made in a buffer and
 * written at once: fprintf() cost more than all the rest of the line.
 */
static void
line_head(FILE *fp, unsigned long line, const char *sev, const char *rule)
{
	char buf[160], digits[24], *p = buf;
	size_t nd = 0, ns = strlen(sev), nr = strlen(rule);

	if (ns + nr > sizeof buf - sizeof digits - sizeof ": : : session ") {
		fprintf(fp, ":%lu: %s: %s: session ", line, sev, rule);
		return;
	}
	do
		digits[sizeof digits - ++nd] = (char)('0' + line % 10);
	while ((line /= 10) > 0);
	*p++ = ':';
	memcpy(p, digits + sizeof digits - nd, nd);
	p += nd;
	memcpy(p, ": ", 2);
	memcpy(p + 2, sev, ns);
	p += 2 + ns;
	memcpy(p, ": ", 2);
	memcpy(p + 2, rule, nr);
	p += 2 + nr;
	memcpy(p, ": session ", sizeof ": session " - 1);
	p += sizeof ": session " - 1;
	fwrite(buf, 1, (size_t)(p - buf), fp);
}

static void
write_line(FILE *fp, const struct finding *f, const struct session *s)
{
	text_str(fp, s->file);
	line_head(fp, s->line, severity_name(f->severity), f->rule);
	text_str(fp, s->id);
	fputs(" connector \"", fp);
	quoted_str(fp, s->connector != NULL ? s->connector : "");
	fputs("\" remote ", fp);
	text_str(fp, s->remote_host != NULL ? s->remote_host : "-");
	fputs(" [", fp);
	text_str(fp, s->remote_endpoint != NULL ? s->remote_endpoint : "");
	fputs("]: ", fp);
	text_str(fp, f->message);
	fputc('\n', fp);
}

/*
 * One RFC 4180 field.  A cell that a spreadsheet would take for a formula
 * (=, +, -, @, tab or CR first) gets a leading apostrophe, as OWASP
 * recommends.
 */
static void
csv_field(FILE *fp, const char *s, int last)
{
	const char *q;

	if (s == NULL)
		s = "";
	fputc('"', fp);
	if (strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0')
		fputc('\'', fp);
	/* Quotes doubled; bytes that are not UTF-8 and control characters
	 * (tab, CR and LF too) shown as \xNN, as in the text report. */
	while ((q = strchr(s, '"')) != NULL) {
		esc_text(fp, s, (size_t)(q - s) + 1);
		fputc('"', fp);
		s = q + 1;
	}
	esc_text(fp, s, strlen(s));
	fputc('"', fp);
	fputs(last ? "\r\n" : ",", fp);
}

static void
write_csv(FILE *fp, const struct finding *f, const struct session *s)
{
	char a[LOGTIME_BUFSZ], b[LOGTIME_BUFSZ], num[32], ext[1200];
	size_t n = 0;
	int k;

	csv_field(fp, f->rule, 0);
	csv_field(fp, severity_name(f->severity), 0);
	csv_field(fp, f->title, 0);
	csv_field(fp, f->tlsrpt, 0);
	csv_field(fp, f->message, 0);
	csv_field(fp, s->id, 0);
	csv_field(fp, s->folder, 0);
	csv_field(fp, s->connector, 0);
	csv_field(fp, s->local_endpoint, 0);
	csv_field(fp, s->remote_endpoint, 0);
	csv_field(fp, s->remote_host, 0);
	csv_field(fp, logtime_format(s->start, a), 0);
	csv_field(fp, logtime_format(s->end, b), 0);
	csv_field(fp, s->file, 0);
	snprintf(num, sizeof num, "%lu", s->line);
	csv_field(fp, num, 0);
	csv_field(fp, s->complete ? "true" : "false", 0);
	ext[0] = '\0';
	for (k = 0; k < s->ehlo.nkeywords && n < sizeof ext; k++)
		n += (size_t)snprintf(ext + n, sizeof ext - n, "%s%s",
		    k > 0 ? " " : "", s->ehlo.keywords[k]);
	csv_field(fp, ext, 0);
	csv_field(fp, s->starttls_offered ? "true" : "false", 0);
	csv_field(fp, s->tls_up ? "true" : "false", 0);
	snprintf(num, sizeof num, "%u", s->messages_attempted);
	csv_field(fp, num, 0);
	snprintf(num, sizeof num, "%u", s->messages_accepted);
	csv_field(fp, num, 0);
	csv_field(fp, f->hint, 1);
}

void
report_finding(struct report *r, const struct finding *f,
    const struct session *s)
{
	switch (r->opt.format) {
	case REPORT_NDJSON:
		report_finding_json(r->out, f, s);
		fputc('\n', r->out);
		break;
	case REPORT_LINES:
		write_line(r->out, f, s);
		break;
	case REPORT_CSV:
		write_csv(r->out, f, s);
		break;
	case REPORT_JSON:
		report_json_finding(r->out, f, s, r->findings == 0);
		break;
	default:
		break;
	}
	r->findings++;
}

void
report_finish(struct report *r, const struct summary *sum)
{
	switch (r->opt.format) {
	case REPORT_TEXT:
		report_text_write(r->out, &r->opt, sum);
		break;
	case REPORT_JSON:
		report_json_end(r->out, sum);
		break;
	case REPORT_TLSRPT:
		report_tlsrpt_write(r->out, &r->opt, sum);
		break;
	default:
		break;
	}
}
