/*
 * rules.c: the rule engine: load and compile the rules, set facts on rows,
 * evaluate rules on closed sessions.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "finding.h"
#include "logtime.h"
#include "rules.h"
#include "rules_lang.h"
#include "strmap.h"
#include "xmalloc.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_AVX2	/* literals_avx2(), when the CPU has it */
#endif

/* The built-in rules, made from rules/default.rules at build time. */
extern const char	default_rules_text[];
extern const size_t	default_rules_len;
#define DEFAULT_RULES_NAME	"rules/default.rules"

/* What a name in an expression or template refers to. */
enum { REF_BUILTIN, REF_FACT, REF_CAPTURE };

/* Session attributes every rule can use. */
enum builtin {
	B_CONNECTOR, B_SESSION_ID, B_REMOTE_HOST, B_REMOTE_ENDPOINT,
	B_REMOTE_IP, B_LOCAL_ENDPOINT, B_LOCAL_IP, B_SENDING_IP,
	B_EHLO_GREETING, B_EHLO_EXTENSIONS, B_EHLO_EXTENSION_COUNT,
	B_EHLO_PLACEHOLDER_COUNT, B_EHLO_SUMMARY, B_EHLO_SENT, B_HELO_USED,
	B_GREETING_SEEN, B_REDUCED_EHLO, B_BANNER_MASKED, B_STARTTLS_OFFERED,
	B_STARTTLS_ISSUED, B_TLS_UP, B_TLS_REQUIRED, B_MESSAGES_ATTEMPTED,
	B_MESSAGES_ACCEPTED, B_COMPLETE, B_START, B_END,
	B_REMOTE_LAST_STARTTLS, NBUILTINS
};

static const char *const builtin_names[NBUILTINS] = {
	"connector", "session_id", "remote_host", "remote_endpoint",
	"remote_ip", "local_endpoint", "local_ip", "sending_ip",
	"ehlo_greeting", "ehlo_extensions", "ehlo_extension_count",
	"ehlo_placeholder_count", "ehlo_summary", "ehlo_sent", "helo_used",
	"greeting_seen", "reduced_ehlo", "banner_masked", "starttls_offered",
	"starttls_issued", "tls_up", "tls_required", "messages_attempted",
	"messages_accepted", "complete", "start", "end",
	"remote_last_starttls",
};

/*
 * Subjects on which no pattern of their event matched, kept so that the
 * same subject again skips them: patterns give the same result on the
 * same bytes, and information rows say the same few things over and over
 * ("TLS protocol ... negotiation succeeded ...", "Received certificate
 * ...") in texts too long for the patterns to skip cheaply.  Only for an
 * event whose patterns look at one column, not all of them anchored
 * (those tell a row by its first byte, sooner: see observe_first), and
 * subjects of at most SEEN_LEN bytes; a row that matched, or that stopped
 * at the match limit, is not kept.  Direct-mapped (see seen_slot()): a
 * slot holds the last subject put there.
 */
#define SEEN_SLOTS	32

/*
 * The literals (see pattern_may_match()) of the patterns of an event that
 * look at a column, up to LITERALS_MAX, looked for all at once by
 * literals_in(): the rows that reach the patterns are mostly texts that
 * hold none of them, told so in one pass instead of a search for each.
 * Each literal has a bit; a place in a subject is a candidate for it when
 * its two bytes are the literal's first two, told 32 places at a time by
 * the low and high half of each byte (lo0 and hi0 for the first, lo1 and
 * hi1 for the second: the bits of the literals with a byte of that half).
 */
#define LITERALS_MAX	8

struct literals {
	int		 n;
	const char	*lit[LITERALS_MAX];
	size_t		 len[LITERALS_MAX];
	uint8_t		 lo0[16], hi0[16], lo1[16], hi1[16];
};
#define SEEN_LEN	512

struct seen {
	unsigned	 event;		/* its index + 1; 0: empty */
	size_t		 len;
	char		 text[SEEN_LEN];
};

#define GATE_MEMO	64	/* a power of two */

struct rules {
	struct rules_config	 cfg;
	struct rules_lang	 lang;
	char			*facts[RULES_MAX_FACTS];
	int			 nfacts;
	char			*captures[RULES_MAX_CAPTURES];
	int			 ncaptures;
	pcre2_match_context	*mctx;
	pcre2_match_data	*md;
	char			*scratch;	/* see padded() */
	size_t			 scratchsize;
	/* When each remote (folder, then host or address) last offered
	 * STARTTLS: for remote_last_starttls. */
	struct strmap		*history;	/* key -> index in offered */
	int64_t			*offered;
	size_t			 noffered;
	int			 hold_limits;	/* see rules_hold_limits() */
	int			 when_uses_history;	/* a rule's when does */
	/* For each event (the log2 of its EVENT_ bit), the patterns that
	 * are matched on its rows, in their order: all a row looks at. */
	size_t			*observe[EVENT_KINDS];
	size_t			 nobserve[EVENT_KINDS];
	/*
	 * The column all of them look at, or -1.  When they are all
	 * anchored with a first byte known (pattern_may_match()), the bytes
	 * a subject any of them matches may start with, in filter; else the
	 * subjects that none matched, struct seen.
	 */
	int			 observe_column[EVENT_KINDS];
	int			 observe_anchored[EVENT_KINDS];
	/* And the shortest subject, data or context, any of them may
	 * match (pattern_may_match()): a row shorter in both is skipped. */
	uint32_t		 observe_min[EVENT_KINDS][2];
	/* What of the above rules_row_wanted() tells: rules_skip_rows(). */
	struct rules_row_filter	 filter;
	/* By event and column, struct literals; for each pattern of
	 * observe[e], the bit of its literal there, or 0. */
	struct literals		 literals[EVENT_KINDS][2];
	unsigned		*literal_bit[EVENT_KINDS];
	/* Whether every pattern of the event has one, in its column. */
	int			 all_literal[EVENT_KINDS];
	int			 avx2;		/* literals_avx2() */
	struct seen		*seen;		/* SEEN_SLOTS */
	int			 skip_rows;	/* see rules_skip_rows() */
	/* Per rule, the facts its when cannot hold without: needed_facts(). */
	uint64_t		*when_needs;
	/* And the facts it cannot hold without one of: any_facts(). */
	uint64_t		*when_any;
	/* And the facts, then the flags (session_flags()), it cannot hold
	 * with, and the flags it cannot hold without: when_flags(). */
	uint64_t		*when_none;
	uint64_t		*when_set, *when_clear;
	/* The flags any rule looks at, with their fields in a session. */
	int			 flag[NBUILTINS];
	size_t			 flag_off[NBUILTINS];
	int			 nflags;
	struct eval		*eval;		/* rules_eval()'s, kept */
	/*
	 * The rules that may fire (rule_may_fire()) on sessions of some
	 * facts and flags, as bits: most sessions share one of a few such
	 * pairs.  Used while the rules are no more than 64.
	 */
	struct gate_memo {
		uint64_t	 facts, flags, rules;
		int		 valid;
	}			 memo[GATE_MEMO];
};

/* A value of an attribute while a session is evaluated. */
enum vtype { V_BOOL, V_NUM, V_STR };

struct value {
	enum vtype	 type;
	long long	 num;		/* BOOL and NUM */
	const char	*str;		/* STR */
};

struct eval {
	struct rules		*r;
	const struct session	*s;
	char			 buf[NBUILTINS][320];
	int64_t			 last_starttls;	/* -1: none */
};

