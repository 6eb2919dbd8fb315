/*
 * scan.c: run the pipeline over every file, a folder at a time.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "input.h"
#include "logtime.h"
#include "reader.h"
#include "report.h"
#include "rules.h"
#include "scan.h"
#include "session.h"
#include "summary.h"
#include "xmalloc.h"

/* Sessions may start this long before the file that holds their end. */
#define WINDOW_MARGIN	(3600 * 1000LL)

struct progress {
	int			 on;
	struct timespec		 start, last;
	unsigned long long	 total;		/* bytes of all files; 0: unknown */
	unsigned long long	 done;
	size_t			 file, nfiles;
	int			 shown;
};

struct scan {
	const struct scan_options *opt;
	const char		*last_folder;	/* of the last file read */
	struct rules		*rules;
	struct report		*report;
	struct summary		*summary;
	struct session_table	*sessions;
	struct scan_stats	*stats;
	struct progress		 progress;
	/* The findings of the session being closed. */
	struct summary_outcome	 outcome;
};

/* ---- progress ---- */

static double
seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void
progress_show(struct progress *p, int last)
{
	double elapsed = seconds_since(&p->start), rate;

	if (!p->on || elapsed < 1.0 || (!last && seconds_since(&p->last) < 0.25))
		return;
	clock_gettime(CLOCK_MONOTONIC, &p->last);
	rate = (double)p->done / elapsed / 1e6;
	fprintf(stderr, "\rsendlog-scan: file %zu/%zu, %.1f MB", p->file,
	    p->nfiles, (double)p->done / 1e6);
	if (p->total > 0)
		fprintf(stderr, " of %.1f MB", (double)p->total / 1e6);
	fprintf(stderr, ", %.1f MB/s", rate);
	if (p->total > p->done && rate > 0)
		fprintf(stderr, ", %.0f s left",
		    (double)(p->total - p->done) / 1e6 / rate);
	fputs("\033[K", stderr);
	p->shown = 1;
	if (last)
		fputs("\r\033[K", stderr);
}

/* ---- findings ---- */

static void
on_finding(const struct finding *f, const struct session *s, void *arg)
{
	struct scan *sc = arg;

	if (!filter_finding(sc->opt->filter, f))
		return;
	summary_outcome_add(&sc->outcome, f);
	summary_finding(sc->summary, f, s);
	report_finding(sc->report, f, s);
}

static void
on_session_closed(struct session *s, void *arg)
{
	struct scan *sc = arg;

	if (!filter_session(sc->opt->filter, s)) {
		/* Rules still see it: history such as remote_last_starttls. */
		rules_eval(sc->rules, s, NULL, NULL);
		return;
	}
	memset(&sc->outcome, 0, sizeof sc->outcome);
	rules_eval(sc->rules, s, on_finding, sc);
	sc->stats->sessions_reported++;
	summary_session(sc->summary, s, &sc->outcome);
}

/* ---- files ---- */

static void
count_row(struct scan *sc, const char *folder, const struct row *row)
{
	struct scan_stats *st = sc->stats;

	if (!st->have_time || row->time < st->first_time)
		st->first_time = row->time;
	if (!st->have_time || row->time > st->last_time)
		st->last_time = row->time;
	st->have_time = 1;
	summary_row(sc->summary, folder, row->time);
}

/* Why a file with this header is not read; NULL when it is. */
static const char *
header_problem(struct scan_stats *st, struct reader *r, int kind)
{
	static char buf[96];
	const char *column;

	switch (kind) {
	case LOG_SEND:
		if (!reader_missing_columns(r, &column))
			return NULL;
		snprintf(buf, sizeof buf, "#Fields: has no %s column, "
		    "file skipped", column);
		st->skipped_other++;
		return buf;
	case LOG_RECEIVE:
		st->skipped_receive++;
		return "a receive protocol log, not a send log: file skipped";
	case LOG_UNKNOWN:
		st->skipped_no_header++;
		if (reader_stats(r)->bytes == 0)
			return "empty file, skipped";
		return "no #Log-type:/#Fields: header: not an Exchange "
		    "protocol log, file skipped";
	default:
		st->skipped_other++;
		return "#Log-type: is not SMTP Send Protocol Log: file skipped";
	}
}

