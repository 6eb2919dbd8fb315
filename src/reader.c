/*
 * reader.c: physical lines -> header block -> libcsv -> rows.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && !defined(READER_NO_SIMD)
#include <emmintrin.h>
#endif
#if defined(__GNUC__) && defined(__x86_64__) && !defined(READER_NO_SIMD)
#include <immintrin.h>
#define HAVE_AVX2	/* scan_line_avx2(), when the CPU has it */
#endif

#include <csv.h>

#include "diag.h"
#include "escape.h"
#include "logtime.h"
#include "reader.h"
#include "xmalloc.h"

#define CHUNK		(64 * 1024)
#define MAX_COLUMNS	64
/* Bytes kept after the fields: PCRE2's JIT reads a little ahead. */
#define FIELD_PAD	64
/* Commas and quotes in a line that the fast path takes; more go to libcsv. */
#define STRUCT_MAX	256
/* 64-byte blocks of a line whose commas the AVX2 scan keeps as masks. */
#define BM_MAX		32

enum column {
	COL_IGNORED, COL_DATE_TIME, COL_CONNECTOR, COL_SESSION, COL_SEQUENCE,
	COL_LOCAL, COL_REMOTE, COL_EVENT, COL_DATA, COL_CONTEXT
};

static const char *const column_names[] = {
	NULL, "date-time", "connector-id", "session-id", "sequence-number",
	"local-endpoint", "remote-endpoint", "event", "data", "context"
};

/* The documented order, used when a send log has no #Fields: line. */
static const enum column default_columns[] = {
	COL_DATE_TIME, COL_CONNECTOR, COL_SESSION, COL_SEQUENCE, COL_LOCAL,
	COL_REMOTE, COL_EVENT, COL_DATA, COL_CONTEXT
};
#define NDEFAULT	(sizeof default_columns / sizeof *default_columns)

/* Where a column goes in a row: a field's offset in struct row, or: */
#define SLOT_NONE	0xffff	/* nowhere */
#define SLOT_EVENT	0xfffe	/* row->event */

/* Where the fields of default_columns go, for unquote(). */
static const uint16_t std_slots[NDEFAULT] = {
	offsetof(struct row, date_time), offsetof(struct row, connector),
	offsetof(struct row, session_id), offsetof(struct row, sequence),
	offsetof(struct row, local), offsetof(struct row, remote),
	SLOT_EVENT, offsetof(struct row, data), offsetof(struct row, context)
};

struct reader {
	FILE		*fp;
	const char	*name;
	int		 eof;
	struct logtime_cache times;	/* rows come in about time order */

	/* Line buffer: buf[start..end) holds unread bytes. */
	char		*buf;
	size_t		 size, start, end;
	/*
	 * Past the last LF in buf[0..end), 0 when there is none, as fill()
	 * found it: while start is below it, a whole line is there, which
	 * next_row_avx2() scans with no other test of where the bytes end.
	 * (A NUL put over a LF is in a line already read.)
	 */
	size_t		 whole;
	int		 pending;	/* a line read ahead by the header */
	char		*line;
	size_t		 linelen;
	int		 line_too_long;
	int		 line_unended;	/* the last line, with no newline */

	enum log_kind	 kind;
	int64_t		 date;		/* #Date:, or -1 */
	enum column	 columns[MAX_COLUMNS];
	size_t		 ncolumns;

	/* libcsv and the fields of the row being parsed. */
	struct csv_parser csv;
	char		*fbuf;		/* field bytes, each NUL-terminated */
	size_t		 fbufsize, fbufused;
	/* A field for each comma and quote and one, for split_fast(). */
	size_t		 foff[STRUCT_MAX + 1], flen[STRUCT_MAX + 1];
	char		*fbase;		/* foff counts from: fbuf or line */
	size_t		 nfields;	/* may exceed MAX_COLUMNS: counted */
	int		 by_commas;	/* foff/flen unset: see pos[] */

	/*
	 * The commas and quotes of the line, found by next_line() on its
	 * way to the line's end: offsets from posline, np of them, or
	 * STRUCT_MAX + 1 when there are more.  Valid while r->line is
	 * posline (a BOM taken off moves r->line; NULL when they need
	 * another look).  With seps, only the commas that separate fields,
	 * and r->qf the fields in quotes; seps 2 (scan_line_avx2()): the
	 * commas are in bm[], to be put in pos[] by masks_to_pos().  When
	 * split_fast() sets by_commas, they are the commas of a row in the
	 * standard columns, and pos[np] is the line's length.
	 */
	uint32_t	 pos[STRUCT_MAX + 1 + 64];
	size_t		 np;
	int		 quotes;	/* some of them are quotes */
	int		 seps;		/* the separating commas only, */
					/* 2: in bm[], not yet in pos[] */
	uint64_t	 bm[BM_MAX];	/* with seps 2: a mask per block */
	uint64_t	 qf;		/* with seps: bit k, field k quoted */
	const char	*posline;

	/*
	 * Where the columns go in a row, see map_columns(): the columns of
	 * fields, in order, with their offsets in struct row, and the
	 * columns of the event.
	 */
	uint8_t		 field_col[MAX_COLUMNS];
	uint16_t	 field_off[MAX_COLUMNS];
	size_t		 nfield_cols;
	uint8_t		 event_col[MAX_COLUMNS];
	size_t		 nevent_cols;
	int		 all_fields;	/* every field of a row has a column */
	int		 standard;	/* default_columns, and a fast path */
	size_t		 std_np;	/* standard: NDEFAULT - 1, else none */
	int		 rowdone;
	int		 no_fast_path;	/* every line through libcsv */
	int		 avx2;		/* lines scanned by scan_line_avx2() */
	/* reader_next(): next_row_avx2() or next_row_plain(), as avx2 says;
	 * through a pointer, a jump where a test took four instructions.
	 * With a line pending, next_row_avx2_all(), which sets it back. */
	int		(*next_row)(struct reader *, struct row *);
	/*
	 * 32 LFs, commas and quotes, for scan_line_avx2(): loaded, they
	 * cost an instruction each, where constants took three a line.
	 */
	char		 scan_bytes[3][32];
	/* All ones, for prefix_xor(): from memory, an instruction less. */
	uint64_t	 ones[2];
	/*
	 * Where each field of the standard columns goes in a row, for
	 * unquote(): here, at a place known from r, its address is not
	 * made ready on the way of every row.
	 */
	uint16_t	 std_slots[NDEFAULT];

	unsigned long	 bad_shown;	/* bad rows warned about */
	unsigned long	 bad_unshown;	/* and not, past the cap */
	int		 said_unshown;	/* the warning that says so given */

	struct reader_stats stats;
};

static void	map_columns(struct reader *);
static int	next_row_plain(struct reader *, struct row *);
#ifdef HAVE_AVX2
static int	next_row_avx2(struct reader *, struct row *);
static int	next_row_avx2_all(struct reader *, struct row *);
#endif

/*
 * Buffers have FIELD_PAD bytes of room past what they may hold, and what
 * they grow by is zeroed: PCRE2's JIT reads a little ahead of a subject's
 * end, harmlessly, and memory checkers should see defined bytes there.
 * The room after a field is readable, not zero: in the line buffer it
 * holds the rest of the line, later lines or bytes of earlier reads.
 */
static void *
grow_zeroed(void *p, size_t old, size_t size)
{
	p = xrealloc(p, size);
	memset((char *)p + old, 0, size - old);
	return p;
}

