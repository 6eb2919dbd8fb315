/*
 * scan.c: run the pipeline over every file, a folder at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "input.h"
#include "reader.h"
#include "report.h"
#include "rules.h"
#include "scan.h"
#include "session.h"

struct scan {
	const char		*last_folder;	/* of the last file read */
	struct rules		*rules;
	struct report		*report;
	struct session_table	*sessions;
	struct scan_stats	 stats;
};

static void
on_finding(const struct finding *f, const struct session *s, void *arg)
{
	struct scan *sc = arg;

	sc->stats.findings++;
	report_finding(sc->report, f, s);
}

static void
on_session_closed(struct session *s, void *arg)
{
	struct scan *sc = arg;

	rules_eval(sc->rules, s, on_finding, sc);
}

static void
count_rows(struct scan *sc, const struct row *row)
{
	if (!sc->stats.have_time || row->time < sc->stats.first_time)
		sc->stats.first_time = row->time;
	if (!sc->stats.have_time || row->time > sc->stats.last_time)
		sc->stats.last_time = row->time;
	sc->stats.have_time = 1;
}

/* Why a file with this header is not read; NULL when it is. */
static const char *
header_problem(struct scan *sc, struct reader *r, int kind)
{
	const char *column;
	static char buf[96];

	switch (kind) {
	case LOG_SEND:
		if (!reader_missing_columns(r, &column))
			return NULL;
		snprintf(buf, sizeof buf, "#Fields: has no %s column, "
		    "file skipped", column);
		sc->stats.skipped_other++;
		return buf;
	case LOG_RECEIVE:
		sc->stats.skipped_receive++;
		return "a receive protocol log, not a send log: file skipped";
	case LOG_UNKNOWN:
		sc->stats.skipped_no_header++;
		if (reader_stats(r)->bytes == 0)
			return "empty file, skipped";
		return "no #Log-type:/#Fields: header: not an Exchange "
		    "protocol log, file skipped";
	default:
		sc->stats.skipped_other++;
		return "#Log-type: is not SMTP Send Protocol Log: file skipped";
	}
}

static void
scan_file(struct scan *sc, const struct input_file *f)
{
	const struct reader_stats *rs;
	const char *problem = NULL;
	struct session *s;
	struct reader *r;
	struct row row;
	FILE *fp;
	int kind, rc;

	if ((fp = input_open(f)) == NULL) {
		diag(DIAG_ERROR, f->path, 0, "%s", strerror(errno));
		sc->stats.files_unreadable++;
		return;
	}
	r = reader_new(fp, f->path);
	if ((kind = reader_header(r)) == -1)
		rc = -1;
	else if ((problem = header_problem(sc, r, kind)) != NULL) {
		diag(DIAG_WARNING, f->path, 0, "%s", problem);
		sc->stats.files_skipped++;
		rc = 0;
	} else {
		sc->stats.files_read++;
		if (sc->last_folder != f->folder)
			sc->stats.folders++;
		sc->last_folder = f->folder;
		while ((rc = reader_next(r, &row)) == 1) {
			count_rows(sc, &row);
			s = sessions_feed(sc->sessions, f->folder, &row);
			rules_observe_row(sc->rules, s, &row);
			sessions_end_row(sc->sessions, s);
		}
	}
	if (rc == -1) {
		diag(DIAG_ERROR, f->path, reader_stats(r)->lines,
		    "read error: %s", strerror(errno));
		sc->stats.files_unreadable++;
	}
	rs = reader_stats(r);
	if (problem == NULL)
		sc->stats.bytes += rs->bytes;
	sc->stats.rows += rs->rows;
	sc->stats.bad_rows += rs->bad_rows;
	reader_free(r);
	input_close(f, fp);
}

int
scan_run(const struct scan_options *opt)
{
	const struct session_stats *ss;
	struct input_list in;
	struct scan sc;
	size_t i;
	int status;

	memset(&sc, 0, sizeof sc);
	input_collect(opt->paths, opt->npaths, &in);
	sc.stats.skipped_other = in.skipped;
	sc.stats.files_skipped = in.skipped;
	sc.rules = opt->rules;
	sc.report = report_new(opt->format, stdout);
	sc.sessions = sessions_new(on_session_closed, &sc);
	for (i = 0; i < in.nfiles; i++) {
		scan_file(&sc, &in.files[i]);
		/* A folder is one server: its open sessions end with it. */
		if (i + 1 == in.nfiles || in.files[i + 1].folder !=
		    in.files[i].folder)
			sessions_close_all(sc.sessions);
	}
	rules_finish(sc.rules);
	ss = sessions_stats(sc.sessions);
	sc.stats.sessions_complete = ss->complete;
	sc.stats.sessions_incomplete = ss->incomplete;
	report_finish(sc.report, &sc.stats);

	if (in.errors > 0 || sc.stats.files_unreadable > 0)
		status = 2;
	else if (sc.stats.files_read == 0) {
		diag(DIAG_ERROR, NULL, 0, "no Exchange send log found");
		status = 2;
	} else
		status = sc.stats.findings > 0 ? 1 : 0;

	sessions_free(sc.sessions);
	report_free(sc.report);
	input_free(&in);
	return status;
}
