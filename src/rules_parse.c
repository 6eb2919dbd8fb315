/*
 * rules_parse.c: read the rules language (see rules_lang.h) into structures,
 * compiling each pattern with PCRE2 as it is met so that a bad pattern is
 * reported at its place.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memfind.h"
#include "rules_lang.h"
#include "xmalloc.h"

struct parser {
	const char	*file;
	int		 line;
	const char	*text;		/* the current line */
	size_t		 len, pos;
	char		*err;
	size_t		 errsz;
	int		 failed;
};

static void perr(struct parser *, size_t col, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Report at byte col (0-based) of the current line; the first error wins. */
static void
perr(struct parser *p, size_t col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed++)
		return;
	n = snprintf(p->err, p->errsz, "%s:%d:%zu: error: ", p->file, p->line,
	    col + 1);
	if (n < 0 || (size_t)n >= p->errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errsz - (size_t)n, fmt, ap);
	va_end(ap);
}

static struct src_pos
here(const struct parser *p, size_t col)
{
	struct src_pos pos = { p->file, p->line, (int)col + 1 };

	return pos;
}

static void
skip_space(struct parser *p)
{
	while (p->pos < p->len && (p->text[p->pos] == ' ' ||
	    p->text[p->pos] == '\t'))
		p->pos++;
}

static int
at_end(struct parser *p)
{
	skip_space(p);
	return p->pos >= p->len;
}

/* A run of non-blank bytes. */
static char *
read_word(struct parser *p)
{
	size_t start;

	skip_space(p);
	start = p->pos;
	while (p->pos < p->len && p->text[p->pos] != ' ' &&
	    p->text[p->pos] != '\t')
		p->pos++;
	return p->pos > start ? xstrndup(p->text + start, p->pos - start) :
	    NULL;
}

static int
is_name_char(int c, int first)
{
	return isalpha(c) || c == '_' || (!first && (isdigit(c) || c == '-'));
}

/* [A-Za-z_][A-Za-z0-9_-]* */
static char *
read_name(struct parser *p)
{
	size_t start;

	skip_space(p);
	start = p->pos;
	if (p->pos < p->len && is_name_char((unsigned char)p->text[p->pos], 1))
		while (p->pos < p->len &&
		    is_name_char((unsigned char)p->text[p->pos], 0))
			p->pos++;
	return p->pos > start ? xstrndup(p->text + start, p->pos - start) :
	    NULL;
}

static int
peek_keyword(struct parser *p, const char *kw)
{
	size_t n = strlen(kw);

	skip_space(p);
	return p->len - p->pos >= n && memcmp(p->text + p->pos, kw, n) == 0 &&
	    (p->pos + n == p->len ||
	    !is_name_char((unsigned char)p->text[p->pos + n], 0));
}

static int
accept_keyword(struct parser *p, const char *kw)
{
	if (!peek_keyword(p, kw))
		return 0;
	p->pos += strlen(kw);
	return 1;
}

/* "text" with \" \\ \n \t escapes. */
static char *
read_string(struct parser *p)
{
	size_t start, n = 0;
	char *out;

	skip_space(p);
	start = p->pos;
	if (p->pos >= p->len || p->text[p->pos] != '"') {
		perr(p, p->pos, "expected a \"quoted string\"");
		return NULL;
	}
	out = xmalloc(p->len - p->pos);
	for (p->pos++; p->pos < p->len && p->text[p->pos] != '"'; p->pos++) {
		char c = p->text[p->pos];

		if (c == '\\' && p->pos + 1 < p->len) {
			c = p->text[++p->pos];
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c != '"' && c != '\\') {
				perr(p, p->pos - 1, "unknown escape \\%c in "
				    "string", c);
				free(out);
				return NULL;
			}
		}
		out[n++] = c;
	}
	if (p->pos >= p->len) {
		perr(p, start, "string not closed with \"");
		free(out);
		return NULL;
	}
	p->pos++;
	out[n] = '\0';
	return out;
}

/* {n}, {n,} or {n,m} at s: 1, with *i moved to its '}'; else 0. */
static int
quantifier(const char *s, size_t len, size_t *i)
{
	size_t k = 1;
	int digits = 0;

	while (k < len && isdigit((unsigned char)s[k]))
		k++, digits++;
	if (digits == 0)
		return 0;
	if (k < len && s[k] == ',')
		for (k++; k < len && isdigit((unsigned char)s[k]); k++)
			;
	if (k >= len || s[k] != '}')
		return 0;
	*i += k;
	return 1;
}