static void
scan_file(struct scan *sc, const struct input_file *f)
{
	struct scan_stats *st = sc->stats;
	unsigned long long done = sc->progress.done;
	const struct reader_stats *rs;
	const char *problem = NULL;
	struct session *s;
	struct reader *r;
	struct row row;
	FILE *fp;
	int kind, rc;

	if ((fp = input_open(f)) == NULL) {
		diag(DIAG_ERROR, f->path, 0, "%s", strerror(errno));
		st->files_unreadable++;
		return;
	}
	r = reader_new(fp, f->path);
	if ((kind = reader_header(r)) == -1)
		rc = -1;
	else if ((problem = header_problem(st, r, kind)) != NULL) {
		diag(DIAG_WARNING, f->path, 0, "%s", problem);
		st->files_skipped++;
		rc = 0;
	} else {
		st->files_read++;
		if (sc->last_folder != f->folder)
			st->folders++;
		sc->last_folder = f->folder;
		summary_file(sc->summary, f->folder);
		while ((rc = reader_next(r, &row)) == 1) {
			unsigned long evicted = sessions_stats(sc->sessions)->evicted;

			count_row(sc, f->folder, &row);
			s = sessions_feed(sc->sessions, f->folder, &row);
			if (evicted == 0 && sessions_stats(sc->sessions)->evicted)
				diag(DIAG_WARNING, f->path, row.line, "more than "
				    "%d sessions open at once: the oldest are "
				    "closed early as incomplete (counted in the "
				    "summary)", SESSION_OPEN_MAX);
			rules_observe_row(sc->rules, s, &row);
			sessions_end_row(sc->sessions, s);
			if ((reader_stats(r)->rows & 0xffff) == 0) {
				sc->progress.done = done + reader_stats(r)->bytes;
				progress_show(&sc->progress, 0);
			}
		}
	}
	if (rc == -1) {
		diag(DIAG_ERROR, f->path, reader_stats(r)->lines,
		    "read error: %s", strerror(errno));
		st->files_unreadable++;
	}
	rs = reader_stats(r);
	if (problem == NULL)
		st->bytes += rs->bytes;
	st->rows += rs->rows;
	st->bad_rows += rs->bad_rows;
	sc->progress.done = done + rs->bytes;
	reader_free(r);
	input_close(f, fp);
}

/* ---- the window ---- */

/* The #Date: of a file's header, or -1. */
static int64_t
file_date(const struct input_file *f)
{
	struct reader *r;
	int64_t date = -1;
	FILE *fp;

	if (strcmp(f->path, "-") == 0 || (fp = input_open(f)) == NULL)
		return -1;
	r = reader_new(fp, f->path);
	if (reader_header(r) == LOG_SEND)
		date = reader_date(r);
	reader_free(r);
	input_close(f, fp);
	return date;
}

/* The time of the newest row of a file, reading it all; -1 if none. */
static int64_t
file_newest(const struct input_file *f)
{
	struct reader *r;
	struct row row;
	int64_t newest = -1;
	FILE *fp;

	if ((fp = input_open(f)) == NULL)
		return -1;
	r = reader_new(fp, f->path);
	diag_set_muted(1);
	if (reader_header(r) == LOG_SEND)
		while (reader_next(r, &row) == 1)
			if (row.time > newest)
				newest = row.time;
	diag_set_muted(0);
	reader_free(r);
	input_close(f, fp);
	return newest;
}

/*
 * Resolve the window and mark the files wholly outside it: a file holds
 * the rows from its #Date: to the next file's of its folder.  Relative
 * times count back from the newest row, in the last file of a folder.
 */
