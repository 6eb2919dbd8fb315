/*
 * ehlo.c: SMTP reply lines and EHLO extension lists.
 */
#include <stdint.h>
#include <strings.h>
#include <string.h>

#include "ehlo.h"
#include "memfind.h"

/*
 * The <ctype.h> tests of the C locale, which the program never leaves,
 * without a call for the locale's table.
 */
#define IS_DIGIT(c)	((unsigned)((unsigned char)(c) - '0') < 10)
#define IS_LOWER(c)	((unsigned)((unsigned char)(c) - 'a') < 26)
#define TO_UPPER(c)	(IS_LOWER(c) ? (c) - 0x20 : (c))

/*
 * What a byte may be in ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT /
 * "-"), and in a host name (ehlo_host_name()): a table, as each byte of
 * each reply word is looked up.
 */
#define K_IN	1		/* ALPHA, DIGIT or "-" */
#define K_FIRST	2		/* ALPHA or DIGIT */
#define K_DIGIT	4
#define K_HOST	8		/* ALPHA, DIGIT, "-", "." or "_" */
#define K_A	(K_IN | K_FIRST | K_HOST)
#define K_D	(K_IN | K_FIRST | K_DIGIT | K_HOST)
static const unsigned char kwclass[256] = {
	['-'] = K_IN | K_HOST, ['.'] = K_HOST, ['_'] = K_HOST,
	['0'] = K_D, ['1'] = K_D, ['2'] = K_D, ['3'] = K_D, ['4'] = K_D,
	['5'] = K_D, ['6'] = K_D, ['7'] = K_D, ['8'] = K_D, ['9'] = K_D,
	['A'] = K_A, ['B'] = K_A, ['C'] = K_A, ['D'] = K_A, ['E'] = K_A,
	['F'] = K_A, ['G'] = K_A, ['H'] = K_A, ['I'] = K_A, ['J'] = K_A,
	['K'] = K_A, ['L'] = K_A, ['M'] = K_A, ['N'] = K_A, ['O'] = K_A,
	['P'] = K_A, ['Q'] = K_A, ['R'] = K_A, ['S'] = K_A, ['T'] = K_A,
	['U'] = K_A, ['V'] = K_A, ['W'] = K_A, ['X'] = K_A, ['Y'] = K_A,
	['Z'] = K_A,
	['a'] = K_A, ['b'] = K_A, ['c'] = K_A, ['d'] = K_A, ['e'] = K_A,
	['f'] = K_A, ['g'] = K_A, ['h'] = K_A, ['i'] = K_A, ['j'] = K_A,
	['k'] = K_A, ['l'] = K_A, ['m'] = K_A, ['n'] = K_A, ['o'] = K_A,
	['p'] = K_A, ['q'] = K_A, ['r'] = K_A, ['s'] = K_A, ['t'] = K_A,
	['u'] = K_A, ['v'] = K_A, ['w'] = K_A, ['x'] = K_A, ['y'] = K_A,
	['z'] = K_A,
};
#define KWCLASS(c)	kwclass[(unsigned char)(c)]

/*
 * Keywords that mark the end of a one-row greeting (RFC 5321 and kin), by
 * length, so that a word is compared with a few names of its own length
 * rather than all of them.  A row ends at its first NULL.
 */
#define NAMES_MAX_LEN	19
#define NAMES_PER_LEN	9
static const char *const known_keywords[NAMES_MAX_LEN + 1][NAMES_PER_LEN] = {
	[3] = { "DSN" },
	[4] = { "AUTH", "ETRN", "EXPN", "HELP", "MTRK", "SIZE", "VERB",
	    "VRFY" },
	[5] = { "XOORG", "XRDST", "XRSET", "XFIPS" },
	[6] = { "LIMITS", "X-EXPS", "XPROXY" },
	[7] = { "XEXCH50", "XSHADOW" },
	[8] = { "8BITMIME", "CHUNKING", "SMTPUTF8", "STARTTLS", "XPROXYTO" },
	[9] = { "DELIVERBY", "XSYSPROBE" },
	[10] = { "BINARYMIME", "PIPELINING", "REQUIRETLS", "XPROXYFROM" },
	[11] = { "MT-PRIORITY" },
	[12] = { "X-LINK2STATE" },
	[13] = { "FUTURERELEASE", "NO-SOLICITING" },
	[14] = { "X-ANONYMOUSTLS", "XSHADOWREQUEST" },
	[16] = { "X-MESSAGEROUTING" },
	[18] = { "XMSEXCH-INSPECTION" },
	[19] = { "ENHANCEDSTATUSCODES" },
};

