/*
 * merge.c: read --format json results with jansson and feed them to the
 * summary and the report as a scan would have.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "logtime.h"
#include "merge.h"
#include "report.h"
#include "summary.h"
#include "xmalloc.h"

#define JSON_SCHEMA	1

struct doc {
	const char	*path;
	json_t		*root;
	const char	*first_folder;	/* to put the results in order */
	size_t		 order;
};

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s;
}

static long long
num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static int
flag(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* A time in the form written; -1 for null or anything else. */
static int64_t
when(json_t *o, const char *key)
{
	const char *s = str(o, key);
	int64_t ms;

	if (s == NULL || logtime_parse(s, strlen(s), &ms) == -1)
		return -1;
	return ms;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static enum severity
severity_of(const char *s)
{
	return s != NULL && strcmp(s, "error") == 0 ? SEV_ERROR :
	    s != NULL && strcmp(s, "warning") == 0 ? SEV_WARNING : SEV_INFO;
}

/* One finding object back into the finding and session it came from. */
static void
merge_finding(json_t *o, struct summary *sum, struct report *rep)
{
	struct finding_attr attrs[SESSION_CAPTURES_MAX];
	struct finding f;
	struct session s;
	json_t *a, *v;
	const char *key;
	size_t i, n;

	memset(&f, 0, sizeof f);
	memset(&s, 0, sizeof s);
	f.rule = str(o, "rule");
	f.severity = severity_of(str(o, "severity"));
	f.title = str(o, "title");
	f.tlsrpt = str(o, "tlsrpt_result_type");
	f.message = str(o, "message");
	f.hint = str(o, "hint");
	f.onset = when(o, "remote_last_starttls");
	n = 0;
	json_object_foreach(json_object_get(o, "attributes"), key, v)
		if (n < SESSION_CAPTURES_MAX && json_is_string(v)) {
			attrs[n].name = key;
			attrs[n++].value = json_string_value(v);
		}
	f.attrs = attrs;
	f.nattrs = n;
	if (f.rule == NULL || f.message == NULL)
		return;

	s.id = dup_or_null(str(o, "session_id"));
	s.folder = str(o, "folder");
	s.connector = dup_or_null(str(o, "connector"));
	s.local_endpoint = dup_or_null(str(o, "local_endpoint"));
	s.remote_endpoint = dup_or_null(str(o, "remote_endpoint"));
	s.remote_host = dup_or_null(str(o, "remote_host"));
	s.file = str(o, "file");
	s.line = (unsigned long)num(o, "line");
	s.start = when(o, "start");
	s.end = when(o, "end");
	s.complete = flag(o, "complete");
	s.helo_used = flag(o, "helo_used");
	s.starttls_offered = flag(o, "starttls_offered");
	s.starttls_issued = flag(o, "starttls_issued");
	s.tls_up = flag(o, "tls_up");
	s.messages_attempted = (unsigned)num(o, "messages_attempted");
	s.messages_accepted = (unsigned)num(o, "messages_accepted");
	s.evidence_dropped = (unsigned)num(o, "evidence_omitted");
	ehlo_init(&s.ehlo);
	json_array_foreach(json_object_get(o, "ehlo_extensions"), i, v) {
		const char *kw = json_string_value(v);

		if (kw != NULL && s.ehlo.nkeywords < EHLO_MAX_KEYWORDS)
			snprintf(s.ehlo.keywords[s.ehlo.nkeywords++],
			    EHLO_KEYWORD_MAX, "%s", kw);
	}
	a = json_object_get(o, "evidence");
	json_array_foreach(a, i, v) {
		struct evidence *e;
		const char *text = str(v, "text"), *ev = str(v, "event");

		if (s.nevidence == SESSION_EVIDENCE_MAX || text == NULL)
			break;
		if (s.nevidence % 8 == 0)
			s.evidence = xreallocarray(s.evidence,
			    (size_t)s.nevidence + 8, sizeof *s.evidence);
		e = &s.evidence[s.nevidence++];
		e->file = str(v, "file");
		e->line = (unsigned long)num(v, "line");
		e->event = ev != NULL ? ev[0] : '?';
		e->text = xstrdup(text);
		e->textlen = strlen(text);
	}
	if (s.id != NULL && s.folder != NULL && s.file != NULL) {
		summary_finding(sum, &f, &s);
		report_finding(rep, &f, &s);
	}
	for (i = 0; i < (size_t)s.nevidence; i++)
		free(s.evidence[i].text);
	free(s.evidence);
	free(s.id);
	free(s.connector);
	free(s.local_endpoint);
	free(s.remote_endpoint);
	free(s.remote_host);
}

static void
merge_read(json_t *o, struct scan_stats *st)
{
	int64_t first = when(o, "first"), last = when(o, "last");

	st->folders += (unsigned long)num(o, "folders");
	st->files_read += (unsigned long)num(o, "files_read");
	st->files_skipped += (unsigned long)num(o, "files_skipped");
	st->skipped_receive += (unsigned long)num(o, "skipped_receive");
	st->skipped_no_header += (unsigned long)num(o, "skipped_no_header");
	st->skipped_other += (unsigned long)num(o, "skipped_other");
	st->skipped_window += (unsigned long)num(o, "skipped_window");
	st->files_unreadable += (unsigned long)num(o, "files_unreadable");
	st->errors += (unsigned long)num(o, "errors");
	st->bytes += (unsigned long long)num(o, "bytes");
	st->rows += (unsigned long)num(o, "rows");
	st->bad_rows += (unsigned long)num(o, "bad_rows");
	st->sessions_complete += (unsigned long)num(o, "sessions_complete");
	st->sessions_incomplete += (unsigned long)num(o,
	    "sessions_incomplete");
	st->sessions_reported += (unsigned long)num(o, "sessions_reported");
	st->sessions_evicted += (unsigned long)num(o, "sessions_evicted");
	st->sessions_restarted += (unsigned long)num(o, "sessions_restarted");
	st->rows_out_of_order += (unsigned long)num(o, "rows_out_of_order");
	st->rows_time_back += (unsigned long)num(o, "rows_time_back");
	if (first >= 0 && (!st->have_time || first < st->first_time))
		st->first_time = first;
	if (last >= 0 && (!st->have_time || last > st->last_time))
		st->last_time = last;
	if (first >= 0)
		st->have_time = 1;
}

static void
merge_summary(json_t *root, struct summary *sum)
{
	json_t *v, *w, *win;
	size_t i, k;

	merge_read(json_object_get(root, "read"), &sum->stats);
	if ((num(root, "gap_seconds") * 1000) > sum->gap)
		sum->gap = num(root, "gap_seconds") * 1000;
	win = json_object_get(root, "window");
	if (json_is_object(win) && !sum->have_window) {
		sum->have_window = 1;
		sum->since = when(win, "since");
		sum->until = when(win, "until");
	}
	json_array_foreach(json_object_get(root, "timeline"), i, v)
		summary_add_hour(sum, when(v, "hour"),
		    (unsigned long)num(v, "ok"), (unsigned long)num(v,
		    "failing"));
	json_array_foreach(json_object_get(root, "coverage"), i, v) {
		const char *folder = str(v, "folder");

		if (folder == NULL)
			continue;
		summary_add_folder(sum, folder, (unsigned long)num(v, "files"),
		    when(v, "first"), when(v, "last"));
		json_array_foreach(json_object_get(v, "row_gaps"), k, w)
			summary_add_gap(sum, folder, when(w, "from"),
			    when(w, "to"));
	}
	json_array_foreach(json_object_get(root, "remotes"), i, v) {
		const char *rules[64];
		size_t n = 0;

		json_array_foreach(json_object_get(v, "rules"), k, w)
			if (n < 64 && json_is_string(w))
				rules[n++] = json_string_value(w);
		if (str(v, "remote") != NULL)
			summary_add_remote(sum, str(v, "remote"),
			    when(v, "last_session"), rules, n);
	}
	json_array_foreach(json_object_get(root, "tlsrpt"), i, v) {
		char day[32];
		const char *d = str(v, "day"), *domain = str(v, "policy_domain");
		int64_t ms;

		if (d == NULL || domain == NULL || strlen(d) != 10)
			continue;
		snprintf(day, sizeof day, "%sT00:00:00.000Z", d);
		if (logtime_parse(day, strlen(day), &ms) == -1)
			continue;
		summary_add_tls(sum, ms, domain, (unsigned long)num(v,
		    "successful"), (unsigned long)num(v, "failed"));
		json_array_foreach(json_object_get(v, "failure_details"), k,
		    w) {
			struct summary_tls_key key;

			key.result_type = str(w, "result_type");
			key.sending_ip = str(w, "sending_mta_ip");
			key.receiving_ip = str(w, "receiving_ip");
			key.mx_helo = str(w, "receiving_mx_helo");
			key.mx_host = str(w, "receiving_mx_hostname");
			key.reason = str(w, "failure_reason_code");
			if (key.result_type == NULL || key.sending_ip == NULL ||
			    key.receiving_ip == NULL || key.mx_helo == NULL ||
			    key.mx_host == NULL || key.reason == NULL)
				continue;
			summary_add_tls_detail(sum, ms, domain, &key,
			    (unsigned long)num(w, "count"));
		}
	}
}

static int
doc_cmp(const void *a, const void *b)
{
	const struct doc *x = a, *y = b;
	int c;

	if (x->first_folder != NULL && y->first_folder != NULL &&
	    (c = strcmp(x->first_folder, y->first_folder)) != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
load(struct doc *d)
{
	json_error_t e;
	json_t *v;

	if (strcmp(d->path, "-") == 0)
		d->root = json_loadf(stdin, 0, &e);
	else
		d->root = json_load_file(d->path, 0, &e);
	if (d->root == NULL) {
		diag(DIAG_ERROR, d->path, (unsigned long)(e.line > 0 ?
		    e.line : 0), "not a --format json result: %s", e.text);
		return -1;
	}
	v = json_object_get(d->root, "sendlog_scan");
	if (num(v, "schema") != JSON_SCHEMA ||
	    !json_is_array(json_object_get(d->root, "findings"))) {
		diag(DIAG_ERROR, d->path, 0, "not a --format json result of "
		    "schema %d", JSON_SCHEMA);
		return -1;
	}
	v = json_array_get(json_object_get(d->root, "coverage"), 0);
	d->first_folder = str(v, "folder");
	return 0;
}

int
merge_run(const char *const *paths, size_t npaths,
    const struct scan_options *opt)
{
	struct summary *sum;
	struct report *rep;
	struct doc *docs;
	json_t *v;
	size_t i, k;
	int status = 0;

	if (npaths == 0) {
		diag(DIAG_ERROR, NULL, 0, "--merge needs the JSON results to "
		    "merge");
		return 2;
	}
	if (opt->filter->since.set || opt->filter->until.set ||
	    opt->filter->nconnectors > 0 || opt->filter->nremotes > 0 ||
	    opt->filter->min_severity != SEV_INFO) {
		diag(DIAG_ERROR, NULL, 0, "--merge takes no --since, --until, "
		    "--connector, --remote or --severity: select when making "
		    "the results");
		return 2;
	}
	docs = xcalloc(npaths, sizeof *docs);
	for (i = 0; i < npaths; i++) {
		docs[i].path = paths[i];
		docs[i].order = i;
		if (load(&docs[i]) == -1)
			status = 2;
	}
	if (status != 0)
		goto out;
	/* In the order one run would read their folders. */
	qsort(docs, npaths, sizeof *docs, doc_cmp);
	sum = summary_new(0);
	rep = report_new(&opt->report, stdout);
	for (i = 0; i < npaths; i++)
		json_array_foreach(json_object_get(docs[i].root, "findings"),
		    k, v)
			merge_finding(v, sum, rep);
	for (i = 0; i < npaths; i++)
		merge_summary(docs[i].root, sum);
	if (sum->gap == 0)
		sum->gap = opt->gap;
	sum->stats.findings = sum->findings;
	summary_finish(sum);
	report_finish(rep, sum);
	/* A result made despite trouble keeps its trouble. */
	status = sum->stats.errors > 0 ? 2 : sum->findings > 0;
	report_free(rep);
	summary_free(sum);
out:
	for (i = 0; i < npaths; i++)
		json_decref(docs[i].root);
	free(docs);
	return status;
}