static int
plan_window(struct scan *sc, const struct input_list *in, char *skip)
{
	struct filter *flt = sc->opt->filter;
	int64_t *date, newest = -1, t;
	size_t i;

	if (!flt->since.set && !flt->until.set)
		return 0;
	date = xcalloc(in->nfiles + 1, sizeof *date);
	for (i = 0; i < in->nfiles; i++)
		date[i] = file_date(&in->files[i]);
	if ((flt->since.set && flt->since.relative) ||
	    (flt->until.set && flt->until.relative)) {
		for (i = 0; i < in->nfiles; i++) {
			if (strcmp(in->files[i].path, "-") == 0) {
				diag(DIAG_ERROR, NULL, 0, "a relative --since "
				    "or --until needs files, not standard "
				    "input");
				free(date);
				return -1;
			}
			if (i + 1 < in->nfiles && in->files[i + 1].folder ==
			    in->files[i].folder)
				continue;
			if ((t = file_newest(&in->files[i])) > newest)
				newest = t;
		}
	}
	if (filter_resolve(flt, newest) == -1) {
		diag(DIAG_ERROR, NULL, 0, "no rows to count a relative "
		    "--since or --until back from");
		free(date);
		return -1;
	}
	for (i = 0; i < in->nfiles; i++) {
		int64_t next = i + 1 < in->nfiles && in->files[i + 1].folder ==
		    in->files[i].folder ? date[i + 1] : -1;

		if ((next >= 0 && next + WINDOW_MARGIN < flt->from) ||
		    (date[i] >= 0 && flt->to != INT64_MAX &&
		    date[i] - WINDOW_MARGIN > flt->to))
			skip[i] = 1;
	}
	free(date);
	return 0;
}

int
scan_run(const struct scan_options *opt)
{
	const struct session_stats *ss;
	struct input_list in;
	struct scan sc;
	struct stat st;
	char *skip;
	size_t i;
	int status;

	memset(&sc, 0, sizeof sc);
	sc.opt = opt;
	input_collect(opt->paths, opt->npaths, &in);
	skip = xcalloc(in.nfiles + 1, 1);
	if (plan_window(&sc, &in, skip) == -1) {
		free(skip);
		input_free(&in);
		return 2;
	}
	sc.summary = summary_new(opt->gap);
	sc.stats = &sc.summary->stats;
	sc.stats->skipped_other = in.skipped;
	sc.stats->files_skipped = in.skipped;
	sc.summary->have_window = opt->filter->have_window;
	sc.summary->since = opt->filter->since.set ? opt->filter->from : -1;
	sc.summary->until = opt->filter->until.set ? opt->filter->to : -1;
	sc.rules = opt->rules;
	sc.report = report_new(&opt->report, stdout);
	sc.sessions = sessions_new(on_session_closed, &sc);
	sc.progress.on = opt->progress;
	sc.progress.nfiles = in.nfiles;
	clock_gettime(CLOCK_MONOTONIC, &sc.progress.start);
	for (i = 0; i < in.nfiles && opt->progress; i++)
		if (stat(in.files[i].path, &st) == 0 && S_ISREG(st.st_mode))
			sc.progress.total += (unsigned long long)st.st_size;
	for (i = 0; i < in.nfiles; i++) {
		sc.progress.file = i + 1;
		if (skip[i]) {
			sc.stats->skipped_window++;
			sc.stats->files_skipped++;
			/* Its folder still counts: no rows is missing logs. */
			summary_folder_seen(sc.summary, in.files[i].folder);
		} else
			scan_file(&sc, &in.files[i]);
		progress_show(&sc.progress, 0);
		/* A folder is one server: its open sessions end with it. */
		if (i + 1 == in.nfiles || in.files[i + 1].folder !=
		    in.files[i].folder)
			sessions_close_all(sc.sessions);
		if (ferror(stdout))
			break;	/* the reader of the report has gone */
	}
	if (sc.progress.shown)
		progress_show(&sc.progress, 1);
	rules_finish(sc.rules);
	ss = sessions_stats(sc.sessions);
	sc.stats->sessions_complete = ss->complete;
	sc.stats->sessions_incomplete = ss->incomplete;
	sc.stats->sessions_evicted = ss->evicted;
	sc.stats->findings = sc.summary->findings;
	sc.stats->errors = in.errors + sc.stats->files_unreadable;
	summary_finish(sc.summary);
	report_finish(sc.report, sc.summary);

	if (sc.stats->errors > 0)
		status = 2;
	else if (sc.stats->files_read == 0 && sc.stats->skipped_window == 0) {
		diag(DIAG_ERROR, NULL, 0, "no Exchange send log found");
		status = 2;
	} else
		status = sc.summary->findings > 0 ? 1 : 0;

	sessions_free(sc.sessions);
	report_free(sc.report);
	summary_free(sc.summary);
	free(skip);
	input_free(&in);
	return status;
}
