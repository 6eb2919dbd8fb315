/*
 * ehlo.h: SMTP reply lines, and the extensions an EHLO reply advertises.
 *
 * Exchange 2010/2013 log a multi-line reply as one row per line
 * ("250-host Hello [ip]", "250-SIZE 157286400", ..., "250 SMTPUTF8");
 * Exchange 2016/2019 log it as one row ("250 host Hello [ip] SIZE 157286400
 * PIPELINING ... STARTTLS ..."; receive logs put two spaces after the
 * code).  Feed the rows of one reply to ehlo_feed() in order; it accepts
 * both forms.  In the one-row form the greeting is free text chosen by the
 * remote, so keywords are told from it by what they look like, never by
 * position.
 */
#ifndef EHLO_H
#define EHLO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define EHLO_MAX_KEYWORDS	32
#define EHLO_KEYWORD_MAX	32	/* bytes, with the NUL */
#define EHLO_GREETING_MAX	256	/* bytes, with the NUL */

/* One reply line: "250-text", "250 text" or "250". */
struct smtp_line {
	int		 code;		/* 100..599, or -1: not a reply line */
	int		 more;		/* "250-": more lines follow */
	const char	*text;		/* after the separator and any spaces */
	size_t		 textlen;
};

/*
 * The code of the 3 bytes of x (the first at its low byte, the fourth
 * byte 0) when they are digits, else -1.  As one word: xor with "000"
 * leaves 0 to 9 in digits, and only then does each byte stay below 0x80
 * when 0x76 is added to it; as no byte is above 0x7f then, no addition
 * carries into the next byte.
 */
static inline int
smtp_code_of(uint32_t x)
{
	x ^= 0x303030;
	if ((x | (x + 0x767676)) & 0x808080)
		return -1;
	return (int)((x & 0xff) * 100 + (x >> 8 & 0xff) * 10 + (x >> 16));
}

/*
 * The code of a reply line, 100 to 599, with whether more lines follow
 * ("250-"), or -1 when it has no 3-digit code and separator: the first
 * part of smtp_line_parse(), for a caller that needs no text.
 */
static inline int
smtp_line_code(const char *s, size_t len, int *more)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t x;
	int code, sep;

	/* The length looked at once: the separator comes with the code. */
	if (len > 3) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		memcpy(&x, s, 4);
		sep = (int)(x >> 24);
		x &= 0xffffff;
#else
		x = u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16;
		sep = u[3];
#endif
	} else if (len == 3) {
		x = u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16;
		sep = ' ';	/* the code alone, as if a space followed */
	} else
		return -1;
	/* 100 to 599: the first digit is 1 to 5. */
	code = smtp_code_of(x);
	if ((unsigned)(code - 100) >= 500)
		return -1;
	*more = 0;
	if (sep == '-')
		*more = 1;
	else if (sep != ' ')
		return -1;
	return code;
}

/* Where the text of a line with a code begins: past any spaces. */
static inline size_t
smtp_line_text(const char *s, size_t len)
{
	size_t i;

	if (len == 3)
		return 3;
	for (i = 4; i < len && s[i] == ' '; i++)
		;
	return i;
}

/*
 * Split a reply line.  Returns 0, or -1 when it has no 3-digit code.
 * Inline: the session module splits reply rows of a log.
 */
static inline int
smtp_line_parse(const char *s, size_t len, struct smtp_line *l)
{
	size_t i;
	int code, more;

	l->code = -1;
	if ((code = smtp_line_code(s, len, &more)) == -1)
		return -1;
	i = smtp_line_text(s, len);
	l->code = code;
	l->more = more;
	l->text = s + i;
	l->textlen = len - i;
	return 0;
}

struct ehlo_reply {
	int	 code;			/* of the last line fed */
	int	 helo;			/* answers HELO: no keywords */
	int	 done;			/* the final line was fed */
	int	 lines;			/* lines fed */
	char	 greeting[EHLO_GREETING_MAX];
	char	 keywords[EHLO_MAX_KEYWORDS][EHLO_KEYWORD_MAX];
	int	 nkeywords;
	int	 dropped;		/* keywords past EHLO_MAX_KEYWORDS */
	int	 starttls;		/* STARTTLS among the keywords */
	int	 placeholders;		/* XXXXXXXA-style masked keywords */
	uint64_t seen;			/* a bit per keyword: see add_keyword() */
};

/*
 * An empty reply.  Only what its counts and strings hold is set: the
 * greeting past its NUL and the keywords past nkeywords are not.
 */
void	ehlo_init(struct ehlo_reply *);

/* Copy what from holds, the same way. */
void	ehlo_copy(struct ehlo_reply *to, const struct ehlo_reply *from);

/*
 * Feed one reply row (the data column of a '<' row).  helo says the reply
 * answers HELO, whose text is all greeting.  Returns 1 when the reply is
 * complete, 0 when more lines are expected, -1 when the row is not a reply
 * line (it is ignored).
 */
int	ehlo_feed(struct ehlo_reply *, const char *s, size_t len, int helo);

/*
 * The same, for a row already split by smtp_line_parse() (which said 0);
 * the reply is complete after a line with no more.
 */
void	ehlo_feed_line(struct ehlo_reply *, const struct smtp_line *, int helo);

/* Whether the reply advertised keyword kw (upper case). */
int	ehlo_has(const struct ehlo_reply *, const char *kw);

/*
 * The host name at the start of a greeting or a 220 banner text:
 * letters, digits, '.', '-' and '_' only.  Copies it into buf and returns
 * buf, or returns NULL when the first word is not such a name (masked
 * with asterisks, say).
 */
char	*ehlo_host_name(const char *text, size_t len, char *buf, size_t bufsz);

/* The length of that host name in text, or 0 when there is none. */
size_t	 ehlo_host_name_len(const char *text, size_t len);

/* Whether text looks masked by an inline firewall ("*****"). */
int	smtp_text_masked(const char *text, size_t len);

#endif
