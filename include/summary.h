/*
 * summary.h: what the reports say beyond single findings, gathered while the
 * scan runs (or while --merge reads earlier results) and read by the report
 * writers at the end.
 *
 * Memory grows with the number of groups (rule, severity, connector,
 * remote), remotes, hours, folders and TLSRPT policies: never with the
 * number of rows or sessions.
 */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "finding.h"
#include "session.h"
#include "stats.h"

#define SUMMARY_GROUP_IPS	64	/* distinct remote IPs named per group */
#define SUMMARY_GAPS		256	/* gaps kept per folder */

/* The session that stands for its group. */
struct summary_example {
	char		*id, *message;
	const char	*file;		/* valid for the run */
	unsigned long	 line;
	int		 complete;
	struct evidence	*evidence;
	int		 nevidence;
	unsigned	 evidence_dropped;
};

/* Findings of one rule and severity, on one connector, to one remote. */
struct summary_group {
	char		*rule, *title, *connector, *remote;
	enum severity	 severity;
	unsigned long	 sessions;
	unsigned long	 messages;	/* MAIL FROM sent in them */
	int64_t		 first, last;	/* session start and end times */
	int64_t		 onset;		/* remote last seen offering TLS: -1 */
	int		 still_failing;	/* its remote's last session failed */
	char		*hint;
	char		*ips[SUMMARY_GROUP_IPS];	/* distinct remote IPs */
	size_t		 nips;
	unsigned long	 more_ips;	/* past SUMMARY_GROUP_IPS */
	struct summary_example example;
	int64_t		 last_start;	/* start of its latest session */
};

struct summary_hour {
	int64_t		 hour;		/* ms, a multiple of an hour */
	unsigned long	 ok, failing;
};

struct summary_gap {
	int64_t		 from, to;
};

struct summary_folder {
	char		*folder;
	unsigned long	 files;
	int		 have_rows;
	int64_t		 first, last;	/* row times */
	struct summary_gap rows_gaps[SUMMARY_GAPS];	/* between its rows */
	size_t		 nrows_gaps;
	unsigned long	 more_rows_gaps;
	/* By summary_finish(): in the window, and at the folder's edges. */
	struct summary_gap gaps[SUMMARY_GAPS + 2];
	size_t		 ngaps;
	unsigned long	 more_gaps;
};

/* The latest session to a remote: for "still failing". */
struct summary_remote {
	char		*remote;
	int64_t		 last_start;
	char		**rules;	/* rules that fired on it */
	size_t		 nrules;
	size_t		 policy;	/* its sessions' last, most likely
					   the next's: an index to try */
};

struct summary_tls_detail {
	char		*result_type, *sending_ip, *receiving_ip, *mx_helo,
			*mx_host, *reason;	/* "" when unknown */
	unsigned long	 count;
};

struct summary_policy {
	int64_t		 day;		/* ms at 00:00 UTC */
	char		*domain;
	unsigned long	 successful, failed;
	struct summary_tls_detail *details;
	size_t		 ndetails;
};

struct summary {
	struct scan_stats	 stats;
	int64_t			 gap;		/* --gap, ms */
	int			 have_window;
	int64_t			 since, until;	/* the window, when set */
	unsigned long		 findings;

	struct summary_group	**groups;
	size_t			 ngroups;
	struct summary_hour	*hours;
	size_t			 nhours;
	struct summary_folder	*folders;
	size_t			 nfolders;
	struct summary_remote	*remotes;
	size_t			 nremotes;
	struct summary_policy	*policies;
	size_t			 npolicies;

	struct strmap		*group_index, *hour_index, *folder_index,
				*remote_index, *policy_index;
	const char		*row_folder;	/* summary_row()'s last, */
	size_t			 row_index;	/* in folders */
	/*
	 * The last hour and policy found, tried before their maps: they
	 * change seldom from one session to the next.
	 */
	size_t			 last_hour, last_policy;
	size_t			 try_policy;	/* see summary_session() */
	/* The hour and day of the last session's start (ms): see
	 * start_of(). */
	int64_t			 at_hour, at_day;
};

struct summary	*summary_new(int64_t gap);
void		 summary_free(struct summary *);

/* A row read from folder: coverage. */
void		 summary_row_slow(struct summary *, const char *folder,
		    int64_t time);

