/*
 * report_text.c: the report a person acts on.  Problems first: the
 * findings grouped by rule, connector and remote, then missing logs, the
 * timeline, and what was read.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "logtime.h"
#include "report.h"

#define HOUR_MS	3600000LL
#define DAY_MS	86400000LL

struct out {
	FILE				*fp;
	const struct report_options	*opt;
};

/* Terminal colours, when asked for. */
enum paint { BOLD, RED, YELLOW, CYAN, DIM };

static void
paint(const struct out *o, enum paint p)
{
	static const char *const codes[] = {
		"\033[1m", "\033[1;31m", "\033[33m", "\033[36m", "\033[2m"
	};

	if (o->opt->color)
		fputs(codes[p], o->fp);
}

static void
unpaint(const struct out *o)
{
	if (o->opt->color)
		fputs("\033[0m", o->fp);
}

static void
put(const struct out *o, const char *s)
{
	esc_text(o->fp, s, strlen(s));
}

static const char *
plural(unsigned long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void
put_severity(const struct out *o, enum severity s)
{
	paint(o, s == SEV_ERROR ? RED : s == SEV_WARNING ? YELLOW : CYAN);
	fputs(severity_name(s), o->fp);
	unpaint(o);
}

/* "2026-11-02 13:41" for a person; the full form is in the JSON. */
static const char *
short_time(int64_t ms, char *buf)
{
	logtime_format(ms, buf);
	buf[10] = ' ';
	buf[16] = '\0';
	return buf;
}

static int
same_rule(const struct summary_group *a, const struct summary_group *b)
{
	return a != NULL && a->severity == b->severity &&
	    strcmp(a->rule, b->rule) == 0;
}

static int
same_connector(const struct summary_group *a, const struct summary_group *b)
{
	return same_rule(a, b) && strcmp(a->connector, b->connector) == 0;
}

static void
write_example(const struct out *o, const struct summary_example *x)
{
	int k;

	fputs("      example: session ", o->fp);
	put(o, x->id);
	fputs(" (", o->fp);
	put(o, x->file);
	fprintf(o->fp, ":%lu%s)\n", x->line, x->complete ? "" :
	    ", incomplete");
	fputs("        ", o->fp);
	put(o, x->message);
	fputc('\n', o->fp);
	if (o->opt->detail < 2)
		return;
	for (k = 0; k < x->nevidence; k++) {
		const struct evidence *e = &x->evidence[k];

		paint(o, DIM);
		fputs("        ", o->fp);
		put(o, e->file);
		fprintf(o->fp, ":%lu", e->line);
		unpaint(o);
		fprintf(o->fp, "  %c ", e->event);
		esc_text(o->fp, e->text, e->textlen);
		fputc('\n', o->fp);
	}
	if (x->evidence_dropped > 0)
		fprintf(o->fp, "        (%u more evidence rows not kept)\n",
		    x->evidence_dropped);
}

static void
write_group(const struct out *o, const struct summary_group *g)
{
	char a[LOGTIME_BUFSZ], b[LOGTIME_BUFSZ];

	fputs("    remote ", o->fp);
	paint(o, BOLD);
	put(o, g->remote);
	unpaint(o);
	fprintf(o->fp, ": %lu %s, %lu %s attempted, %zu remote %s%s\n",
	    g->sessions, plural(g->sessions, "session", "sessions"),
	    g->messages, plural(g->messages, "message", "messages"),
	    g->nips + g->more_ips, plural(g->nips + g->more_ips, "IP", "IPs"),
	    g->more_ips > 0 ? " (or more)" : "");
	fprintf(o->fp, "      first %s, last %s UTC; ", short_time(g->first, a),
	    short_time(g->last, b));
	if (g->still_failing) {
		paint(o, RED);
		fputs("still failing", o->fp);
		unpaint(o);
		fputs(" at the end of the logs", o->fp);
	} else
		fputs("its later sessions did not fail this way", o->fp);
	fputc('\n', o->fp);
	if (g->onset >= 0)
		fprintf(o->fp, "      onset: it last offered STARTTLS in a "
		    "session at %s UTC, before the first failure\n",
		    short_time(g->onset, a));
	if (o->opt->detail < 1)
		return;
	if (g->hint != NULL) {
		fputs("      hint: ", o->fp);
		put(o, g->hint);
		fputc('\n', o->fp);
	}
	write_example(o, &g->example);
}

static void
write_findings(const struct out *o, const struct summary *sum)
{
	const struct summary_group *g, *prev = NULL;
	unsigned long n, hidden = 0, hidden_sessions = 0;
	size_t i, j;
	int shown = 0;

	if (sum->ngroups == 0)
		return;
	for (i = 0; i < sum->ngroups; i++) {
		g = sum->groups[i];
		if (!same_rule(prev, g)) {
			for (n = 0, j = i; j < sum->ngroups &&
			    same_rule(sum->groups[j], g); j++)
				n += sum->groups[j]->sessions;
			fputc('\n', o->fp);
			put_severity(o, g->severity);
			fputc(' ', o->fp);
			paint(o, BOLD);
			fputs(g->rule, o->fp);
			unpaint(o);
			fputs(" (", o->fp);
			put(o, g->title);
			fprintf(o->fp, "): %lu %s\n", n,
			    plural(n, "session", "sessions"));
		}
		if (!same_connector(prev, g)) {
			for (n = 0, j = i; j < sum->ngroups &&
			    same_connector(sum->groups[j], g); j++)
				n += sum->groups[j]->sessions;
			fputs("  connector \"", o->fp);
			put(o, g->connector);
			fprintf(o->fp, "\": %lu %s\n", n,
			    plural(n, "session", "sessions"));
			shown = 0;
		}
		prev = g;
		if (o->opt->top < 0 || shown < o->opt->top) {
			shown++;
			write_group(o, g);
		} else {
			hidden++;
			hidden_sessions += g->sessions;
		}
		/* The connector's last remote: say what --top left out. */
		if (hidden > 0 && (i + 1 == sum->ngroups ||
		    !same_connector(sum->groups[i + 1], g))) {
			fprintf(o->fp, "    ... and %lu more %s with %lu %s "
			    "(--top %d)\n", hidden, plural(hidden, "remote",
			    "remotes"), hidden_sessions, plural(hidden_sessions,
			    "session", "sessions"), o->opt->top);
			hidden = hidden_sessions = 0;
		}
	}
}

/* The gaps, loudly: an audit over missing logs is wrong. */
static void
write_gaps(const struct out *o, const struct summary *sum)
{
	char a[LOGTIME_BUFSZ], b[LOGTIME_BUFSZ];
	unsigned long n = 0;
	size_t i, k;

	for (i = 0; i < sum->nfolders; i++)
		n += sum->folders[i].ngaps + sum->folders[i].more_gaps;
	if (sum->have_window && sum->stats.sessions_reported == 0 &&
	    (!sum->stats.have_time || (sum->since >= 0 &&
	    sum->stats.last_time < sum->since) || (sum->until >= 0 &&
	    sum->stats.first_time > sum->until))) {
		fputc('\n', o->fp);
		paint(o, RED);
		fputs("LOGS MISSING: no rows at all in the window", o->fp);
		unpaint(o);
		if (sum->stats.have_time)
			fprintf(o->fp, "; the rows read run from %s to %s UTC",
			    short_time(sum->stats.first_time, a),
			    short_time(sum->stats.last_time, b));
		fputc('\n', o->fp);
	}
	if (n == 0)
		return;
	fputc('\n', o->fp);
	paint(o, RED);
	fprintf(o->fp, "LOGS MISSING: %lu %s of more than %lld minutes with "
	    "no rows at all; findings and counts may be incomplete\n", n,
	    plural(n, "gap", "gaps"), (long long)(sum->gap / 60000));
	unpaint(o);
	for (i = 0; i < sum->nfolders; i++) {
		const struct summary_folder *f = &sum->folders[i];

		for (k = 0; k < f->ngaps; k++) {
			fputs("  ", o->fp);
			put(o, f->folder);
			fprintf(o->fp, ": no rows from %s to %s UTC\n",
			    short_time(f->gaps[k].from, a),
			    short_time(f->gaps[k].to, b));
		}
		if (f->more_gaps > 0) {
			fputs("  ", o->fp);
			put(o, f->folder);
			fprintf(o->fp, ": %lu more gaps\n", f->more_gaps);
		}
	}
}

/* One cell of the timeline: a block as high as n is of max. */
static void
cell(const struct out *o, unsigned long n, unsigned long max)
{
	static const char *const blocks[] = {
		"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586",
		"\u2587", "\u2588"
	};

	if (n == 0) {
		fputc(' ', o->fp);
		return;
	}
	fputs(blocks[max <= 1 ? 7 : (n - 1) * 7 / (max - 1)], o->fp);
}

static void
write_timeline(const struct out *o, const struct summary *sum)
{
	char day[LOGTIME_BUFSZ];
	unsigned long max = 0, ok, fail;
	size_t i, j;
	int64_t d, h;
	int row;

	if (sum->nhours == 0)
		return;
	for (i = 0; i < sum->nhours; i++) {
		if (sum->hours[i].ok > max)
			max = sum->hours[i].ok;
		if (sum->hours[i].failing > max)
			max = sum->hours[i].failing;
	}
	fprintf(o->fp, "\nTimeline: sessions per hour (UTC), highest %lu\n"
	    "                   00  04  08  12  16  20\n", max);
	for (i = 0; i < sum->nhours; i = j) {
		d = sum->hours[i].hour - sum->hours[i].hour % DAY_MS;
		for (j = i; j < sum->nhours && sum->hours[j].hour - d < DAY_MS;)
			j++;
		for (row = 0; row < 2; row++) {
			size_t k = i;

			if (row == 0)
				fprintf(o->fp, "%.10s ok      ",
				    logtime_format(d, day));
			else
				fputs("           failing ", o->fp);
			if (row == 1)
				paint(o, RED);
			ok = fail = 0;
			for (h = 0; h < 24; h++) {
				unsigned long n = 0;

				if (k < j && sum->hours[k].hour == d +
				    h * HOUR_MS) {
					n = row == 0 ? sum->hours[k].ok :
					    sum->hours[k].failing;
					k++;
				}
				cell(o, n, max);
				if (row == 0)
					ok += n;
				else
					fail += n;
			}
			if (row == 1)
				unpaint(o);
			fprintf(o->fp, " %lu\n", row == 0 ? ok : fail);
		}
	}
}

static void
write_coverage(const struct out *o, const struct summary *sum)
{
	char a[LOGTIME_BUFSZ], b[LOGTIME_BUFSZ];
	size_t i;

	if (sum->nfolders == 0)
		return;
	fputs("\nCoverage:\n", o->fp);
	for (i = 0; i < sum->nfolders; i++) {
		const struct summary_folder *f = &sum->folders[i];

		fputs("  ", o->fp);
		put(o, f->folder);
		fprintf(o->fp, ": %lu %s", f->files,
		    plural(f->files, "file", "files"));
		if (f->have_rows)
			fprintf(o->fp, ", %s .. %s UTC", short_time(f->first, a),
			    short_time(f->last, b));
		else
			fputs(", no rows", o->fp);
		fprintf(o->fp, ", %zu %s\n", f->ngaps + f->more_gaps,
		    plural(f->ngaps + f->more_gaps, "gap", "gaps"));
	}
}

static void
write_read(const struct out *o, const struct summary *sum)
{
	const struct scan_stats *st = &sum->stats;
	char a[LOGTIME_BUFSZ], b[LOGTIME_BUFSZ];

	fputc('\n', o->fp);
	fprintf(o->fp, "Read:          %lu %s in %lu %s, %llu bytes, %lu rows\n",
	    st->files_read, plural(st->files_read, "file", "files"),
	    st->folders, plural(st->folders, "folder", "folders"),
	    st->bytes, st->rows);
	fprintf(o->fp, "Sessions:      %lu complete, %lu incomplete (still "
	    "open at the end of their folder's logs), %lu reported on\n",
	    st->sessions_complete, st->sessions_incomplete,
	    st->sessions_reported);
	if (st->sessions_evicted > 0)
		fprintf(o->fp, "               %lu of the incomplete closed early: "
		    "more than %d open at once\n", st->sessions_evicted,
		    SESSION_OPEN_MAX);
	if (st->sessions_restarted > 0)
		fprintf(o->fp, "               %lu of the incomplete closed early: "
		    "a session of the same id began (sequence number 0)\n",
		    st->sessions_restarted);
	if (st->rows_out_of_order > 0 || st->rows_time_back > 0)
		fprintf(o->fp, "Out of order:  %lu %s whose sequence number did "
		    "not go up, %lu going back in time (kept)\n",
		    st->rows_out_of_order, plural(st->rows_out_of_order, "row",
		    "rows"), st->rows_time_back);
	if (st->have_time)
		fprintf(o->fp, "Time range:    %s .. %s\n",
		    logtime_format(st->first_time, a),
		    logtime_format(st->last_time, b));
	else
		fputs("Time range:    (no rows)\n", o->fp);
	if (sum->have_window)
		fprintf(o->fp, "Window:        %s .. %s\n",
		    sum->since >= 0 ? logtime_format(sum->since, a) : "start",
		    sum->until >= 0 ? logtime_format(sum->until, b) : "end");
	fprintf(o->fp, "Files skipped: %lu", st->files_skipped);
	if (st->files_skipped > 0)
		fprintf(o->fp, " (%lu receive %s, %lu without a log header, "
		    "%lu outside the window, %lu other)", st->skipped_receive,
		    plural(st->skipped_receive, "log", "logs"),
		    st->skipped_no_header, st->skipped_window,
		    st->skipped_other);
	fputc('\n', o->fp);
	if (st->errors > 0)
		fprintf(o->fp, "Errors:        %lu %s or %s could not be read "
		    "(see the error messages)\n", st->errors,
		    plural(st->errors, "path", "paths"),
		    plural(st->errors, "file", "files"));
	fprintf(o->fp, "Bad rows:      %lu skipped\n", st->bad_rows);
}

void
report_text_write(FILE *fp, const struct report_options *opt,
    const struct summary *sum)
{
	struct out o = { fp, opt };

	paint(&o, BOLD);
	fprintf(fp, "Findings: %lu", sum->findings);
	unpaint(&o);
	fputc('\n', fp);
	write_findings(&o, sum);
	write_gaps(&o, sum);
	write_timeline(&o, sum);
	write_coverage(&o, sum);
	write_read(&o, sum);
}
