/*
 * report_json.c: --format json, one document: the findings as they come,
 * then the summary.  It holds all that the other formats say, so that
 * --merge can make any of them from several such documents.
 */
#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "logtime.h"
#include "report.h"

#ifndef VERSION
#define VERSION "0"
#endif

/* The schema of this document; --merge refuses others. */
#define JSON_SCHEMA	1

void
report_json_begin(FILE *fp)
{
	fprintf(fp, "{\"sendlog_scan\":{\"version\":\"%s\",\"schema\":%d},"
	    "\"findings\":[", VERSION, JSON_SCHEMA);
}

void
report_json_finding(FILE *fp, const struct finding *f,
    const struct session *s, int first)
{
	if (!first)
		fputc(',', fp);
	fputs("\n", fp);
	report_finding_json(fp, f, s);
}

static void
write_read(struct jsonw *w, const struct scan_stats *st)
{
	jw_object(w, "read");
	jw_int(w, "folders", (long long)st->folders);
	jw_int(w, "files_read", (long long)st->files_read);
	jw_int(w, "files_skipped", (long long)st->files_skipped);
	jw_int(w, "skipped_receive", (long long)st->skipped_receive);
	jw_int(w, "skipped_no_header", (long long)st->skipped_no_header);
	jw_int(w, "skipped_other", (long long)st->skipped_other);
	jw_int(w, "skipped_window", (long long)st->skipped_window);
	jw_int(w, "files_unreadable", (long long)st->files_unreadable);
	jw_int(w, "errors", (long long)st->errors);
	jw_int(w, "bytes", (long long)st->bytes);
	jw_int(w, "rows", (long long)st->rows);
	jw_int(w, "bad_rows", (long long)st->bad_rows);
	jw_int(w, "sessions_complete", (long long)st->sessions_complete);
	jw_int(w, "sessions_incomplete", (long long)st->sessions_incomplete);
	jw_int(w, "sessions_reported", (long long)st->sessions_reported);
	jw_int(w, "sessions_evicted", (long long)st->sessions_evicted);
	jw_int(w, "sessions_restarted", (long long)st->sessions_restarted);
	jw_int(w, "rows_out_of_order", (long long)st->rows_out_of_order);
	jw_int(w, "rows_time_back", (long long)st->rows_time_back);
	jw_time(w, "first", st->have_time ? st->first_time : -1, 1);
	jw_time(w, "last", st->have_time ? st->last_time : -1, 1);
	jw_end(w);
}

static void
write_groups(struct jsonw *w, const struct summary *sum)
{
	size_t i, k;

	jw_array(w, "groups");
	for (i = 0; i < sum->ngroups; i++) {
		const struct summary_group *g = sum->groups[i];

		jw_object(w, NULL);
		jw_str(w, "rule", g->rule);
		jw_str(w, "severity", severity_name(g->severity));
		jw_str(w, "title", g->title);
		jw_str(w, "connector", g->connector);
		jw_str(w, "remote", g->remote);
		jw_int(w, "sessions", (long long)g->sessions);
		jw_int(w, "messages_attempted", (long long)g->messages);
		jw_array(w, "remote_ips");
		for (k = 0; k < g->nips; k++)
			jw_str(w, NULL, g->ips[k]);
		jw_end(w);
		jw_int(w, "remote_ips_omitted", (long long)g->more_ips);
		jw_time(w, "first", g->first, 0);
		jw_time(w, "last", g->last, 0);
		jw_time(w, "onset", g->onset, 1);
		jw_bool(w, "still_failing", g->still_failing);
		jw_str(w, "hint", g->hint);
		jw_end(w);
	}
	jw_end(w);
}

static void
write_gaps(struct jsonw *w, const char *key, const struct summary_gap *g,
    size_t n)
{
	size_t k;

	jw_array(w, key);
	for (k = 0; k < n; k++) {
		jw_object(w, NULL);
		jw_time(w, "from", g[k].from, 0);
		jw_time(w, "to", g[k].to, 0);
		jw_end(w);
	}
	jw_end(w);
}

