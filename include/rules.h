/*
 * rules.h: the rule engine, which turns closed sessions into findings.
 *
 * Rules are data, written in the rules language (rules_lang.h; RULES in
 * sendlog-scan(1)).  The built-in rules (rules/default.rules) are compiled
 * into the binary; --rules files add rules or replace them by id.
 *
 * rules_observe_row() is shown every row of a session as it is read: the
 * facts whose patterns match the row are set on the session, their named
 * groups kept as attributes, and the row kept as evidence.  rules_eval()
 * evaluates each rule on the closed session.
 */
#ifndef RULES_H
#define RULES_H

#include <stdint.h>
#include <stdio.h>

#include "finding.h"
#include "reader.h"
#include "session.h"

/* Facts and named groups a set of rules may have, all files together. */
#define RULES_MAX_FACTS		64
#define RULES_MAX_CAPTURES	SESSION_CAPTURES_MAX
/* PCRE2 match limit per row and pattern (see pcre2_set_match_limit). */
#define RULES_MATCH_LIMIT	100000

struct rules_config {
	/* Connectors treated as TLS-required; "*" means every connector. */
	const char *const *require_tls;
	size_t		 nrequire_tls;
	const char *const *files;	/* --rules FILE, in order */
	size_t		 nfiles;
	int		 no_default;	/* --no-default-rules */
	const char *const *only;	/* --rule ID: run just these */
	size_t		 nonly;
	const char *const *skip;	/* --skip-rule ID */
	size_t		 nskip;
};

struct rules;

/*
 * Load the built-in rules and the files, compile every pattern once.  The
 * config's strings must outlive the rules.  On error returns NULL with a
 * message "FILE:LINE:COL: ..." (or "FILE: ..." for a file that cannot be
 * read) in err.
 */
struct rules	*rules_new(const struct rules_config *, char *err, size_t errsz);
void		 rules_free(struct rules *);

void		 rules_observe_row(struct rules *, struct session *,
		    const struct row *);
/* The same for a row rules_row_wanted() (below) has said yes to. */
void		 rules_observe_wanted(struct rules *, struct session *,
		    const struct row *);
/*
 * Whether rules_observe_row() skips, unmatched, a row that it can tell no
 * pattern matches: one that starts with a byte no anchored pattern of its
 * event does, or says what a row before said with none matching; and
 * whether rules_eval() and rules_would_fire() skip a rule on a session
 * without a fact its when ands (on by default; the same findings either
 * way).  For the tests.
 */
void		 rules_skip_rows(struct rules *, int);

/*
 * What a row needs for rules_observe_row() to look at it, for the caller
 * to tell inline, before the call is paid, of the many rows that need
 * nothing: rules_row_wanted().  Kept by the rules (rules_row_filter());
 * by event kind, the index kind[] gives for its byte.
 */
#define RULES_EVENT_KINDS	5
struct rules_row_filter {
	uint8_t		 kind[256];	/* event byte -> its kind */
	/* The shortest data and context any pattern of the kind of an
	 * event byte may match: a row shorter in both needs nothing.  By
	 * the byte, not the kind: most rows need no kind. */
	uint32_t	 min[256][2];
	/* When every pattern of the kind is anchored and looks at one
	 * column (0 data, 1 context; else -1), the first bytes it may
	 * start with: first[e][c] is 1 for such a byte c, else 0 (a byte
	 * each, not a bit: fewer instructions for each row looked at). */
	int		 first_column[RULES_EVENT_KINDS];
	uint8_t		 first[RULES_EVENT_KINDS][256];
};

const struct rules_row_filter *rules_row_filter(const struct rules *);

/* 0 when rules_observe_row() surely does nothing with row. */
static inline int
rules_row_wanted(const struct rules_row_filter *k, const struct row *row)
{
	unsigned char ev = (unsigned char)row->event, c;
	const struct field *f;
	unsigned e;

	if (row->data.len < k->min[ev][0] && row->context.len < k->min[ev][1])
		return 0;
	e = k->kind[ev];
	if (k->first_column[e] < 0)
		return 1;
	f = k->first_column[e] == 0 ? &row->data : &row->context;
	if (f->len == 0)
		return 0;
	c = (unsigned char)f->p[0];
	return k->first[e][c];
}

/*
 * Call emit for each finding on the closed session s, in the order the
 * rules were loaded.  With emit NULL, only note what later sessions need
 * to know of this one (remote_last_starttls).  The finding and its strings are valid only during the
 * call.
 */
typedef void (*finding_fn)(const struct finding *, const struct session *,
		    void *arg);
void		 rules_eval(struct rules *, const struct session *,
		    finding_fn emit, void *arg);

/*
 * A pattern stopped by RULES_MATCH_LIMIT is reported once per pattern, at
 * the first row it happens on.  Rules that read for a --jobs worker hold
 * that back: rules_take_limits() takes what they counted since the last
 * call (NULL if nothing), and rules_add_limits() adds it to rules made
 * from the same config, which then say the first of each pattern they had
 * not met yet, and frees it.
 */
struct rules_limits;
void		 rules_hold_limits(struct rules *, int);
struct rules_limits *rules_take_limits(struct rules *);
void		 rules_add_limits(struct rules *, struct rules_limits *);
void		 rules_free_limits(struct rules_limits *);

/*
 * What a --jobs worker needs to leave a closed session out of what it
 * hands the main thread.  rules_would_fire(): 1 when some rule's when
 * holds on s, 0 when none does, -1 when that cannot be known without
 * the history of earlier sessions (a when uses remote_last_starttls).
 * rules_history_key(): the key under which rules_eval() notes that s
 * offered STARTTLS (its length; 0 for none) in buf, of RULES_HISTORY_KEY
 * bytes, and rules_history_add() notes it as rules_eval() would.
 */
#define RULES_HISTORY_KEY	1032
int		 rules_would_fire(struct rules *, const struct session *);
size_t		 rules_history_key(const struct session *, char *buf,
		    size_t bufsz);
void		 rules_history_add(struct rules *, const char *key, size_t len,
		    int64_t start);

/* At the end of a scan: say how often a pattern hit the match limit. */
void		 rules_finish(struct rules *);

/* --list-rules: id, severity, title of each rule that will run. */
void		 rules_list(const struct rules *, FILE *);
/* --explain ID: the rule as written and where.  -1 when there is no such rule. */
int		 rules_explain(const struct rules *, const char *id, FILE *);

#endif
