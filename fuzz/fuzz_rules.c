/*
 * fuzz_rules.c: bytes -> a rules file.  rules_lang_parse() must refuse it
 * with a message or take it whole; then rules_new() loads it from a memfd
 * (with or without the built-in rules), and the rules run on the sessions
 * of a fixed log (rules_log.h) plus one session made of the input's own
 * lines, so that its patterns have something they can match.  Never a
 * crash, a leak or a hang.
 *
 * Also checked: rows skipped as scan.c skips them give the facts and
 * findings of every row matched (rules_skip_rows()).  And the literal that
 * rules_parse.c takes from each pattern
 * to skip rows before PCRE2 runs ("a substring that every match of the
 * pattern contains") is in every subject the pattern matches.
 */
#define _GNU_SOURCE	/* memfd_create, memmem */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "finding.h"
#include "fuzz.h"
#include "jsoncheck.h"
#include "reader.h"
#include "report.h"
#include "rules.h"
#include "rules_lang.h"
#include "session.h"

#include "rules_log.h"

#define NAME		"fuzz.rules"
#define MAX_LINES	64	/* of the input, as rows */

/* The built-in rules, from the build (Makefile: default_rules.c). */
extern const char	default_rules_text[];
extern const size_t	default_rules_len;

static int memfd = -1;
static char memfd_path[64];

static const char *const severities[] = { "error", "warning", "info", NULL };
static const char *const result_types[] = {
	"starttls-not-supported", "certificate-host-mismatch",
	"certificate-expired", "certificate-not-trusted",
	"validation-failure", "tlsa-invalid", "dnssec-invalid",
	"dane-required", "sts-policy-fetch-error", "sts-policy-invalid",
	"sts-webpki-invalid", "none", NULL
};

/* Subjects for the literal check: the fixed rows and the input lines. */
struct subjects {
	const char	*p[2 * 256 + MAX_LINES];
	size_t		 len[2 * 256 + MAX_LINES];
	size_t		 n;
};

static struct subjects fixed;		/* data and context of rules_log */
static struct row fixed_rows[256];
static size_t nfixed;
static char *fixed_copy;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct reader *r;
	struct row row;
	FILE *fp;

	(void)argc;
	(void)argv;
	fuzz_quiet_stderr();
	if ((memfd = memfd_create("fuzz.rules", 0)) == -1) {
		perror("memfd_create");
		abort();
	}
	snprintf(memfd_path, sizeof memfd_path, "/proc/self/fd/%d", memfd);

	/* Read the fixed log once; keep copies of its rows. */
	fp = fuzz_open_input((const uint8_t *)rules_log, sizeof rules_log - 1,
	    &fixed_copy);
	r = reader_new(fp, "logs/SEND20261104-1.LOG");
	if (reader_header(r) != LOG_SEND)
		abort();
	while (reader_next(r, &row) == 1 && nfixed < 256) {
		struct row *k = &fixed_rows[nfixed++];
		struct field *f;

		*k = row;
		for (f = &k->date_time; f <= &k->context; f++) {
			char *p = malloc(f->len + 1);

			memcpy(p, f->p, f->len);
			p[f->len] = '\0';
			f->p = p;
		}
		fixed.p[fixed.n] = k->data.p;
		fixed.len[fixed.n++] = k->data.len;
		fixed.p[fixed.n] = k->context.p;
		fixed.len[fixed.n++] = k->context.len;
	}
	reader_free(r);
	fclose(fp);
	return 0;
}

/* ---- the parsed language ---- */