_Static_assert(RULES_EVENT_KINDS == EVENT_KINDS, "event kinds");

static unsigned	event_bit(char);
static unsigned	literal_bit(struct literals *, const struct fact_pattern *);

/* ---- loading ---- */

static int
resolve(struct rules *r, struct name_ref *ref, char *err, size_t errsz)
{
	int i;

	for (i = 0; i < NBUILTINS; i++)
		if (strcmp(builtin_names[i], ref->name) == 0) {
			ref->kind = REF_BUILTIN;
			ref->id = i;
			return 0;
		}
	for (i = 0; i < r->nfacts; i++)
		if (strcmp(r->facts[i], ref->name) == 0) {
			ref->kind = REF_FACT;
			ref->id = i;
			return 0;
		}
	for (i = 0; i < r->ncaptures; i++)
		if (strcmp(r->captures[i], ref->name) == 0) {
			ref->kind = REF_CAPTURE;
			ref->id = i;
			return 0;
		}
	snprintf(err, errsz, "%s:%d:%d: error: unknown name '%s' (not a session "
	    "attribute, a fact, or a named group of a fact's pattern)",
	    ref->pos.file, ref->pos.line, ref->pos.col, ref->name);
	return -1;
}

static int
resolve_expr(struct rules *r, struct expr *e, char *err, size_t errsz)
{
	if (e == NULL)
		return 0;
	if (e->op == EXPR_NAME || e->op == EXPR_CMP || e->op == EXPR_MATCH)
		return resolve(r, &e->ref, err, errsz);
	if (resolve_expr(r, e->left, err, errsz) == -1)
		return -1;
	return resolve_expr(r, e->right, err, errsz);
}

static int
resolve_choices(struct rules *r, struct choices *c, char *err, size_t errsz)
{
	size_t i, k;

	for (i = 0; i < c->n; i++) {
		if (resolve_expr(r, c->v[i].cond, err, errsz) == -1)
			return -1;
		for (k = 0; k < c->v[i].text.nparts; k++)
			if (c->v[i].text.parts[k].text == NULL &&
			    resolve(r, &c->v[i].text.parts[k].ref, err,
			    errsz) == -1)
				return -1;
	}
	return 0;
}

static int
intern(char **names, int *n, int max, const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	if (*n == max)
		return -1;
	names[*n] = xstrdup(name);
	return (*n)++;
}

static int
is_builtin(const char *name)
{
	int i;

	for (i = 0; i < NBUILTINS; i++)
		if (strcmp(builtin_names[i], name) == 0)
			return 1;
	return 0;
}

/* Give facts and named groups their ids; check that names do not clash. */
static int
number_facts(struct rules *r, char *err, size_t errsz)
{
	struct fact_pattern *f;
	PCRE2_SPTR table;
	uint32_t count, entry, k;
	size_t i;

	for (i = 0; i < r->lang.npatterns; i++) {
		f = &r->lang.patterns[i];
		if (is_builtin(f->fact)) {
			snprintf(err, errsz, "%s:%d:%d: error: fact '%s' has the name of "
			    "a session attribute", f->name_pos.file,
			    f->name_pos.line, f->name_pos.col, f->fact);
			return -1;
		}
		if ((f->fact_id = intern(r->facts, &r->nfacts,
		    RULES_MAX_FACTS, f->fact)) == -1) {
			snprintf(err, errsz, "%s:%d:%d: error: more than %d facts",
			    f->pos.file, f->pos.line, f->pos.col, RULES_MAX_FACTS);
			return -1;
		}
	}
	for (i = 0; i < r->lang.npatterns; i++) {
		f = &r->lang.patterns[i];
		pcre2_pattern_info(f->re, PCRE2_INFO_NAMECOUNT, &count);
		pcre2_pattern_info(f->re, PCRE2_INFO_NAMEENTRYSIZE, &entry);
		pcre2_pattern_info(f->re, PCRE2_INFO_NAMETABLE, &table);
		for (k = 0; k < count; k++, table += entry) {
			const char *name = (const char *)table + 2;
			int group = (table[0] << 8) | table[1], id, j;

			for (j = 0; j < r->nfacts; j++)
				if (strcmp(r->facts[j], name) == 0)
					break;
			if (is_builtin(name) || j < r->nfacts) {
				snprintf(err, errsz, "%s:%d:%d: error: group name "
				    "'%s' is already the name of a %s",
				    f->pos.file, f->pos.line, f->pos.col, name,
				    j < r->nfacts ? "fact" : "session "
				    "attribute");
				return -1;
			}
			if ((id = intern(r->captures, &r->ncaptures,
			    RULES_MAX_CAPTURES, name)) == -1) {
				snprintf(err, errsz, "%s:%d:%d: error: more than %d "
				    "named groups", f->pos.file, f->pos.line,
				    f->pos.col, RULES_MAX_CAPTURES);
				return -1;
			}
			if (group < f->ngroups)
				f->group_capture[group] = id;
		}
	}
	return 0;
}

static int
load_file(struct rules *r, const char *path, char *err, size_t errsz)
{
	char *text = NULL, msg[512];
	size_t len = 0, cap = 0, n;
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errsz, "%s: error: %s", path, strerror(errno));
		return -1;
	}
	do {
		if (len == cap)
			text = xrealloc(text, cap = cap ? cap * 2 : 8192);
		n = fread(text + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	if (ferror(fp)) {
		snprintf(err, errsz, "%s: error: %s", path, strerror(errno));
		fclose(fp);
		free(text);
		return -1;
	}
	fclose(fp);
	rc = rules_lang_parse(&r->lang, path, text, len, msg, sizeof msg);
	if (rc == -1)
		snprintf(err, errsz, "%s", msg);
	free(text);
	return rc;
}

static int
in_names(const char *const *names, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], id) == 0)
			return 1;
	return 0;
}

static int
select_rules(struct rules *r, char *err, size_t errsz)
{
	const struct rules_config *c = &r->cfg;
	size_t i, j;

	for (i = 0; i < c->nonly + c->nskip; i++) {
		const char *id = i < c->nonly ? c->only[i] :
		    c->skip[i - c->nonly];

		for (j = 0; j < r->lang.nrules; j++)
			if (strcmp(r->lang.rules[j].id, id) == 0)
				break;
		if (j == r->lang.nrules) {
			snprintf(err, errsz, "error: no rule '%s' (see --list-rules)",
			    id);
			return -1;
		}
	}
	for (j = 0; j < r->lang.nrules; j++) {
		struct rule_def *d = &r->lang.rules[j];

		d->enabled = (c->nonly == 0 || in_names(c->only, c->nonly,
		    d->id)) && !in_names(c->skip, c->nskip, d->id);
	}
	return 0;
}

/* The facts and named groups an expression or template refers to. */
struct refs {
	uint64_t	 facts;
	uint64_t	 captures;
	int		 history;	/* remote_last_starttls */
};

static void
add_ref(const struct name_ref *ref, struct refs *u)
{
	if (ref->kind == REF_FACT)
		u->facts |= (uint64_t)1 << ref->id;
	else if (ref->kind == REF_CAPTURE)
		u->captures |= (uint64_t)1 << ref->id;
	else if (ref->kind == REF_BUILTIN && ref->id == B_REMOTE_LAST_STARTTLS)
		u->history = 1;
}