/*
 * A substring that every match of the pattern contains, to skip rows
 * cheaply before PCRE2 runs: the longest run of plain characters at the
 * top level of the pattern.  None when the pattern has a top-level "|",
 * is caseless or extended, or has no run of 3 bytes.
 */
static char *
required_literal(const char *re, size_t len, uint32_t options, size_t *outlen)
{
	char *run = xmalloc(len + 1), *best = xmalloc(len + 1);
	size_t i, n = 0, bestn = 0;
	int depth = 0, in_class = 0;

	*outlen = 0;
	if (options & (PCRE2_CASELESS | PCRE2_EXTENDED))
		goto none;
	/* Options set inside the pattern, (?i) or (*UCP), may change it. */
	for (i = 0; i + 2 < len; i++)
		if ((re[i] == '(' && re[i + 1] == '*') || (re[i] == '(' &&
		    re[i + 1] == '?' && strchr("imnsxJU^-", re[i + 2]) != NULL))
			goto none;
	for (i = 0; i < len; i++) {
		char c = re[i];
		int literal = -1;

		if (in_class) {
			if (c == '\\')
				i++;
			else if (c == ']')
				in_class = 0;
			continue;
		}
		switch (c) {
		case '\\':
			if (i + 1 >= len)
				goto none;
			c = re[++i];
			/* One-letter escapes end the run; those that take
			 * more (\x41, \p{L}, \g1, \1, \Q...) end the search. */
			if (!isalnum((unsigned char)c))
				literal = c;
			else if (strchr("dDwWsShHvVbBAzZGRXKnrtefa", c) == NULL)
				goto none;
			break;
		case '|':
			if (depth == 0)
				goto none;
			break;
		case '(':
			depth++;
			break;
		case ')':
			depth--;
			break;
		case '[':
			in_class = 1;
			if (i + 1 < len && re[i + 1] == ']')
				i++;
			break;
		case '{':
			/* x{2}, x{0,2}, x{1,}: x may be absent.  A brace that is
			 * not a quantifier is too rare to be worth reading. */
			if (!quantifier(re + i, len - i, &i))
				goto none;
			if (n > 0)
				n--;
			break;
		case '*': case '?':
			/* The character before is optional. */
			if (n > 0)
				n--;
			break;
		case '.': case '^': case '$': case '+':
			break;
		default:
			literal = c;
			break;
		}
		if (literal >= 0 && depth == 0) {
			run[n++] = (char)literal;
			continue;
		}
		if (n > bestn) {
			memcpy(best, run, n);
			bestn = n;
		}
		n = 0;
	}
	if (n > bestn) {
		memcpy(best, run, n);
		bestn = n;
	}
	/* A quantifier may follow the run's last character: checked above. */
	free(run);
	if (bestn < 3) {
		free(best);
		return NULL;
	}
	best[bestn] = '\0';
	*outlen = bestn;
	return best;
none:
	free(run);
	free(best);
	return NULL;
}

/*
 * What PCRE2 found out at compile time about the start of every match, for
 * pattern_may_match().  PCRE2_INFO_MINLENGTH is a lower bound to the
 * characters of a match, so to its bytes too; PCRE2 itself gives no match
 * when fewer bytes are left.
 *
 * The first code unit, or a bitmap of the possible ones, is described by
 * pcre2api(3) for unanchored patterns only, but since PCRE2 10.30 it is
 * also recorded for anchored ones (ChangeLog 10.30, item 46), and
 * pcre2_match() gives no match when the unit at the start is not one of
 * them, or there is none: the subject must start with it even when the
 * match is empty, as for ^(?=x).  We match from offset 0, so a match of an
 * anchored pattern starts there, with one exception:
 * PCRE2_MATCH_INVALID_UTF matches the stretches of valid UTF-8 of an
 * invalid subject one by one, and a pattern anchored by a leading .*
 * (DOTALL) matches at the start of any stretch; but .* makes PCRE2
 * record no first unit (^, \A and \G match at offset 0 only).
 *
 * A first code unit may be caseless, a flag pcre2_pattern_info() does not
 * give: PCRE2 then also takes its other case from its character tables,
 * in UTF-8 mode for a unit below 128 only; ours are the default ones, in
 * which that other case is the other ASCII case of a letter.  Both cases
 * of a letter are taken.  (A letter with a case outside ASCII, 'k', 's',
 * gets a bitmap instead.)
 */