/*
 * Parameters of AUTH and X-EXPS, which are not keywords of their own, the
 * same way.  KERBEROS_V4 is never a keyword anyway ('_').
 */
static const char *const sasl_mechanisms[NAMES_MAX_LEN + 1][NAMES_PER_LEN] = {
	[3] = { "MSN" },
	[4] = { "NTLM" },
	[5] = { "LOGIN", "PLAIN" },
	[6] = { "GSSAPI" },
	[7] = { "XOAUTH2" },
	[8] = { "CRAM-MD5", "EXTERNAL" },
	[9] = { "ANONYMOUS" },
	[10] = { "DIGEST-MD5" },
	[11] = { "KERBEROS_V4", "OAUTHBEARER", "SCRAM-SHA-1" },
	[13] = { "SCRAM-SHA-256" },
};

void
ehlo_init(struct ehlo_reply *e)
{
	/* Nothing past the greeting's NUL or the nkeywords is read. */
	e->code = -1;
	e->helo = e->done = e->lines = 0;
	e->greeting[0] = '\0';
	e->nkeywords = e->dropped = e->starttls = e->placeholders = 0;
	e->seen = 0;
}

void
ehlo_copy(struct ehlo_reply *to, const struct ehlo_reply *from)
{
	to->code = from->code;
	to->helo = from->helo;
	to->done = from->done;
	to->lines = from->lines;
	memcpy(to->greeting, from->greeting, strlen(from->greeting) + 1);
	/* The slots whole, in one copy: cheaper than a strlen() each. */
	memcpy(to->keywords, from->keywords, (size_t)from->nkeywords *
	    sizeof from->keywords[0]);
	to->nkeywords = from->nkeywords;
	to->dropped = from->dropped;
	to->starttls = from->starttls;
	to->placeholders = from->placeholders;
	to->seen = from->seen;
}

/*
 * Whether s is a name of table (upper case), in any case.  Byte by byte
 * rather than by strncasecmp(): the names are short, and most are told
 * from s by their first byte.
 */
static int
in_table(const char *const table[][NAMES_PER_LEN], const char *s, size_t len)
{
	const char *const *name;
	char first;
	size_t i;

	if (len == 0 || len > NAMES_MAX_LEN)
		return 0;
	first = (char)TO_UPPER(s[0]);
	for (name = table[len]; *name != NULL; name++) {
		if ((*name)[0] != first)
			continue;
		for (i = 1; i < len && (*name)[i] == TO_UPPER(s[i]); i++)
			;
		if (i == len)
			return 1;
	}
	return 0;
}

/*
 * Eight bytes of a keyword upper case.  They are ASCII letters, digits
 * and "-" only (or NUL), so all at once: a byte is lower case when adding
 * 0x80 - 'a' sets its top bit and adding 0x80 - 'z' - 1 does not, with no
 * carry into the next byte.
 */
static inline uint64_t
upper8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t lower;

	lower = (x + ones * (0x80 - 'a')) & ~(x + ones * (0x80 - 'z' - 1)) &
	    ones * 0x80;
	return x ^ lower >> 2;
}

/*
 * Copy n bytes of a keyword upper case, by words: the last word of
 * 8 (or 4) bytes may overlap the one before, so no byte is done alone
 * but in a keyword under 4 bytes.
 */
static inline void
upper_copy(char *dst, const char *src, size_t n)
{
	uint64_t x = 0, y = 0;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 <= n; i += 8) {
			memcpy(&x, src + i, 8);
			x = upper8(x);
			memcpy(dst + i, &x, 8);
		}
		if (i < n) {
			memcpy(&x, src + n - 8, 8);
			x = upper8(x);
			memcpy(dst + n - 8, &x, 8);
		}
	} else if (n >= 4) {
		memcpy(&x, src, 4);
		memcpy(&y, src + n - 4, 4);
		x = upper8(x);
		y = upper8(y);
		memcpy(dst, &x, 4);
		memcpy(dst + n - 4, &y, 4);
	} else
		for (i = 0; i < n; i++)
			dst[i] = (char)TO_UPPER(src[i]);
}