static void
expr_refs(const struct expr *e, struct refs *u)
{
	if (e == NULL)
		return;
	if (e->op == EXPR_NAME || e->op == EXPR_CMP || e->op == EXPR_MATCH) {
		add_ref(&e->ref, u);
		return;
	}
	expr_refs(e->left, u);
	expr_refs(e->right, u);
}

static void
rule_refs(const struct rule_def *d, struct refs *u)
{
	const struct choices *all[] = { &d->severity, &d->tlsrpt,
	    &d->message, &d->hint };
	size_t i, j, k;

	expr_refs(d->when, u);
	for (i = 0; i < sizeof all / sizeof *all; i++)
		for (j = 0; j < all[i]->n; j++) {
			expr_refs(all[i]->v[j].cond, u);
			for (k = 0; k < all[i]->v[j].text.nparts; k++)
				if (all[i]->v[j].text.parts[k].text == NULL)
					add_ref(&all[i]->v[j].text.parts[k].ref,
					    u);
		}
}

/* Whether a rule that refers to u needs the pattern f. */
static int
pattern_used(const struct fact_pattern *f, const struct refs *u)
{
	int g;

	if ((u->facts >> f->fact_id) & 1)
		return 1;
	for (g = 1; g < f->ngroups; g++)
		if (f->group_capture[g] >= 0 &&
		    ((u->captures >> f->group_capture[g]) & 1))
			return 1;
	return 0;
}

/*
 * The facts e cannot be true without: those of the names it ands together
 * at its top.  Expressions have no side effects, so a session lacking one
 * is told false without evaluating e.
 */
static uint64_t
needed_facts(const struct expr *e)
{
	if (e == NULL)
		return 0;
	switch (e->op) {
	case EXPR_AND:
		return needed_facts(e->left) | needed_facts(e->right);
	case EXPR_NAME:
		return e->ref.kind == REF_FACT ? (uint64_t)1 << e->ref.id : 0;
	default:
		return 0;
	}
}

/*
 * Facts e cannot be true without one of, or 0: those of names ored
 * together ("weak_cipher or old_tls_protocol"), at its top or under an
 * and.  Asked of every session, such a rule is thus told false with one
 * test.
 */
static uint64_t
any_facts(const struct expr *e)
{
	uint64_t l, r;

	if (e == NULL)
		return 0;
	switch (e->op) {
	case EXPR_OR:
		l = any_facts(e->left);
		r = any_facts(e->right);
		return l != 0 && r != 0 ? l | r : 0;
	case EXPR_AND:
		l = any_facts(e->left);
		return l != 0 ? l : any_facts(e->right);
	case EXPR_NAME:
		return e->ref.kind == REF_FACT ? (uint64_t)1 << e->ref.id : 0;
	default:
		return 0;
	}
}

/*
 * Where a builtin that is a plain yes or no of the session is kept in it,
 * or -1: the names that rules test most often.
 */
static long
flag_field(int b)
{
	switch (b) {
	case B_EHLO_SENT:
		return (long)offsetof(struct session, ehlo_sent);
	case B_HELO_USED:
		return (long)offsetof(struct session, helo_used);
	case B_GREETING_SEEN:
		return (long)offsetof(struct session, greeting_seen);
	case B_STARTTLS_OFFERED:
		return (long)offsetof(struct session, starttls_offered);
	case B_STARTTLS_ISSUED:
		return (long)offsetof(struct session, starttls_issued);
	case B_TLS_UP:		return (long)offsetof(struct session, tls_up);
	case B_COMPLETE:	return (long)offsetof(struct session, complete);
	default:		return -1;
	}
}

_Static_assert(NBUILTINS <= 64, "a flag per builtin");

/*
 * What e cannot be true with: the names and negated names it ands
 * together at its top.  Facts that are negated go to *none; the yes or no
 * builtins of flag_field(), as flags (bit b for builtin b), to *set when
 * named and to *clear when negated.
 */
static void
when_flags(const struct expr *e, uint64_t *none, uint64_t *set,
    uint64_t *clear)
{
	const struct expr *n;

	if (e == NULL)
		return;
	if (e->op == EXPR_AND) {
		when_flags(e->left, none, set, clear);
		when_flags(e->right, none, set, clear);
		return;
	}
	n = e->op == EXPR_NOT ? e->left : e;
	if (n->op != EXPR_NAME)
		return;
	if (n->ref.kind == REF_FACT && n != e)
		*none |= (uint64_t)1 << n->ref.id;
	else if (n->ref.kind == REF_BUILTIN && flag_field(n->ref.id) >= 0)
		*(n != e ? clear : set) |= (uint64_t)1 << n->ref.id;
}

/* The flags of s that rules look at: bit b set when builtin b is true. */
static uint64_t
session_flags(const struct rules *r, const struct session *s)
{
	uint64_t flags = 0;
	int i;

	for (i = 0; i < r->nflags; i++)
		if (*(const int *)(const void *)((const char *)s +
		    r->flag_off[i]) != 0)
			flags |= (uint64_t)1 << r->flag[i];
	return flags;
}

/*
 * Whether rule i of r may fire on s, of flags (session_flags()): enabled,
 * and s has the facts and flags needed and none of those it must not,
 * and one of those it needs one of.
 */
static inline __attribute__((always_inline)) int
rule_may_fire(const struct rules *r, size_t i, const struct session *s,
    uint64_t flags)
{
	return r->lang.rules[i].enabled && (!r->skip_rows ||
	    ((s->facts & r->when_needs[i]) == r->when_needs[i] &&
	    (s->facts & r->when_none[i]) == 0 &&
	    (flags & r->when_set[i]) == r->when_set[i] &&
	    (flags & r->when_clear[i]) == 0 &&
	    (r->when_any[i] == 0 || (s->facts & r->when_any[i]) != 0)));
}

