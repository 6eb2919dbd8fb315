/*
 * scan.c: run the pipeline over every file, a folder at a time.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
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

/* Shared by the workers of --jobs, shown by the main thread only. */
struct progress {
	int			 on;
	struct timespec		 start, last;
	unsigned long long	 total;		/* bytes of all files; 0: unknown */
	_Atomic unsigned long long done;	/* bytes read */
	_Atomic size_t		 file;		/* files begun */
	size_t			 nfiles;
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
	struct progress		*progress;
	int			 show_progress;	/* this thread draws it */
	int			 to_stdout;	/* report written as it goes */
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
	unsigned long long done;

	if (!p->on || elapsed < 1.0 || (!last && seconds_since(&p->last) < 0.25))
		return;
	clock_gettime(CLOCK_MONOTONIC, &p->last);
	done = p->done;
	rate = (double)done / elapsed / 1e6;
	fprintf(stderr, "\rsendlog-scan: file %zu/%zu, %.1f MB", (size_t)p->file,
	    p->nfiles, (double)done / 1e6);
	if (p->total > 0)
		fprintf(stderr, " of %.1f MB", (double)p->total / 1e6);
	fprintf(stderr, ", %.1f MB/s", rate);
	if (p->total > done && rate > 0)
		fprintf(stderr, ", %.0f s left",
		    (double)(p->total - done) / 1e6 / rate);
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
	unsigned long long counted = 0;
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
				sc->progress->done += reader_stats(r)->bytes -
				    counted;
				counted = reader_stats(r)->bytes;
				if (sc->show_progress)
					progress_show(sc->progress, 0);
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
	sc->progress->done += rs->bytes - counted;
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

/* Scan the files [first, end) of one folder, then close its sessions. */
static void
scan_folder(struct scan *sc, const struct input_list *in, size_t first,
    size_t end, const char *skip)
{
	size_t i;

	for (i = first; i < end; i++) {
		sc->progress->file++;
		if (skip[i]) {
			sc->stats->skipped_window++;
			sc->stats->files_skipped++;
			/* Its folder still counts: no rows is missing logs. */
			summary_folder_seen(sc->summary, in->files[i].folder);
		} else
			scan_file(sc, &in->files[i]);
		if (sc->show_progress)
			progress_show(sc->progress, 0);
		if (sc->to_stdout && ferror(stdout))
			break;	/* the reader of the report has gone */
	}
	/* A folder is one server: its open sessions end with it. */
	sessions_close_all(sc->sessions);
}

/* Where the folder that starts at file i ends. */
static size_t
folder_end(const struct input_list *in, size_t i)
{
	while (i + 1 < in->nfiles && in->files[i + 1].folder ==
	    in->files[i].folder)
		i++;
	return i + 1;
}

static void
scan_init(struct scan *sc, const struct scan_options *opt,
    struct progress *progress)
{
	memset(sc, 0, sizeof *sc);
	sc->opt = opt;
	sc->summary = summary_new(opt->gap);
	sc->stats = &sc->summary->stats;
	sc->progress = progress;
	sc->sessions = sessions_new(on_session_closed, sc);
}

static void
scan_done(struct scan *sc)
{
	const struct session_stats *ss = sessions_stats(sc->sessions);

	sc->stats->sessions_complete += ss->complete;
	sc->stats->sessions_incomplete += ss->incomplete;
	sc->stats->sessions_evicted += ss->evicted;
	rules_finish(sc->rules);
	sessions_free(sc->sessions);
	sc->sessions = NULL;
}

/* ---- --jobs: folders scanned side by side ---- */

struct job {
	size_t		 first, end;	/* the folder's files */
	struct summary	*summary;	/* what it gathered */
	FILE		*out;		/* what it wrote, a temporary file */
	unsigned long	 written;	/* findings written to out */
	int		 done;
};

struct pool {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct job		*jobs;
	size_t			 njobs, next;
	const struct scan_options *opt;
	const struct input_list	*in;
	const char		*skip;
	struct progress		*progress;
	int			 failed;	/* a worker could not start */
};

static void *
worker(void *arg)
{
	struct pool *pool = arg;
	struct report_options ro = pool->opt->report;
	struct scan sc;
	struct job *job;
	char err[512];

	ro.fragment = 1;
	for (;;) {
		pthread_mutex_lock(&pool->lock);
		job = pool->next < pool->njobs ? &pool->jobs[pool->next++] :
		    NULL;
		pthread_mutex_unlock(&pool->lock);
		if (job == NULL)
			return NULL;
		scan_init(&sc, pool->opt, pool->progress);
		sc.rules = rules_new(pool->opt->rules_config, err, sizeof err);
		if ((job->out = tmpfile()) == NULL || sc.rules == NULL) {
			diag(DIAG_ERROR, NULL, 0, "cannot start a worker: %s",
			    sc.rules == NULL ? err : strerror(errno));
			exit(2);
		}
		sc.report = report_new(&ro, job->out);
		scan_folder(&sc, pool->in, job->first, job->end, pool->skip);
		scan_done(&sc);
		rules_free(sc.rules);
		report_free(sc.report);
		job->written = sc.summary->findings;
		pthread_mutex_lock(&pool->lock);
		job->summary = sc.summary;
		job->done = 1;
		pthread_cond_broadcast(&pool->cond);
		pthread_mutex_unlock(&pool->lock);
	}
}

/* Copy what a worker wrote to standard output. */
static void
copy_out(FILE *from, int comma)
{
	char buf[65536];
	size_t n;

	rewind(from);
	if (comma)
		putchar(',');
	while ((n = fread(buf, 1, sizeof buf, from)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(from);
}

/*
 * The folders side by side in njobs threads; their outputs and summaries
 * are taken in folder order, so that what is written is what one thread
 * writes.
 */
static void
scan_parallel(struct scan *sc, const struct input_list *in, const char *skip,
    int njobs)
{
	struct pool pool;
	pthread_t *threads;
	struct timespec t;
	unsigned long written = 0;
	size_t i, n = 0;
	int k;

	memset(&pool, 0, sizeof pool);
	pthread_mutex_init(&pool.lock, NULL);
	pthread_cond_init(&pool.cond, NULL);
	for (i = 0; i < in->nfiles; i = folder_end(in, i))
		n++;
	pool.jobs = xcalloc(n + 1, sizeof *pool.jobs);
	for (i = 0; i < in->nfiles; i = folder_end(in, i)) {
		pool.jobs[pool.njobs].first = i;
		pool.jobs[pool.njobs++].end = folder_end(in, i);
	}
	pool.opt = sc->opt;
	pool.in = in;
	pool.skip = skip;
	pool.progress = sc->progress;
	if ((size_t)njobs > pool.njobs)
		njobs = (int)pool.njobs;
	threads = xcalloc((size_t)njobs + 1, sizeof *threads);
	for (k = 0; k < njobs; k++)
		if (pthread_create(&threads[k], NULL, worker, &pool) != 0) {
			diag(DIAG_ERROR, NULL, 0, "cannot start a thread");
			exit(2);
		}
	for (i = 0; i < pool.njobs; i++) {
		struct job *job = &pool.jobs[i];

		pthread_mutex_lock(&pool.lock);
		while (!job->done) {
			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_nsec += 250000000;
			if (t.tv_nsec >= 1000000000) {
				t.tv_sec++;
				t.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&pool.cond, &pool.lock, &t);
			if (sc->show_progress) {
				pthread_mutex_unlock(&pool.lock);
				progress_show(sc->progress, 0);
				pthread_mutex_lock(&pool.lock);
			}
		}
		pthread_mutex_unlock(&pool.lock);
		/* JSON findings of two folders need a comma between them. */
		copy_out(job->out, sc->opt->report.format == REPORT_JSON &&
		    written > 0 && job->written > 0);
		written += job->written;
		summary_merge(sc->summary, job->summary);
		summary_free(job->summary);
	}
	for (k = 0; k < njobs; k++)
		pthread_join(threads[k], NULL);
	pthread_mutex_destroy(&pool.lock);
	pthread_cond_destroy(&pool.cond);
	free(threads);
	free(pool.jobs);
}

int
scan_run(const struct scan_options *opt)
{
	struct progress progress;
	struct input_list in;
	struct scan sc;
	struct stat st;
	char *skip;
	size_t i;
	int status;

	memset(&progress, 0, sizeof progress);
	input_collect(opt->paths, opt->npaths, &in);
	skip = xcalloc(in.nfiles + 1, 1);
	sc.opt = opt;
	if (plan_window(&sc, &in, skip) == -1) {
		free(skip);
		input_free(&in);
		return 2;
	}
	scan_init(&sc, opt, &progress);
	sc.show_progress = opt->progress;
	sc.stats->skipped_other = in.skipped;
	sc.stats->files_skipped = in.skipped;
	sc.summary->have_window = opt->filter->have_window;
	sc.summary->since = opt->filter->since.set ? opt->filter->from : -1;
	sc.summary->until = opt->filter->until.set ? opt->filter->to : -1;
	sc.rules = opt->rules;
	sc.report = report_new(&opt->report, stdout);
	sc.to_stdout = 1;
	progress.on = opt->progress;
	progress.nfiles = in.nfiles;
	clock_gettime(CLOCK_MONOTONIC, &progress.start);
	for (i = 0; i < in.nfiles && opt->progress; i++)
		if (stat(in.files[i].path, &st) == 0 && S_ISREG(st.st_mode))
			progress.total += (unsigned long long)st.st_size;
	if (opt->jobs > 1 && in.nfiles > 0 &&
	    folder_end(&in, 0) < in.nfiles)
		scan_parallel(&sc, &in, skip, opt->jobs);
	else
		for (i = 0; i < in.nfiles && !ferror(stdout);
		    i = folder_end(&in, i))
			scan_folder(&sc, &in, i, folder_end(&in, i), skip);
	if (progress.shown)
		progress_show(&progress, 1);
	scan_done(&sc);
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

	report_free(sc.report);
	summary_free(sc.summary);
	free(skip);
	input_free(&in);
	return status;
}