/*
 * The bit of struct ehlo_reply's seen for the keyword kw of len bytes (at
 * least 1, with its NUL and room for 8 in all): a hash of its length and
 * first 8 bytes.  Keywords told apart by it need no compare.
 */
static inline uint64_t
seen_bit(const char *kw, size_t len)
{
	uint64_t x;

	memcpy(&x, kw, 8);
	if (len < 8)
		x &= ((uint64_t)1 << (8 * len)) - 1;
	return (uint64_t)1 << ((x + len) * 0x9e3779b97f4a7c15ULL >> 58);
}

/*
 * Count the keyword kw of len bytes (upper case, NUL ended, with bit its
 * seen_bit()) unless it is there already.  kw is the next free slot,
 * which holds nothing until nkeywords counts it; with none free, a spare,
 * to be told apart from what is there and counted.
 */
static inline __attribute__((always_inline)) void
count_keyword(struct ehlo_reply *e, const char *kw, size_t len, uint64_t bit)
{
	/* Known even when the list is full. */
	if (len == 8 && memcmp(kw, "STARTTLS", 8) == 0)
		e->starttls = 1;
	if (len >= 4 && memcmp(kw, "XXXX", 4) == 0)
		e->placeholders++;
	if (e->nkeywords == EHLO_MAX_KEYWORDS)
		e->dropped++;
	else {
		e->nkeywords++;
		e->seen |= bit;
	}
}

static inline __attribute__((always_inline)) void
keep_keyword(struct ehlo_reply *e, const char *kw, size_t len, uint64_t bit)
{
	int k;

	/*
	 * Most keywords are new: their bit is not set.  Those whose bit is
	 * are compared, first by the two bytes that keywords seldom share
	 * (SIZE, SMTPUTF8, STARTTLS).  Both are there, a NUL at worst.
	 */
	if (e->seen & bit)
		for (k = 0; k < e->nkeywords; k++)
			if (e->keywords[k][0] == kw[0] &&
			    e->keywords[k][1] == kw[1] &&
			    strcmp(e->keywords[k], kw) == 0)
				return;
	count_keyword(e, kw, len, bit);
}

/*
 * Add a keyword, upper case and cut to EHLO_KEYWORD_MAX - 1 bytes, unless
 * it is there already.  It is written straight into the next free slot
 * (see keep_keyword()).  Inline: each row of the multi-row form adds one.
 */
static inline __attribute__((always_inline)) void
add_keyword(struct ehlo_reply *e, const char *s, size_t len)
{
	char spare[EHLO_KEYWORD_MAX], *kw;

	kw = e->nkeywords < EHLO_MAX_KEYWORDS ? e->keywords[e->nkeywords] :
	    spare;
	if (len >= EHLO_KEYWORD_MAX)
		len = EHLO_KEYWORD_MAX - 1;
	upper_copy(kw, s, len);
	kw[len] = '\0';
	keep_keyword(e, kw, len, seen_bit(kw, len));
}

static void
set_greeting(struct ehlo_reply *e, const char *s, size_t len)
{
	if (len >= sizeof e->greeting)
		len = sizeof e->greeting - 1;
	memcpy(e->greeting, s, len);
	e->greeting[len] = '\0';
}

/*
 * One word of a one-row reply, with what the parser asks of it, found in
 * one pass over its bytes rather than one per question.
 */
struct word {
	const char	*p;
	size_t		 len;		/* up to the next space */
	size_t		 kwlen;		/* of the keyword it starts with, or 0 */
	int		 digits;	/* the keyword is all digits */
};

/*
 * Where the run of keyword bytes (K_IN) from s[i] ends, four bytes a step
 * while all four are; all is ANDed with their classes.
 */