struct rules *
rules_new(const struct rules_config *cfg, char *err, size_t errsz)
{
	struct rules *r = xcalloc(1, sizeof *r);
	struct refs used = { 0, 0, 0 }, when = { 0, 0, 0 };
	char msg[512];
	size_t i, e;
	int c;

	r->cfg = *cfg;
	if (!cfg->no_default && rules_lang_parse(&r->lang, DEFAULT_RULES_NAME,
	    default_rules_text, default_rules_len, msg, sizeof msg) == -1) {
		snprintf(err, errsz, "%s", msg);
		goto fail;
	}
	for (i = 0; i < cfg->nfiles; i++)
		if (load_file(r, cfg->files[i], err, errsz) == -1)
			goto fail;
	if (number_facts(r, err, errsz) == -1)
		goto fail;
	for (i = 0; i < r->lang.nrules; i++) {
		struct rule_def *d = &r->lang.rules[i];

		if (resolve_expr(r, d->when, err, errsz) == -1 ||
		    resolve_choices(r, &d->severity, err, errsz) == -1 ||
		    resolve_choices(r, &d->tlsrpt, err, errsz) == -1 ||
		    resolve_choices(r, &d->message, err, errsz) == -1 ||
		    resolve_choices(r, &d->hint, err, errsz) == -1)
			goto fail;
	}
	if (select_rules(r, err, errsz) == -1)
		goto fail;
	for (i = 0; i < r->lang.nrules && !r->lang.rules[i].enabled; i++)
		;
	if (i == r->lang.nrules) {
		snprintf(err, errsz, "error: no rules to run%s",
		    cfg->no_default && cfg->nfiles == 0 ?
		    " (--no-default-rules without --rules)" : "");
		goto fail;
	}
	/* Patterns that no rule to run looks at are not matched. */
	for (i = 0; i < r->lang.nrules; i++)
		if (r->lang.rules[i].enabled) {
			rule_refs(&r->lang.rules[i], &used);
			expr_refs(r->lang.rules[i].when, &when);
		}
	r->when_uses_history = when.history;
	r->when_needs = xcalloc(r->lang.nrules + 1, sizeof *r->when_needs);
	r->when_any = xcalloc(r->lang.nrules + 1, sizeof *r->when_any);
	r->when_none = xcalloc(r->lang.nrules + 1, sizeof *r->when_none);
	r->when_set = xcalloc(r->lang.nrules + 1, sizeof *r->when_set);
	r->when_clear = xcalloc(r->lang.nrules + 1, sizeof *r->when_clear);
	for (i = 0; i < r->lang.nrules; i++) {
		r->when_needs[i] = needed_facts(r->lang.rules[i].when);
		r->when_any[i] = any_facts(r->lang.rules[i].when);
		when_flags(r->lang.rules[i].when, &r->when_none[i],
		    &r->when_set[i], &r->when_clear[i]);
	}
	for (c = 0; c < NBUILTINS; c++)
		for (i = 0; i < r->lang.nrules; i++)
			if (((r->when_set[i] | r->when_clear[i]) >> c) & 1) {
				r->flag[r->nflags] = c;
				r->flag_off[r->nflags++] =
				    (size_t)flag_field(c);
				break;
			}
	for (i = 0; i < r->lang.npatterns; i++)
		r->lang.patterns[i].active =
		    pattern_used(&r->lang.patterns[i], &used);
	for (e = 0; e < EVENT_KINDS; e++) {
		r->observe[e] = xcalloc(r->lang.npatterns + 1,
		    sizeof *r->observe[e]);
		r->literal_bit[e] = xcalloc(r->lang.npatterns + 1,
		    sizeof *r->literal_bit[e]);
		r->observe_min[e][COLUMN_DATA] = UINT32_MAX;
		r->observe_min[e][COLUMN_CONTEXT] = UINT32_MAX;
		r->observe_column[e] = -1;
		r->observe_anchored[e] = 1;
		r->all_literal[e] = 1;
		for (i = 0; i < r->lang.npatterns; i++) {
			struct fact_pattern *f = &r->lang.patterns[i];

			if (!f->active || !(f->events & 1u << e))
				continue;
			if (r->nobserve[e] == 0)
				r->observe_column[e] = (int)f->column;
			else if (r->observe_column[e] != (int)f->column)
				r->observe_column[e] = -1;
			if (!f->first_known)
				r->observe_anchored[e] = 0;
			for (c = 0; c < 256; c++)
				r->filter.first[e][c] |= f->first[c / 8] >>
				    c % 8 & 1;
			r->literal_bit[e][r->nobserve[e]] =
			    literal_bit(&r->literals[e][f->column], f);
			if (r->literal_bit[e][r->nobserve[e]] == 0)
				r->all_literal[e] = 0;
			r->observe[e][r->nobserve[e]++] = i;
			if (f->min_len < r->observe_min[e][f->column])
				r->observe_min[e][f->column] = f->min_len;
		}
	}
	for (c = 0; c < 256; c++)
		r->filter.kind[c] = (uint8_t)__builtin_ctz(event_bit((char)c));
	r->seen = xcalloc(SEEN_SLOTS, sizeof *r->seen);
#ifdef HAVE_AVX2
	r->avx2 = __builtin_cpu_supports("avx2");
#endif
	rules_skip_rows(r, 1);
	r->history = strmap_new();
	r->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(r->mctx, RULES_MATCH_LIMIT);
	r->md = pcre2_match_data_create(64, NULL);
	return r;
fail:
	rules_free(r);
	return NULL;
}

void
rules_free(struct rules *r)
{
	int i;

	if (r == NULL)
		return;
	rules_lang_free(&r->lang);
	for (i = 0; i < r->nfacts; i++)
		free(r->facts[i]);
	for (i = 0; i < r->ncaptures; i++)
		free(r->captures[i]);
	strmap_free(r->history);
	free(r->offered);
	pcre2_match_context_free(r->mctx);
	pcre2_match_data_free(r->md);
	free(r->seen);
	free(r->when_needs);
	free(r->when_any);
	free(r->eval);
	free(r->when_none);
	free(r->when_set);
	free(r->when_clear);
	free(r->scratch);
	for (i = 0; i < EVENT_KINDS; i++) {
		free(r->observe[i]);
		free(r->literal_bit[i]);
	}
	free(r);
}

/* ---- facts on rows ---- */

static unsigned
event_bit(char event)
{
	switch (event) {
	case '+':
		return EVENT_CONNECT;
	case '-':
		return EVENT_DISCONNECT;
	case '>':
		return EVENT_SEND;
	case '<':
		return EVENT_RECEIVE;
	default:
		return EVENT_INFO;
	}
}

static void
keep_captures(struct rules *r, struct session *s, struct fact_pattern *f,
    const struct field *subject)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
	uint32_t pairs = pcre2_get_ovector_count(r->md);
	int g, id;

	for (g = 1; g < f->ngroups && (uint32_t)g < pairs; g++) {
		size_t len;

		if ((id = f->group_capture[g]) < 0 || ov[2 * g] == PCRE2_UNSET)
			continue;
		len = ov[2 * g + 1] - ov[2 * g];
		if (len > SESSION_TEXT_MAX)
			len = SESSION_TEXT_MAX;
		free(s->captures[id]);
		s->captures[id] = xstrndup(subject->p + ov[2 * g], len);
	}
}

static void
limit_warning(const struct fact_pattern *f)
{
	diag(DIAG_WARNING, f->limit.file, f->limit.line, "pattern of fact %s "
	    "(%s:%d) stopped: %s; the row does not match (reported once per "
	    "pattern)", f->fact, f->pos.file, f->pos.line, f->limit.msg);
}

void
rules_hold_limits(struct rules *r, int on)
{
	r->hold_limits = on;
}

struct rules_limits {
	size_t			 n;
	struct pattern_limit	 v[];	/* per pattern */
};

struct rules_limits *
rules_take_limits(struct rules *r)
{
	struct rules_limits *l = NULL;
	size_t i, n = r->lang.npatterns;

	for (i = 0; i < n; i++) {
		struct fact_pattern *f = &r->lang.patterns[i];

		if (f->limit.hits == 0)
			continue;
		if (l == NULL) {
			l = xcalloc(1, sizeof *l + n * sizeof l->v[0]);
			l->n = n;
		}
		l->v[i] = f->limit;
		f->limit.hits = 0;
	}
	return l;
}

void
rules_add_limits(struct rules *r, struct rules_limits *l)
{
	size_t i;

	for (i = 0; l != NULL && i < l->n && i < r->lang.npatterns; i++) {
		struct fact_pattern *f = &r->lang.patterns[i];
		unsigned long hits = f->limit.hits;

		if (l->v[i].hits == 0)
			continue;
		if (hits == 0) {
			f->limit = l->v[i];
			limit_warning(f);
		} else
			f->limit.hits = hits + l->v[i].hits;
	}
	free(l);
}

void
rules_free_limits(struct rules_limits *l)
{
	free(l);
}

/* Match re on the subject s (len bytes); jit from read_regex(). */
static int
match_re(struct rules *r, const pcre2_code *re, int jit, const char *s,
    size_t len)
{
	if (jit)
		return pcre2_jit_match(re, (PCRE2_SPTR)s, len, 0, 0, r->md,
		    r->mctx);
	return pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, r->md, r->mctx);
}