/*
 * libcsv grows its field buffer without limit; refuse above the line cap
 * so that no field can take more than a line's worth of memory.
 */
static void *
csv_capped_realloc(void *p, size_t n)
{
	if (n > READER_LINE_MAX + CHUNK) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n);
}

/* Nothing is trimmed: leading spaces in data are significant. */
static int
csv_no_space(unsigned char c)
{
	(void)c;
	return 0;
}

/* One physical line is one row: the reader finds the line ends itself. */
static int
csv_no_term(unsigned char c)
{
	(void)c;
	return 0;
}

static void
csv_setup(struct reader *r)
{
	csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	csv_set_realloc_func(&r->csv, csv_capped_realloc);
	/* libcsv grows its buffer by this much at a time (128 bytes by
	 * default: thousands of reallocs for a long quoted field). */
	csv_set_blk_size(&r->csv, CHUNK);
	csv_set_space_func(&r->csv, csv_no_space);
	csv_set_term_func(&r->csv, csv_no_term);
}

struct reader *
reader_new(FILE *fp, const char *name)
{
	struct reader *r = xcalloc(1, sizeof *r);

	r->fp = fp;
	r->name = name;
	r->date = -1;
	r->size = READER_READ_SIZE;
	/* Room for the pad after a line that ends the buffer. */
	r->buf = xcalloc(1, r->size + FIELD_PAD);
	r->fbufsize = 4096;
	r->fbuf = xcalloc(1, r->fbufsize);
	memset(r->scan_bytes[0], '\n', sizeof r->scan_bytes[0]);
	memset(r->scan_bytes[1], ',', sizeof r->scan_bytes[1]);
	memset(r->scan_bytes[2], '"', sizeof r->scan_bytes[2]);
	memset(r->ones, 0xff, sizeof r->ones);
	memcpy(r->std_slots, std_slots, sizeof r->std_slots);
	csv_setup(r);
	reader_set_fast_path(r, 2);
	return r;
}

/* Once, at the end of the file: the bad rows not warned about. */
static void
say_unshown(struct reader *r)
{
	if (r->bad_unshown == 0 || r->said_unshown++)
		return;
	diag(DIAG_WARNING, r->name, 0, "%lu more bad rows not shown (%lu in "
	    "this file)", r->bad_unshown, r->bad_shown + r->bad_unshown);
}

void
reader_free(struct reader *r)
{
	if (r == NULL)
		return;
	say_unshown(r);		/* when reading stopped before the end */
	csv_free(&r->csv);
	free(r->fbuf);
	free(r->buf);
	free(r);
}

void
reader_set_fast_path(struct reader *r, int level)
{
	r->no_fast_path = level == 0;
	map_columns(r);		/* for r->standard */
	r->posline = NULL;	/* a line read ahead: its commas looked for */
	r->avx2 = 0;
#ifdef HAVE_AVX2
	if (level >= 2)
		r->avx2 = __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("bmi") &&
		    __builtin_cpu_supports("popcnt") &&
		    __builtin_cpu_supports("pclmul");
#endif
	r->next_row = next_row_plain;
#ifdef HAVE_AVX2
	if (r->avx2)
		r->next_row = r->pending ? next_row_avx2_all : next_row_avx2;
#endif
}

int64_t
reader_date(const struct reader *r)
{
	return r->date;
}

const struct reader_stats *
reader_stats(const struct reader *r)
{
	return &r->stats;
}

static int
fill(struct reader *r)
{
	size_t n, i;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->size) {
		r->size *= 2;
		r->buf = grow_zeroed(r->buf, r->size / 2 + FIELD_PAD,
		    r->size + FIELD_PAD);
	}
	n = fread(r->buf + r->end, 1, r->size - r->end, r->fp);
	if (n == 0) {
		if (ferror(r->fp))
			return -1;
		r->eof = 1;
	}
	r->end += n;
	r->stats.bytes += n;
	/* Past the last LF, looked for from the end, which most reads cut
	 * in a line. */
	for (i = r->end; i > 0 && r->buf[i - 1] != '\n'; i--)
		continue;
	r->whole = i;
	return 0;
}

/*
 * After scan_line(): the commas of a line without quotes are those that
 * separate its fields, as scan_line_avx2() gives them; with quotes, they
 * are mixed with the quotes (qf all ones: not to be cut at its commas).
 */
static inline void
scanned_plain(struct reader *r, const char *line)
{
	r->seps = !r->quotes;
	r->qf = r->quotes ? ~(uint64_t)0 : 0;
	r->posline = line;
}

/*
 * Where the LF of the line at line is, looking from from up to len (len
 * when there is none yet), noting the commas and quotes met on the way in
 * r->pos: one pass over the bytes finds both.  16 bytes at a time where
 * SSE2 is there, 64 with AVX2 (scan_line_avx2); the last block is read
 * past len, which the buffer allows (FIELD_PAD), and what lies there is
 * masked off.
 */
static size_t
scan_line(struct reader *r, const char *line, size_t from, size_t len)
{
	size_t i = from, np;
	unsigned quotes = 0;

	if (from == 0)			/* a new line, or one begun again */
		r->np = 0, r->quotes = 0;
	np = r->np;

#if defined(__SSE2__) && !defined(READER_NO_SIMD)
	const __m128i lf = _mm_set1_epi8('\n'), comma = _mm_set1_epi8(','),
	    quote = _mm_set1_epi8('"');

	for (; i < len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(line + i));
		unsigned ml = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf));
		unsigned mq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
		    quote));
		unsigned ms = mq | (unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v, comma));

		if (len - i < 16)
			ml &= (1u << (len - i)) - 1, ms &= (1u << (len - i)) - 1;
		if (ml != 0)
			ms &= (ml & -ml) - 1;	/* those before the LF */
		quotes |= ms & mq;
		if (np + 16 > STRUCT_MAX) {
			/* Near the end of r->pos: one at a time, then none. */
			for (; ms != 0; ms &= ms - 1) {
				if (np >= STRUCT_MAX) {
					np = STRUCT_MAX + 1;
					ms = 0;
					break;
				}
				r->pos[np++] = (uint32_t)(i +
				    (size_t)__builtin_ctz(ms));
			}
		}
		for (; ms != 0; ms &= ms - 1)
			r->pos[np++] = (uint32_t)(i + (size_t)__builtin_ctz(ms));
		if (ml != 0) {
			r->np = np;
			r->quotes |= quotes != 0;
			scanned_plain(r, line);
			return i + (size_t)__builtin_ctz(ml);
		}
	}
	i = len;
#endif
	for (; i < len; i++) {
		if (line[i] == '\n')
			break;
		if (line[i] != ',' && line[i] != '"')
			continue;
		quotes |= line[i] == '"';
		if (np >= STRUCT_MAX)
			np = STRUCT_MAX + 1;
		else
			r->pos[np++] = (uint32_t)i;
	}
	r->np = np;
	r->quotes |= quotes != 0;
	scanned_plain(r, line);
	return i;
}

