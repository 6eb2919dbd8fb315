/*
 * fuzz_ehlo.c: bytes -> lines -> smtp_line_parse, ehlo_feed (as the reply
 * to EHLO and to HELO), ehlo_host_name and smtp_text_masked, checking
 * what ehlo.h promises.  A line holding only "." starts a new reply.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ehlo.h"
#include "fuzz.h"

struct state {
	struct ehlo_reply	 reply[2];	/* to EHLO, to HELO */
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
check_line(const char *s, size_t len)
{
	struct smtp_line l;
	int rc;

	memset(&l, 0xA5, sizeof l);
	rc = smtp_line_parse(s, len, &l);
	if (rc == -1) {
		FUZZ_CHECK(l.code == -1, "refused line with code %d", l.code);
		return;
	}
	FUZZ_CHECK(rc == 0, "smtp_line_parse returned %d", rc);
	FUZZ_CHECK(l.code >= 100 && l.code <= 599, "code %d", l.code);
	FUZZ_CHECK(len >= 3 && l.code == (s[0] - '0') * 100 +
	    (s[1] - '0') * 10 + (s[2] - '0'), "code %d of '%.3s'", l.code, s);
	FUZZ_CHECK(l.more == (len > 3 && s[3] == '-'), "more %d", l.more);
	FUZZ_CHECK(len == 3 || s[3] == ' ' || s[3] == '-', "separator 0x%02x",
	    (unsigned char)s[3]);
	FUZZ_CHECK(l.text >= s + 3 && l.text <= s + len &&
	    l.text + l.textlen == s + len, "text outside the line");
	FUZZ_CHECK(l.textlen == 0 || l.text[0] != ' ', "text starts with a "
	    "space");
}

static void
check_reply(const struct ehlo_reply *e, int helo)
{
	int k, j;
	size_t i, n;

	FUZZ_CHECK(e->nkeywords >= 0 && e->nkeywords <= EHLO_MAX_KEYWORDS,
	    "%d keywords", e->nkeywords);
	FUZZ_CHECK(e->dropped >= 0 && (e->dropped == 0 ||
	    e->nkeywords == EHLO_MAX_KEYWORDS), "%d dropped with %d kept",
	    e->dropped, e->nkeywords);
	FUZZ_CHECK(memchr(e->greeting, '\0', sizeof e->greeting) != NULL,
	    "greeting not NUL-terminated");
	FUZZ_CHECK(e->helo == helo, "helo %d, fed as %d", e->helo, helo);
	if (helo)
		FUZZ_CHECK(e->nkeywords == 0, "%d keywords in a reply to HELO",
		    e->nkeywords);
	for (k = 0; k < e->nkeywords; k++) {
		const char *kw = e->keywords[k];

		FUZZ_CHECK(memchr(kw, '\0', EHLO_KEYWORD_MAX) != NULL,
		    "keyword %d not NUL-terminated", k);
		n = strlen(kw);
		FUZZ_CHECK(n > 0, "keyword %d empty", k);
		FUZZ_CHECK(isalnum((unsigned char)kw[0]), "keyword '%s' does "
		    "not start with a letter or digit", kw);
		for (i = 0; i < n; i++)
			FUZZ_CHECK(isupper((unsigned char)kw[i]) ||
			    isdigit((unsigned char)kw[i]) || kw[i] == '-',
			    "keyword '%s' not upper case", kw);
		for (j = 0; j < k; j++)
			FUZZ_CHECK(strcmp(e->keywords[j], kw) != 0, "keyword "
			    "'%s' twice", kw);
		FUZZ_CHECK(ehlo_has(e, kw), "ehlo_has misses '%s'", kw);
	}
	if (ehlo_has(e, "STARTTLS"))
		FUZZ_CHECK(e->starttls, "STARTTLS among the keywords, starttls "
		    "not set");
	FUZZ_CHECK(!ehlo_has(e, "starttls"), "a lower-case keyword");
}

static void
check_host(const char *s, size_t len)
{
	static const size_t sizes[] = { 1, 2, 8, 64, 256 };
	char buf[256 + 1];
	size_t i, n, k;
	char *h;

	for (k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		memset(buf, 'Z', sizeof buf);
		h = ehlo_host_name(s, len, buf, sizes[k]);
		FUZZ_CHECK(buf[sizes[k]] == 'Z', "ehlo_host_name wrote past "
		    "%zu bytes", sizes[k]);
		if (h == NULL)
			continue;
		FUZZ_CHECK(h == buf, "returned another buffer");
		FUZZ_CHECK(memchr(buf, '\0', sizes[k]) != NULL, "name not "
		    "NUL-terminated in %zu bytes", sizes[k]);
		n = strlen(buf);
		FUZZ_CHECK(n > 0 && n <= len && memcmp(buf, s, n) == 0 &&
		    (n == len || s[n] == ' '), "'%s' is not the first word",
		    buf);
		for (i = 0; i < n; i++)
			FUZZ_CHECK(isalnum((unsigned char)buf[i]) ||
			    buf[i] == '.' || buf[i] == '-' || buf[i] == '_',
			    "host name '%s'", buf);
		FUZZ_CHECK(strpbrk(buf, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != NULL,
		    "host name '%s' without a letter or digit", buf);
	}
}

static void
check_masked(const char *s, size_t len)
{
	size_t i, run = 0;
	int want = 0;

	for (i = 0; i < len && !want; i++) {
		run = s[i] == '*' ? run + 1 : 0;
		want = run >= 3;
	}
	FUZZ_CHECK(smtp_text_masked(s, len) == want, "smtp_text_masked says "
	    "%d", !want);
}

static void
on_line(const char *line, size_t len, void *arg)
{
	struct state *st = arg;
	struct smtp_line l;
	char *copy;
	int helo, rc;

	/* An exact-size copy, so that reading past it is caught. */
	copy = malloc(len > 0 ? len : 1);
	memcpy(copy, line, len);
	if (len > 0 && copy[len - 1] == '\r')
		len--;
	if (len == 1 && copy[0] == '.') {
		ehlo_init(&st->reply[0]);
		ehlo_init(&st->reply[1]);
		free(copy);
		return;
	}
	check_line(copy, len);
	for (helo = 0; helo < 2; helo++) {
		struct ehlo_reply *e = &st->reply[helo];
		int lines = e->lines;

		rc = ehlo_feed(e, copy, len, helo);
		FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1, "ehlo_feed returned "
		    "%d", rc);
		FUZZ_CHECK((rc == -1) == (smtp_line_parse(copy, len, &l) == -1),
		    "ehlo_feed and smtp_line_parse disagree");
		if (rc == -1) {
			FUZZ_CHECK(e->lines == lines, "a refused line counted");
			if (lines > 0)
				check_reply(e, helo);
			continue;
		}
		FUZZ_CHECK(rc == e->done && rc == !l.more, "done %d for more "
		    "%d", e->done, l.more);
		FUZZ_CHECK(e->code == l.code, "code %d, line %d", e->code,
		    l.code);
		check_reply(e, helo);
		if (rc == 1)
			ehlo_init(e);
	}
	check_host(copy, len);
	if (rc != -1 && smtp_line_parse(copy, len, &l) == 0) {
		check_host(l.text, l.textlen);
		check_masked(l.text, l.textlen);
	}
	check_masked(copy, len);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state st;

	ehlo_init(&st.reply[0]);
	ehlo_init(&st.reply[1]);
	fuzz_lines(data, size, on_line, &st);
	return 0;
}
