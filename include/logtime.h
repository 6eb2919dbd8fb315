/*
 * logtime.h: the date-time column, yyyy-mm-ddThh:mm:ss.fffZ (UTC).
 */
#ifndef LOGTIME_H
#define LOGTIME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LOGTIME_BUFSZ	sizeof("yyyy-mm-ddThh:mm:ss.fffZ")

/*
 * Parse s[0..len) into milliseconds since the epoch.  The fraction may have
 * 0 to 7 digits (only milliseconds are kept).  Returns 0, or -1 when s is
 * not such a time.
 */
int	logtime_parse(const char *s, size_t len, int64_t *ms);

/*
 * The same, for times that come in order: the minute of the last one
 * parsed is kept, and a time in the same minute parses only its seconds.
 * Start with a zeroed cache.  The usual case is inline, the rest in
 * logtime_parse_cached_fully().
 */
struct logtime_cache {
	size_t	 usual;		/* 24 when last is valid, else 0 */
	/*
	 * A time of 24 bytes: the minute, "yyyy-mm-ddThh:mm", and the last
	 * ":ss.fffZ" of it parsed (rows often share a time, a third in a
	 * busy log), set to ":00.000Z" when the minute changes, so that it
	 * is always right.  One after the other, for a reader to compare
	 * all 24 bytes at once.
	 */
	char	 last[24];
	int64_t	 ms;		/* the minute's time */
	int64_t	 tail_ms;	/* last's */
};
int	logtime_parse_cached_fully(struct logtime_cache *, const char *s,
	    size_t len, int64_t *ms);

/*
 * The milliseconds in its minute of a time of the usual form, ":ss.fffZ"
 * from s + 16 of 24 bytes with seconds up to 59; -1 for any other (a leap
 * second too), which the full parse is to look at.  The 8 bytes are
 * looked at as one word: xor with ":00.000Z" leaves 0 in the three
 * separators and 0 to 9 in the digits, and only then does each byte stay
 * below 0x80 when 0x7f (a separator), 0x76 (a digit) or 0x7a (the tens of
 * seconds, 0 to 5) is added to it; as no byte is above 0x7f then, no
 * addition carries into the next byte.  The words for that, and for the
 * sum below, are logtime_k[] (src/logtime.c).
 */
extern const uint64_t logtime_k[5];

static inline int
logtime_usual_seconds(const char *s)
{
	uint64_t x, t;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&x, s + 16, 8);
#else
	int i;

	for (x = 0, i = 7; i >= 0; i--)
		x = x << 8 | (unsigned char)s[16 + i];
#endif
	x ^= logtime_k[0];
	if ((x | (x + logtime_k[1])) & logtime_k[2])
		return -1;
	/* Each byte of t is ten times its digit and the next one: at 1 the
	 * seconds, at 3 the first digit of the milliseconds (the separator
	 * before is 0), at 5 the last two (with no carries, as no byte goes
	 * above 99).  One multiply adds those three, times 1000, 100 and 1,
	 * in the top 16 bits: every other product of theirs lands either
	 * above bit 63 or, all together, below bit 48. */
	t = (x * 10 + (x >> 8)) & logtime_k[3];
	return (int)(t * logtime_k[4] >> 48);
}

/*
 * Whether the 16 bytes at a and b are the same: two words each, which
 * the compiler keeps inline where it may make a call of memcmp().
 */
static inline int
logtime_same16(const char *a, const char *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/*
 * A time s of the cache's minute whose ":ss.fffZ" is new, usual its
 * milliseconds in the minute (logtime_usual_seconds()): kept as the
 * cache's last time, and its time returned.
 */
static inline int64_t
logtime_cache_seconds(struct logtime_cache *c, const char *s, int usual)
{
	memcpy(c->last + 16, s + 16, 8);
	return c->tail_ms = c->ms + usual;
}

/*
 * logtime_parse_usual() of a time of 24 bytes, s, with a cache known to
 * be valid (c->usual 24), as the caller may know by what it parsed
 * before: nearly every row has the minute of the row before,
 * ":ss.fffZ", often the very time of the row before.
 */
static inline int
logtime_parse_usual24(struct logtime_cache *c, const char *s, int64_t *ms)
{
	uint64_t tail, last;
	int usual;

	if (logtime_same16(c->last, s)) {
		memcpy(&tail, s + 16, 8);
		memcpy(&last, c->last + 16, 8);
		if (tail == last) {
			*ms = c->tail_ms;
			return 0;
		}
		if ((usual = logtime_usual_seconds(s)) >= 0) {
			*ms = logtime_cache_seconds(c, s, usual);
			return 0;
		}
	}
	return -1;
}

/*
 * logtime_parse_cached() of the usual time, inline: 0 and *ms set, or -1
 * when logtime_parse_cached_fully() is to tell (a time of another
 * minute, or a bad one).  The length first: c->usual is 0 in a cache not
 * yet valid, and a field of 0 bytes has no 24 to read.
 */
static inline int
logtime_parse_usual(struct logtime_cache *c, const char *s, size_t len,
    int64_t *ms)
{
	if (len != 24 || c->usual != 24)
		return -1;
	return logtime_parse_usual24(c, s, ms);
}

static inline int
logtime_parse_cached(struct logtime_cache *c, const char *s, size_t len,
    int64_t *ms)
{
	if (logtime_parse_usual(c, s, len, ms) == 0)
		return 0;
	return logtime_parse_cached_fully(c, s, len, ms);
}

/* Format ms as yyyy-mm-ddThh:mm:ss.fffZ into buf (LOGTIME_BUFSZ bytes). */
char	*logtime_format(int64_t ms, char *buf);

#endif
