/*
 * rules_lang.h: the rules language, parsed.  Internal to the rules module
 * (rules_parse.c reads files into these structures, rules.c compiles and
 * evaluates them); everyone else uses rules.h.
 *
 * A rules file is a list of lines:
 *
 *   # comment
 *   fact NAME on EVENTS COLUMN /PATTERN/FLAGS
 *   rule ID
 *       severity LEVEL [if EXPR]
 *       title "TEXT"
 *       tlsrpt RESULT-TYPE [if EXPR]
 *       when EXPR
 *       message "TEMPLATE" [if EXPR]
 *       hint "TEMPLATE" [if EXPR]
 *
 * A rule's lines run to the next "rule" or "fact" line.
 */
#ifndef RULES_LANG_H
#define RULES_LANG_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stddef.h>
#include <stdint.h>

#include "memfind.h"

/* Where something was written, for messages and --explain. */
struct src_pos {
	const char	*file;		/* valid for the life of the rules */
	int		 line, col;
};

/* A name in an expression or template; resolved after loading. */
struct name_ref {
	char		*name;
	struct src_pos	 pos;
	int		 kind;		/* REF_* in rules.c, once resolved */
	int		 id;
};

enum expr_op {
	EXPR_OR, EXPR_AND, EXPR_NOT,
	EXPR_NAME,		/* true when set, non-zero or non-empty */
	EXPR_CMP,		/* name <op> number or string */
	EXPR_MATCH		/* name ~ /re/ or name !~ /re/ */
};

enum cmp_op { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

struct expr {
	enum expr_op	 op;
	struct expr	*left, *right;	/* OR, AND; NOT uses left */
	struct name_ref	 ref;		/* NAME, CMP, MATCH */
	enum cmp_op	 cmp;
	int		 is_number;	/* CMP against num, else str */
	long long	 num;
	char		*str;
	pcre2_code	*re;		/* MATCH */
	int		 jit;		/* re is JIT-compiled */
	int		 negate;	/* !~ */
};

/* "{name}" pieces of a message: literal text and names, alternately. */
struct template_part {
	char		*text;		/* literal, or NULL for a name */
	struct name_ref	 ref;
};

struct template {
	struct template_part *parts;
	size_t		 nparts;
};

/* A value with an optional condition: severity, tlsrpt, message, hint. */
struct choice {
	char		*word;		/* severity, tlsrpt */
	struct template	 text;		/* message, hint */
	struct expr	*cond;		/* NULL: always */
};

struct choices {
	struct choice	*v;
	size_t		 n;
};

#define EVENT_CONNECT	0x01	/* + */
#define EVENT_DISCONNECT 0x02	/* - */
#define EVENT_SEND	0x04	/* > */
#define EVENT_RECEIVE	0x08	/* < */
#define EVENT_INFO	0x10	/* * */
#define EVENT_KINDS	5	/* the bits above */

enum fact_column { COLUMN_DATA, COLUMN_CONTEXT };

/* Matches of a pattern stopped by the match limit. */
struct pattern_limit {
	unsigned long	 hits;
	const char	*file;		/* where the first was, */
	unsigned long	 line;
	char		 msg[128];	/* and PCRE2's word for it */
};

struct fact_pattern {
	char		*fact;		/* name */
	struct src_pos	 name_pos;
	int		 fact_id;	/* resolved */
	unsigned	 events;	/* EVENT_* */
	enum fact_column column;
	char		*source;	/* the pattern as written */
	char		*line;		/* the whole line, for --explain */
	pcre2_code	*re;
	int		 jit;		/* re is JIT-compiled */
	/* What a subject needs to match: see pattern_may_match(). */
	char		*literal;	/* a substring every match contains */
	size_t		 literal_len;
	size_t		 literal_anchor;	/* see mem_anchor() */
	uint32_t	 min_len;	/* bytes, at least */
	int		 first_known;	/* first holds what it starts with */
	uint8_t		 first[32];	/* bitmap of bytes: bit c%8 of c/8 */
	int		*group_capture;	/* group number -> capture id, or -1 */
	int		 ngroups;
	struct src_pos	 pos;
	struct pattern_limit limit;	/* matches stopped by the limit */
	int		 active;	/* a rule to run uses the fact */
};

struct rule_def {
	char		*id;
	char		*title;
	struct choices	 severity, tlsrpt, message, hint;
	struct expr	*when;
	struct src_pos	 pos;
	char		*source;	/* the rule's lines, for --explain */
	int		 enabled;
};

struct rules_lang {
	struct fact_pattern *patterns;
	size_t		 npatterns;
	struct rule_def	*rules;
	size_t		 nrules;
	char		**files;	/* names, owned, for src_pos */
	size_t		 nfiles;
};

/*
 * Parse text (len bytes, named name in messages) and add its facts and
 * rules to lang; a rule with the id of one already there replaces it.
 * On error, returns -1 with "FILE:LINE:COL: message" in err, and lang is
 * as it was before the call but for the file name.
 */
int	rules_lang_parse(struct rules_lang *, const char *name,
	    const char *text, size_t len, char *err, size_t errsz);
void	rules_lang_free(struct rules_lang *);

void	expr_free(struct expr *);

/*
 * Whether pattern f may match the subject p (len bytes), matched from its
 * start: 0 only when PCRE2 would not match it, which is cheaper to tell
 * than running PCRE2.
 */
static inline int
pattern_may_match(const struct fact_pattern *f, const char *p, size_t len)
{
	unsigned char c;

	if (len < f->min_len)
		return 0;
	if (f->first_known) {
		if (len == 0)
			return 0;
		c = (unsigned char)p[0];
		if (!(f->first[c >> 3] & (1u << (c & 7))))
			return 0;
	}
	if (f->literal != NULL && mem_find(p, len, f->literal, f->literal_len,
	    f->literal_anchor) == NULL)
		return 0;
	return 1;
}

#endif
