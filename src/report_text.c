/*
 * report_text.c: the human summary, grouped by rule -> connector -> remote.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "logtime.h"
#include "report_text.h"
#include "xmalloc.h"

/* The session that stands for its group. */
struct example {
	char		*id, *message;
	const char	*file;		/* valid for the run, as in session.h */
	unsigned long	 line;
	int		 complete;
	struct evidence	*evidence;
	int		 nevidence;
	unsigned	 evidence_dropped;
};

struct group {
	char		*rule, *title, *connector, *remote;
	enum severity	 severity;
	unsigned long	 sessions;
	unsigned long	 messages;	/* MAIL FROM attempted in them */
	int64_t		 first, last;
	char		*hint;
	struct example	 example;
	struct group	*hnext;
	uint32_t	 hash;
};

struct text_summary {
	struct group	**groups;	/* in the order met */
	size_t		 ngroups, cap;
	struct group	**buckets;
	size_t		 nbuckets;
	unsigned long	 findings;
};

struct text_summary *
text_summary_new(void)
{
	struct text_summary *t = xcalloc(1, sizeof *t);

	t->nbuckets = 256;
	t->buckets = xcalloc(t->nbuckets, sizeof *t->buckets);
	return t;
}

void
text_summary_free(struct text_summary *t)
{
	size_t i;
	int k;

	if (t == NULL)
		return;
	for (i = 0; i < t->ngroups; i++) {
		struct group *g = t->groups[i];

		free(g->rule);
		free(g->title);
		free(g->connector);
		free(g->remote);
		free(g->hint);
		free(g->example.id);
		free(g->example.message);
		for (k = 0; k < g->example.nevidence; k++)
			free(g->example.evidence[k].text);
		free(g->example.evidence);
		free(g);
	}
	free(t->groups);
	free(t->buckets);
	free(t);
}

static uint32_t
hash_str(uint32_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h * 16777619u;
}

/* The remote as a person knows it: host name, else the address. */
static char *
remote_label(const struct session *s)
{
	const char *ep = s->remote_endpoint;
	const char *colon;

	if (s->remote_host != NULL)
		return xstrdup(s->remote_host);
	if (ep == NULL)
		return xstrdup("(unknown)");
	/* "1.2.3.4:25" -> "1.2.3.4"; "[::1]:25" -> "[::1]" */
	colon = strrchr(ep, ':');
	if (colon != NULL && (ep[0] == '[' ? colon[-1] == ']' :
	    strchr(ep, ':') == colon))
		return xstrndup(ep, (size_t)(colon - ep));
	return xstrdup(ep);
}

static void
set_example(struct example *x, const struct finding *f,
    const struct session *s)
{
	int k;

	x->id = xstrdup(s->id);
	x->file = s->file;
	x->line = s->line;
	x->message = xstrdup(f->message);
	x->complete = s->complete;
	x->nevidence = s->nevidence;
	x->evidence_dropped = s->evidence_dropped;
	x->evidence = xcalloc((size_t)s->nevidence, sizeof *x->evidence);
	for (k = 0; k < s->nevidence; k++) {
		x->evidence[k] = s->evidence[k];
		x->evidence[k].text = xstrndup(s->evidence[k].text,
		    s->evidence[k].textlen);
	}
}

static void
rehash(struct text_summary *t)
{
	size_t i, n = t->nbuckets * 2;
	struct group **nb = xcalloc(n, sizeof *nb);

	for (i = 0; i < t->ngroups; i++) {
		struct group *g = t->groups[i];

		g->hnext = nb[g->hash & (n - 1)];
		nb[g->hash & (n - 1)] = g;
	}
	free(t->buckets);
	t->buckets = nb;
	t->nbuckets = n;
}

void
text_summary_add(struct text_summary *t, const struct finding *f,
    const struct session *s)
{
	const char *connector = s->connector != NULL ? s->connector : "";
	char *remote = remote_label(s);
	uint32_t h = hash_str(hash_str(hash_str(2166136261u ^ f->severity,
	    f->rule), connector), remote);
	struct group *g;

	t->findings++;
	for (g = t->buckets[h & (t->nbuckets - 1)]; g != NULL; g = g->hnext)
		if (g->hash == h && g->severity == f->severity &&
		    strcmp(g->rule, f->rule) == 0 &&
		    strcmp(g->connector, connector) == 0 &&
		    strcmp(g->remote, remote) == 0)
			break;
	if (g == NULL) {
		g = xcalloc(1, sizeof *g);
		g->rule = xstrdup(f->rule);
		g->title = xstrdup(f->title != NULL ? f->title : "");
		g->connector = xstrdup(connector);
		g->remote = remote;
		remote = NULL;
		g->severity = f->severity;
		g->first = s->start;
		g->last = s->end;
		g->hash = h;
		g->hint = f->hint != NULL ? xstrdup(f->hint) : NULL;
		set_example(&g->example, f, s);
		if (t->ngroups == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 16;
			t->groups = xreallocarray(t->groups, t->cap,
			    sizeof *t->groups);
		}
		t->groups[t->ngroups++] = g;
		if (t->ngroups > t->nbuckets)
			rehash(t);
		else {
			g->hnext = t->buckets[h & (t->nbuckets - 1)];
			t->buckets[h & (t->nbuckets - 1)] = g;
		}
	}
	free(remote);
	g->sessions++;
	g->messages += s->messages_attempted;
	if (s->start < g->first)
		g->first = s->start;
	if (s->end > g->last)
		g->last = s->end;
	if (g->hint == NULL && f->hint != NULL)
		g->hint = xstrdup(f->hint);
}