/*
 * The bit of f's literal in l, put there if need be; 0 for none (no
 * literal, one of one byte, or no room).
 */
static unsigned
literal_bit(struct literals *l, const struct fact_pattern *f)
{
	const unsigned char *u = (const unsigned char *)f->literal;
	int k;

	if (f->literal == NULL || f->literal_len < 2)
		return 0;
	for (k = 0; k < l->n; k++)
		if (l->len[k] == f->literal_len &&
		    memcmp(l->lit[k], f->literal, f->literal_len) == 0)
			return 1u << k;
	if (l->n == LITERALS_MAX)
		return 0;
	k = l->n++;
	l->lit[k] = f->literal;
	l->len[k] = f->literal_len;
	l->lo0[u[0] & 15] |= 1u << k;
	l->hi0[u[0] >> 4] |= 1u << k;
	l->lo1[u[1] & 15] |= 1u << k;
	l->hi1[u[1] >> 4] |= 1u << k;
	return 1u << k;
}

#ifdef HAVE_AVX2
/* The candidates' bits, a byte for each of the 32 places at h. */
__attribute__((target("avx2")))
static inline __m256i
literal_places(const char *h, __m256i lo0, __m256i hi0, __m256i lo1,
    __m256i hi1)
{
	const __m256i low = _mm256_set1_epi8(15);
	__m256i x, y;

	x = _mm256_loadu_si256((const __m256i *)(const void *)h);
	y = _mm256_loadu_si256((const __m256i *)(const void *)(h + 1));
	x = _mm256_and_si256(
	    _mm256_shuffle_epi8(lo0, _mm256_and_si256(x, low)),
	    _mm256_shuffle_epi8(hi0, _mm256_and_si256(
	    _mm256_srli_epi16(x, 4), low)));
	y = _mm256_and_si256(
	    _mm256_shuffle_epi8(lo1, _mm256_and_si256(y, low)),
	    _mm256_shuffle_epi8(hi1, _mm256_and_si256(
	    _mm256_srli_epi16(y, 4), low)));
	return _mm256_and_si256(x, y);
}

/*
 * literals_in() for a subject of 33 bytes or more: the 32 places from
 * each i (the last ones perhaps twice), a place's two bytes read by the
 * loads at i and i + 1.
 */
__attribute__((target("avx2")))
static unsigned
literals_avx2(const struct literals *l, const char *h, size_t hn)
{
	const __m256i lo0 = _mm256_broadcastsi128_si256(_mm_loadu_si128(
	    (const __m128i *)(const void *)l->lo0)), hi0 =
	    _mm256_broadcastsi128_si256(_mm_loadu_si128(
	    (const __m128i *)(const void *)l->hi0)), lo1 =
	    _mm256_broadcastsi128_si256(_mm_loadu_si128(
	    (const __m128i *)(const void *)l->lo1)), hi1 =
	    _mm256_broadcastsi128_si256(_mm_loadu_si128(
	    (const __m128i *)(const void *)l->hi1));
	const unsigned all = (1u << l->n) - 1;
	unsigned found = 0, m, b;
	uint8_t bits[32];
	size_t i, last = hn - 33, j;
	__m256i c;
	int k;

	for (i = 0;; i += 32) {
		if (i > last)
			i = last;
		c = literal_places(h + i, lo0, hi0, lo1, hi1);
		m = ~(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(c,
		    _mm256_setzero_si256()));
		if (m != 0) {
			_mm256_storeu_si256((__m256i *)(void *)bits, c);
			for (; m != 0; m &= m - 1) {
				j = (size_t)__builtin_ctz(m);
				for (b = bits[j] & ~found; b != 0;
				    b &= b - 1) {
					k = __builtin_ctz(b);
					if (i + j + l->len[k] <= hn &&
					    mem_equal(h + i + j, l->lit[k],
					    l->len[k]))
						found |= 1u << k;
				}
			}
			if (found == all)
				return found;
		}
		if (i == last)
			return found;
	}
}
#endif

/*
 * The bits of the literals of l in h (hn bytes): a bit not set is a
 * literal not there.  Where that is not told cheaply, all bits.
 */
static unsigned
literals_in(const struct rules *r, const struct literals *l, const char *h,
    size_t hn)
{
#ifdef HAVE_AVX2
	if (r->avx2 && hn >= 33)
		return literals_avx2(l, h, hn);
#endif
	(void)r;
	(void)l;
	(void)h;
	(void)hn;
	return ~0u;
}

/*
 * The patterns of event e (see observe) on row; rules_observe_row().
 * Returns how many matched or stopped at the match limit.
 */
static int __attribute__((noinline))
observe_row(struct rules *r, struct session *s, const struct row *row,
    unsigned e)
{
	struct fact_pattern *f;
	const struct field *subject;
	unsigned found[2], bit;
	int looked[2] = { 0, 0 }, c = r->observe_column[e];
	size_t i;
	int rc, n = 0;

	/* Most often, none of the literals, when each pattern has one. */
	if (r->skip_rows && r->all_literal[e] && c >= 0) {
		subject = c == COLUMN_DATA ? &row->data : &row->context;
		found[c] = literals_in(r, &r->literals[e][c], subject->p,
		    subject->len);
		if (found[c] == 0)
			return 0;
		looked[c] = 1;
	}
	for (i = 0; i < r->nobserve[e]; i++) {
		f = &r->lang.patterns[r->observe[e][i]];
		subject = f->column == COLUMN_DATA ? &row->data : &row->context;
		if (r->skip_rows && (bit = r->literal_bit[e][i]) != 0) {
			if (!looked[f->column]) {
				found[f->column] = literals_in(r,
				    &r->literals[e][f->column], subject->p,
				    subject->len);
				looked[f->column] = 1;
			}
			if (!(found[f->column] & bit))
				continue;
		}
		if (!pattern_may_match(f, subject->p, subject->len))
			continue;
		rc = match_re(r, f->re, f->jit, subject->p, subject->len);
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		n++;
		if (rc < 0) {
			if (f->limit.hits++ == 0) {
				f->limit.file = row->file;
				f->limit.line = row->line;
				pcre2_get_error_message(rc, (PCRE2_UCHAR *)
				    f->limit.msg, sizeof f->limit.msg);
				if (!r->hold_limits)
					limit_warning(f);
			}
			continue;
		}
		s->facts |= (uint64_t)1 << f->fact_id;
		keep_captures(r, s, f, subject);
		session_add_evidence(s, row);
	}
	return n;
}

/*
 * With on 0, every row is matched against every pattern of its event, the
 * plain way the skips are tested against.
 */
void
rules_skip_rows(struct rules *r, int on)
{
	unsigned e, c;

	r->skip_rows = on;
	memset(r->memo, 0, sizeof r->memo);	/* of the other way */
	for (c = 0; c < 256; c++) {
		e = r->filter.kind[c];
		r->filter.min[c][0] = on ? r->observe_min[e][COLUMN_DATA] : 0;
		r->filter.min[c][1] = on ?
		    r->observe_min[e][COLUMN_CONTEXT] : 0;
	}
	for (e = 0; e < EVENT_KINDS; e++) {
		r->filter.first_column[e] = on && r->observe_column[e] >= 0 &&
		    r->observe_anchored[e] ? (r->observe_column[e] ==
		    COLUMN_DATA ? 0 : 1) : -1;
	}
}

