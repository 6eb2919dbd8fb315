/*
 * memfind.h: find a short needle in a short haystack, fast.
 *
 * glibc's memmem() prepares its search on every call, which costs more
 * than the search itself in the fields of a log row.  mem_find() looks for
 * one byte of the needle, its anchor, with memchr() and compares the rest
 * where it is found; with mem_anchor() picking the byte least likely to
 * occur in log text, few places are compared.
 */
#ifndef MEMFIND_H
#define MEMFIND_H

#include <stddef.h>
#include <string.h>

/* The index in needle (nn bytes, nn > 0) of its rarest-looking byte. */
size_t	mem_anchor(const char *needle, size_t nn);

/*
 * Whether the n bytes at a and b are the same: memcmp() == 0 without a
 * call, for the short strings of a row (session ids of 16 bytes).
 */
static inline int
mem_equal(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	unsigned long long u, v;

	for (; n >= 8; x += 8, y += 8, n -= 8) {
		memcpy(&u, x, 8);
		memcpy(&v, y, 8);
		if (u != v)
			return 0;
	}
	for (; n > 0; n--)
		if (*x++ != *y++)
			return 0;
	return 1;
}

/* Where needle (nn bytes, anchor from mem_anchor()) is in h, or NULL. */
static inline const char *
mem_find(const char *h, size_t hn, const char *needle, size_t nn,
    size_t anchor)
{
	const char *p, *end;

	if (nn == 0)
		return h;
	if (hn < nn)
		return NULL;
	p = h + anchor;
	end = h + (hn - nn) + anchor + 1;	/* past the last place */
	while (p < end && (p = memchr(p, needle[anchor],
	    (size_t)(end - p))) != NULL) {
		if (mem_equal(p - anchor, needle, nn))
			return p - anchor;
		p++;
	}
	return NULL;
}

#endif