#ifdef HAVE_AVX2
/*
 * A line 64 bytes at a time, as two 32-byte halves, with AVX2, and
 * PCLMUL for the quotes: only the commas that separate fields are kept,
 * not those inside quotes, nor the quotes, as a mask per block in r->bm:
 * fill_std() takes the 8 it needs from there, and masks_to_pos() puts
 * them in r->pos for the other ways, which cost less than writing each
 * line's positions out.  A line longer than BM_MAX blocks is marked for
 * split_fast() to look at again.  A line whose quotes
 * each open a field or close one (most quoted lines: "Internet,
 * Partners", certificate subjects, banners) is then cut at those commas
 * as a line without quotes is, each quoted field noted in r->qf, a bit
 * per field; a line with any other quote ("" in a field, a quote in a
 * plain field, one left open) is marked for split_fast() to look at
 * again (r->posline NULL).  The scan starts at the line's start each
 * time, even after a read that did not reach the line's end: the state
 * of its quotes is not kept across reads, and such lines are few.
 * There is no length: next_line() puts a LF after the bytes read, where
 * the scan stops at the latest, and next_row_avx2() scans a line only
 * when a LF is known to end it (r->whole); no other test of where the
 * bytes end is needed.
 */
__attribute__((target("avx2,bmi,popcnt")))
static inline uint64_t
eq_mask64(__m256i lo, __m256i hi, __m256i c)
{
	return (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo,
	    c)) | (uint64_t)(uint32_t)_mm256_movemask_epi8(
	    _mm256_cmpeq_epi8(hi, c)) << 32;
}

/*
 * Bit i set when bits 0..i of m hold an odd number of ones: for the
 * quotes of a block, the bytes inside quotes, the opening quote with
 * them and the closing one not.  A carry-less multiply by all ones is
 * that prefix XOR in one instruction.
 */
__attribute__((target("pclmul")))
static inline uint64_t
prefix_xor(uint64_t m, const uint64_t *ones)
{
	return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(
	    _mm_cvtsi64_si128((long long)m), _mm_loadu_si128(
	    (const __m128i *)(const void *)ones), 0));
}

/*
 * In the quoted fields of a line: its quotes do not all fit, one is left
 * open, or the line is longer than BM_MAX blocks (split_fast() finds its
 * commas).
 */
#define QF_ODD		((uint64_t)1 << 63)

/*
 * The quoted fields of the block at line + i, a bit per field, added to
 * *qf, or QF_ODD when its quotes mq do not each open a field or close
 * one; inq marks the bytes inside quotes (prefix_xor()), ms the
 * separating commas, end the LF that ends the line, if in the block, and
 * np the separating commas before the block.  A quote at either edge of
 * the block, or closing a field before the CR of a CRLF, is looked at
 * byte by byte.
 */
__attribute__((target("bmi,popcnt")))
static inline void
quoted_fields(const char *line, size_t i, uint64_t mq, uint64_t inq,
    uint64_t ms, uint64_t end, size_t np, uint64_t *qf)
{
	uint64_t open = mq & inq, close = mq & ~inq, b;
	uint64_t odd = (open & ~(ms << 1)) | (close & ~((ms | end) >> 1));
	size_t q, k;

	for (; odd != 0; odd = _blsr_u64(odd)) {
		b = _blsi_u64(odd);
		q = i + _tzcnt_u64(odd);
		if (b & open) {
			/* After the comma that ends the last block? */
			if (b != 1 || (q > 0 && line[q - 1] != ','))
				goto bad;
		} else if (line[q + 1] != ',' && line[q + 1] != '\n' &&
		    (line[q + 1] != '\r' || line[q + 2] != '\n'))
			goto bad;
	}
	for (; open != 0; open = _blsr_u64(open)) {
		k = np + (size_t)__builtin_popcountll(ms &
		    (_blsi_u64(open) - 1));
		/* Field 63 or later: QF_ODD, bit 63. */
		*qf |= (uint64_t)1 << (k < 63 ? k : 63);
	}
	return;
bad:
	*qf |= QF_ODD;
}

/*
 * What scan_line_avx2() found of a line, which next_line() notes in r
 * (r->np, r->qf, r->posline) and next_row_avx2() takes as it is.
 */
struct scanned {
	size_t		 np;
	uint64_t	 qf;
	const char	*posline;
};

/*
 * The block at line + i of scan_line_avx2(): 1 when the line ends in it,
 * its end in *off and what was found in *sc.  Inlined with i a constant
 * for the first blocks, where bm[] is at a fixed place.  *np: the
 * separating commas before the block, *qf: the quoted fields so far,
 * *inq: all ones when the block before ended inside quotes (a quoted
 * field that goes on across the edge).
 */
__attribute__((target("avx2,bmi,popcnt,pclmul"), always_inline))
static inline int
scan_block(struct reader *r, const char *line, size_t i, size_t *np,
    uint64_t *qf, uint64_t *inq, size_t *off, struct scanned *sc,
    __m256i lf, __m256i comma, __m256i quote)
{
	__m256i lo = _mm256_loadu_si256((const __m256i *)(line + i));
	__m256i hi = _mm256_loadu_si256((const __m256i *)(line + i + 32));
	uint64_t ml = eq_mask64(lo, hi, lf);
	uint64_t mq = eq_mask64(lo, hi, quote);
	uint64_t ms = eq_mask64(lo, hi, comma);
	uint64_t x;

	if (ml != 0) {
		x = _blsi_u64(ml) - 1;	/* those before the LF */
		mq &= x;
		ms &= x;
	}
	if ((mq | *inq) != 0) {
		x = prefix_xor(mq, r->ones) ^ *inq;
		*inq = (uint64_t)0 - (x >> 63);
		ms &= ~x;
		if (mq != 0)
			quoted_fields(line, i, mq, x, ms, _blsi_u64(ml), *np,
			    qf);
	}
	r->bm[i / 64 % BM_MAX] = ms;
	*np += (size_t)__builtin_popcountll(ms);
	if (ml != 0) {
		/* Longer lines, and quotes that do not fit (one left open
		 * too): split_fast() finds the commas.  QF_ODD says so, which
		 * is all next_row_avx2() looks at. */
		if (*inq != 0 || i >= 64 * BM_MAX)
			*qf |= QF_ODD;
		sc->np = *np;
		sc->qf = *qf;
		sc->posline = (*qf & QF_ODD) == 0 ? line : NULL;
		*off = i + _tzcnt_u64(ml);
		return 1;
	}
	return 0;
}

/*
 * The first SCAN_PEEL blocks, where most lines end, each by its own code:
 * no index to work out nor loop to go round.
 */
#define SCAN_PEEL	6	/* and the unroll pragma */

__attribute__((target("avx2,bmi,popcnt,pclmul")))
static inline size_t
scan_line_avx2(struct reader *r, const char *line, struct scanned *sc)
{
	size_t i, np = 0, off;
	uint64_t qf = 0, inq = 0;
	const char (*sb)[32];
	__m256i lf = _mm256_loadu_si256((const __m256i *)(const void *)
	    r->scan_bytes[0]), comma = _mm256_loadu_si256((const __m256i *)
	    (const void *)r->scan_bytes[1]), quote = _mm256_loadu_si256(
	    (const __m256i *)(const void *)r->scan_bytes[2]);

	/*
	 * Each of them starts out of quotes: a quoted field that goes on
	 * past one of them (few do) sends the rest of the line to the loop
	 * below, so that the blocks here need not look at inq.
	 */
#pragma GCC unroll 6
	for (i = 0; i < 64 * SCAN_PEEL; i += 64) {
		inq = 0;
		if (scan_block(r, line, i, &np, &qf, &inq, &off, sc, lf,
		    comma, quote))
			return off;
		if (inq != 0) {
			i += 64;
			break;
		}
	}
	/*
	 * Loaded again for the longer lines, through a pointer the
	 * compiler cannot see through (the empty asm): else it keeps them
	 * for the loop in registers of their own, copied there on every
	 * line, three instructions a row.
	 */
	sb = r->scan_bytes;
	__asm__("" : "+r"(sb));
	lf = _mm256_loadu_si256((const __m256i *)(const void *)sb[0]);
	comma = _mm256_loadu_si256((const __m256i *)(const void *)sb[1]);
	quote = _mm256_loadu_si256((const __m256i *)(const void *)sb[2]);
	for (;; i += 64)
		if (scan_block(r, line, i, &np, &qf, &inq, &off, sc, lf,
		    comma, quote))
			return off;
}
#endif