static inline size_t
keyword_run(const char *s, size_t len, size_t i, unsigned char *all)
{
	unsigned char c, a = *all;

	for (; i + 4 <= len; i += 4) {
		c = KWCLASS(s[i]) & KWCLASS(s[i + 1]) & KWCLASS(s[i + 2]) &
		    KWCLASS(s[i + 3]);
		if (!(c & K_IN))
			break;
		a &= c;
	}
	for (; i < len && ((c = KWCLASS(s[i])) & K_IN); i++)
		a &= c;
	*all = a;
	return i;
}

/*
 * The word at or after s[i], past spaces; returns where it ends.  kwlen
 * is that of the ehlo-keyword before any "=...", 0 when the word is not
 * one.
 */
static inline __attribute__((always_inline)) size_t
next_word(const char *s, size_t len, size_t i, struct word *w)
{
	const char *p;
	size_t start;
	unsigned char all = K_DIGIT;

	while (i < len && s[i] == ' ')
		i++;
	start = i;
	w->p = s + i;
	i = keyword_run(s, len, i, &all);
	/* At the end, a space, an "=", or a byte no keyword has. */
	if (i > start && (KWCLASS(s[start]) & K_FIRST) &&
	    (i == len || s[i] == ' ' || s[i] == '='))
		w->kwlen = i - start;
	else
		w->kwlen = 0;
	w->digits = (all & K_DIGIT) != 0;
	/*
	 * What is left of a word past its keyword bytes is mostly the
	 * rest of a host name or an "[ip]": found by memchr().
	 */
	if (i < len && s[i] != ' ') {
		p = memchr(s + i, ' ', len - i);
		i = p != NULL ? (size_t)(p - s) : len;
	}
	w->len = i - start;
	return i;
}

/*
 * The keyword a row of the multi-row form starts with, or 0.  Unlike
 * next_word(), it stops where the keyword does, so a long host name or
 * parameter is not read to its end.
 */
static size_t
row_keyword(const char *s, size_t len, const char **kw)
{
	size_t i = 0, start;
	unsigned char all = 0;

	while (i < len && s[i] == ' ')
		i++;
	start = i;
	if (i == len || !(KWCLASS(s[i]) & K_FIRST))
		return 0;
	i = keyword_run(s, len, i + 1, &all);
	if (i < len && s[i] != ' ' && s[i] != '=')
		return 0;
	*kw = s + start;
	return i - start;
}

static int
word_is_keyword_start(const struct word *w)
{
	return w->kwlen > 0 && (in_table(known_keywords, w->p, w->kwlen) ||
	    (w->kwlen >= 4 && memcmp(w->p, "XXXX", 4) == 0));
}

/*
 * A word after the greeting: a keyword, or a parameter (a number, a SASL
 * name, an "OK") that is not one.  A word with "=" is never a parameter.
 */
static inline __attribute__((always_inline)) void
take_word(struct ehlo_reply *e, const struct word *w)
{
	if (w->kwlen == 0)
		return;
	if (w->kwlen == w->len && (w->digits ||
	    in_table(sasl_mechanisms, w->p, w->len) ||
	    (w->len == 2 && strncasecmp(w->p, "OK", 2) == 0)))
		return;
	add_keyword(e, w->p, w->kwlen);
}

/* The keywords of the words of s, one after another. */
static void
parse_words(struct ehlo_reply *e, const char *s, size_t len)
{
	struct word w;
	size_t i = 0;

	while (i < len) {
		i = next_word(s, len, i, &w);
		if (w.len == 0)
			break;
		take_word(e, &w);
	}
}

/*
 * What parse_words() made of a tail of a one-row reply (all past the
 * greeting) into a reply with no keywords yet.  The greeting is the
 * remote's host name and varies, but the keywords after it are those of
 * the remote's software and its settings: in a log, most sessions go to
 * a few kinds of servers, and send the same tail again and again.  A
 * tail is a slot's when the same bytes were seen last, so that a slot
 * changes nothing but the time parse_words() would take.  Per thread, a
 * few slots chosen by a hash, each holding the last tail that fell in
 * it; tails too long, or with more keywords than a slot holds, are not
 * kept.
 */