const struct rules_row_filter *
rules_row_filter(const struct rules *r)
{
	return &r->filter;
}

/*
 * The slot of subject f of event e: by its length and its first, middle
 * and last 8 bytes, which tell apart the texts that come often.
 */
static struct seen *
seen_slot(struct rules *r, unsigned e, const struct field *f)
{
	uint64_t h = f->len * SEEN_SLOTS + e, w;

	if (f->len >= 8) {
		memcpy(&w, f->p, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		memcpy(&w, f->p + (f->len - 8) / 2, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		memcpy(&w, f->p + f->len - 8, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	}
	return &r->seen[(h >> 32) % SEEN_SLOTS];
}

/*
 * Most rows are too short for every pattern of their event: told here,
 * before the loop's setup is paid.  Of the others, those that start with
 * a byte no pattern does, or that say what a row before said with no
 * match, are skipped: see observe_column.
 */
void
rules_observe_row(struct rules *r, struct session *s, const struct row *row)
{
	if (rules_row_wanted(&r->filter, row))
		rules_observe_wanted(r, s, row);
}

void
rules_observe_wanted(struct rules *r, struct session *s,
    const struct row *row)
{
	unsigned e = r->filter.kind[(unsigned char)row->event];
	const struct field *f = NULL;
	struct seen *slot = NULL;

	if (r->skip_rows && r->observe_column[e] >= 0 &&
	    !r->observe_anchored[e]) {
		f = r->observe_column[e] == COLUMN_DATA ? &row->data :
		    &row->context;
		if (f->len <= SEEN_LEN) {
			/* The texts are a few hundred bytes: memcmp()'s
			 * wide compares pay for its call. */
			slot = seen_slot(r, e, f);
			if (slot->event == e + 1 && slot->len == f->len &&
			    memcmp(slot->text, f->p, f->len) == 0)
				return;
		}
	}
	if (observe_row(r, s, row, e) == 0 && slot != NULL) {
		slot->event = e + 1;
		slot->len = f->len;
		memcpy(slot->text, f->p, f->len);
	}
}

/* ---- evaluation ---- */

static int
tls_required_by_option(const struct rules *r, const struct session *s)
{
	size_t i;

	for (i = 0; i < r->cfg.nrequire_tls; i++)
		if (strcmp(r->cfg.require_tls[i], "*") == 0 ||
		    (s->connector != NULL &&
		    strcasecmp(r->cfg.require_tls[i], s->connector) == 0))
			return 1;
	return 0;
}

/* "1.2.3.4:25" -> "1.2.3.4"; "[::1]:25" -> "::1" */
static const char *
endpoint_ip(const char *ep, char *buf, size_t bufsz)
{
	const char *colon;
	size_t n;

	if (ep == NULL)
		return "";
	colon = strrchr(ep, ':');
	if (ep[0] == '[' && colon != NULL && colon > ep && colon[-1] == ']') {
		ep++;
		n = (size_t)(colon - 1 - ep);
	} else if (colon != NULL && strchr(ep, ':') == colon)
		n = (size_t)(colon - ep);
	else
		n = strlen(ep);
	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, ep, n);
	buf[n] = '\0';
	return buf;
}

/* "[198.51.100.7]" in a greeting: our address as the remote saw it. */
static const char *
greeting_ip(const char *greeting, char *buf, size_t bufsz)
{
	const char *open = strchr(greeting, '['), *close;
	size_t n;

	if (open == NULL || (close = strchr(open, ']')) == NULL)
		return "";
	n = (size_t)(close - open - 1);
	if (n == 0 || n >= bufsz ||
	    strspn(open + 1, "0123456789abcdefABCDEF.:") < n)
		return "";
	memcpy(buf, open + 1, n);
	buf[n] = '\0';
	return buf;
}

static const char *
keyword_list(const struct ehlo_reply *e, const char *sep, char *buf,
    size_t bufsz)
{
	size_t n = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < e->nkeywords && n < bufsz; k++)
		n += (size_t)snprintf(buf + n, bufsz - n, "%s%s",
		    k > 0 ? sep : "", e->keywords[k]);
	return buf;
}

static const char *
ehlo_summary(const struct session *s, char *buf, size_t bufsz)
{
	char list[256];

	if (!s->greeting_seen && s->ehlo.lines > 0) {
		snprintf(buf, bufsz, "the remote refused %s with %d",
		    s->ehlo.helo ? "HELO" : "EHLO", s->ehlo.code);
		return buf;
	}
	if (!s->greeting_seen)
		return "no EHLO or HELO reply was logged";
	if (s->ehlo.helo)
		return "the remote answered HELO, which advertises no "
		    "extensions";
	if (s->ehlo.nkeywords == 0)
		return "its EHLO reply advertised no extensions";
	snprintf(buf, bufsz, "its EHLO reply advertised %s",
	    keyword_list(&s->ehlo, ", ", list, sizeof list));
	return buf;
}

static int
reduced_ehlo(const struct session *s)
{
	const struct ehlo_reply *e = &s->ehlo;

	return s->greeting_seen && !e->helo && e->code / 100 == 2 &&
	    (e->nkeywords == 0 || (e->nkeywords == 1 && ehlo_has(e, "SIZE")));
}

static struct value
v_bool(int b)
{
	struct value v = { V_BOOL, b != 0, NULL };

	return v;
}

static struct value
v_num(long long n)
{
	struct value v = { V_NUM, n, NULL };

	return v;
}

static struct value
v_str(const char *s)
{
	struct value v = { V_STR, 0, s != NULL ? s : "" };

	return v;
}

static struct value
builtin_value(struct eval *ev, int b)
{
	const struct session *s = ev->s;
	char *buf = ev->buf[b];
	size_t bufsz = sizeof ev->buf[b];

	switch ((enum builtin)b) {
	case B_CONNECTOR:	return v_str(s->connector);
	case B_SESSION_ID:	return v_str(s->id);
	case B_REMOTE_HOST:	return v_str(s->remote_host);
	case B_REMOTE_ENDPOINT:	return v_str(s->remote_endpoint);
	case B_REMOTE_IP:
		return v_str(endpoint_ip(s->remote_endpoint, buf, bufsz));
	case B_LOCAL_ENDPOINT:	return v_str(s->local_endpoint);
	case B_LOCAL_IP:
		return v_str(endpoint_ip(s->local_endpoint, buf, bufsz));
	case B_SENDING_IP:
		return v_str(greeting_ip(s->ehlo.greeting, buf, bufsz));
	case B_EHLO_GREETING:	return v_str(s->ehlo.greeting);
	case B_EHLO_EXTENSIONS:
		return v_str(keyword_list(&s->ehlo, " ", buf, bufsz));
	case B_EHLO_EXTENSION_COUNT: return v_num(s->ehlo.nkeywords +
		    s->ehlo.dropped);
	case B_EHLO_PLACEHOLDER_COUNT: return v_num(s->ehlo.placeholders);
	case B_EHLO_SUMMARY:	return v_str(ehlo_summary(s, buf, bufsz));
	case B_EHLO_SENT:	return v_bool(s->ehlo_sent);
	case B_HELO_USED:	return v_bool(s->helo_used);
	case B_GREETING_SEEN:	return v_bool(s->greeting_seen);
	case B_REDUCED_EHLO:	return v_bool(reduced_ehlo(s));
	case B_BANNER_MASKED:	return v_bool(s->banner_masked ||
		    smtp_text_masked(s->ehlo.greeting,
		    strlen(s->ehlo.greeting)));
	case B_STARTTLS_OFFERED: return v_bool(s->starttls_offered);
	case B_STARTTLS_ISSUED:	return v_bool(s->starttls_issued);
	case B_TLS_UP:		return v_bool(s->tls_up);
	case B_TLS_REQUIRED:	return v_bool(tls_required_by_option(ev->r, s));
	case B_MESSAGES_ATTEMPTED: return v_num(s->messages_attempted);
	case B_MESSAGES_ACCEPTED: return v_num(s->messages_accepted);
	case B_COMPLETE:	return v_bool(s->complete);
	case B_START:		return v_str(logtime_format(s->start, buf));
	case B_END:		return v_str(logtime_format(s->end, buf));
	case B_REMOTE_LAST_STARTTLS:
		return v_str(ev->last_starttls < 0 ? "" :
		    logtime_format(ev->last_starttls, buf));
	default:
		return v_bool(0);
	}
}

static struct value
ref_value(struct eval *ev, const struct name_ref *ref)
{
	switch (ref->kind) {
	case REF_FACT:
		return v_bool((ev->s->facts >> ref->id) & 1);
	case REF_CAPTURE:
		return v_str(ev->s->captures[ref->id]);
	default:
		return builtin_value(ev, ref->id);
	}
}

/* A value as text, for ~ and templates. */
static const char *
value_text(struct value v, char *buf, size_t bufsz)
{
	if (v.type == V_STR)
		return v.str;
	if (v.type == V_BOOL)
		return v.num ? "true" : "false";
	snprintf(buf, bufsz, "%lld", v.num);
	return buf;
}

static int
truthy(struct value v)
{
	return v.type == V_STR ? v.str[0] != '\0' : v.num != 0;
}

static int
compare(enum cmp_op op, int c)
{
	switch (op) {
	case CMP_EQ: return c == 0;
	case CMP_NE: return c != 0;
	case CMP_LT: return c < 0;
	case CMP_LE: return c <= 0;
	case CMP_GT: return c > 0;
	default:     return c >= 0;
	}
}

/*
 * PCRE2's JIT reads up to a vector ahead of a subject's end: match in a
 * copy with zeroed room after it, not in a string allocated to its length.
 */
#define MATCH_PAD	64

static const char *
padded(struct rules *r, const char *s)
{
	size_t len = strlen(s);

	if (len + 1 + MATCH_PAD > r->scratchsize) {
		r->scratchsize = len + 1 + MATCH_PAD;
		r->scratch = xrealloc(r->scratch, r->scratchsize);
	}
	memcpy(r->scratch, s, len);
	memset(r->scratch + len, 0, r->scratchsize - len);
	return r->scratch;
}

/* Not inlined: its frame would weigh on every eval_expr() call. */
static __attribute__((noinline)) int
eval_cmp(struct eval *ev, const struct expr *e)
{
	struct value v = ref_value(ev, &e->ref);
	char num[32];
	long long n;
	char *end;

	if (!e->is_number)
		return compare(e->cmp, strcmp(value_text(v, num, sizeof num),
		    e->str));
	if (v.type == V_STR) {
		/* A string compares as a number only if it is one. */
		errno = 0;
		n = strtoll(v.str, &end, 10);
		if (errno != 0 || end == v.str || *end != '\0')
			return 0;
	} else
		n = v.num;
	return compare(e->cmp, n < e->num ? -1 : n > e->num);
}

static __attribute__((noinline)) int
eval_match(struct eval *ev, const struct expr *e)
{
	char num[32];
	const char *text;
	int rc;

	text = padded(ev->r, value_text(ref_value(ev, &e->ref), num,
	    sizeof num));
	rc = match_re(ev->r, e->re, e->jit, text, strlen(text));
	return (rc >= 0) != e->negate;
}

/*
 * Run for every rule on every closed session, so kept small: what
 * comparisons and matches need is in functions of their own, a fact (most
 * names are) is read without making a value, and the right side of "and"
 * and "or" is gone on to rather than called.
 */
static int
eval_expr(struct eval *ev, const struct expr *e)
{
	for (;;) {
		switch (e->op) {
		case EXPR_OR:
			if (eval_expr(ev, e->left))
				return 1;
			e = e->right;
			continue;
		case EXPR_AND:
			if (!eval_expr(ev, e->left))
				return 0;
			e = e->right;
			continue;
		case EXPR_NOT:
			return !eval_expr(ev, e->left);
		case EXPR_NAME:
			if (e->ref.kind == REF_FACT)
				return (ev->s->facts >> e->ref.id) & 1;
			return truthy(ref_value(ev, &e->ref));
		case EXPR_CMP:
			return eval_cmp(ev, e);
		case EXPR_MATCH:
			return eval_match(ev, e);
		}
		return 0;
	}
}

static void
render(struct eval *ev, const struct template *t, char *buf, size_t bufsz)
{
	char num[32];
	size_t n = 0, i, len;
	const char *piece;

	buf[0] = '\0';
	for (i = 0; i < t->nparts && n + 1 < bufsz; i++) {
		piece = t->parts[i].text != NULL ? t->parts[i].text :
		    value_text(ref_value(ev, &t->parts[i].ref), num,
		    sizeof num);
		len = strlen(piece);
		if (len > bufsz - 1 - n)
			len = bufsz - 1 - n;
		memcpy(buf + n, piece, len);
		n += len;
		buf[n] = '\0';
	}
}

/*
 * What snprintf(hint + n, size - n, "%s%s", n > 0 ? " " : "", piece)
 * does, without the cost of a format (n + 1 < size): returns n and the
 * length of what was to be added, cut or not.
 */
static size_t
hint_add(char *hint, size_t size, size_t n, const char *piece)
{
	size_t len = strlen(piece), room;

	if (n > 0) {
		hint[n++] = ' ';
		if (n + 1 == size) {
			hint[n] = '\0';
			return n + len;
		}
	}
	room = size - n - 1;
	memcpy(hint + n, piece, len < room ? len : room);
	hint[n + (len < room ? len : room)] = '\0';
	return n + len;
}

/* The first choice whose condition holds (the last one has none). */
static const struct choice *
choose(struct eval *ev, const struct choices *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].cond == NULL || eval_expr(ev, c->v[i].cond))
			return &c->v[i];
	return NULL;
}