static void
start_info(struct fact_pattern *f)
{
	const uint8_t *map = NULL;
	uint32_t options = 0, minlen = 0, type = 0, unit = 0;

	if (pcre2_pattern_info(f->re, PCRE2_INFO_ALLOPTIONS, &options) != 0 ||
	    (options & PCRE2_NO_START_OPTIMIZE))
		return;
	if (pcre2_pattern_info(f->re, PCRE2_INFO_MINLENGTH, &minlen) == 0)
		f->min_len = minlen;
	if (!(options & PCRE2_ANCHORED))
		return;
	if (pcre2_pattern_info(f->re, PCRE2_INFO_FIRSTCODETYPE, &type) == 0 &&
	    type == 1 && pcre2_pattern_info(f->re, PCRE2_INFO_FIRSTCODEUNIT,
	    &unit) == 0 && unit < 256) {
		f->first[unit >> 3] |= 1u << (unit & 7);
		if ((unit | 0x20) >= 'a' && (unit | 0x20) <= 'z') {
			unit ^= 0x20;
			f->first[unit >> 3] |= 1u << (unit & 7);
		}
		f->first_known = 1;
	} else if (pcre2_pattern_info(f->re, PCRE2_INFO_FIRSTBITMAP,
	    &map) == 0 && map != NULL) {
		memcpy(f->first, map, sizeof f->first);
		f->first_known = 1;
	}
}

/* Where offset off of the pattern is in the text as written (\/ is 2). */
static size_t
written_offset(const char *written, size_t off)
{
	size_t i = 0, n = 0;

	while (n < off) {
		if (written[i] == '\\' && written[i + 1] == '/')
			i++;
		else if (written[i] == '\\' && written[i + 1] != '\0') {
			i++;
			n++;
		}
		i++;
		n++;
	}
	return i;
}

/*
 * /pattern/flags, compiled.  *source gets the pattern text, *jitp whether
 * it may be matched with pcre2_jit_match().
 */
static pcre2_code *
read_regex(struct parser *p, char **source, uint32_t *optsp, int *jitp)
{
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE erroff;
	size_t start, n = 0, jitsize;
	pcre2_code *re;
	char *pat;
	int errcode;

	skip_space(p);
	start = p->pos;
	if (p->pos >= p->len || p->text[p->pos] != '/') {
		perr(p, p->pos, "expected a /pattern/");
		return NULL;
	}
	pat = xmalloc(p->len - p->pos);
	for (p->pos++; p->pos < p->len && p->text[p->pos] != '/'; p->pos++) {
		if (p->text[p->pos] == '\\' && p->pos + 1 < p->len &&
		    p->text[p->pos + 1] == '/')
			p->pos++;
		else if (p->text[p->pos] == '\\' && p->pos + 1 < p->len)
			pat[n++] = p->text[p->pos++];
		pat[n++] = p->text[p->pos];
	}
	if (p->pos >= p->len) {
		perr(p, start, "pattern not closed with /");
		free(pat);
		return NULL;
	}
	pat[n] = '\0';
	for (p->pos++; p->pos < p->len && isalpha((unsigned char)
	    p->text[p->pos]); p->pos++) {
		switch (p->text[p->pos]) {
		case 'i':
			opts |= PCRE2_CASELESS;
			break;
		case 'x':
			opts |= PCRE2_EXTENDED;
			break;
		case 's':
			opts |= PCRE2_DOTALL;
			break;
		default:
			perr(p, p->pos, "unknown pattern flag '%c' (i, x or s)",
			    p->text[p->pos]);
			free(pat);
			return NULL;
		}
	}
	re = pcre2_compile((PCRE2_SPTR)pat, n, opts | PCRE2_DUPNAMES,
	    &errcode, &erroff, NULL);
	if (re == NULL) {
		pcre2_get_error_message(errcode, msg, sizeof msg);
		perr(p, start + 1 + written_offset(p->text + start + 1,
		    (size_t)erroff), "bad pattern: %s (at offset %zu of the "
		    "pattern)", (char *)msg, (size_t)erroff);
		free(pat);
		return NULL;
	}
	/*
	 * Else interpreted.  pcre2_match() runs the JIT code when there is
	 * some (none for (*NO_JIT)), after checks that ours pass: the
	 * options are 0, the length is given, and PCRE2_MATCH_INVALID_UTF
	 * needs no UTF check.  It also turns (*NOTEMPTY) and
	 * (*NOTEMPTY_ATSTART) at the start of the pattern into options of
	 * the match, which pcre2_jit_match() does not: a pattern that
	 * starts with "(*" keeps pcre2_match().
	 */
	*jitp = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0 &&
	    pcre2_pattern_info(re, PCRE2_INFO_JITSIZE, &jitsize) == 0 &&
	    jitsize > 0 && strncmp(pat, "(*", 2) != 0;
	*source = pat;
	*optsp = opts;
	return re;
}

