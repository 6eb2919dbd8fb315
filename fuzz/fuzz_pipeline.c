/*
 * fuzz_pipeline.c: bytes -> the whole pipeline, as scan.c runs it: reader
 * -> sessions_feed / rules_observe_row / sessions_end_row -> rules_eval
 * when a session closes -> summary_finding / summary_session and every
 * report format, each written to memory and checked: JSON is valid UTF-8
 * strict JSON, text for a terminal holds no control or bidi character.
 *
 * The input may hold several files: a form feed (0x0C) starts the next
 * file, and two in a row the next folder (a folder is one server: its
 * open sessions close when it ends).  The built-in rules run with
 * --require-tls '*', loaded afresh for each input so that what one input
 * leaves in them (remote_last_starttls) cannot change the next.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "finding.h"
#include "fuzz.h"
#include "jsoncheck.h"
#include "reader.h"
#include "report.h"
#include "rules.h"
#include "session.h"
#include "summary.h"
#include "textcheck.h"

#define MAX_FOLDERS	8
#define MAX_FILES	16
#define CSV_FIELDS	22

static const char *const folder_names[MAX_FOLDERS] = {
	"logs/mbx01", "logs/mbx02", "logs/edge01", "logs/edge02",
	"logs/mbx03", "logs/mbx04", "logs/edge03", "logs/edge04"
};

static const char *const file_names[MAX_FILES] = {
	"SEND20261102-1.LOG", "SEND20261102-2.LOG", "SEND20261102-3.LOG",
	"SEND20261102-4.LOG", "SEND20261102-5.LOG", "SEND20261102-6.LOG",
	"SEND20261102-7.LOG", "SEND20261102-8.LOG", "SEND20261102-9.LOG",
	"SEND20261102-10.LOG", "SEND20261102-11.LOG", "SEND20261102-12.LOG",
	"SEND20261102-13.LOG", "SEND20261102-14.LOG", "SEND20261102-15.LOG",
	"SEND20261102-16.LOG"
};

static const char *const require_all[] = { "*" };

static const char *const result_types[] = {
	"starttls-not-supported", "certificate-host-mismatch",
	"certificate-expired", "certificate-not-trusted",
	"validation-failure", "tlsa-invalid", "dnssec-invalid",
	"dane-required", "sts-policy-fetch-error", "sts-policy-invalid",
	"sts-webpki-invalid", NULL
};

enum { OUT_NDJSON, OUT_LINES, OUT_CSV, OUT_JSON, OUT_TEXT, OUT_TLSRPT,
	NOUT };

static const enum report_format out_format[NOUT] = {
	REPORT_NDJSON, REPORT_LINES, REPORT_CSV, REPORT_JSON, REPORT_TEXT,
	REPORT_TLSRPT
};

struct ctx {
	struct rules		*rules;
	struct summary		*sum;
	struct report		*rep[NOUT];
	struct fuzz_mem		 out[NOUT];
	struct summary_outcome	 outcome;
	unsigned long		 findings;
	char			 paths[MAX_FILES][64];
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_stderr();
	return 0;
}

static void
check_json(const char *what, const char *s, size_t len)
{
	struct json_error err = { 0, NULL };

	FUZZ_CHECK(json_valid(s, len, &err), "%s is not valid JSON: %s at "
	    "byte %zu of %zu: ...%.60s", what, err.why, err.off, len,
	    s + (err.off > 20 ? err.off - 20 : 0));
}

static void
check_text(const char *what, const char *s, size_t len)
{
	const char *why;
	size_t off;

	FUZZ_CHECK(text_safe(s, len, "\n", &off, &why), "%s: %s at byte %zu "
	    "of %zu: ...%.60s", what, why, off, len,
	    s + (off > 20 ? off - 20 : 0));
}

/* Each line of s (every one ended by LF) checked by fn; the count. */
static unsigned long
each_line(const char *what, const char *s, size_t len,
    void (*fn)(const char *, const char *, size_t))
{
	const char *p = s, *end = s + len, *nl;
	unsigned long n = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		FUZZ_CHECK(nl != NULL, "%s: last line not ended", what);
		fn(what, p, (size_t)(nl - p));
		p = nl + 1;
		n++;
	}
	return n;
}

static void
check_ndjson_line(const char *what, const char *s, size_t len)
{
	check_json(what, s, len);
	FUZZ_CHECK(len > 0 && s[0] == '{', "%s: not an object", what);
}

