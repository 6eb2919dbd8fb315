/*
 * jsoncheck.h: a small strict JSON (RFC 8259) and UTF-8 validator for the
 * fuzz targets, written apart from src/ so that it does not share its
 * mistakes: objects, arrays, strings with every escape, numbers, true,
 * false, null; the text must be valid UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF), a \u escape must not leave a
 * surrogate unpaired, an object must not repeat a key, and nothing but
 * white space may follow the value.
 */
#ifndef JSONCHECK_H
#define JSONCHECK_H

#include <stddef.h>

struct json_error {
	size_t		 off;		/* byte offset of the trouble */
	const char	*why;
};

/*
 * The length of the well-formed UTF-8 sequence at s[0..len) and its code
 * point in *cp; 0 when s does not start with one.
 */
size_t	utf8_seq(const unsigned char *s, size_t len, unsigned long *cp);

/* 1 when s[0..len) is valid UTF-8; else 0 with the offset in *bad. */
int	utf8_valid(const char *s, size_t len, size_t *bad);

/* 1 when s[0..len) is one JSON value with optional white space around. */
int	json_valid(const char *s, size_t len, struct json_error *);

/*
 * 1 when s[0..len) is exactly one JSON string, quotes included, nothing
 * around it; its decoded bytes (malloc'd, NUL-terminated, may hold NUL)
 * in *out and *outlen.
 */
int	json_string_decode(const char *s, size_t len, char **out,
	    size_t *outlen, struct json_error *);

#endif