/* ---- expressions ---- */

static struct expr *parse_or(struct parser *);

static struct expr *
new_expr(enum expr_op op)
{
	struct expr *e = xcalloc(1, sizeof *e);

	e->op = op;
	return e;
}

void
expr_free(struct expr *e)
{
	if (e == NULL)
		return;
	expr_free(e->left);
	expr_free(e->right);
	free(e->ref.name);
	free(e->str);
	pcre2_code_free(e->re);
	free(e);
}

static int
read_number(struct parser *p, long long *v)
{
	char *end;

	skip_space(p);
	if (p->pos >= p->len || (!isdigit((unsigned char)p->text[p->pos]) &&
	    p->text[p->pos] != '-'))
		return 0;
	errno = 0;
	*v = strtoll(p->text + p->pos, &end, 10);
	if (errno != 0 || end == p->text + p->pos)
		return 0;
	p->pos = (size_t)(end - p->text);
	return 1;
}

static int
read_cmp(struct parser *p, enum cmp_op *op)
{
	static const struct { const char *s; enum cmp_op op; } ops[] = {
		{ "==", CMP_EQ }, { "!=", CMP_NE }, { "<=", CMP_LE },
		{ ">=", CMP_GE }, { "<", CMP_LT }, { ">", CMP_GT },
	};
	size_t i, n;

	skip_space(p);
	for (i = 0; i < sizeof ops / sizeof *ops; i++) {
		n = strlen(ops[i].s);
		if (p->len - p->pos >= n &&
		    memcmp(p->text + p->pos, ops[i].s, n) == 0) {
			p->pos += n;
			*op = ops[i].op;
			return 1;
		}
	}
	return 0;
}

static struct expr *
parse_primary(struct parser *p)
{
	struct expr *e;
	uint32_t opts;
	size_t col;
	char *name, *src;

	skip_space(p);
	col = p->pos;
	if (p->pos < p->len && p->text[p->pos] == '(') {
		p->pos++;
		e = parse_or(p);
		skip_space(p);
		if (e != NULL && (p->pos >= p->len || p->text[p->pos] != ')')) {
			perr(p, p->pos, "expected ')'");
			expr_free(e);
			return NULL;
		}
		p->pos++;
		return e;
	}
	if (accept_keyword(p, "not")) {
		e = new_expr(EXPR_NOT);
		if ((e->left = parse_primary(p)) == NULL) {
			expr_free(e);
			return NULL;
		}
		return e;
	}
	if ((name = read_name(p)) == NULL ||
	    strcmp(name, "and") == 0 || strcmp(name, "or") == 0) {
		perr(p, col, "expected a name, 'not' or '('");
		free(name);
		return NULL;
	}
	e = new_expr(EXPR_NAME);
	e->ref.name = name;
	e->ref.pos = here(p, col);
	skip_space(p);
	if (p->len - p->pos >= 1 && (p->text[p->pos] == '~' ||
	    (p->len - p->pos >= 2 && memcmp(p->text + p->pos, "!~", 2) == 0))) {
		e->op = EXPR_MATCH;
		e->negate = p->text[p->pos] == '!';
		p->pos += e->negate ? 2 : 1;
		if ((e->re = read_regex(p, &src, &opts, &e->jit)) == NULL) {
			expr_free(e);
			return NULL;
		}
		free(src);
		return e;
	}
	if (read_cmp(p, &e->cmp)) {
		e->op = EXPR_CMP;
		skip_space(p);
		if (p->pos < p->len && p->text[p->pos] == '"') {
			if ((e->str = read_string(p)) == NULL) {
				expr_free(e);
				return NULL;
			}
		} else if (read_number(p, &e->num))
			e->is_number = 1;
		else {
			perr(p, p->pos, "expected a number or a \"string\"");
			expr_free(e);
			return NULL;
		}
	}
	return e;
}