static int
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static void
check_choices(const struct rule_def *d, const struct choices *c,
    const char *what, const char *const *words, int needed)
{
	size_t i;

	FUZZ_CHECK(c->n > 0 || !needed, "rule %s without %s", d->id, what);
	if (c->n == 0)
		return;
	if (needed)
		FUZZ_CHECK(c->v[c->n - 1].cond == NULL, "rule %s: the last %s "
		    "has a condition", d->id, what);
	for (i = 0; i < c->n; i++) {
		if (words != NULL)
			FUZZ_CHECK(c->v[i].word != NULL &&
			    in_list(words, c->v[i].word), "rule %s: %s '%s'",
			    d->id, what, c->v[i].word);
		else
			FUZZ_CHECK(c->v[i].text.nparts > 0, "rule %s: %s "
			    "without text", d->id, what);
	}
}

/* Every match of f contains its literal. */
static void
check_literal(const struct fact_pattern *f, const struct subjects *s,
    pcre2_match_context *mctx)
{
	pcre2_match_data *md;
	size_t i;
	int rc;

	if (f->literal == NULL)
		return;
	FUZZ_CHECK(f->literal_len == strlen(f->literal) && f->literal_len >= 3,
	    "pattern /%s/: literal of %zu bytes", f->source, f->literal_len);
	md = pcre2_match_data_create_from_pattern(f->re, NULL);
	for (i = 0; i < s->n; i++) {
		rc = pcre2_match(f->re, (PCRE2_SPTR)s->p[i], s->len[i], 0, 0,
		    md, mctx);
		if (rc < 0)
			continue;
		FUZZ_CHECK(memmem(s->p[i], s->len[i], f->literal,
		    f->literal_len) != NULL, "pattern /%s/ matches '%.*s', "
		    "which lacks its required literal '%s': rows like it "
		    "are skipped", f->source, (int)(s->len[i] > 200 ? 200 :
		    s->len[i]), s->p[i], f->literal);
	}
	pcre2_match_data_free(md);
}

static void
check_lang(const struct rules_lang *lang, const struct subjects *s)
{
	pcre2_match_context *mctx = pcre2_match_context_create(NULL);
	size_t i;

	pcre2_set_match_limit(mctx, RULES_MATCH_LIMIT);
	for (i = 0; i < lang->npatterns; i++) {
		const struct fact_pattern *f = &lang->patterns[i];

		FUZZ_CHECK(f->fact != NULL && f->re != NULL &&
		    f->source != NULL && f->events != 0 &&
		    f->ngroups >= 1, "pattern %zu half made", i);
		check_literal(f, s, mctx);
	}
	pcre2_match_context_free(mctx);
	for (i = 0; i < lang->nrules; i++) {
		const struct rule_def *d = &lang->rules[i];

		FUZZ_CHECK(d->id != NULL && d->id[0] != '\0', "rule without id");
		FUZZ_CHECK(d->title != NULL && d->when != NULL &&
		    d->source != NULL, "rule %s half made", d->id);
		check_choices(d, &d->severity, "severity", severities, 1);
		check_choices(d, &d->tlsrpt, "tlsrpt", result_types, 1);
		check_choices(d, &d->message, "message", NULL, 1);
		check_choices(d, &d->hint, "hint", NULL, 0);
	}
}

/* ---- evaluation ---- */

struct eval_ctx {
	struct rules	*rules;
	unsigned long	 findings;
};

static void
on_finding(const struct finding *f, const struct session *s, void *arg)
{
	struct eval_ctx *c = arg;
	struct json_error err = { 0, NULL };
	struct fuzz_mem m;

	c->findings++;
	FUZZ_CHECK(f->rule != NULL && f->title != NULL && f->message != NULL,
	    "finding half made");
	FUZZ_CHECK(strlen(f->message) < 1024, "message of %zu bytes",
	    strlen(f->message));
	FUZZ_CHECK(f->hint == NULL || (f->hint[0] != '\0' &&
	    strlen(f->hint) < 2048), "hint of %zu bytes",
	    f->hint != NULL ? strlen(f->hint) : 0);
	FUZZ_CHECK(f->nattrs <= RULES_MAX_CAPTURES, "%zu attributes",
	    f->nattrs);
	FUZZ_CHECK(f->tlsrpt == NULL || (strcmp(f->tlsrpt, "none") != 0 &&
	    in_list(result_types, f->tlsrpt)), "tlsrpt '%s'", f->tlsrpt);
	fuzz_mem_open(&m);
	report_finding_json(m.fp, f, s);
	fuzz_mem_close(&m);
	FUZZ_CHECK(json_valid(m.buf, m.len, &err), "the NDJSON object of a "
	    "finding: %s at byte %zu: ...%.60s", err.why, err.off,
	    m.buf + (err.off > 20 ? err.off - 20 : 0));
	fuzz_mem_free(&m);
}