#define TAIL_SLOTS	32	/* a power of 2 */
#define TAIL_TEXT_MAX	200
#define TAIL_KEYWORDS	16
struct tail {
	size_t		 len;		/* of text; 0: none */
	uint64_t	 seen;
	int		 nkeywords, dropped, starttls, placeholders;
	char		 keywords[TAIL_KEYWORDS][EHLO_KEYWORD_MAX];
	char		 text[TAIL_TEXT_MAX];
};
static _Thread_local struct tail tails[TAIL_SLOTS];

/*
 * A tail's slot, by its length and its first and last 8 bytes (a
 * tail has at least one): the bytes compared anyway tell the rest.
 */
static inline struct tail *
tail_slot(const char *s, size_t len)
{
	uint64_t a = 0, b = 0;

	if (len >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + len - 8, 8);
	} else
		memcpy(&a, s, len);
	a = (a ^ (b << 21 | b >> 43) ^ len) * 0x9e3779b97f4a7c15ULL;
	return &tails[a >> 59 & (TAIL_SLOTS - 1)];
}

static void
take_tail(struct ehlo_reply *e, const char *s, size_t len)
{
	struct tail *t;

	/* Only into a reply with no keywords, as a slot says. */
	if (len > TAIL_TEXT_MAX || e->nkeywords != 0 || e->seen != 0 ||
	    e->dropped != 0 || e->starttls != 0 || e->placeholders != 0) {
		parse_words(e, s, len);
		return;
	}
	t = tail_slot(s, len);
	if (t->len == len && memcmp(t->text, s, len) == 0) {
		memcpy(e->keywords, t->keywords, (size_t)t->nkeywords *
		    sizeof e->keywords[0]);
		e->nkeywords = t->nkeywords;
		e->seen = t->seen;
		e->dropped = t->dropped;
		e->starttls = t->starttls;
		e->placeholders = t->placeholders;
		return;
	}
	parse_words(e, s, len);
	if (e->nkeywords > TAIL_KEYWORDS)
		return;
	memcpy(t->keywords, e->keywords, (size_t)e->nkeywords *
	    sizeof e->keywords[0]);
	t->nkeywords = e->nkeywords;
	t->seen = e->seen;
	t->dropped = e->dropped;
	t->starttls = e->starttls;
	t->placeholders = e->placeholders;
	memcpy(t->text, s, len);
	t->len = len;
}

/*
 * The rows of the multi-row form after the first are few strings, the
 * same in each reply of a server and across servers ("PIPELINING",
 * "SIZE 157286400", "8BITMIME"): as for tails, a few slots per thread
 * keep what a short row made, its keyword upper case (NUL padded) and
 * the keyword's bit, and a row that is byte for byte a slot's takes them
 * from it.  A row of up to ROW_TEXT_MAX bytes is held whole by its
 * length and the words of struct row_key (see row_key()).
 */
#define ROW_SLOTS	128	/* 64 pairs: see take_row() */
#define ROW_TEXT_MAX	24	/* below EHLO_KEYWORD_MAX: no keyword cut */
struct row_key {
	uint64_t	 a, b, m;
	size_t		 len;		/* 0: none */
};
struct row_slot {
	struct row_key	 key;
	uint64_t	 bit;
	size_t		 kwlen;		/* 0: the row has no keyword */
	char		 kw[EHLO_KEYWORD_MAX];
};
static _Thread_local struct row_slot rows[ROW_SLOTS];

/*
 * The key of a row of 1 to ROW_TEXT_MAX bytes: its first and last 8
 * bytes, and the 8 after the first when it has over 16; under 8 bytes,
 * its first and last 4; under 4, each byte.  Each byte of the row is in
 * one of the words at least, so two rows of a length with the same key
 * are the same bytes.
 */
static inline void
row_key(struct row_key *k, const char *s, size_t len)
{
	uint32_t a4, b4;

	k->len = len;
	k->m = 0;
	if (len >= 8) {
		memcpy(&k->a, s, 8);
		memcpy(&k->b, s + len - 8, 8);
		if (len > 16)
			memcpy(&k->m, s + 8, 8);
	} else if (len >= 4) {
		memcpy(&a4, s, 4);
		memcpy(&b4, s + len - 4, 4);
		k->a = a4;
		k->b = b4;
	} else {
		k->a = (unsigned char)s[0];
		k->b = (unsigned char)s[len - 1] |
		    (uint64_t)(unsigned char)s[len / 2] << 8;
	}
}

