/*
 * session.h: SMTP sessions rebuilt from the rows of a send log.
 *
 * Rows are grouped by (log folder, session-id): ids are unique per server
 * and one folder holds one server's logs.  A session lives from its first
 * row to its "-" row, across files and rollovers; rows of concurrent
 * sessions interleave.  Memory is bounded by the sessions open at once:
 * each keeps a bounded set of facts and evidence rows, never all its rows.
 *
 * A session that is still open when its folder ends is closed then and
 * marked incomplete.  Sessions are handed to the close callback in the
 * order they close; those closed together at the end of a folder, in the
 * order of their first row.  The struct session passed to the callback is
 * valid only during the call.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdint.h>

#include "ehlo.h"
#include "reader.h"

#define SESSION_EVIDENCE_MAX	48	/* evidence rows kept per session */
#define SESSION_TEXT_MAX	1024	/* bytes of an evidence row's text */
#define SESSION_CAPTURES_MAX	32	/* named groups the rules may keep */
/*
 * Sessions open at once, per table.  Past it the oldest open session is
 * closed as incomplete, so that logs of sessions that never end (a
 * crashed server, hostile input) cannot take all memory: about 6 KB each.
 */
#define SESSION_OPEN_MAX	20000
/* A row this much older than the latest of its session is reported. */
#define SESSION_TIME_BACK	1000

/* A row kept as evidence: where it is and what it said. */
struct evidence {
	const char	*file;		/* as walked; valid for the whole run */
	unsigned long	 line;
	char		 event;
	char		*text;		/* cut at SESSION_TEXT_MAX */
	size_t		 textlen;
	size_t		 textoff;	/* where text is in its session's
					   evidence_text */
};

/*
 * What each row changes comes first, in one cache line of the table's
 * copy; the EHLO reply, large and seldom looked at, last.
 */
struct session {
	int64_t		 start, end;	/* first and last row time, ms */
	int		 ended;		/* its "-" row was seen; the table's */
	int		 tls_up;
	int		 nevidence;
	unsigned	 messages_attempted;	/* MAIL FROM sent */
	unsigned	 messages_accepted;	/* 2xx after DATA or BDAT LAST */
	struct evidence	*evidence;	/* nevidence of them, in row order */
	char		*evidence_text;	/* their texts, one after another */
	size_t		 evidence_used, evidence_size;

	const char	*folder;	/* the log folder; valid for the run */
	char		*id;
	char		*connector;
	char		*local_endpoint;	/* NULL until known */
	char		*remote_endpoint;
	const char	*file;		/* where the first row is */
	unsigned long	 line;
	int		 complete;	/* closed by its "-" row */

	char		*remote_host;	/* banner or EHLO greeting; may be NULL */
	int		 banner_masked;	/* "220 *****" */
	int		 ehlo_sent;
	int		 helo_used;	/* HELO sent (EHLO refused or forced) */
	int		 greeting_seen;	/* a 2xx reply to EHLO or HELO */
	int		 starttls_offered;	/* in any reply before TLS */
	int		 starttls_issued;
	char		*rcpt_domain;	/* of the first RCPT TO, lower case */
	unsigned	 evidence_dropped;

	/* Set and owned by the rules module (rules.h). */
	uint64_t	 facts;		/* one bit per fact */
	char		*captures[SESSION_CAPTURES_MAX];	/* named groups */

	struct ehlo_reply ehlo;		/* last reply to EHLO/HELO before TLS */
};

struct session_stats {
	unsigned long	 complete;
	unsigned long	 incomplete;
	unsigned long	 open_max;	/* most sessions open at once */
	unsigned long	 evicted;	/* closed early: SESSION_OPEN_MAX */
	unsigned long	 restarted;	/* closed early: sequence 0 again */
	unsigned long	 out_of_order;	/* rows whose sequence number did
					   not go up */
	unsigned long	 time_back;	/* rows over SESSION_TIME_BACK older
					   than the latest of their session */
};

struct session_table;

typedef void (*session_close_fn)(struct session *, void *arg);

struct session_table	*sessions_new(session_close_fn, void *arg);
void			 sessions_free(struct session_table *);

/*
 * Take one row of folder.  Returns the session it belongs to, which stays
 * open (even after its "-" row) until sessions_end_row() is called, so
 * that the caller can look at the row and the session together.
 *
 * A row with sequence number 0 begins a session: a session of that id
 * still open is closed as incomplete, with a warning.  A row whose
 * sequence number is not above the one before it in its session, or whose
 * time is over SESSION_TIME_BACK before the session's latest, is kept and
 * counted, with a warning once per session.
 *
 * With born_only set, a row of no open session whose sequence number is
 * not 0 starts nothing: NULL is returned, and the row is the caller's
 * (it continues a session begun in an earlier file).
 */
struct session	*sessions_feed(struct session_table *, const char *folder,
		    const struct row *);
void		 sessions_set_born_only(struct session_table *, int);

void		 sessions_close_ended(struct session_table *, struct session *);

/*
 * After sessions_feed(): close the session if its "-" row was this row.
 * Inline: it is called for each row, and seldom closes one.
 */
static inline void
sessions_end_row(struct session_table *t, struct session *s)
{
	if (s->ended)
		sessions_close_ended(t, s);
}

/* Keep row as evidence of s, a session of a table (once, in row order). */
void		 session_add_evidence(struct session *, const struct row *);

/* Close every open session as incomplete (end of a folder or input). */
void		 sessions_close_all(struct session_table *);

/*
 * Take every open session out of the table, oldest first, and hand it to
 * fn, which owns it then: it goes on with sessions_adopt() into another
 * table, or ends with session_free().
 */
void		 sessions_hand_over(struct session_table *,
		    void (*fn)(struct session *, void *), void *arg);
/*
 * Put an open session handed over into t, as its newest.  A session of the
 * same id open in t is closed as incomplete first, as at sequence 0.
 */
void		 sessions_adopt(struct session_table *, struct session *);

/*
 * Called by a close callback: the session is not freed on return, but
 * stays the callback's until session_free().
 */
void		 session_keep(struct session *);
void		 session_free(struct session *);
/*
 * The same, keeping its buffers for a session to come in t, as one closed
 * in t does: for a table of the thread that made it, where they are
 * cheapest to use again.
 */
void		 sessions_recycle(struct session_table *, struct session *);
/* The table that made s, wherever it went on. */
struct session_table *session_home(const struct session *);
/* About the bytes a session of a table takes, with its buffers. */
size_t		 session_bytes(const struct session *);

const struct session_stats *sessions_stats(const struct session_table *);

#endif