static void
on_close(struct session *s, void *arg)
{
	struct eval_ctx *c = arg;

	rules_eval(c->rules, s, on_finding, c);
}

/*
 * A row to both: r[0] skips rows as scan.c does (rules_row_wanted(), the
 * seen slots, the literals looked for all at once), r[1] does not
 * (rules_skip_rows(r[1], 0)); the facts must not tell them apart.
 */
static void
feed(struct session_table *t[2], struct rules *r[2], const struct row *row)
{
	struct session *s[2];
	int k;

	for (k = 0; k < 2; k++)
		s[k] = sessions_feed(t[k], "logs", row);
	if (rules_row_wanted(rules_row_filter(r[0]), row))
		rules_observe_row(r[0], s[0], row);
	rules_observe_row(r[1], s[1], row);
	FUZZ_CHECK(s[0]->facts == s[1]->facts, "facts %#llx with rows "
	    "skipped, %#llx without", (unsigned long long)s[0]->facts,
	    (unsigned long long)s[1]->facts);
	for (k = 0; k < 2; k++)
		sessions_end_row(t[k], s[k]);
}

/* The input's lines as the rows of one more session, after the fixed log. */
struct line_rows {
	struct row	 rows[MAX_LINES];
	char		*copies[MAX_LINES];
	size_t		 n;
	struct subjects	*subjects;
};

static void
add_line(const char *line, size_t len, void *arg)
{
	static const char events[] = "<>*+<*<";
	struct line_rows *l = arg;
	struct row *row;
	char *copy;
	struct field *f;

	if (l->n == MAX_LINES)
		return;
	copy = malloc(len + 1);
	memcpy(copy, line, len);
	copy[len] = '\0';
	row = &l->rows[l->n];
	*row = fixed_rows[0];
	row->line = 100000 + l->n;
	row->time += (int64_t)l->n * 1000;
	row->event = events[l->n % (sizeof events - 1)];
	row->session_id.p = "FUZZLINES";
	row->session_id.len = 9;
	for (f = &row->date_time; f <= &row->context; f++)
		if (f == &row->data || f == &row->context) {
			f->p = copy;
			f->len = len;
		}
	l->copies[l->n++] = copy;
	l->subjects->p[l->subjects->n] = copy;
	l->subjects->len[l->subjects->n++] = len;
}