static struct expr *
parse_and(struct parser *p)
{
	struct expr *e = parse_primary(p), *and;

	while (e != NULL && accept_keyword(p, "and")) {
		and = new_expr(EXPR_AND);
		and->left = e;
		if ((and->right = parse_primary(p)) == NULL) {
			expr_free(and);
			return NULL;
		}
		e = and;
	}
	return e;
}

static struct expr *
parse_or(struct parser *p)
{
	struct expr *e = parse_and(p), *or;

	while (e != NULL && accept_keyword(p, "or")) {
		or = new_expr(EXPR_OR);
		or->left = e;
		if ((or->right = parse_and(p)) == NULL) {
			expr_free(or);
			return NULL;
		}
		e = or;
	}
	return e;
}

/* An expression that must run to the end of the line. */
static struct expr *
parse_condition(struct parser *p)
{
	struct expr *e = parse_or(p);

	if (e != NULL && !at_end(p)) {
		perr(p, p->pos, "unexpected text after the expression "
		    "(use 'and', 'or', 'not' and parentheses)");
		expr_free(e);
		return NULL;
	}
	return e;
}

/* ---- templates ---- */

static void
template_add(struct template *t, char *text, char *name, struct src_pos pos)
{
	struct template_part *part;

	t->parts = xreallocarray(t->parts, t->nparts + 1, sizeof *t->parts);
	part = &t->parts[t->nparts++];
	memset(part, 0, sizeof *part);
	part->text = text;
	part->ref.name = name;
	part->ref.pos = pos;
}

static void
template_free(struct template *t)
{
	size_t i;

	for (i = 0; i < t->nparts; i++) {
		free(t->parts[i].text);
		free(t->parts[i].ref.name);
	}
	free(t->parts);
	memset(t, 0, sizeof *t);
}

/* "text {name} text"; "{{" and "}}" stand for braces.  col: of the string. */
static int
parse_template(struct parser *p, const char *s, size_t col,
    struct template *t)
{
	size_t i = 0, n = 0, len = strlen(s), start;
	char *lit = xmalloc(len + 1);

	memset(t, 0, sizeof *t);
	while (i < len) {
		if ((s[i] == '{' || s[i] == '}') && i + 1 < len &&
		    s[i + 1] == s[i]) {
			lit[n++] = s[i];
			i += 2;
			continue;
		}
		if (s[i] == '}') {
			perr(p, col, "'}' without '{' in text (write }} for a "
			    "brace)");
			goto fail;
		}
		if (s[i] != '{') {
			lit[n++] = s[i++];
			continue;
		}
		start = ++i;
		while (i < len && is_name_char((unsigned char)s[i],
		    i == start))
			i++;
		if (i == start || i >= len || s[i] != '}') {
			perr(p, col, "expected {name} in text (write {{ for a "
			    "brace)");
			goto fail;
		}
		if (n > 0)
			template_add(t, xstrndup(lit, n), NULL, here(p, col));
		n = 0;
		template_add(t, NULL, xstrndup(s + start, i - start),
		    here(p, col));
		i++;
	}
	if (n > 0 || t->nparts == 0)
		template_add(t, xstrndup(lit, n), NULL, here(p, col));
	free(lit);
	return 0;
fail:
	free(lit);
	template_free(t);
	return -1;
}

/* ---- lines ---- */

static void
choices_add(struct choices *c, struct choice *v)
{
	c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
	c->v[c->n++] = *v;
}

static void
choices_free(struct choices *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].word);
		template_free(&c->v[i].text);
		expr_free(c->v[i].cond);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}

static void
rule_free(struct rule_def *r)
{
	free(r->id);
	free(r->title);
	choices_free(&r->severity);
	choices_free(&r->tlsrpt);
	choices_free(&r->message);
	choices_free(&r->hint);
	expr_free(r->when);
	free(r->source);
}

static void
pattern_free(struct fact_pattern *f)
{
	free(f->fact);
	free(f->line);
	free(f->source);
	pcre2_code_free(f->re);
	free(f->literal);
	free(f->group_capture);
}