/*
 * The next physical line, without its LF or CRLF, in r->line/r->linelen,
 * and its commas and quotes in r->pos.  A line longer than READER_LINE_MAX
 * is consumed whole but returned empty with r->line_too_long set.  Returns
 * 1, 0 at end of file, -1 on error.  Inlined: called once a row, from
 * reader_next(), its call cost 2% of a scan's instructions.  avx2: with
 * scan_line_avx2(), as r->avx2 says.
 */
static inline __attribute__((always_inline)) int
next_line_with(struct reader *r, int avx2)
{
	size_t scanned = 0, off, next;
#ifdef HAVE_AVX2
	struct scanned sc;
#endif

	(void)avx2;		/* unused without AVX2 */
	if (r->pending) {
		r->pending = 0;
		return 1;
	}
	r->line_too_long = 0;
	for (;;) {
		r->buf[r->end] = '\n';	/* for scan_line_avx2() */
#ifdef HAVE_AVX2
		if (avx2) {
			off = scan_line_avx2(r, r->buf + r->start, &sc);
			r->np = sc.np;
			r->qf = sc.qf;
			r->seps = 2;
			r->posline = sc.posline;
		} else
#endif
			off = scan_line(r, r->buf + r->start, scanned,
			    r->end - r->start);
		if (off < r->end - r->start) {
			next = off + 1;		/* past the LF */
			break;
		}
		scanned = off;
		if (scanned > READER_LINE_MAX) {
			/* Drop what we have and keep looking for the end. */
			r->line_too_long = 1;
			r->start = r->end;
			scanned = 0;
		}
		if (r->eof) {
			if (r->end == r->start && !r->line_too_long)
				return 0;
			off = r->end - r->start;  /* last line, no newline */
			next = off;
			r->line_unended = 1;
			break;
		}
		if (fill(r) == -1)
			return -1;
	}
	r->stats.lines++;
	r->line = r->buf + r->start;
	r->linelen = off;
	r->start += next;
	if (r->linelen > 0 && r->line[r->linelen - 1] == '\r')
		r->linelen--;
	if (r->linelen > READER_LINE_MAX)
		r->line_too_long = 1;
	if (r->line_too_long) {
		r->linelen = 0;
		r->np = STRUCT_MAX + 1;	/* its commas are not all there */
	}
	return 1;
}

static int
next_line(struct reader *r)
{
	return next_line_with(r, r->avx2);
}