static inline int
row_key_equal(const struct row_key *x, const struct row_key *y)
{
	return x->a == y->a && x->b == y->b && x->m == y->m &&
	    x->len == y->len;
}

/*
 * The keyword of slot r, as add_keyword() would add it: straight into
 * the next free slot of e, or into a spare when none is (see
 * keep_keyword()).
 */
static __attribute__((noinline)) void
take_slot_kept(struct ehlo_reply *e, const struct row_slot *r)
{
	char spare[EHLO_KEYWORD_MAX], *kw;

	kw = e->nkeywords < EHLO_MAX_KEYWORDS ? e->keywords[e->nkeywords] :
	    spare;
	memcpy(kw, r->kw, EHLO_KEYWORD_MAX);
	keep_keyword(e, kw, r->kwlen, r->bit);
}

/*
 * The same, with no call on the way of most rows, whose keyword is new
 * and has room: the others are take_slot_kept()'s, called last.
 */
static inline __attribute__((always_inline)) void
take_slot(struct ehlo_reply *e, const struct row_slot *r)
{
	char *kw;

	if (r->kwlen == 0)
		return;
	if ((e->seen & r->bit) || e->nkeywords == EHLO_MAX_KEYWORDS) {
		take_slot_kept(e, r);
		return;
	}
	kw = e->keywords[e->nkeywords];
	memcpy(kw, r->kw, EHLO_KEYWORD_MAX);
	count_keyword(e, kw, r->kwlen, r->bit);
}

/*
 * A row of key k in no slot: into r, the first of its pair, what r held
 * into the second, made as add_keyword() would.  Out of line, as it
 * calls out.
 */
static __attribute__((noinline)) void
take_new_row(struct ehlo_reply *e, struct row_slot *r, const char *s,
    size_t len)
{
	const char *p;

	r[1] = r[0];
	row_key(&r->key, s, len);
	memset(r->kw, 0, sizeof r->kw);
	if ((r->kwlen = row_keyword(s, len, &p)) > 0) {
		upper_copy(r->kw, p, r->kwlen);
		r->bit = seen_bit(r->kw, r->kwlen);
	}
	take_slot(e, r);
}

/*
 * A keyword row of 1 to ROW_TEXT_MAX bytes, by way of a slot.  Two slots
 * a hash: a row not in either goes into the first, what it held into the
 * second, so that of two rows alike in their hash, as two of one reply
 * may be, neither puts the other out.  Each call out is last, so that
 * ehlo_feed_line() saves no registers for the rows found.
 */
static inline __attribute__((always_inline)) void
take_row(struct ehlo_reply *e, const char *s, size_t len)
{
	struct row_key k;
	struct row_slot *r;
	uint64_t h;

	row_key(&k, s, len);
	h = k.a * 0x9e3779b97f4a7c15ULL ^ k.b ^ k.m ^ len;
	h = (h ^ h >> 29) * 0xbf58476d1ce4e5b9ULL;
	r = &rows[(h >> 58) * 2];
	if (row_key_equal(&r->key, &k))
		;	/* the first slot has it, as most often */
	else if (row_key_equal(&r[1].key, &k))
		r++;
	else {
		take_new_row(e, r, s, len);
		return;
	}
	take_slot(e, r);
}

/*
 * Where the greeting of a one-row reply ends, its spaces left out
 * (*glen), and where the rest begins (*rest): the greeting ends at the
 * first known keyword; failing that, after the "[ip]" word that most
 * greetings carry.  Returns whether a keyword begins the rest.
 */
