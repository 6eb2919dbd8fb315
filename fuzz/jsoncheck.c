/*
 * jsoncheck.c: see jsoncheck.h.
 */
#include <stdlib.h>
#include <string.h>

#include "jsoncheck.h"

#define MAX_DEPTH	512

size_t
utf8_seq(const unsigned char *s, size_t len, unsigned long *cp)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;
	unsigned long c;

	/* The well-formed byte sequences of Unicode, table 3-7. */
	if (len == 0)
		return 0;
	if (s[0] <= 0x7F) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		c = s[0] & 0x1Fu;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		c = s[0] & 0x0Fu;
		if (s[0] == 0xE0)
			lo = 0xA0;
		else if (s[0] == 0xED)
			hi = 0x9F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		c = s[0] & 0x07u;
		if (s[0] == 0xF0)
			lo = 0x90;
		else if (s[0] == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
		c = c << 6 | (s[i] & 0x3Fu);
	}
	*cp = c;
	return n;
}

int
utf8_valid(const char *s, size_t len, size_t *bad)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_seq(u + i, len - i, &cp)) == 0) {
			if (bad != NULL)
				*bad = i;
			return 0;
		}
		i += n;
	}
	return 1;
}

/* ---- the parser ---- */

struct buf {
	char	*p;
	size_t	 len, cap;
};

struct parser {
	const unsigned char *s;
	size_t		 len, pos;
	int		 depth;
	struct json_error *err;
};

static int
fail(struct parser *p, const char *why)
{
	if (p->err != NULL) {
		p->err->off = p->pos;
		p->err->why = why;
	}
	return 0;
}

static void
buf_add(struct buf *b, const void *data, size_t n)
{
	if (b == NULL)
		return;
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
skip_ws(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' ||
	    p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	    p->s[p->pos] == '\r'))
		p->pos++;
}

static int
hex4(struct parser *p, unsigned long *v)
{
	size_t i;
	int c;

	if (p->len - p->pos < 4)
		return fail(p, "\\u needs four hex digits");
	*v = 0;
	for (i = 0; i < 4; i++) {
		c = p->s[p->pos + i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			c = c - 'A' + 10;
		else
			return fail(p, "\\u needs four hex digits");
		*v = *v << 4 | (unsigned long)c;
	}
	p->pos += 4;
	return 1;
}

static void
put_utf8(struct buf *b, unsigned long c)
{
	unsigned char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (unsigned char)(0xC0 | c >> 6);
		u[1] = (unsigned char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (unsigned char)(0xE0 | c >> 12);
		u[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
		u[2] = (unsigned char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | c >> 18);
		u[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
		u[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
		u[3] = (unsigned char)(0x80 | (c & 0x3F));
		n = 4;
	}
	buf_add(b, u, n);
}

static int
parse_string(struct parser *p, struct buf *out)
{
	unsigned long cp, lo;
	size_t n;
	int c;

	if (p->pos >= p->len || p->s[p->pos] != '"')
		return fail(p, "expected a string");
	p->pos++;
	for (;;) {
		if (p->pos >= p->len)
			return fail(p, "string not closed");
		c = p->s[p->pos];
		if (c == '"') {
			p->pos++;
			return 1;
		}
		if (c < 0x20)
			return fail(p, "control character in a string");
		if (c >= 0x80) {
			if ((n = utf8_seq(p->s + p->pos, p->len - p->pos,
			    &cp)) == 0)
				return fail(p, "invalid UTF-8 in a string");
			buf_add(out, p->s + p->pos, n);
			p->pos += n;
			continue;
		}
		if (c != '\\') {
			buf_add(out, p->s + p->pos, 1);
			p->pos++;
			continue;
		}
		if (++p->pos >= p->len)
			return fail(p, "escape not finished");
		c = p->s[p->pos++];
		switch (c) {
		case '"':  buf_add(out, "\"", 1); break;
		case '\\': buf_add(out, "\\", 1); break;
		case '/':  buf_add(out, "/", 1); break;
		case 'b':  buf_add(out, "\b", 1); break;
		case 'f':  buf_add(out, "\f", 1); break;
		case 'n':  buf_add(out, "\n", 1); break;
		case 'r':  buf_add(out, "\r", 1); break;
		case 't':  buf_add(out, "\t", 1); break;
		case 'u':
			if (!hex4(p, &cp))
				return 0;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return fail(p, "\\u escape of a lone low "
				    "surrogate");
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (p->len - p->pos < 2 ||
				    p->s[p->pos] != '\\' ||
				    p->s[p->pos + 1] != 'u')
					return fail(p, "\\u escape of a lone "
					    "high surrogate");
				p->pos += 2;
				if (!hex4(p, &lo))
					return 0;
				if (lo < 0xDC00 || lo > 0xDFFF)
					return fail(p, "high surrogate not "
					    "followed by a low one");
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				    (lo - 0xDC00);
			}
			put_utf8(out, cp);
			break;
		default:
			p->pos--;
			return fail(p, "unknown escape in a string");
		}
	}
}

static int
digits(struct parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos > start;
}

static int
parse_number(struct parser *p)
{
	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if (p->pos < p->len && p->s[p->pos] >= '1' &&
	    p->s[p->pos] <= '9')
		digits(p);
	else
		return fail(p, "bad number");
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (!digits(p))
			return fail(p, "no digits after the decimal point");
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' ||
		    p->s[p->pos] == '-'))
			p->pos++;
		if (!digits(p))
			return fail(p, "no digits in the exponent");
	}
	return 1;
}