static int
startswith(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

static const uint16_t column_slots[] = {
	[COL_IGNORED] = SLOT_NONE,
	[COL_DATE_TIME] = offsetof(struct row, date_time),
	[COL_CONNECTOR] = offsetof(struct row, connector),
	[COL_SESSION] = offsetof(struct row, session_id),
	[COL_SEQUENCE] = offsetof(struct row, sequence),
	[COL_LOCAL] = offsetof(struct row, local),
	[COL_REMOTE] = offsetof(struct row, remote),
	[COL_EVENT] = SLOT_EVENT,
	[COL_DATA] = offsetof(struct row, data),
	[COL_CONTEXT] = offsetof(struct row, context),
};

/*
 * r->columns -> the lists of field and event columns, once per header
 * rather than per row: fill_row() takes only the columns it keeps.
 */
static void
map_columns(struct reader *r)
{
	unsigned seen = 0;
	size_t i;

	r->nfield_cols = r->nevent_cols = 0;
	for (i = 0; i < r->ncolumns; i++) {
		uint16_t slot = column_slots[r->columns[i]];

		if (slot == SLOT_EVENT)
			r->event_col[r->nevent_cols++] = (uint8_t)i;
		else if (slot != SLOT_NONE) {
			r->field_col[r->nfield_cols] = (uint8_t)i;
			r->field_off[r->nfield_cols++] = slot;
		}
		seen |= 1u << r->columns[i];
	}
	/* Each field of a row is set from its column, none left blank. */
	r->all_fields = (seen | 1u << COL_IGNORED | 1u << COL_EVENT) ==
	    (1u << (COL_CONTEXT + 1)) - 1;
	/* The usual columns, whose fields fill_row() sets one by one. */
	r->standard = !r->no_fast_path && r->ncolumns == NDEFAULT &&
	    memcmp(r->columns, default_columns, sizeof default_columns) == 0;
	/* Where reader_next() takes a row straight to fill_std(). */
	r->std_np = r->standard ? NDEFAULT - 1 : (size_t)-1;
}

/* "#Fields: a,b,c" -> r->columns. */
static void
parse_fields(struct reader *r, const char *s, size_t len)
{
	const char *end = s + len, *p, *comma;
	size_t i, n;

	r->ncolumns = 0;
	for (p = s; p <= end && r->ncolumns < MAX_COLUMNS; p = comma + 1) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			comma = end;
		while (p < comma && *p == ' ')
			p++;
		n = (size_t)(comma - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		r->columns[r->ncolumns] = COL_IGNORED;
		for (i = 1; i < sizeof column_names / sizeof *column_names; i++)
			if (strlen(column_names[i]) == n &&
			    memcmp(column_names[i], p, n) == 0)
				r->columns[r->ncolumns] = (enum column)i;
		r->ncolumns++;
	}
	map_columns(r);
}

static void
header_line(struct reader *r, const char *s, size_t len)
{
	if (startswith(s, len, "#Log-type:")) {
		s += 10, len -= 10;
		while (len > 0 && *s == ' ')
			s++, len--;
		if (startswith(s, len, "SMTP Send Protocol Log"))
			r->kind = LOG_SEND;
		else if (startswith(s, len, "SMTP Receive Protocol Log"))
			r->kind = LOG_RECEIVE;
		else
			r->kind = LOG_OTHER;
	} else if (startswith(s, len, "#Fields:"))
		parse_fields(r, s + 8, len - 8);
	else if (startswith(s, len, "#Date:") && r->date < 0) {
		s += 6, len -= 6;
		while (len > 0 && *s == ' ')
			s++, len--;
		if (logtime_parse(s, len, &r->date) == -1)
			r->date = -1;
	}
}

static int
has_column(const struct reader *r, enum column c)
{
	size_t i;

	for (i = 0; i < r->ncolumns; i++)
		if (r->columns[i] == c)
			return 1;
	return 0;
}

int
reader_header(struct reader *r)
{
	int rc, first = 1, seen = 0;

	while ((rc = next_line(r)) == 1) {
		if (first && startswith(r->line, r->linelen, "\xEF\xBB\xBF")) {
			r->line += 3;
			r->linelen -= 3;
		}
		first = 0;
		if (r->linelen == 0 || r->line[0] != '#') {
			r->pending = 1;
#ifdef HAVE_AVX2
			if (r->avx2)
				r->next_row = next_row_avx2_all;
#endif
			break;
		}
		seen = 1;
		header_line(r, r->line, r->linelen);
	}
	if (rc == -1)
		return -1;
	if (!seen)
		return r->kind = LOG_UNKNOWN;
	if (r->kind == LOG_UNKNOWN && r->ncolumns > 0)
		r->kind = LOG_SEND;	/* #Fields: without #Log-type: */
	if (r->ncolumns == 0) {
		memcpy(r->columns, default_columns, sizeof default_columns);
		r->ncolumns = NDEFAULT;
		map_columns(r);
	}
	return r->kind;
}

int
reader_missing_columns(const struct reader *r, const char **name)
{
	static const enum column required[] =
	    { COL_DATE_TIME, COL_SESSION, COL_EVENT };
	size_t i;

	for (i = 0; i < sizeof required / sizeof *required; i++)
		if (!has_column(r, required[i])) {
			*name = column_names[required[i]];
			return 1;
		}
	return 0;
}

static void
on_field(void *s, size_t len, void *arg)
{
	struct reader *r = arg;
	size_t i = r->nfields++;

	if (i >= MAX_COLUMNS)
		return;
	if (r->fbufused + len + 1 + FIELD_PAD > r->fbufsize) {
		size_t old = r->fbufsize;

		while (r->fbufused + len + 1 + FIELD_PAD > r->fbufsize)
			r->fbufsize *= 2;
		r->fbuf = grow_zeroed(r->fbuf, old, r->fbufsize);
	}
	if (len > 0)
		memcpy(r->fbuf + r->fbufused, s, len);
	r->fbuf[r->fbufused + len] = '\0';
	r->foff[i] = r->fbufused;
	r->flen[i] = len;
	r->fbufused += len + 1;
}

static void
on_record(int term, void *arg)
{
	struct reader *r = arg;

	(void)term;
	r->rowdone = 1;
}

static void bad_row(struct reader *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
bad_row(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	r->stats.bad_rows++;
	if (r->bad_shown >= READER_BAD_ROWS_SHOWN) {
		r->bad_unshown++;	/* a file of garbage must not flood */
		return;
	}
	r->bad_shown++;
	va_start(ap, fmt);
	vdiag(DIAG_WARNING, r->name, r->stats.lines, fmt, ap);
	va_end(ap);
}

/*
 * Where the commas and quotes of line are, in pos; their number, or
 * STRUCT_MAX + 1 when there are more.  For a line that next_line() did
 * not scan as it is (a BOM was taken off its start).
 */
static size_t
structurals(const char *line, size_t len, uint32_t *pos)
{
	size_t i, np = 0;

	for (i = 0; i < len; i++)
		if (line[i] == ',' || line[i] == '"') {
			if (np == STRUCT_MAX)
				return STRUCT_MAX + 1;
			pos[np++] = (uint32_t)i;
		}
	return np;
}

/*
 * The first n commas of the masks of the AVX2 scan, in s: there are at
 * least n.
 */
static inline __attribute__((always_inline)) void
masks_first(const uint64_t *bm, uint32_t *s, size_t n)
{
	uint64_t m = *bm;
	uint32_t at = 0;
	size_t k;

#pragma GCC unroll 8
	for (k = 0; k < n; k++) {
		while (m == 0)
			m = *++bm, at += 64;
		s[k] = at + (uint32_t)__builtin_ctzll(m);
		m &= m - 1;
	}
}

/* The commas of the masks in r->pos, as scan_line() puts them. */
static void
masks_to_pos(struct reader *r)
{
	masks_first(r->bm, r->pos, r->np);
	r->seps = 1;
}

/* The fields of the standard columns that a row may have in quotes. */
#define STD_QUOTABLE	0x1bf	/* all but the event, field 6 */

/*
 * split_fast() for a line whose separating commas scan_line_avx2() found,
 * with the quotes of each quoted field at its ends, none elsewhere: what
 * libcsv gives too, as no "" can be there.
 */
static int
split_seps(struct reader *r)
{
	size_t np = r->np, k, p = 0, q;
	uint32_t *pos = r->pos;

	pos[np] = (uint32_t)r->linelen;
	r->fbase = r->line;
	r->nfields = np + 1;
	if (r->standard && (r->qf & ~(uint64_t)STD_QUOTABLE) == 0) {
		/* fill_row() cuts it at its commas, see unquote(). */
		r->by_commas = 1;
		return 0;
	}
	for (k = 0; k <= np; k++) {
		q = k < 64 && (r->qf >> k & 1);
		r->foff[k] = p + q;
		r->flen[k] = pos[k] - p - 2 * q;
		p = pos[k] + 1;
	}
	return 0;
}

/*
 * The fast path: the fields of a well-formed line, as libcsv gives them
 * with nothing trimmed and no terminator.  A field is plain bytes up to a
 * comma, or a quoted one ("a,""b""" is a,"b) followed by a comma or the
 * end.  Returns -1, the line untouched, for anything else (a quote inside
 * a plain field, bytes after a closing quote, a quote left open, more than
 * STRUCT_MAX commas and quotes): libcsv then says what is wrong.  The
 * differential test in tests/unit/test_reader.c holds the two to the same
 * fields on any input.
 *
 * The fields are cut out of the line where it lies: next_line() found the
 * commas and quotes, a pass over them checks the line and finds the
 * fields; a quoted field is the text between its quotes, "" moved up to
 * ".  Each field is ended with a NUL by fill_row(), over the comma or
 * closing quote after it.  The line buffer keeps FIELD_PAD bytes after
 * its end.
 */
static int
split_fast(struct reader *r)
{
	char *line = r->line;
	size_t len = r->linelen, np = r->np, k = 0, p = 0, n = 0, stop, i, w;
	uint32_t *pos = r->pos;
	uint64_t escaped = 0;	/* a bit per field with "" inside */
	int esc;

	if (r->posline != line) {	/* the line has moved, or odd quotes */
		np = r->np = structurals(line, len, pos);
		r->quotes = memchr(line, '"', len) != NULL;
		r->seps = 0;
		r->qf = 0;
	}
	if (np > STRUCT_MAX)
		return -1;
	if (r->seps == 2)
		masks_to_pos(r);
	if (r->seps)
		return split_seps(r);
	if (!r->quotes && r->standard) {
		/* The usual row: fill_row() cuts it at its commas. */
		pos[np] = (uint32_t)len;
		r->by_commas = 1;
		r->fbase = line;
		r->nfields = np + 1;
		return 0;
	}
	if (!r->quotes) {
		/* Plain fields only: each ends at the next comma. */
		for (k = 0; k < np; k++) {
			r->foff[k] = p;
			r->flen[k] = pos[k] - p;
			p = pos[k] + 1;
		}
		r->foff[np] = p;
		r->flen[np] = len - p;
		r->fbase = line;
		r->nfields = np + 1;
		return 0;
	}
	for (;;) {
		/* Plain fields, each to the comma that is pos[k]. */
		for (; k < np && line[pos[k]] != '"'; k++, n++) {
			r->foff[n] = p;
			r->flen[n] = pos[k] - p;
			p = pos[k] + 1;
		}
		if (k == np) {
			/* The last field, plain, to the end of the line. */
			r->foff[n] = p;
			r->flen[n] = len - p;
			n++;
			break;
		}
		if (pos[k] != p)
			return -1;	/* a quote inside a plain field */
		/* A quoted field: its text runs to the quote that closes it. */
		esc = 0;
		for (k++;; k++) {
			while (k < np && line[pos[k]] != '"')
				k++;
			if (k == np)
				return -1;	/* left open */
			stop = pos[k];
			if (stop + 1 < len && line[stop + 1] == '"') {
				k++;		/* "" inside */
				esc = 1;
				continue;
			}
			k++;
			break;
		}
		if (stop + 1 < len && line[stop + 1] != ',')
			return -1;	/* bytes after the quote */
		r->foff[n] = p + 1;
		r->flen[n] = stop - (p + 1);
		/* Past MAX_COLUMNS fields, the row is bad whatever they hold. */
		if (esc && n < MAX_COLUMNS)
			escaped |= (uint64_t)1 << n;
		n++;
		if (stop + 1 >= len)
			break;
		k++;		/* the comma after the quote */
		p = stop + 2;
	}
	/* The line is good: now it may change.  "" becomes ". */
	for (; escaped != 0; escaped &= escaped - 1) {
		i = (size_t)__builtin_ctzll(escaped);
		stop = r->foff[i] + r->flen[i];
		for (w = p = r->foff[i]; p < stop; p++) {
			line[w++] = line[p];
			if (line[p] == '"')
				p++;		/* the second of "" */
		}
		r->flen[i] = w - r->foff[i];
	}
	r->fbase = line;
	r->nfields = n;
	return 0;
}

/* Parse r->line into fields; 0 when it is a row, -1 when it is bad. */
static __attribute__((noinline)) int
parse_line(struct reader *r)
{
	int err = 0;

	r->nfields = 0;
	r->fbufused = 0;
	r->rowdone = 0;
	r->by_commas = 0;
	if (r->no_fast_path || split_fast(r) == -1) {
		if (csv_parse(&r->csv, r->line, r->linelen, on_field,
		    on_record, r) != r->linelen ||
		    csv_fini(&r->csv, on_field, on_record, r) != 0) {
			err = csv_error(&r->csv);
			/* Start the next line from a clean parser. */
			csv_free(&r->csv);
			csv_setup(r);
		}
		/* Only now: on_field() may have moved fbuf as it grew. */
		r->fbase = r->fbuf;
	}
	if (err == CSV_ENOMEM || err == CSV_ETOOBIG) {
		bad_row(r, "field longer than %d bytes, row skipped",
		    READER_LINE_MAX);
		return -1;
	}
	if (err != 0) {
		bad_row(r, "malformed CSV (stray or unterminated quote), "
		    "row skipped");
		return -1;
	}
	if (r->nfields != r->ncolumns && r->line_unended) {
		bad_row(r, "last row cut short (%zu of %zu fields, no newline "
		    "at the end of the file), row skipped", r->nfields,
		    r->ncolumns);
		return -1;
	}
	if (r->nfields != r->ncolumns) {
		bad_row(r, "%zu fields where the header has %zu, row skipped",
		    r->nfields, r->ncolumns);
		return -1;
	}
	return 0;
}

/* A row before its fields: those the header did not name read as "". */
static const struct row blank_row = {
	.date_time = { "", 0 }, .connector = { "", 0 },
	.session_id = { "", 0 }, .sequence = { "", 0 }, .local = { "", 0 },
	.remote = { "", 0 }, .data = { "", 0 }, .context = { "", 0 }
};

/*
 * Whether the session id f holds a NUL.  Ids are 16 hex digits: up to 16
 * bytes are looked at in one compare, reading past the id, which the pad
 * after every field allows (FIELD_PAD); longer ones through memchr().
 */
#if defined(__SSE2__) && !defined(READER_NO_SIMD)
/* id_has_nul() of an id of up to 16 bytes. */
static inline __attribute__((always_inline)) int
id16_has_nul(const struct field *f)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)f->p);
	unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
	    _mm_setzero_si128()));

	return (m & ((1u << f->len) - 1)) != 0;
}
#endif