static int
split_one_row(const char *s, size_t len, size_t *glen, size_t *rest)
{
	struct word w = { NULL, 0, 0, 0 };	/* for the compiler */
	size_t i, greeting_end = 0, after_bracket = 0;
	int first = 1, found = 0;

	for (i = 0; i < len; first = 0) {
		i = next_word(s, len, i, &w);
		if (w.len == 0)
			break;
		if (!first && word_is_keyword_start(&w)) {
			greeting_end = (size_t)(w.p - s);
			found = 1;
			break;
		}
		if (after_bracket == 0 && (w.p[w.len - 1] == ']' ||
		    (w.len > 1 && w.p[w.len - 2] == ']')))
			after_bracket = i;
	}
	if (!found)
		greeting_end = after_bracket > 0 ? after_bracket : len;
	*rest = i = greeting_end;
	while (i > 0 && s[i - 1] == ' ')
		i--;
	*glen = i;
	return found;
}

/*
 * What split_one_row() told of a one-row reply.  A server sends the
 * same row to every session (its name, the sender's address, its
 * keywords), and a log has a few servers: as for tails, a few slots
 * per thread, chosen by a hash, each keep the last row that fell in
 * it, and a row that is byte for byte a slot's is not split again.
 */
#define SPLIT_SLOTS	128	/* a power of 2 */
#define SPLIT_TEXT_MIN	16
#define SPLIT_TEXT_MAX	192
struct split {
	size_t		 len;		/* of text; 0: none */
	size_t		 glen, rest;
	int		 found;
	char		 text[SPLIT_TEXT_MAX];
};
static _Thread_local struct split splits[SPLIT_SLOTS];

/*
 * A row's slot, by its length and its first 16, middle 8 and last 8
 * bytes: the rows of servers alike differ in their names, at the start,
 * and in their keywords, at the end.
 */
static inline struct split *
split_slot(const char *s, size_t len)
{
	uint64_t a, b, c, d;

	memcpy(&a, s, 8);
	memcpy(&b, s + 8, 8);
	memcpy(&c, s + (len - 8) / 2, 8);
	memcpy(&d, s + len - 8, 8);
	a = ((a ^ len) * 0x9e3779b97f4a7c15ULL ^ b) * 0xbf58476d1ce4e5b9ULL;
	a = (a ^ c ^ (d << 21 | d >> 43)) * 0x9e3779b97f4a7c15ULL;
	return &splits[a >> 57 & (SPLIT_SLOTS - 1)];
}

/*
 * The one-row form: greeting words, then keywords with their parameters.
 * Not inline: the rows of the multi-row form, more of them, would save
 * the registers it needs.
 */
static __attribute__((noinline)) void
parse_one_row(struct ehlo_reply *e, const char *s, size_t len)
{
	struct split *t;
	size_t glen, rest;
	int found;

	if (len < SPLIT_TEXT_MIN || len > SPLIT_TEXT_MAX)
		found = split_one_row(s, len, &glen, &rest);
	else if ((t = split_slot(s, len))->len == len &&
	    memcmp(t->text, s, len) == 0) {
		glen = t->glen;
		rest = t->rest;
		found = t->found;
	} else {
		found = t->found = split_one_row(s, len, &glen, &rest);
		t->glen = glen;
		t->rest = rest;
		memcpy(t->text, s, len);
		t->len = len;
	}
	set_greeting(e, s, glen);
	if (found) {
		take_tail(e, s + rest, len - rest);
		return;
	}
	parse_words(e, s + rest, len - rest);
}

/*
 * A row after the first, but a short one.  Out of line, as the first
 * row's way: the short rows, most of them, save fewer registers.
 */
static __attribute__((noinline)) void
take_long_row(struct ehlo_reply *e, const struct smtp_line *l)
{
	const char *kw;
	size_t n;

	if ((n = row_keyword(l->text, l->textlen, &kw)) > 0)
		add_keyword(e, kw, n);
}

static __attribute__((noinline)) void
take_first_row(struct ehlo_reply *e, const struct smtp_line *l, int helo)
{
	if (helo || l->code / 100 != 2 || l->more)
		set_greeting(e, l->text, l->textlen);
	else
		parse_one_row(e, l->text, l->textlen);
}