static enum severity
severity_of(const char *word)
{
	return strcmp(word, "error") == 0 ? SEV_ERROR :
	    strcmp(word, "warning") == 0 ? SEV_WARNING : SEV_INFO;
}

/*
 * The remote as the history knows it: the folder, as the address of its
 * name (one for each folder, session.h), then host name or address.  As
 * when the key held the name itself, a session whose folder name, a
 * byte and remote come to RULES_HISTORY_KEY - 8 or more has none.
 */
size_t
rules_history_key(const struct session *s, char *buf, size_t bufsz)
{
	const char *remote = s->remote_host;
	size_t nf = strlen(s->folder), nr;
	char ip[128];

	if (remote == NULL)
		remote = endpoint_ip(s->remote_endpoint, ip, sizeof ip);
	nr = strlen(remote);
	if (nf + 1 + nr >= RULES_HISTORY_KEY - 8 ||
	    sizeof s->folder + nr > bufsz)
		return 0;
	memcpy(buf, &s->folder, sizeof s->folder);
	memcpy(buf + sizeof s->folder, remote, nr);
	return sizeof s->folder + nr;
}

/* The entry of a remote in the history, made when create is set; or NULL. */
static int64_t *
history_find(struct rules *r, const char *key, size_t len, int create)
{
	size_t i = strmap_get(r->history, key, len);

	if (i != (size_t)-1)
		return &r->offered[i];
	if (!create)
		return NULL;
	r->offered = xreallocarray(r->offered, r->noffered + 1,
	    sizeof *r->offered);
	r->offered[r->noffered] = INT64_MIN;
	strmap_put(r->history, key, len, r->noffered);
	return &r->offered[r->noffered++];
}