static void
write_rest(struct jsonw *w, const struct summary *sum)
{
	char day[LOGTIME_BUFSZ];
	size_t i, k;

	jw_array(w, "timeline");
	for (i = 0; i < sum->nhours; i++) {
		jw_object(w, NULL);
		jw_time(w, "hour", sum->hours[i].hour, 0);
		jw_int(w, "ok", (long long)sum->hours[i].ok);
		jw_int(w, "failing", (long long)sum->hours[i].failing);
		jw_end(w);
	}
	jw_end(w);
	jw_array(w, "coverage");
	for (i = 0; i < sum->nfolders; i++) {
		const struct summary_folder *f = &sum->folders[i];

		jw_object(w, NULL);
		jw_str(w, "folder", f->folder);
		jw_int(w, "files", (long long)f->files);
		jw_time(w, "first", f->have_rows ? f->first : -1, 1);
		jw_time(w, "last", f->have_rows ? f->last : -1, 1);
		write_gaps(w, "gaps", f->gaps, f->ngaps);
		jw_int(w, "gaps_omitted", (long long)f->more_gaps);
		write_gaps(w, "row_gaps", f->rows_gaps, f->nrows_gaps);
		jw_int(w, "row_gaps_omitted", (long long)f->more_rows_gaps);
		jw_end(w);
	}
	jw_end(w);
	jw_array(w, "remotes");
	for (i = 0; i < sum->nremotes; i++) {
		const struct summary_remote *r = &sum->remotes[i];

		jw_object(w, NULL);
		jw_str(w, "remote", r->remote);
		jw_time(w, "last_session", r->last_start, 0);
		jw_array(w, "rules");
		for (k = 0; k < r->nrules; k++)
			jw_str(w, NULL, r->rules[k]);
		jw_end(w);
		jw_end(w);
	}
	jw_end(w);
	jw_array(w, "tlsrpt");
	for (i = 0; i < sum->npolicies; i++) {
		const struct summary_policy *p = &sum->policies[i];

		jw_object(w, NULL);
		logtime_format(p->day, day);
		jw_strn(w, "day", day, 10);
		jw_str(w, "policy_domain", p->domain);
		jw_int(w, "successful", (long long)p->successful);
		jw_int(w, "failed", (long long)p->failed);
		jw_array(w, "failure_details");
		for (k = 0; k < p->ndetails; k++) {
			const struct summary_tls_detail *d = &p->details[k];

			jw_object(w, NULL);
			jw_str(w, "result_type", d->result_type);
			jw_str(w, "sending_mta_ip", d->sending_ip);
			jw_str(w, "receiving_ip", d->receiving_ip);
			jw_str(w, "receiving_mx_helo", d->mx_helo);
			jw_str(w, "receiving_mx_hostname", d->mx_host);
			jw_str(w, "failure_reason_code", d->reason);
			jw_int(w, "count", (long long)d->count);
			jw_end(w);
		}
		jw_end(w);
		jw_end(w);
	}
	jw_end(w);
}

void
report_json_end(FILE *fp, const struct summary *sum)
{
	struct jsonw w;

	fputs("\n]", fp);
	/* Go on inside the document's object, after "findings". */
	jw_init(&w, fp);
	w.depth = 1;
	w.count[1] = 1;
	w.closer[1] = '}';
	write_read(&w, &sum->stats);
	if (sum->have_window) {
		jw_object(&w, "window");
		jw_time(&w, "since", sum->since, 1);
		jw_time(&w, "until", sum->until, 1);
		jw_end(&w);
	} else
		jw_null(&w, "window");
	jw_int(&w, "gap_seconds", (long long)(sum->gap / 1000));
	jw_int(&w, "findings_count", (long long)sum->findings);
	write_groups(&w, sum);
	write_rest(&w, sum);
	jw_end(&w);
	fputc('\n', fp);
}