static void
check_session(const struct session *s)
{
	int k;

	FUZZ_CHECK(s->id != NULL, "session without id");
	FUZZ_CHECK(s->start <= s->end, "session %s ends before it starts",
	    s->id);
	FUZZ_CHECK(s->ehlo.nkeywords >= 0 &&
	    s->ehlo.nkeywords <= EHLO_MAX_KEYWORDS, "%d keywords",
	    s->ehlo.nkeywords);
	FUZZ_CHECK(memchr(s->ehlo.greeting, '\0', sizeof s->ehlo.greeting) !=
	    NULL, "greeting not NUL-terminated");
	FUZZ_CHECK(s->nevidence >= 0 && s->nevidence <= SESSION_EVIDENCE_MAX,
	    "%d evidence rows", s->nevidence);
	for (k = 0; k < s->nevidence; k++) {
		const struct evidence *e = &s->evidence[k];

		FUZZ_CHECK(e->textlen <= SESSION_TEXT_MAX, "evidence of %zu "
		    "bytes", e->textlen);
		FUZZ_CHECK(e->text[e->textlen] == '\0', "evidence text not "
		    "NUL-terminated");
		FUZZ_CHECK(k == 0 || e->file != e[-1].file ||
		    e->line > e[-1].line, "evidence rows out of order: line "
		    "%lu after %lu", e->line, e[-1].line);
	}
	if (s->remote_host != NULL)
		FUZZ_CHECK(s->remote_host[0] != '\0' &&
		    strspn(s->remote_host, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") ==
		    strlen(s->remote_host), "remote host '%s'",
		    s->remote_host);
}

static void
check_finding(const struct finding *f)
{
	size_t i;

	FUZZ_CHECK(f->rule != NULL && f->rule[0] != '\0', "no rule id");
	FUZZ_CHECK(f->severity == SEV_INFO || f->severity == SEV_WARNING ||
	    f->severity == SEV_ERROR, "severity %d", (int)f->severity);
	FUZZ_CHECK(f->title != NULL, "no title");
	FUZZ_CHECK(f->message != NULL && strchr(f->message, '\n') == NULL,
	    "message missing or not one line");
	if (f->tlsrpt != NULL) {
		for (i = 0; result_types[i] != NULL; i++)
			if (strcmp(result_types[i], f->tlsrpt) == 0)
				break;
		FUZZ_CHECK(result_types[i] != NULL, "tlsrpt '%s'", f->tlsrpt);
	}
	for (i = 0; i < f->nattrs; i++)
		FUZZ_CHECK(f->attrs[i].name != NULL &&
		    f->attrs[i].value != NULL, "attribute %zu", i);
}

static void
on_finding(const struct finding *f, const struct session *s, void *arg)
{
	struct ctx *c = arg;
	struct fuzz_mem m;
	int i;

	check_finding(f);
	c->findings++;
	summary_outcome_add(&c->outcome, f);
	summary_finding(c->sum, f, s);

	/* One finding as the NDJSON object: one line of valid JSON. */
	fuzz_mem_open(&m);
	report_finding_json(m.fp, f, s);
	fuzz_mem_close(&m);
	check_json("the NDJSON object of a finding", m.buf, m.len);
	FUZZ_CHECK(memchr(m.buf, '\n', m.len) == NULL, "an NDJSON object "
	    "with a newline");
	fuzz_mem_free(&m);

	for (i = 0; i < NOUT; i++)
		report_finding(c->rep[i], f, s);
}

static void
on_close(struct session *s, void *arg)
{
	struct ctx *c = arg;

	check_session(s);
	memset(&c->outcome, 0, sizeof c->outcome);
	rules_eval(c->rules, s, on_finding, c);
	c->sum->stats.sessions_reported++;
	summary_session(c->sum, s, &c->outcome);
}

static void
scan_part(struct ctx *c, struct session_table *t, const char *folder,
    const char *path, const uint8_t *data, size_t size)
{
	struct scan_stats *st = &c->sum->stats;
	const struct reader_stats *rs;
	struct session *s;
	struct reader *r;
	struct row row;
	const char *missing;
	char *copy;
	FILE *fp;
	int kind;

	fp = fuzz_open_input(data, size, &copy);
	r = reader_new(fp, path);
	kind = reader_header(r);
	if (kind == LOG_SEND && !reader_missing_columns(r, &missing)) {
		st->files_read++;
		summary_file(c->sum, folder);
		while (reader_next(r, &row) == 1) {
			if (!st->have_time || row.time < st->first_time)
				st->first_time = row.time;
			if (!st->have_time || row.time > st->last_time)
				st->last_time = row.time;
			st->have_time = 1;
			summary_row(c->sum, folder, row.time);
			s = sessions_feed(t, folder, &row);
			FUZZ_CHECK(s != NULL, "sessions_feed gave no session");
			rules_observe_row(c->rules, s, &row);
			sessions_end_row(t, s);
		}
		rs = reader_stats(r);
		st->bytes += rs->bytes;
		st->rows += rs->rows;
		st->bad_rows += rs->bad_rows;
	} else {
		st->files_skipped++;
		if (kind == LOG_RECEIVE)
			st->skipped_receive++;
		else if (kind == LOG_UNKNOWN)
			st->skipped_no_header++;
		else
			st->skipped_other++;
	}
	reader_free(r);
	fclose(fp);
	free(copy);
}

static void
check_outputs(struct ctx *c)
{
	const char *why;
	unsigned long n;
	size_t off;
	char *p, *nl;

	n = each_line("ndjson", c->out[OUT_NDJSON].buf, c->out[OUT_NDJSON].len,
	    check_ndjson_line);
	FUZZ_CHECK(n == c->findings, "%lu NDJSON lines for %lu findings", n,
	    c->findings);

	n = each_line("lines", c->out[OUT_LINES].buf, c->out[OUT_LINES].len,
	    check_text);
	FUZZ_CHECK(n == c->findings, "%lu lines for %lu findings", n,
	    c->findings);

	FUZZ_CHECK(csv_valid(c->out[OUT_CSV].buf, c->out[OUT_CSV].len,
	    CSV_FIELDS, &off, &why), "csv: %s at byte %zu: ...%.60s", why,
	    off, c->out[OUT_CSV].buf + (off > 20 ? off - 20 : 0));
	/* Text from the logs is escaped in every format. */
	if (getenv("FUZZ_CSV_RAW") == NULL)
		FUZZ_CHECK(text_safe(c->out[OUT_CSV].buf, c->out[OUT_CSV].len,
		    "\r\n", &off, &why), "csv: %s at byte %zu: ...%.60s",
		    why, off, c->out[OUT_CSV].buf + (off > 20 ? off - 20 : 0));

	check_json("the json document", c->out[OUT_JSON].buf,
	    c->out[OUT_JSON].len);

	check_text("the text report", c->out[OUT_TEXT].buf,
	    c->out[OUT_TEXT].len);

	/* tlsrpt: one JSON document per line. */
	for (p = c->out[OUT_TLSRPT].buf; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		FUZZ_CHECK(nl != NULL, "tlsrpt: last line not ended");
		check_json("a tlsrpt report", p, (size_t)(nl - p));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_config cfg;
	struct report_options ro;
	struct session_table *t;
	const struct session_stats *ss;
	struct ctx c;
	char err[1024];
	size_t start, i, nfile = 0, nfolder = 0;
	int j;

	memset(&c, 0, sizeof c);
	memset(&cfg, 0, sizeof cfg);
	cfg.require_tls = require_all;
	cfg.nrequire_tls = 1;
	c.rules = rules_new(&cfg, err, sizeof err);
	FUZZ_CHECK(c.rules != NULL, "the built-in rules: %s", err);
	c.sum = summary_new(3600 * 1000LL);

	/* Vary what the reports leave out with the input. */
	memset(&ro, 0, sizeof ro);
	ro.top = size % 3 == 0 ? -1 : size % 3 == 1 ? 1 : 10;
	ro.detail = (int)(size / 3 % 3);
	ro.color = 0;
	ro.org = "Contoso \"Ltd\"";
	ro.contact = "mailto:tlsrpt@contoso.com";
	for (j = 0; j < NOUT; j++) {
		fuzz_mem_open(&c.out[j]);
		ro.format = out_format[j];
		c.rep[j] = report_new(&ro, c.out[j].fp);
	}

	t = sessions_new(on_close, &c);
	for (start = 0, i = 0; i <= size; i++) {
		if (i < size && data[i] != '\f')
			continue;
		if (i == start && i < size && start > 0) {
			/* "\f\f": the next folder; its sessions end here. */
			sessions_close_all(t);
			if (nfolder + 1 < MAX_FOLDERS)
				nfolder++;
		} else {
			if (nfile == MAX_FILES)
				break;	/* the rest is not read */
			snprintf(c.paths[nfile], sizeof c.paths[nfile],
			    "%s/%s", folder_names[nfolder], file_names[nfile]);
			scan_part(&c, t, folder_names[nfolder], c.paths[nfile],
			    data + start, i - start);
			nfile++;
		}
		start = i + 1;
	}
	sessions_close_all(t);
	rules_finish(c.rules);
	ss = sessions_stats(t);
	c.sum->stats.sessions_complete = ss->complete;
	c.sum->stats.sessions_incomplete = ss->incomplete;
	c.sum->stats.findings = c.sum->findings;
	c.sum->stats.folders = nfolder + 1;
	FUZZ_CHECK(c.sum->findings == c.findings, "summary counts %lu "
	    "findings, %lu made", c.sum->findings, c.findings);
	summary_finish(c.sum);
	for (j = 0; j < NOUT; j++) {
		report_finish(c.rep[j], c.sum);
		report_free(c.rep[j]);
		fuzz_mem_close(&c.out[j]);
	}
	check_outputs(&c);

	for (j = 0; j < NOUT; j++)
		fuzz_mem_free(&c.out[j]);
	sessions_free(t);
	summary_free(c.sum);
	rules_free(c.rules);
	return 0;
}
