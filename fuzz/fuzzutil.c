/*
 * fuzzutil.c: helpers shared by the fuzz targets (fuzz.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

void
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	/* To file descriptor 2, where libFuzzer writes: stderr may be muted. */
	dprintf(2, "\n%s:%d: check failed: %s: ", file, line, cond);
	va_start(ap, fmt);
	vdprintf(2, fmt, ap);
	va_end(ap);
	dprintf(2, "\n");
	abort();
}

void
fuzz_quiet_stderr(void)
{
	const char *show = getenv("FUZZ_DIAG");
	FILE *null;

	if (show != NULL && strcmp(show, "1") == 0)
		return;
	if ((null = fopen("/dev/null", "w")) != NULL)
		stderr = null;
}

FILE *
fuzz_open_input(const uint8_t *data, size_t size, char **copy)
{
	FILE *fp;

	/* fmemopen of 0 bytes is not portable: an empty file instead. */
	*copy = malloc(size > 0 ? size : 1);
	if (*copy == NULL)
		abort();
	if (size == 0)
		fp = fopen("/dev/null", "r");
	else {
		memcpy(*copy, data, size);
		fp = fmemopen(*copy, size, "r");
	}
	if (fp == NULL) {
		perror("fuzz_open_input");
		abort();
	}
	return fp;
}

void
fuzz_mem_open(struct fuzz_mem *m)
{
	m->buf = NULL;
	m->len = 0;
	if ((m->fp = open_memstream(&m->buf, &m->len)) == NULL) {
		perror("open_memstream");
		abort();
	}
}

void
fuzz_mem_close(struct fuzz_mem *m)
{
	if (m->fp != NULL && fclose(m->fp) != 0) {
		perror("fclose of a memory stream");
		abort();
	}
	m->fp = NULL;
}

void
fuzz_mem_free(struct fuzz_mem *m)
{
	fuzz_mem_close(m);
	free(m->buf);
	m->buf = NULL;
	m->len = 0;
}

#define EXPAND_UNIT	16
/* Just past the line limit: under ASan every realloc libcsv makes copies,
 * so a field of a megabyte costs about a second. */
#define EXPAND_MAX	(1024 * 1024 + 128 * 1024)

uint8_t *
fuzz_expand(const uint8_t *data, size_t size, size_t *outsize)
{
	size_t i, n = 0, total = 0, run;
	uint8_t *out;
	int found = 0;

	/* First pass: the size. */
	for (i = 0; i < size; i++) {
		if (i > 0 && i + 2 < size && data[i] == 0xFF &&
		    data[i + 1] == 0xFE) {
			run = ((size_t)data[i + 2] + 1) *
			    ((size_t)data[i + 2] + 1) * EXPAND_UNIT;
			if (total >= EXPAND_MAX)
				run = 0;
			else if (run > EXPAND_MAX - total)
				run = EXPAND_MAX - total;
			total += run;
			i += 2;
			found = 1;
			continue;
		}
		total++;
	}
	if (!found)
		return NULL;
	if ((out = malloc(total > 0 ? total : 1)) == NULL)
		abort();
	total = 0;
	for (i = 0; i < size; i++) {
		if (i > 0 && i + 2 < size && data[i] == 0xFF &&
		    data[i + 1] == 0xFE) {
			run = ((size_t)data[i + 2] + 1) *
			    ((size_t)data[i + 2] + 1) * EXPAND_UNIT;
			if (total >= EXPAND_MAX)
				run = 0;
			else if (run > EXPAND_MAX - total)
				run = EXPAND_MAX - total;
			memset(out + n, data[i - 1], run);
			n += run;
			total += run;
			i += 2;
			continue;
		}
		out[n++] = data[i];
		total++;
	}
	*outsize = n;
	return out;
}

void
fuzz_lines(const uint8_t *data, size_t size,
    void (*fn)(const char *line, size_t len, void *arg), void *arg)
{
	const char *p = (const char *)data, *end = p + size, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			fn(p, (size_t)(end - p), arg);
			break;
		}
		fn(p, (size_t)(nl - p), arg);
		p = nl + 1;
	}
}