static const char *const severities[] = { "error", "warning", "info", NULL };
static const char *const result_types[] = {
	"starttls-not-supported", "certificate-host-mismatch",
	"certificate-expired", "certificate-not-trusted",
	"validation-failure", "tlsa-invalid", "dnssec-invalid",
	"dane-required", "sts-policy-fetch-error", "sts-policy-invalid",
	"sts-webpki-invalid", "none", NULL
};

static int
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* [if EXPR] at the end of a line. */
static int
parse_if(struct parser *p, struct expr **cond)
{
	*cond = NULL;
	if (at_end(p))
		return 0;
	if (!accept_keyword(p, "if")) {
		perr(p, p->pos, "expected 'if' or the end of the line");
		return -1;
	}
	return (*cond = parse_condition(p)) == NULL ? -1 : 0;
}

/* severity LEVEL [if EXPR], tlsrpt TYPE [if EXPR] */
static int
parse_word_choice(struct parser *p, struct choices *c,
    const char *const *allowed, const char *what)
{
	struct choice v;
	size_t col;

	memset(&v, 0, sizeof v);
	skip_space(p);
	col = p->pos;
	if ((v.word = read_name(p)) == NULL || !in_list(allowed, v.word)) {
		perr(p, col, "expected %s", what);
		free(v.word);
		return -1;
	}
	if (parse_if(p, &v.cond) == -1) {
		free(v.word);
		return -1;
	}
	choices_add(c, &v);
	return 0;
}

/* message "TEXT" [if EXPR], hint "TEXT" [if EXPR] */
static int
parse_text_choice(struct parser *p, struct choices *c)
{
	struct choice v;
	size_t col;
	char *s;

	memset(&v, 0, sizeof v);
	skip_space(p);
	col = p->pos;
	if ((s = read_string(p)) == NULL)
		return -1;
	if (parse_template(p, s, col, &v.text) == -1 ||
	    parse_if(p, &v.cond) == -1) {
		free(s);
		template_free(&v.text);
		return -1;
	}
	free(s);
	choices_add(c, &v);
	return 0;
}

static int
parse_rule_line(struct parser *p, struct rule_def *r)
{
	size_t col;

	skip_space(p);
	col = p->pos;
	if (accept_keyword(p, "severity"))
		return parse_word_choice(p, &r->severity, severities,
		    "error, warning or info");
	if (accept_keyword(p, "tlsrpt"))
		return parse_word_choice(p, &r->tlsrpt, result_types,
		    "an RFC 8460 result type (e.g. starttls-not-supported, "
		    "validation-failure) or none");
	if (accept_keyword(p, "message"))
		return parse_text_choice(p, &r->message);
	if (accept_keyword(p, "hint"))
		return parse_text_choice(p, &r->hint);
	if (accept_keyword(p, "title")) {
		if (r->title != NULL) {
			perr(p, col, "a second title for rule %s", r->id);
			return -1;
		}
		if ((r->title = read_string(p)) == NULL)
			return -1;
		if (!at_end(p)) {
			perr(p, p->pos, "unexpected text after the title");
			return -1;
		}
		return 0;
	}
	if (accept_keyword(p, "when")) {
		if (r->when != NULL) {
			perr(p, col, "a second 'when' for rule %s (join them "
			    "with 'and')", r->id);
			return -1;
		}
		return (r->when = parse_condition(p)) == NULL ? -1 : 0;
	}
	perr(p, col, "expected severity, title, tlsrpt, when, message or "
	    "hint in rule %s", r->id);
	return -1;
}

static int
parse_events(struct parser *p, unsigned *events)
{
	size_t col, i;
	char *w;

	skip_space(p);
	col = p->pos;
	if ((w = read_word(p)) == NULL) {
		perr(p, col, "expected the events a row may have (> < * + -)");
		return -1;
	}
	*events = 0;
	for (i = 0; w[i] != '\0'; i++) {
		switch (w[i]) {
		case '+': *events |= EVENT_CONNECT; break;
		case '-': *events |= EVENT_DISCONNECT; break;
		case '>': *events |= EVENT_SEND; break;
		case '<': *events |= EVENT_RECEIVE; break;
		case '*': *events |= EVENT_INFO; break;
		default:
			perr(p, col + i, "'%c' is not an event (> < * + -)",
			    w[i]);
			free(w);
			return -1;
		}
	}
	free(w);
	return 0;
}