void
ehlo_feed_line(struct ehlo_reply *e, const struct smtp_line *l, int helo)
{
	/*
	 * The four ints set here are neighbours: stored together, gcc
	 * moves them into a vector register one by one to store them at
	 * once, dearer than four stores.  Stored apart, in this order,
	 * they are not.
	 */
	e->helo = helo;
	if (e->lines++ == 0) {
		e->code = l->code;
		e->done = !l->more;
		take_first_row(e, l, helo);
		return;
	}
	e->done = !l->more;
	e->code = l->code;
	if (!helo && l->code / 100 == 2) {
		if (l->textlen > 0 && l->textlen <= ROW_TEXT_MAX)
			take_row(e, l->text, l->textlen);
		else
			take_long_row(e, l);
	}
}

int
ehlo_feed(struct ehlo_reply *e, const char *s, size_t len, int helo)
{
	struct smtp_line l;

	if (smtp_line_parse(s, len, &l) == -1)
		return -1;
	ehlo_feed_line(e, &l, helo);
	return e->done;
}

int
ehlo_has(const struct ehlo_reply *e, const char *kw)
{
	int k;

	for (k = 0; k < e->nkeywords; k++)
		if (strcmp(e->keywords[k], kw) == 0)
			return 1;
	return 0;
}

/*
 * The host names found last, each with the space after it: a server
 * sends its name first in the banner of every session.  A text that
 * begins with a slot's name and a space has that name, as the bytes
 * up to the space are all that tell it.  A few slots per thread, by a
 * hash of the first 16 bytes of the text.
 */
#define NAME_SLOTS	64	/* a power of 2 */
#define NAME_MIN	16	/* of the text; a name may be shorter */
#define NAME_MAX	64
struct name_slot {
	size_t		 len;		/* 0: none */
	char		 name[NAME_MAX];
};
static _Thread_local struct name_slot names[NAME_SLOTS];

static inline struct name_slot *
name_slot(const char *text)
{
	uint64_t a, b;

	memcpy(&a, text, 8);
	memcpy(&b, text + 8, 8);
	a = (a * 0x9e3779b97f4a7c15ULL ^ b) * 0xbf58476d1ce4e5b9ULL;
	return &names[a >> 58 & (NAME_SLOTS - 1)];
}

static size_t	host_name_len(const char *, size_t);

size_t
ehlo_host_name_len(const char *text, size_t len)
{
	struct name_slot *t;
	size_t n;

	if (len < NAME_MIN)
		return host_name_len(text, len);
	t = name_slot(text);
	if (t->len > 0 && t->len < len && text[t->len] == ' ' &&
	    memcmp(t->name, text, t->len) == 0)
		return t->len;
	n = host_name_len(text, len);
	if (n > 0 && n < len && n <= NAME_MAX) {
		memcpy(t->name, text, n);
		t->len = n;
	}
	return n;
}

/* ehlo_host_name_len() by looking at the bytes. */
static size_t
host_name_len(const char *text, size_t len)
{
	size_t i = 0, k;
	unsigned char c, any;

	/* Four bytes a step while all are of a name, then one by one. */
	for (; i + 4 <= len; i += 4) {
		c = KWCLASS(text[i]) & KWCLASS(text[i + 1]) &
		    KWCLASS(text[i + 2]) & KWCLASS(text[i + 3]);
		if (!(c & K_HOST))
			break;
	}
	for (; i < len && (KWCLASS(text[i]) & K_HOST); i++)
		;
	/* The name ends at the text's end or a space, not another byte. */
	if (i < len && text[i] != ' ')
		return 0;
	/*
	 * It has a letter or digit: most names begin with one, so the
	 * others are looked at only when the first is not.
	 */
	any = i > 0 ? KWCLASS(text[0]) : 0;
	for (k = 1; !(any & K_FIRST) && k < i; k++)
		any |= KWCLASS(text[k]);
	return any & K_FIRST ? i : 0;
}

char *
ehlo_host_name(const char *text, size_t len, char *buf, size_t bufsz)
{
	size_t i = ehlo_host_name_len(text, len);

	if (i == 0 || i >= bufsz)
		return NULL;
	memcpy(buf, text, i);
	buf[i] = '\0';
	return buf;
}

/* Three asterisks in a row; most texts have none at all. */
int
smtp_text_masked(const char *text, size_t len)
{
	return mem_find(text, len, "***", 3, 0) != NULL;
}
