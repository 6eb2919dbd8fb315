/*
 * fuzz_escape.c: bytes -> esc_json, esc_text, esc_text_buf and
 * utf8_decode, checking what escape.h promises:
 *
 *  - esc_json writes one JSON string, valid UTF-8; decoded, it gives the
 *    input back, each byte that is not part of valid UTF-8 as U+FFFD.
 *  - esc_text writes valid UTF-8 with no C0 or C1 control, no DEL and no
 *    bidirectional mark, embedding, override or isolate; input without
 *    such characters passes unchanged.
 *  - esc_text_buf writes what esc_text writes, cut at a piece boundary
 *    with "..." when it does not fit, NUL-terminated inside the buffer.
 *  - utf8_decode agrees with an independent decoder (jsoncheck.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fuzz.h"
#include "jsoncheck.h"
#include "textcheck.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* The input with each byte outside valid UTF-8 replaced by U+FFFD. */
static char *
replace_invalid(const char *s, size_t len, size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out = malloc(len * 3 + 1);
	unsigned long cp;
	size_t i = 0, n = 0, k;

	while (i < len) {
		if ((k = utf8_seq(u + i, len - i, &cp)) == 0) {
			memcpy(out + n, "\xEF\xBF\xBD", 3);
			n += 3;
			i++;
			continue;
		}
		memcpy(out + n, s + i, k);
		n += k;
		i += k;
	}
	*outlen = n;
	return out;
}

static void
check_json(const char *s, size_t len)
{
	struct json_error err = { 0, NULL };
	struct fuzz_mem m;
	char *decoded, *want;
	size_t decodedlen, wantlen;

	fuzz_mem_open(&m);
	esc_json(m.fp, s, len);
	fuzz_mem_close(&m);
	FUZZ_CHECK(json_string_decode(m.buf, m.len, &decoded, &decodedlen,
	    &err), "esc_json wrote no valid JSON string: %s at byte %zu of "
	    "%zu", err.why, err.off, m.len);
	FUZZ_CHECK(json_valid(m.buf, m.len, &err), "not valid JSON: %s",
	    err.why);
	want = replace_invalid(s, len, &wantlen);
	FUZZ_CHECK(decodedlen == wantlen && memcmp(decoded, want,
	    wantlen) == 0, "esc_json changed the text: %zu bytes in, %zu "
	    "decoded, %zu expected", len, decodedlen, wantlen);
	/* The same through esc_json_str, up to the first NUL. */
	if (memchr(s, '\0', len) == NULL) {
		struct fuzz_mem m2;
		char *z = malloc(len + 1);

		memcpy(z, s, len);
		z[len] = '\0';
		fuzz_mem_open(&m2);
		esc_json_str(m2.fp, z);
		fuzz_mem_close(&m2);
		FUZZ_CHECK(m2.len == m.len && memcmp(m2.buf, m.buf, m.len) == 0,
		    "esc_json_str and esc_json differ");
		fuzz_mem_free(&m2);
		free(z);
	}
	free(want);
	free(decoded);
	fuzz_mem_free(&m);
}

/* Whether s[0..len) holds only characters esc_text lets pass. */
static int
all_safe(const char *s, size_t len)
{
	const char *why;
	size_t off;

	return text_safe(s, len, NULL, &off, &why);
}

static void
check_text(const char *s, size_t len, struct fuzz_mem *m)
{
	const char *why;
	size_t off;

	fuzz_mem_open(m);
	esc_text(m->fp, s, len);
	fuzz_mem_close(m);
	FUZZ_CHECK(text_safe(m->buf, m->len, NULL, &off, &why), "esc_text "
	    "wrote %s at byte %zu of %zu: ...%.40s", why, off, m->len,
	    m->buf + (off > 10 ? off - 10 : 0));
	if (all_safe(s, len))
		FUZZ_CHECK(m->len == len && memcmp(m->buf, s, len) == 0,
		    "esc_text changed text that needed no escaping");
	else
		FUZZ_CHECK(m->len > len || len == 0, "esc_text dropped "
		    "bytes");
}

static void
check_text_buf(const char *s, size_t len, const struct fuzz_mem *full)
{
	static const size_t sizes[] = { 5, 6, 7, 8, 12, 16, 40, 80, 200 };
	char buf[200 + 8];
	size_t k, n, bufsz;
	const char *why, *r;
	size_t off;

	for (k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		bufsz = sizes[k];
		memset(buf, 'Z', sizeof buf);
		r = esc_text_buf(buf, bufsz, s, len);
		FUZZ_CHECK(r == buf, "esc_text_buf returned another buffer");
		FUZZ_CHECK(buf[bufsz] == 'Z', "esc_text_buf wrote past %zu "
		    "bytes", bufsz);
		FUZZ_CHECK(memchr(buf, '\0', bufsz) != NULL, "no NUL in %zu "
		    "bytes", bufsz);
		n = strlen(buf);
		FUZZ_CHECK(text_safe(buf, n, NULL, &off, &why), "esc_text_buf "
		    "(%zu) wrote %s at byte %zu", bufsz, why, off);
		if (n == full->len && memcmp(buf, full->buf, n) == 0)
			continue;	/* it fitted */
		/* Cut: a prefix of the whole, then "...". */
		FUZZ_CHECK(n >= 3 && memcmp(buf + n - 3, "...", 3) == 0,
		    "esc_text_buf (%zu) gave '%s', neither all of '%.*s' nor "
		    "cut with ...", bufsz, buf, (int)full->len, full->buf);
		FUZZ_CHECK(n - 3 <= full->len && memcmp(buf, full->buf,
		    n - 3) == 0, "esc_text_buf (%zu) gave '%s', not a prefix "
		    "of '%.*s'", bufsz, buf, (int)full->len, full->buf);
		FUZZ_CHECK(n - 3 < full->len, "cut with nothing cut");
	}
}

static void
check_decode(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long a, b;
	size_t i, n, m;

	for (i = 0; i < len; i++) {
		a = b = 0xDEADBEEF;
		n = utf8_decode(u + i, len - i, &a);
		m = utf8_seq(u + i, len - i, &b);
		FUZZ_CHECK(n == m && (n == 0 || a == b), "utf8_decode at %zu: "
		    "length %zu, U+%04lX; expected %zu, U+%04lX", i, n, a, m,
		    b);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mem text;
	char *s;

	s = malloc(size > 0 ? size : 1);
	memcpy(s, data, size);
	check_decode(s, size);
	check_json(s, size);
	check_text(s, size, &text);
	check_text_buf(s, size, &text);
	fuzz_mem_free(&text);
	free(s);
	return 0;
}
