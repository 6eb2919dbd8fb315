#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

size_t
utf8_decode(const unsigned char *s, size_t len, unsigned long *cp)
{
	unsigned long c;
	size_t n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Characters that must not reach a terminal raw. */
static int
unsafe_char(unsigned long c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	    c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069);
}

/*
 * The one walk over the input that both text sinks share: calls put() with
 * each piece of output.
 */
typedef void (*put_fn)(void *, const char *, size_t);

#define ONES	0x0101010101010101ULL

static void
esc_text_walk(const char *s, size_t len, put_fn put, void *arg)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	char tmp[24];
	size_t i = 0, run = 0, n;

	while (i < len) {
		/* Printable ASCII, nearly all of a text: nothing to decode,
		 * and eight bytes at a time where none is below 0x20 (a
		 * borrow out of a byte only follows one that is) or above
		 * 0x7e (0x7f becomes 0x80 by the add; 0x80 and up have it). */
		while (len - i >= 8) {
			uint64_t w;

			memcpy(&w, u + i, 8);
			if (((w - ONES * 0x20) & ~w & ONES * 0x80) != 0 ||
			    ((w + ONES) | w) & ONES * 0x80)
				break;
			i += 8;
			run += 8;
		}
		if (i == len)
			break;
		if (u[i] - 0x20u < 0x5fu) {
			i++;
			run++;
			continue;
		}
		n = utf8_decode(u + i, len - i, &cp);
		if (n > 0 && !unsafe_char(cp)) {
			i += n;
			run += n;
			continue;
		}
		if (run > 0)
			put(arg, s + i - run, run);
		run = 0;
		if (n == 0) {
			snprintf(tmp, sizeof tmp, "\\x%02X", u[i]);
			i++;
		} else if (cp < 0x80) {
			snprintf(tmp, sizeof tmp, "\\x%02lX", cp);
			i += n;
		} else {
			snprintf(tmp, sizeof tmp, "\\u{%04lX}", cp);
			i += n;
		}
		put(arg, tmp, strlen(tmp));
	}
	if (run > 0)
		put(arg, s + i - run, run);
}

static void
put_file(void *arg, const char *s, size_t n)
{
	fwrite(s, 1, n, arg);
}

void
esc_text(FILE *fp, const char *s, size_t len)
{
	esc_text_walk(s, len, put_file, fp);
}


struct bufsink {
	char	*buf;
	size_t	 size, used;
	size_t	 cut;		/* last piece boundary with room for "..." */
	int	 full;
};

static void
put_buf(void *arg, const char *s, size_t n)
{
	struct bufsink *b = arg;

	if (b->full)
		return;
	if (b->used + n + 1 > b->size) {
		b->full = 1;	/* pieces are never split */
		return;
	}
	memcpy(b->buf + b->used, s, n);
	b->used += n;
	if (b->used + 4 <= b->size)
		b->cut = b->used;
}

char *
esc_text_buf(char *buf, size_t bufsz, const char *s, size_t len)
{
	struct bufsink b = { buf, bufsz, 0, 0, 0 };
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, n;

	/* Feed one character at a time so a cut falls on a boundary. */
	while (i < len && !b.full) {
		n = utf8_decode(u + i, len - i, &cp);
		if (n == 0)
			n = 1;
		esc_text_walk(s + i, n, put_buf, &b);
		i += n;
	}
	if (b.full) {
		memcpy(buf + b.cut, "...", 3);
		b.used = b.cut + 3;
	}
	buf[b.used] = '\0';
	return buf;
}

void
esc_json(FILE *fp, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, run = 0, n;

	fputc('"', fp);
	while (i < len) {
		n = utf8_decode(u + i, len - i, &cp);
		if (n > 0 && cp >= 0x20 && cp != '"' && cp != '\\' &&
		    cp != 0x7f) {
			i += n;
			run += n;
			continue;
		}
		if (run > 0)
			fwrite(s + i - run, 1, run, fp);
		run = 0;
		if (n == 0) {
			fputs("\\uFFFD", fp);
			i++;
			continue;
		}
		i += n;
		switch (cp) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			fprintf(fp, "\\u%04lX", cp);
			break;
		}
	}
	if (run > 0)
		fwrite(s + i - run, 1, run, fp);
	fputc('"', fp);
}

void
esc_json_str(FILE *fp, const char *s)
{
	if (s == NULL)
		fputs("null", fp);
	else
		esc_json(fp, s, strlen(s));
}