static inline __attribute__((always_inline)) int
id_has_nul(const struct field *f)
{
#if defined(__SSE2__) && !defined(READER_NO_SIMD)
	if (f->len <= 16)
		return id16_has_nul(f);
#endif
	return memchr(f->p, '\0', f->len) != NULL;
}

/* Where field c of the line starts in r->fbase, and its length. */
static size_t
field_start(const struct reader *r, size_t c)
{
	if (r->by_commas)
		return c == 0 ? 0 : r->pos[c - 1] + 1;
	return r->foff[c];
}

static size_t
field_len(const struct reader *r, size_t c)
{
	return r->by_commas ? r->pos[c] - field_start(r, c) : r->flen[c];
}

/* Field f is bytes start..end of base, ended with a NUL over end. */
static inline void
cut(struct field *f, char *base, size_t start, size_t end)
{
	f->p = base + start;
	f->len = end - start;
	base[end] = '\0';
}

/*
 * The trailing zeros of m, which is not 0: where a comma or a quoted
 * field is, from its mask.  The compiler's own count zeroes the register
 * it counts into first (for a false dependency on it that some older
 * Intel CPUs had), an instruction for each comma of a row: this one does
 * not.  On a CPU without BMI, TZCNT runs as BSF, which counts the same
 * for any m but 0.
 */
static inline __attribute__((always_inline)) size_t
ctz_nz(uint64_t m)
{
#if defined(__GNUC__) && defined(__x86_64__)
	__asm__("tzcnt %1, %0" : "=r"(m) : "r"(m) : "cc");
	return (size_t)m;
#else
	return (size_t)__builtin_ctzll(m);
#endif
}

/*
 * The quoted fields of a row that fill_row() or fill_std() cut at its
 * commas, with their quotes: each field without them, ended with a NUL
 * over its closing quote.
 */
static inline __attribute__((always_inline)) void
unquote(const struct reader *r, uint64_t qf, struct row *row)
{
	struct field *f;

	for (; qf != 0; qf &= qf - 1) {
		f = (struct field *)(void *)((char *)row +
		    r->std_slots[ctz_nz(qf)]);
		f->p++;
		f->len -= 2;
		((char *)(uintptr_t)f->p)[f->len] = '\0';
	}
}

/* What a row's time and session id must be. */
static inline __attribute__((always_inline)) int
row_checks(struct reader *r, struct row *row)
{
	char show[80];

	if (logtime_parse_cached(&r->times, row->date_time.p,
	    row->date_time.len, &row->time) == -1) {
		bad_row(r, "bad timestamp '%s', row skipped",
		    esc_text_buf(show, sizeof show, row->date_time.p,
		    row->date_time.len));
		return -1;
	}
	if (row->session_id.len == 0) {
		bad_row(r, "empty session-id, row skipped");
		return -1;
	}
	if (id_has_nul(&row->session_id)) {
		bad_row(r, "NUL byte in session-id, row skipped");
		return -1;
	}
	return 0;
}