static void
evaluate(const char *const *ids, size_t nids, int no_default,
    const struct line_rows *lines)
{
	static const char *const require[] = { "Partner TLS", "*" };
	struct rules_config cfg;
	struct session_table *t[2];
	struct rules *r[2];
	struct eval_ctx c, plain;
	struct fuzz_mem m;
	const char *files[1];
	char err[1024];
	size_t i;
	int k;

	memset(&cfg, 0, sizeof cfg);
	files[0] = memfd_path;
	cfg.files = files;
	cfg.nfiles = 1;
	cfg.no_default = no_default;
	cfg.require_tls = require;
	cfg.nrequire_tls = no_default ? 1 : 2;
	err[0] = '\0';
	memset(&c, 0, sizeof c);
	if ((c.rules = rules_new(&cfg, err, sizeof err)) == NULL) {
		FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err) !=
		    NULL, "rules_new failed without a message");
		return;
	}
	fuzz_mem_open(&m);
	rules_list(c.rules, m.fp);
	for (i = 0; i < nids; i++)
		FUZZ_CHECK(rules_explain(c.rules, ids[i], m.fp) == 0,
		    "--explain %s: no such rule", ids[i]);
	FUZZ_CHECK(rules_explain(c.rules, "no such rule", m.fp) == -1,
	    "--explain of a rule that is not there");
	fuzz_mem_free(&m);

	memset(&plain, 0, sizeof plain);
	plain.rules = rules_new(&cfg, err, sizeof err);
	FUZZ_CHECK(plain.rules != NULL, "rules_new failed the second time: "
	    "%s", err);
	rules_skip_rows(plain.rules, 0);
	r[0] = c.rules;
	r[1] = plain.rules;
	t[0] = sessions_new(on_close, &c);
	t[1] = sessions_new(on_close, &plain);
	for (i = 0; i < nfixed; i++)
		feed(t, r, &fixed_rows[i]);
	for (i = 0; i < lines->n; i++)
		feed(t, r, &lines->rows[i]);
	for (k = 0; k < 2; k++)
		sessions_close_all(t[k]);
	FUZZ_CHECK(c.findings == plain.findings, "%lu findings with rows "
	    "skipped, %lu without", c.findings, plain.findings);
	for (k = 0; k < 2; k++) {
		rules_finish(r[k]);
		sessions_free(t[k]);
		rules_free(r[k]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_lang lang;
	struct subjects subjects;
	struct line_rows lines;
	char err[512], *text, **ids = NULL;
	size_t i, nids = 0;
	int rc;

	/* A private copy of exactly size bytes: no NUL after it. */
	text = malloc(size > 0 ? size : 1);
	memcpy(text, data, size);

	memset(&lang, 0, sizeof lang);
	memset(err, 'x', sizeof err);
	rc = rules_lang_parse(&lang, NAME, text, size, err, sizeof err);
	FUZZ_CHECK(rc == 0 || rc == -1, "rules_lang_parse returned %d", rc);
	FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL, "message not "
	    "NUL-terminated");
	if (rc == -1) {
		FUZZ_CHECK(strncmp(err, NAME ":", strlen(NAME) + 1) == 0,
		    "message '%s' does not start with the file name", err);
		FUZZ_CHECK(lang.npatterns == 0 && lang.nrules == 0 &&
		    lang.nfiles == 1, "a refused file left %zu facts and %zu "
		    "rules", lang.npatterns, lang.nrules);
		rules_lang_free(&lang);
		free(text);
		return 0;
	}
	FUZZ_CHECK(err[0] == '\0', "parsed, with a message: %s", err);

	/* The literal check runs on the fixed rows and the input's lines. */
	memcpy(&subjects, &fixed, sizeof fixed);
	memset(&lines, 0, sizeof lines);
	lines.subjects = &subjects;
	fuzz_lines(data, size, add_line, &lines);
	check_lang(&lang, &subjects);

	ids = calloc(lang.nrules + 1, sizeof *ids);
	for (i = 0; i < lang.nrules; i++)
		ids[nids++] = strdup(lang.rules[i].id);

	/* The same text again: each of its rules replaces itself. */
	rc = rules_lang_parse(&lang, NAME, text, size, err, sizeof err);
	FUZZ_CHECK(rc == 0, "parsed once, refused the second time: %s", err);
	FUZZ_CHECK(lang.nrules == nids, "%zu rules after parsing twice, %zu "
	    "the first time", lang.nrules, nids);
	rules_lang_free(&lang);

	/* As --rules FILE, alone or after the built-in rules. */
	if (ftruncate(memfd, 0) == -1 || (size > 0 &&
	    pwrite(memfd, text, size, 0) != (ssize_t)size)) {
		perror("memfd");
		abort();
	}
	evaluate((const char *const *)ids, nids, 1, &lines);
	evaluate((const char *const *)ids, nids, 0, &lines);

	for (i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	for (i = 0; i < lines.n; i++)
		free(lines.copies[i]);
	free(text);
	return 0;
}