/* fact NAME on EVENTS COLUMN /PATTERN/FLAGS */
static int
parse_fact(struct parser *p, struct fact_pattern *f)
{
	uint32_t opts, count, i;
	size_t col;
	char *w;

	memset(f, 0, sizeof *f);
	f->line = xstrndup(p->text, p->len);
	skip_space(p);
	col = p->pos;
	f->name_pos = here(p, col);
	if ((f->fact = read_name(p)) == NULL) {
		perr(p, col, "expected the fact's name");
		return -1;
	}
	if (!accept_keyword(p, "on")) {
		perr(p, p->pos, "expected 'on' after the fact's name");
		return -1;
	}
	if (parse_events(p, &f->events) == -1)
		return -1;
	skip_space(p);
	col = p->pos;
	w = read_name(p);
	if (w != NULL && strcmp(w, "data") == 0)
		f->column = COLUMN_DATA;
	else if (w != NULL && strcmp(w, "context") == 0)
		f->column = COLUMN_CONTEXT;
	else {
		perr(p, col, "expected the column: data or context");
		free(w);
		return -1;
	}
	free(w);
	skip_space(p);
	f->pos = here(p, p->pos);
	if ((f->re = read_regex(p, &f->source, &opts, &f->jit)) == NULL)
		return -1;
	if (!at_end(p)) {
		perr(p, p->pos, "unexpected text after the pattern");
		return -1;
	}
	f->literal = required_literal(f->source, strlen(f->source), opts,
	    &f->literal_len);
	if (f->literal != NULL && f->literal_len > 0)
		f->literal_anchor = mem_anchor(f->literal, f->literal_len);
	start_info(f);
	/* Named groups get their capture ids in rules.c. */
	pcre2_pattern_info(f->re, PCRE2_INFO_CAPTURECOUNT, &count);
	f->ngroups = (int)count + 1;
	f->group_capture = xcalloc((size_t)f->ngroups, sizeof *f->group_capture);
	for (i = 0; i < count + 1; i++)
		f->group_capture[i] = -1;
	return 0;
}

static void
lang_merge(struct rules_lang *to, struct rules_lang *from)
{
	size_t i, j;

	for (i = 0; i < from->npatterns; i++) {
		to->patterns = xreallocarray(to->patterns, to->npatterns + 1,
		    sizeof *to->patterns);
		to->patterns[to->npatterns++] = from->patterns[i];
	}
	for (i = 0; i < from->nrules; i++) {
		for (j = 0; j < to->nrules; j++)
			if (strcmp(to->rules[j].id, from->rules[i].id) == 0)
				break;
		if (j < to->nrules) {
			rule_free(&to->rules[j]);
			to->rules[j] = from->rules[i];	/* replaced */
			continue;
		}
		to->rules = xreallocarray(to->rules, to->nrules + 1,
		    sizeof *to->rules);
		to->rules[to->nrules++] = from->rules[i];
	}
	free(from->patterns);
	free(from->rules);
	memset(from, 0, sizeof *from);
}

/* The rule's text for --explain: its lines, without trailing blanks. */
static char *
rule_source(const char *text, size_t len, size_t start, size_t end)
{
	(void)len;
	while (end > start && (text[end - 1] == '\n' || text[end - 1] == '\r' ||
	    text[end - 1] == ' '))
		end--;
	return xstrndup(text + start, end - start);
}

static int
rule_complete(struct parser *p, struct rule_def *r)
{
	const char *missing = r->when == NULL ? "when" :
	    r->severity.n == 0 ? "severity" : r->title == NULL ? "title" :
	    r->tlsrpt.n == 0 ? "tlsrpt" : r->message.n == 0 ? "message" : NULL;
	size_t i;

	if (missing != NULL) {
		p->line = r->pos.line;
		perr(p, (size_t)r->pos.col - 1, "rule %s has no %s", r->id,
		    missing);
		return -1;
	}
	/* The last severity, tlsrpt and message are the fallbacks. */
	for (i = 0; i < 3; i++) {
		struct choices *c = i == 0 ? &r->severity : i == 1 ?
		    &r->tlsrpt : &r->message;

		if (c->v[c->n - 1].cond != NULL) {
			p->line = r->pos.line;
			perr(p, (size_t)r->pos.col - 1, "rule %s: the last %s "
			    "needs no 'if': it applies when no other does",
			    r->id, i == 0 ? "severity" : i == 1 ? "tlsrpt" :
			    "message");
			return -1;
		}
	}
	return 0;
}