static int
literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return fail(p, "unknown word");
	p->pos += n;
	return 1;
}

static int parse_value(struct parser *);

static int
parse_object(struct parser *p)
{
	struct buf *keys = NULL, key;
	size_t nkeys = 0, i;
	int ok = 0;

	p->pos++;	/* { */
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == '}') {
		p->pos++;
		return 1;
	}
	for (;;) {
		size_t at;

		skip_ws(p);
		at = p->pos;
		memset(&key, 0, sizeof key);
		if (!parse_string(p, &key)) {
			free(key.p);
			goto out;
		}
		for (i = 0; i < nkeys; i++)
			if (keys[i].len == key.len && (key.len == 0 ||
			    memcmp(keys[i].p, key.p, key.len) == 0)) {
				free(key.p);
				p->pos = at;
				fail(p, "a key repeated in an object");
				goto out;
			}
		if ((keys = realloc(keys, (nkeys + 1) * sizeof *keys)) == NULL)
			abort();
		keys[nkeys++] = key;
		skip_ws(p);
		if (p->pos >= p->len || p->s[p->pos] != ':') {
			fail(p, "expected ':' after a key");
			goto out;
		}
		p->pos++;
		if (!parse_value(p))
			goto out;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == '}') {
			p->pos++;
			ok = 1;
			goto out;
		}
		fail(p, "expected ',' or '}' in an object");
		goto out;
	}
out:
	for (i = 0; i < nkeys; i++)
		free(keys[i].p);
	free(keys);
	return ok;
}

static int
parse_array(struct parser *p)
{
	p->pos++;	/* [ */
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == ']') {
		p->pos++;
		return 1;
	}
	for (;;) {
		if (!parse_value(p))
			return 0;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == ']') {
			p->pos++;
			return 1;
		}
		return fail(p, "expected ',' or ']' in an array");
	}
}

static int
parse_value(struct parser *p)
{
	int ok;

	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, "expected a value");
	switch (p->s[p->pos]) {
	case '{':
	case '[':
		if (++p->depth > MAX_DEPTH)
			return fail(p, "nested too deep");
		ok = p->s[p->pos] == '{' ? parse_object(p) : parse_array(p);
		p->depth--;
		return ok;
	case '"':
		return parse_string(p, NULL);
	case 't':
		return literal(p, "true");
	case 'f':
		return literal(p, "false");
	case 'n':
		return literal(p, "null");
	default:
		return parse_number(p);
	}
}

int
json_valid(const char *s, size_t len, struct json_error *err)
{
	struct parser p = { (const unsigned char *)s, len, 0, 0, err };

	if (!parse_value(&p))
		return 0;
	skip_ws(&p);
	if (p.pos != len)
		return fail(&p, "text after the value");
	return 1;
}

int
json_string_decode(const char *s, size_t len, char **out, size_t *outlen,
    struct json_error *err)
{
	struct parser p = { (const unsigned char *)s, len, 0, 0, err };
	struct buf b = { NULL, 0, 0 };

	buf_add(&b, "", 0);
	if (!parse_string(&p, &b) || (p.pos != len && !fail(&p,
	    "text after the string"))) {
		free(b.p);
		return 0;
	}
	*out = b.p;
	*outlen = b.len;
	return 1;
}