static int
group_cmp(const void *a, const void *b)
{
	const struct group *x = *(struct group *const *)a;
	const struct group *y = *(struct group *const *)b;
	int c;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if ((c = strcmp(x->rule, y->rule)) != 0 ||
	    (c = strcmp(x->connector, y->connector)) != 0)
		return c;
	if (x->sessions != y->sessions)
		return x->sessions > y->sessions ? -1 : 1;
	return strcmp(x->remote, y->remote);
}

static void
put(FILE *fp, const char *s)
{
	esc_text(fp, s, strlen(s));
}

static const char *
plural(unsigned long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void
write_read(const struct scan_stats *st, FILE *fp)
{
	char a[LOGTIME_BUFSZ], b[LOGTIME_BUFSZ];

	fprintf(fp, "Read:          %lu %s in %lu %s, %llu bytes, %lu rows\n",
	    st->files_read, plural(st->files_read, "file", "files"),
	    st->folders, plural(st->folders, "folder", "folders"),
	    st->bytes, st->rows);
	fprintf(fp, "Sessions:      %lu complete, %lu incomplete "
	    "(still open at the end of their folder's logs)\n",
	    st->sessions_complete, st->sessions_incomplete);
	if (st->have_time)
		fprintf(fp, "Time range:    %s .. %s\n",
		    logtime_format(st->first_time, a),
		    logtime_format(st->last_time, b));
	else
		fprintf(fp, "Time range:    (no rows)\n");
	fprintf(fp, "Files skipped: %lu", st->files_skipped);
	if (st->files_skipped > 0)
		fprintf(fp, " (%lu receive %s, %lu without a log header, "
		    "%lu other)", st->skipped_receive,
		    plural(st->skipped_receive, "log", "logs"),
		    st->skipped_no_header, st->skipped_other);
	fputc('\n', fp);
	if (st->files_unreadable > 0)
		fprintf(fp, "Unreadable:    %lu %s\n", st->files_unreadable,
		    plural(st->files_unreadable, "file", "files"));
	fprintf(fp, "Bad rows:      %lu skipped\n", st->bad_rows);
}

static void
write_example(const struct example *x, FILE *fp)
{
	int k;

	fputs("      example: session ", fp);
	put(fp, x->id);
	fputs(" (", fp);
	put(fp, x->file);
	fprintf(fp, ":%lu%s)\n", x->line, x->complete ? "" : ", incomplete");
	fputs("        ", fp);
	put(fp, x->message);
	fputc('\n', fp);
	for (k = 0; k < x->nevidence; k++) {
		const struct evidence *e = &x->evidence[k];

		fputs("        ", fp);
		put(fp, e->file);
		fprintf(fp, ":%lu  %c ", e->line, e->event);
		esc_text(fp, e->text, e->textlen);
		fputc('\n', fp);
	}
	if (x->evidence_dropped > 0)
		fprintf(fp, "        (%u more evidence rows not kept)\n",
		    x->evidence_dropped);
}

static int
same_rule(const struct group *a, const struct group *b)
{
	return a != NULL && a->severity == b->severity &&
	    strcmp(a->rule, b->rule) == 0;
}

void
text_summary_write(struct text_summary *t, const struct scan_stats *st,
    FILE *fp)
{
	char a[LOGTIME_BUFSZ], b[LOGTIME_BUFSZ];
	const struct group *g, *prev = NULL;
	unsigned long n;
	size_t i, j;

	write_read(st, fp);
	fputc('\n', fp);
	if (t->ngroups == 0) {
		fputs("No findings.\n", fp);
		return;
	}
	fprintf(fp, "Findings: %lu\n", t->findings);
	qsort(t->groups, t->ngroups, sizeof *t->groups, group_cmp);
	for (i = 0; i < t->ngroups; i++) {
		g = t->groups[i];
		if (!same_rule(prev, g)) {
			for (n = 0, j = i; j < t->ngroups &&
			    same_rule(t->groups[j], g); j++)
				n += t->groups[j]->sessions;
			fprintf(fp, "\n%s %s (", severity_name(g->severity),
			    g->rule);
			put(fp, g->title);
			fprintf(fp, "): %lu %s\n", n,
			    plural(n, "session", "sessions"));
		}
		if (!same_rule(prev, g) ||
		    strcmp(prev->connector, g->connector) != 0) {
			for (n = 0, j = i; j < t->ngroups &&
			    same_rule(t->groups[j], g) &&
			    strcmp(t->groups[j]->connector, g->connector) == 0;
			    j++)
				n += t->groups[j]->sessions;
			fputs("  connector \"", fp);
			put(fp, g->connector);
			fprintf(fp, "\": %lu %s\n", n,
			    plural(n, "session", "sessions"));
		}
		fputs("    remote ", fp);
		put(fp, g->remote);
		fprintf(fp, ": %lu %s, %lu %s attempted, first %s, last %s\n",
		    g->sessions, plural(g->sessions, "session", "sessions"),
		    g->messages, plural(g->messages, "message", "messages"),
		    logtime_format(g->first, a), logtime_format(g->last, b));
		if (g->hint != NULL) {
			fputs("      hint: ", fp);
			put(fp, g->hint);
			fputc('\n', fp);
		}
		write_example(&g->example, fp);
		prev = g;
	}
}