/*
 * The rules of r (fewer than 65) that may fire on s, of flags
 * (session_flags()), as bits: what rule_may_fire() tells of each, which
 * depends on nothing of s but its facts and flags.
 */
static uint64_t
rules_gated(struct rules *r, const struct session *s, uint64_t flags)
{
	struct gate_memo *m;
	uint64_t h, bits = 0;
	size_t i;

	h = (s->facts ^ flags * 0x9e3779b97f4a7c15ULL) * 0xff51afd7ed558ccdULL;
	m = &r->memo[h >> 32 & (GATE_MEMO - 1)];
	if (m->valid && m->facts == s->facts && m->flags == flags)
		return m->rules;
	for (i = 0; i < r->lang.nrules; i++)
		if (rule_may_fire(r, i, s, flags))
			bits |= (uint64_t)1 << i;
	m->facts = s->facts;
	m->flags = flags;
	m->rules = bits;
	m->valid = 1;
	return bits;
}

void
rules_eval(struct rules *r, const struct session *s, finding_fn emit,
    void *arg)
{
	struct finding_attr attrs[RULES_MAX_CAPTURES];
	char message[1024], hint[2048], key[RULES_HISTORY_KEY], piece[1024];
	const struct choice *sev, *tlsrpt, *msg;
	int64_t *last;
	struct finding f;
	struct eval *ev;
	size_t i, j, keylen, nattrs = 0, n;
	uint64_t flags = session_flags(r, s), gated;

	/* Too big for the stack, and the same for every session. */
	if (r->eval == NULL)
		r->eval = xmalloc(sizeof *r->eval);
	ev = r->eval;
	ev->r = r;
	ev->s = s;
	ev->last_starttls = -1;
	keylen = rules_history_key(s, key, sizeof key);
	if (keylen > 0 && (last = history_find(r, key, keylen, 0)) != NULL &&
	    *last < s->start)
		ev->last_starttls = *last;
	for (i = 0; i < (size_t)r->ncaptures; i++)
		if (s->captures[i] != NULL) {
			attrs[nattrs].name = r->captures[i];
			attrs[nattrs++].value = s->captures[i];
		}
	gated = r->lang.nrules <= 64 && emit != NULL ?
	    rules_gated(r, s, flags) : 0;
	for (i = 0; i < r->lang.nrules && emit != NULL; i++) {
		const struct rule_def *d = &r->lang.rules[i];

		if (i < 64 ? !(gated >> i & 1) : !rule_may_fire(r, i, s, flags))
			continue;
		if (!eval_expr(ev, d->when))
			continue;
		sev = choose(ev, &d->severity);
		tlsrpt = choose(ev, &d->tlsrpt);
		msg = choose(ev, &d->message);
		render(ev, &msg->text, message, sizeof message);
		hint[0] = '\0';
		for (j = 0, n = 0; j < d->hint.n; j++) {
			if (d->hint.v[j].cond != NULL &&
			    !eval_expr(ev, d->hint.v[j].cond))
				continue;
			render(ev, &d->hint.v[j].text, piece, sizeof piece);
			if (n + 1 < sizeof hint)
				n = hint_add(hint, sizeof hint, n, piece);
		}
		memset(&f, 0, sizeof f);
		f.rule = d->id;
		f.severity = severity_of(sev->word);
		f.title = d->title;
		f.tlsrpt = strcmp(tlsrpt->word, "none") == 0 ? NULL :
		    tlsrpt->word;
		f.message = message;
		f.hint = hint[0] != '\0' ? hint : NULL;
		f.attrs = attrs;
		f.nattrs = nattrs;
		f.onset = ev->last_starttls;
		emit(&f, s, arg);
	}
	if (s->starttls_offered && keylen > 0)
		rules_history_add(r, key, keylen, s->start);
}

void
rules_history_add(struct rules *r, const char *key, size_t len, int64_t start)
{
	int64_t *last = history_find(r, key, len, 1);

	if (*last < start)
		*last = start;
}

int
rules_would_fire(struct rules *r, const struct session *s)
{
	struct eval ev;		/* on the stack: asked of every session */
	uint64_t flags, bits;
	size_t i;
	int fire = 0;

	if (r->when_uses_history)
		return -1;
	flags = session_flags(r, s);
	ev.r = r;
	ev.s = s;
	ev.last_starttls = -1;
	if (r->lang.nrules <= 64) {
		/* Most sessions: none, without a look at any rule. */
		for (bits = rules_gated(r, s, flags); bits != 0 && !fire;
		    bits &= bits - 1) {
			i = (size_t)__builtin_ctzll(bits);
			fire = eval_expr(&ev, r->lang.rules[i].when);
		}
		return fire;
	}
	for (i = 0; i < r->lang.nrules && !fire; i++) {
		const struct rule_def *d = &r->lang.rules[i];

		fire = rule_may_fire(r, i, s, flags) &&
		    eval_expr(&ev, d->when);
	}
	return fire;
}

void
rules_finish(struct rules *r)
{
	size_t i;

	for (i = 0; i < r->lang.npatterns; i++) {
		const struct fact_pattern *f = &r->lang.patterns[i];

		if (f->limit.hits > 1)
			diag(DIAG_WARNING, f->pos.file, (unsigned long)
			    f->pos.line, "pattern of fact %s was stopped on "
			    "%lu rows in all", f->fact, f->limit.hits);
	}
}

/* ---- listing ---- */

void
rules_list(const struct rules *r, FILE *fp)
{
	size_t i;

	for (i = 0; i < r->lang.nrules; i++) {
		const struct rule_def *d = &r->lang.rules[i];
		const struct choices *c = &d->severity;

		if (!d->enabled)
			continue;
		fprintf(fp, "%-26s %-8s %s\n", d->id, c->v[c->n - 1].word,
		    d->title);
	}
}

int
rules_explain(const struct rules *r, const char *id, FILE *fp)
{
	struct refs refs;
	size_t i, k;

	for (i = 0; i < r->lang.nrules; i++) {
		const struct rule_def *d = &r->lang.rules[i];

		if (strcmp(d->id, id) != 0)
			continue;
		fprintf(fp, "# %s:%d%s%s\n", d->pos.file, d->pos.line,
		    strcmp(d->pos.file, DEFAULT_RULES_NAME) == 0 ?
		    " (built in)" : "", d->enabled ? "" :
		    " (not run: deselected)");
		fprintf(fp, "%s\n", d->source);
		/* The facts it uses, as written. */
		memset(&refs, 0, sizeof refs);
		rule_refs(d, &refs);
		for (k = 0; k < r->lang.npatterns; k++) {
			const struct fact_pattern *f = &r->lang.patterns[k];

			if (pattern_used(f, &refs))
				fprintf(fp, "\n# %s:%d\n%s\n", f->pos.file,
				    f->pos.line, f->line);
		}
		return 0;
	}
	return -1;
}