/*
 * A row of folder at time.  Most rows are of the folder of the row
 * before, not far from its time: told apart inline, as this is done for
 * every row; summary_row_slow() does the rest.
 */
static inline void
summary_row(struct summary *sum, const char *name, int64_t time)
{
	struct summary_folder *f;

	if (name == sum->row_folder) {
		f = &sum->folders[sum->row_index];
		if (f->have_rows && time - f->last <= sum->gap) {
			if (time > f->last)
				f->last = time;
			if (time < f->first)
				f->first = time;
			return;
		}
	}
	summary_row_slow(sum, name, time);
}

/*
 * The rows of one folder one after another (a file's): summary_row() for
 * each, but their first and last times are kept here and told to the
 * summary only before a row that may be a gap from those before, and by
 * summary_rows_end().  Start with the folder and zeroes.
 */
struct summary_rows {
	const char	*folder;
	unsigned long	 n;		/* rows so far */
	int64_t		 first, last;	/* their times */
	/* The gap + 1 once a row is in: 0 sends the first to
	 * summary_rows_slow(), with no test of n. */
	uint64_t	 within;
};

void		 summary_rows_slow(struct summary *, struct summary_rows *,
		    int64_t time);
void		 summary_rows_end(struct summary *, struct summary_rows *);

static inline void
summary_rows_add(struct summary *sum, struct summary_rows *b, int64_t time)
{
	b->n++;
	/*
	 * The usual row: at the last time or up to the gap after it, one
	 * unsigned compare (the gap is not negative).  A row before the
	 * last, seldom, is summary_rows_slow()'s too.
	 */
	if ((uint64_t)(time - b->last) < b->within) {
		b->last = time;
		return;
	}
	summary_rows_slow(sum, b, time);
}

void		 summary_file(struct summary *, const char *folder);
/* A folder whose files were all skipped still has its coverage. */
void		 summary_folder_seen(struct summary *, const char *folder);

/* A finding to report: its group. */
void		 summary_finding(struct summary *, const struct finding *,
		    const struct session *);

/* What the findings reported on one session add up to. */
struct summary_outcome {
	int		 failing;	/* an error or warning among them */
	const char	*rules[64];	/* their rule ids */
	size_t		 nrules;
	const char	*tls_type;	/* first RFC 8460 result type, or NULL */
	char		 tls_reason[128];	/* its failure-reason-code */
};

/* Add finding f to the outcome of its session. */
void		 summary_outcome_add(struct summary_outcome *,
		    const struct finding *);

/*
 * A closed session that passed the filters, with the outcome of the
 * findings reported on it: the timeline, the TLSRPT counts and the
 * remote's latest session.
 */
void		 summary_session(struct summary *, const struct session *,
		    const struct summary_outcome *);

/* What --merge reads from an earlier result, added as it is. */
void		 summary_add_hour(struct summary *, int64_t hour,
		    unsigned long ok, unsigned long failing);
void		 summary_add_folder(struct summary *, const char *folder,
		    unsigned long files, int64_t first, int64_t last);
/* A stretch of folder's logs with no rows, between two rows. */
void		 summary_add_gap(struct summary *, const char *folder,
		    int64_t from, int64_t to);
void		 summary_add_remote(struct summary *, const char *remote,
		    int64_t last_start, const char *const *rules, size_t n);
void		 summary_add_tls(struct summary *, int64_t day,
		    const char *domain, unsigned long successful,
		    unsigned long failed);
struct summary_tls_key {
	const char	*result_type, *sending_ip, *receiving_ip, *mx_helo,
			*mx_host, *reason;	/* "" when unknown */
};
void		 summary_add_tls_detail(struct summary *, int64_t day,
		    const char *domain, const struct summary_tls_key *,
		    unsigned long count);

/*
 * Add everything from gathered (not yet finished) to sum, as if sum had
 * been fed it: the summaries of files read apart, in reading order.
 */
void		 summary_merge(struct summary *, const struct summary *from);

/*
 * Sort everything into its report order and work out what depends on all
 * of it (still failing, the gaps at the edges of the window).
 */
void		 summary_finish(struct summary *);

/* The remote as reports name it: host name, else the address. */
char		*summary_remote_label(const struct session *);

#endif
