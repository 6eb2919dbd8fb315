/*
 * report.c: the report formats that stream (ndjson, lines), and the
 * dispatch to the text summary in report_text.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "logtime.h"
#include "report.h"
#include "report_text.h"
#include "xmalloc.h"

struct report {
	enum report_format	 format;
	FILE			*out;
	struct text_summary	*text;
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
	if (strcmp(name, "text") == 0)
		*f = REPORT_TEXT;
	else if (strcmp(name, "ndjson") == 0)
		*f = REPORT_NDJSON;
	else if (strcmp(name, "lines") == 0)
		*f = REPORT_LINES;
	else
		return -1;
	return 0;
}

struct report *
report_new(enum report_format format, FILE *out)
{
	struct report *r = xcalloc(1, sizeof *r);

	r->format = format;
	r->out = out;
	if (format == REPORT_TEXT)
		r->text = text_summary_new();
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	text_summary_free(r->text);
	free(r);
}

static void
json_key(FILE *fp, const char *key, int first)
{
	if (!first)
		fputc(',', fp);
	fprintf(fp, "\"%s\":", key);
}

static void
json_bool(FILE *fp, const char *key, int v)
{
	json_key(fp, key, 0);
	fputs(v ? "true" : "false", fp);
}

static void
json_str(FILE *fp, const char *key, const char *v)
{
	json_key(fp, key, 0);
	esc_json_str(fp, v);
}

static void
json_time(FILE *fp, const char *key, int64_t ms)
{
	char buf[LOGTIME_BUFSZ];

	json_str(fp, key, logtime_format(ms, buf));
}

static void
json_event(FILE *fp, char event)
{
	char ev[2] = { event, '\0' };

	esc_json_str(fp, ev);
}

static void
write_ndjson(FILE *fp, const struct finding *f, const struct session *s)
{
	int i;

	json_key(fp, "rule", 1);
	esc_json_str(fp, f->rule);
	json_str(fp, "severity", severity_name(f->severity));
	json_str(fp, "title", f->title);
	json_str(fp, "tlsrpt_result_type", f->tlsrpt);
	json_str(fp, "message", f->message);
	json_str(fp, "session_id", s->id);
	json_str(fp, "folder", s->folder);
	json_str(fp, "connector", s->connector);
	json_str(fp, "local_endpoint", s->local_endpoint);
	json_str(fp, "remote_endpoint", s->remote_endpoint);
	json_str(fp, "remote_host", s->remote_host);
	json_time(fp, "start", s->start);
	json_time(fp, "end", s->end);
	json_str(fp, "file", s->file);
	json_key(fp, "line", 0);
	fprintf(fp, "%lu", s->line);
	json_bool(fp, "complete", s->complete);
	json_key(fp, "ehlo_extensions", 0);
	fputc('[', fp);
	for (i = 0; i < s->ehlo.nkeywords; i++) {
		if (i > 0)
			fputc(',', fp);
		esc_json_str(fp, s->ehlo.keywords[i]);
	}
	fputc(']', fp);
	json_bool(fp, "helo_used", s->helo_used);
	json_bool(fp, "starttls_offered", s->starttls_offered);
	json_bool(fp, "starttls_issued", s->starttls_issued);
	json_bool(fp, "tls_up", s->tls_up);
	json_key(fp, "messages_attempted", 0);
	fprintf(fp, "%u", s->messages_attempted);
	json_key(fp, "messages_accepted", 0);
	fprintf(fp, "%u", s->messages_accepted);
	json_key(fp, "evidence", 0);
	fputc('[', fp);
	for (i = 0; i < s->nevidence; i++) {
		const struct evidence *e = &s->evidence[i];

		fputs(i > 0 ? ",{" : "{", fp);
		json_key(fp, "file", 1);
		esc_json_str(fp, e->file);
		json_key(fp, "line", 0);
		fprintf(fp, "%lu", e->line);
		json_key(fp, "event", 0);
		json_event(fp, e->event);
		json_key(fp, "text", 0);
		esc_json(fp, e->text, e->textlen);
		fputc('}', fp);
	}
	fputc(']', fp);
	json_key(fp, "evidence_omitted", 0);
	fprintf(fp, "%u", s->evidence_dropped);
	json_str(fp, "hint", f->hint);
	json_key(fp, "attributes", 0);
	fputc('{', fp);
	for (i = 0; i < (int)f->nattrs; i++) {
		if (i > 0)
			fputc(',', fp);
		esc_json_str(fp, f->attrs[i].name);
		fputc(':', fp);
		esc_json_str(fp, f->attrs[i].value);
	}
	fputc('}', fp);
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

static void
write_line(FILE *fp, const struct finding *f, const struct session *s)
{
	text_str(fp, s->file);
	fprintf(fp, ":%lu: %s: %s: session ", s->line,
	    severity_name(f->severity), f->rule);
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

void
report_finding(struct report *r, const struct finding *f,
    const struct session *s)
{
	switch (r->format) {
	case REPORT_NDJSON:
		fputc('{', r->out);
		write_ndjson(r->out, f, s);
		fputs("}\n", r->out);
		break;
	case REPORT_LINES:
		write_line(r->out, f, s);
		break;
	case REPORT_TEXT:
		text_summary_add(r->text, f, s);
		break;
	}
}

void
report_finish(struct report *r, const struct scan_stats *st)
{
	if (r->format == REPORT_TEXT)
		text_summary_write(r->text, st, r->out);
}