static __attribute__((noinline)) int
fill_row(struct reader *r, struct row *row)
{
	struct field *f;
	char show[80], *base = r->fbase;
	const uint32_t *s = r->pos;
	const size_t *o = r->foff, *l = r->flen;
	size_t i, c;

	if (r->all_fields)
		row->event = '\0';
	else
		*row = blank_row;
	row->file = r->name;
	row->line = r->stats.lines;
	for (i = 0; i < r->nevent_cols; i++) {
		c = r->event_col[i];
		row->event = field_len(r, c) == 1 ? base[field_start(r, c)] :
		    '?';
		switch (row->event) {
		case '+': case '-': case '<': case '>': case '*':
			continue;
		}
		bad_row(r, "bad event '%s', row skipped",
		    esc_text_buf(show, sizeof show, base + field_start(r, c),
		    field_len(r, c)));
		return -1;
	}
	/*
	 * The fields in the standard columns (default_columns) are set
	 * straight from the commas or from foff/flen, which the loop below
	 * does for any columns.
	 */
	if (r->by_commas) {
		cut(&row->date_time, base, 0, s[0]);
		cut(&row->connector, base, s[0] + 1, s[1]);
		cut(&row->session_id, base, s[1] + 1, s[2]);
		cut(&row->sequence, base, s[2] + 1, s[3]);
		cut(&row->local, base, s[3] + 1, s[4]);
		cut(&row->remote, base, s[4] + 1, s[5]);
		cut(&row->data, base, s[6] + 1, s[7]);
		cut(&row->context, base, s[7] + 1, s[8]);
		if (r->qf != 0)
			unquote(r, r->qf, row);
	} else if (r->standard) {
		cut(&row->date_time, base, o[0], o[0] + l[0]);
		cut(&row->connector, base, o[1], o[1] + l[1]);
		cut(&row->session_id, base, o[2], o[2] + l[2]);
		cut(&row->sequence, base, o[3], o[3] + l[3]);
		cut(&row->local, base, o[4], o[4] + l[4]);
		cut(&row->remote, base, o[5], o[5] + l[5]);
		cut(&row->data, base, o[7], o[7] + l[7]);
		cut(&row->context, base, o[8], o[8] + l[8]);
	} else {
		for (i = 0; i < r->nfield_cols; i++) {
			c = r->field_col[i];
			f = (struct field *)(void *)((char *)row +
			    r->field_off[i]);
			cut(f, base, o[c], o[c] + l[c]);
		}
	}
	if (row->event == '\0') {
		bad_row(r, "#Fields: has no event column, row skipped");
		return -1;
	}
	return row_checks(r, row);
}

struct commas {
	const uint64_t	*bm;
	uint64_t	 m;
	char		*at;		/* the line's byte at bit 0 of m */
	const uint32_t	*pos;
};

static inline __attribute__((always_inline)) char *
next_comma(struct commas *c, int masks)
{
	char *p;
	uint64_t m;

	if (!masks)
		return c->at + *c->pos++;
	if (c->m == 0) {
		/* The next block, and rarely more: most have a comma. */
		do {
			c->m = *++c->bm;
			c->at += 64;
		} while (__builtin_expect(c->m == 0, 0));
	}
	m = c->m;
	c->m &= c->m - 1;
	p = c->at + ctz_nz(m);
	return p;
}

/* The events, a bit each: all are below 64. */
#define EVENTS	((uint64_t)1 << '+' | (uint64_t)1 << '-' | \
	(uint64_t)1 << '<' | (uint64_t)1 << '>' | (uint64_t)1 << '*')

/* Field f is bytes start..end, ended with a NUL over end. */
static inline __attribute__((always_inline)) void
cut_to(struct field *f, char *start, char *end)
{
	f->p = start;
	f->len = (size_t)(end - start);
	*end = '\0';
}

/* The field after the comma at *prev, to the next one, which it notes. */
static inline __attribute__((always_inline)) void
cut_next(struct field *f, struct commas *c, int masks, char **prev)
{
	char *end = next_comma(c, masks);

	cut_to(f, *prev + 1, end);
	*prev = end;
}

/*
 * A row of the standard columns, cut at the NDEFAULT - 1 commas that
 * next_line() found, each field quoted or not (r->qf): fill_row() with
 * less to decide, for most rows.  Each field is cut as its comma is
 * taken, none kept: after each NUL written, a char, a comma kept in
 * memory would be read again.  The commas are pointers into the line,
 * which saves an addition for each pointer and length.  masks: the
 * commas are in r->bm; time24 too: the line starts with a good time of
 * 24 bytes and a comma, as next_row_avx2() checked.  The line is base,
 * len bytes (r->line, r->linelen, which next_row_avx2() does not set).
 * Returns 0, or -1 when the event is bad, with the commas around it in
 * ev[0] and ev[1], for bad_event().
 */
static inline __attribute__((always_inline)) int
cut_std(struct reader *r, struct row *row, int masks, int time24, char *base,
    size_t len, uint64_t qf, char **ev)
{
	char *prev;
	unsigned ew;
	struct commas c = { r->bm, r->bm[0], base, r->pos };

	row->file = r->name;
	row->line = r->stats.lines;
	if (time24) {
		/* Its comma, the first in bm[0]: a time has none. */
		prev = base + 24;
		c.m &= c.m - 1;
	} else
		prev = next_comma(&c, masks);
	cut_to(&row->date_time, base, prev);
	cut_next(&row->connector, &c, masks, &prev);
	cut_next(&row->session_id, &c, masks, &prev);
	cut_next(&row->sequence, &c, masks, &prev);
	cut_next(&row->local, &c, masks, &prev);
	cut_next(&row->remote, &c, masks, &prev);
	/*
	 * The event: one byte, then its comma.  Those two bytes, as
	 * event + (',' << 8), less ',' << 8, leave the event when below 64,
	 * where EVENTS has a bit for each.  (The NULs written are at
	 * commas, none in the event.)  That comma is then the next one,
	 * dropped from the masks without being looked for: a field that
	 * does not start with a quote is out of quotes, and so is the comma
	 * that ends it.
	 */
	ew = (unsigned)(unsigned char)prev[1] |
	    (unsigned)(unsigned char)prev[2] << 8;
	row->event = (char)ew;
	ew -= (unsigned)',' << 8;
	if (ew >= 64 || (EVENTS >> ew & 1) == 0) {
		ev[0] = prev;
		ev[1] = next_comma(&c, masks);
		return -1;
	}
	(void)next_comma(&c, masks);
	prev += 2;
	cut_next(&row->data, &c, masks, &prev);
	cut_to(&row->context, prev + 1, base + len);
	if (qf != 0)
		unquote(r, qf, row);
	return 0;
}

/* The event between the commas at from and to is bad: say so. */
static __attribute__((noinline)) int
bad_event(struct reader *r, const char *from, const char *to)
{
	char show[80];

	bad_row(r, "bad event '%s', row skipped", esc_text_buf(show,
	    sizeof show, from + 1, (size_t)(to - from - 1)));
	return -1;
}

static inline __attribute__((always_inline)) int
fill_std_at(struct reader *r, struct row *row, int masks)
{
	char *ev[2];

	if (cut_std(r, row, masks, 0, r->line, r->linelen, r->qf, ev) == -1)
		return bad_event(r, ev[0], ev[1]);
	return row_checks(r, row);
}

/*
 * avx2: the line was scanned by scan_line_avx2(), which leaves its commas
 * in r->bm (reader_set_fast_path() has a line read before scanned again).
 */
static inline __attribute__((always_inline)) int
fill_std(struct reader *r, struct row *row, int avx2)
{
	if (avx2 || r->seps == 2)
		return fill_std_at(r, row, 1);
	return fill_std_at(r, row, 0);
}


/*
 * reader_next(), for a CPU with AVX2 or not: the one with AVX2 scans
 * lines inline and takes the commas out of their masks with BMI.
 */