int
rules_lang_parse(struct rules_lang *lang, const char *name, const char *text,
    size_t len, char *err, size_t errsz)
{
	struct rules_lang add;
	struct parser p;
	struct rule_def *rule = NULL;
	size_t off = 0, eol, rule_start = 0, last_content = 0, col;
	const char *file;
	int rc = 0;

	lang->files = xreallocarray(lang->files, lang->nfiles + 1,
	    sizeof *lang->files);
	file = lang->files[lang->nfiles++] = xstrdup(name);
	memset(&add, 0, sizeof add);
	memset(&p, 0, sizeof p);
	p.file = file;
	p.err = err;
	p.errsz = errsz;
	err[0] = '\0';
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		off = 3;
	for (; off < len && rc == 0; off = eol + 1) {
		const char *nl = memchr(text + off, '\n', len - off);

		eol = nl != NULL ? (size_t)(nl - text) : len;
		p.line++;
		p.text = text + off;
		p.len = eol - off;
		if (p.len > 0 && p.text[p.len - 1] == '\r')
			p.len--;
		p.pos = 0;
		if (memchr(p.text, '\0', p.len) != NULL) {
			perr(&p, 0, "NUL byte in a rules file");
			rc = -1;
			break;
		}
		if (at_end(&p) || p.text[p.pos] == '#')
			continue;
		col = p.pos;
		if (peek_keyword(&p, "rule") || peek_keyword(&p, "fact")) {
			if (rule != NULL) {
				rule->source = rule_source(text, len,
				    rule_start, last_content);
				if (rule_complete(&p, rule) == -1) {
					rc = -1;
					break;
				}
				rule = NULL;
			}
		}
		last_content = eol;
		if (accept_keyword(&p, "fact")) {
			struct fact_pattern f;

			if (parse_fact(&p, &f) == -1) {
				pattern_free(&f);
				rc = -1;
				break;
			}
			add.patterns = xreallocarray(add.patterns,
			    add.npatterns + 1, sizeof *add.patterns);
			add.patterns[add.npatterns++] = f;
		} else if (accept_keyword(&p, "rule")) {
			size_t i;
			char *id;

			skip_space(&p);
			col = p.pos;
			if ((id = read_word(&p)) == NULL || !at_end(&p)) {
				perr(&p, col, "expected one rule id after "
				    "'rule'");
				free(id);
				rc = -1;
				break;
			}
			for (i = 0; i < add.nrules && rc == 0; i++)
				if (strcmp(add.rules[i].id, id) == 0) {
					perr(&p, col, "rule %s is already "
					    "defined in this file", id);
					rc = -1;
				}
			if (rc == -1) {
				free(id);
				break;
			}
			add.rules = xreallocarray(add.rules, add.nrules + 1,
			    sizeof *add.rules);
			rule = &add.rules[add.nrules++];
			memset(rule, 0, sizeof *rule);
			rule->id = id;
			rule->pos = here(&p, col);
			rule->enabled = 1;
			rule_start = off;
		} else if (rule != NULL) {
			if (parse_rule_line(&p, rule) == -1)
				rc = -1;
		} else {
			perr(&p, col, "expected 'fact' or 'rule'");
			rc = -1;
		}
	}
	if (rc == 0 && rule != NULL) {
		rule->source = rule_source(text, len, rule_start, last_content);
		rc = rule_complete(&p, rule);
	}
	if (rc == -1) {
		rules_lang_free(&add);
		return -1;
	}
	lang_merge(lang, &add);
	return 0;
}

void
rules_lang_free(struct rules_lang *lang)
{
	size_t i;

	for (i = 0; i < lang->npatterns; i++)
		pattern_free(&lang->patterns[i]);
	for (i = 0; i < lang->nrules; i++)
		rule_free(&lang->rules[i]);
	for (i = 0; i < lang->nfiles; i++)
		free(lang->files[i]);
	free(lang->patterns);
	free(lang->rules);
	free(lang->files);
	memset(lang, 0, sizeof *lang);
}