static inline __attribute__((always_inline)) int
next_row(struct reader *r, struct row *row, int avx2)
{
	int rc;

	while ((rc = next_line_with(r, avx2)) == 1) {
		if (r->line_too_long) {
			bad_row(r, "line longer than %d bytes, row skipped",
			    READER_LINE_MAX);
			continue;
		}
		if (startswith(r->line, r->linelen, "\xEF\xBB\xBF")) {
			r->line += 3;
			r->linelen -= 3;
		}
		if (r->linelen == 0)
			continue;
		if (r->line[0] == '#') {
			/* A header block again, e.g. files joined with cat. */
			enum log_kind before = r->kind;

			header_line(r, r->line, r->linelen);
			if (r->kind != before && (r->kind == LOG_RECEIVE ||
			    r->kind == LOG_OTHER))
				diag(DIAG_WARNING, r->name, r->stats.lines,
				    "header of a log that is not a send log: "
				    "its rows are skipped (counted as bad rows)");
			continue;
		}
		if (r->kind == LOG_RECEIVE || r->kind == LOG_OTHER) {
			r->stats.bad_rows++;
			continue;
		}
		if (r->np == r->std_np && r->posline == r->line &&
		    (r->qf & ~(uint64_t)STD_QUOTABLE) == 0) {
			/* The usual row, its fields where the scan found. */
			if (fill_std(r, row, avx2) == -1)
				continue;
		} else if (parse_line(r) == -1 || fill_row(r, row) == -1)
			continue;
		r->stats.rows++;
		return 1;
	}
	say_unshown(r);
	return rc;
}

#ifdef HAVE_AVX2
/*
 * flatten: scan_line_avx2() inlined here, where it may be (not in
 * next_row_plain(), which rules out always_inline), saves a call and
 * its saving of registers a line.
 */
__attribute__((target("avx2,bmi,popcnt,pclmul"), flatten, noinline))
static int
next_row_avx2_all(struct reader *r, struct row *row)
{
	r->next_row = next_row_avx2;	/* no line pending after this */
	return next_row(r, row, 1);
}

/*
 * What next_row_avx2() leaves of a row: a bad event (from, to as for
 * bad_event()), or else the checks of row_checks() it could not make
 * inline; then the next row, if this one is bad.
 */
__attribute__((noinline))
static int
next_row_avx2_end(struct reader *r, struct row *row, const char *from,
    const char *to)
{
	if (from != NULL)
		bad_event(r, from, to);
	else if (row_checks(r, row) == 0) {
		r->stats.rows++;
		return 1;
	}
	return next_row_avx2_all(r, row);
}

/*
 * Whether the 16 bytes at p hold a NUL: id16_has_nul() of an id of 16
 * bytes, its compare tested as it is (PTEST), not made a mask first.
 */
__attribute__((target("avx2"), always_inline))
static inline int
has_nul16(const char *p)
{
	__m128i v = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)
	    (const void *)p), _mm_setzero_si128());

	return !_mm_testz_si128(v, v);
}

/*
 * logtime_parse_usual24() of the time at line, 24 bytes, with AVX2: its
 * bytes and those of the cache's last time are compared at once, 32 of
 * them (the rest of the cache, and the line after the time, not looked
 * at).  The same time, a third of the rows in a busy log, takes nothing
 * more; a time of the same minute, its seconds.
 */
__attribute__((target("avx2"), always_inline))
static inline int
time_usual_avx2(struct logtime_cache *c, const char *line, int64_t *ms)
{
	__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)line);
	__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)c->last);
	uint32_t ne = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, b));
	int usual;

	if ((ne & 0xffffff) == 0) {
		*ms = c->tail_ms;
		return 0;
	}
	if ((ne & 0xffff) == 0 && (usual = logtime_usual_seconds(line)) >= 0) {
		*ms = logtime_cache_seconds(c, line, usual);
		return 0;
	}
	return -1;
}

/*
 * reader_next() with AVX2: the usual row, a line of the standard columns
 * whole in the buffer, here, and anything else (a line to read more of,
 * a header, a BOM) by next_row_avx2_all(), which
 * takes the line from its start again, or, past the NULs written, by
 * next_row_avx2_end() (a bad row).  Those are jumps, not calls: no
 * value here lives across a call, so fewer registers are saved and no
 * stack is aligned for AVX2 each row, and the many tests of next_row()
 * that the usual row passes are not made: 4% fewer instructions in a
 * scan of one thread.
 */
__attribute__((target("avx2,bmi,popcnt,pclmul"), flatten))
static int
next_row_avx2(struct reader *r, struct row *row)
{
	char *line = r->buf + r->start, *ev[2];
	size_t off, len;
	struct scanned sc;

	/*
	 * A whole line: the scan stops at its LF, at r->whole - 1 at the
	 * latest, and needs no LF put after the bytes read.  (No line
	 * pending: r->next_row would be next_row_avx2_all().)
	 */
	if (r->start >= r->whole)
		return next_row_avx2_all(r, row);
	/* In sc, not r: each call scans its line again. */
	off = scan_line_avx2(r, line, &sc);
	/*
	 * A time of the minute before first, 24 bytes and a comma, not a
	 * header line or a BOM.  The time is checked before the line is
	 * cut, where it is at a place known: its comma is then the first
	 * one, with none in it to look for.  A time that needs more
	 * (another minute, a bad one) is read again from the start of the
	 * line, which is not changed yet.  No test of r->kind: a call that
	 * starts here comes after a row of a send log (headers are read by
	 * next_row_avx2_all(), which goes on to the next row), or after
	 * the end of the file, or after reader_header(), which leaves the
	 * first row pending (for next_row_avx2_all()).  Nor of whether
	 * r->times is valid: it is after a row handed out, whose time was
	 * parsed, and at the end of the file, or after a read error, no
	 * whole line is left to get this far.
	 */
	if (sc.np != r->std_np || (sc.qf & ~(uint64_t)STD_QUOTABLE) != 0 ||
	    line[24] != ',' ||
	    time_usual_avx2(&r->times, line, &row->time) == -1)
		return next_row_avx2_all(r, row);
	len = off;
	if (line[len - 1] == '\r')	/* 8 commas: len > 0 */
		len--;
	r->stats.lines++;
	r->start += off + 1;
	if (cut_std(r, row, 1, 1, line, len, sc.qf, ev) == -1)
		return next_row_avx2_end(r, row, ev[0], ev[1]);
	/* The rest of row_checks() for the usual row: an id of 16 bytes
	 * (others are looked at by next_row_avx2_end()). */
	if (row->session_id.len != 16 || has_nul16(row->session_id.p))
		return next_row_avx2_end(r, row, NULL, NULL);
	r->stats.rows++;
	return 1;
}
#endif

static int
next_row_plain(struct reader *r, struct row *row)
{
	return next_row(r, row, 0);
}

int
reader_next(struct reader *r, struct row *row)
{
	return r->next_row(r, row);
}

/* The fields of a row, in one order for reader_row_copy(). */
#define ROW_FIELDS(r) { &(r)->date_time, &(r)->connector, &(r)->session_id, \
	&(r)->sequence, &(r)->local, &(r)->remote, &(r)->data, &(r)->context }

size_t
reader_row_size(const struct row *row)
{
	const struct field *from[] = ROW_FIELDS(row);
	size_t i, size = sizeof(struct row) + FIELD_PAD;

	for (i = 0; i < sizeof from / sizeof from[0]; i++)
		size += from[i]->len + 1;
	return size;
}

struct row *
reader_row_copy_to(const struct row *row, void *mem)
{
	struct row *copy = mem;
	struct field *to[] = ROW_FIELDS(copy);
	char *p = (char *)(copy + 1);
	size_t i;

	*copy = *row;
	for (i = 0; i < sizeof to / sizeof to[0]; i++) {
		memcpy(p, to[i]->p, to[i]->len);
		p[to[i]->len] = '\0';
		to[i]->p = p;
		p += to[i]->len + 1;
	}
	/* The room after a field is readable (FIELD_PAD), as in the line. */
	memset(p, 0, FIELD_PAD);
	return copy;
}

struct row *
reader_row_copy(const struct row *row)
{
	return reader_row_copy_to(row, xmalloc(reader_row_size(row)));
}
