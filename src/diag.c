#include <stdarg.h>
#include <stdio.h>

#include "diag.h"

static unsigned long counts[2];
static int quiet, muted;

void
diag_set_muted(int on)
{
	muted = on;
}

void
diag_set_quiet(int on)
{
	quiet = on;
}

unsigned long
diag_count(enum diag_level level)
{
	return counts[level];
}

void
vdiag(enum diag_level level, const char *file, unsigned long line,
    const char *fmt, va_list ap)
{
	if (muted)
		return;
	counts[level]++;
	if (quiet && level == DIAG_WARNING)
		return;
	fputs("sendlog-scan: ", stderr);
	if (file != NULL) {
		fputs(file, stderr);
		if (line > 0)
			fprintf(stderr, ":%lu", line);
		fputs(": ", stderr);
	}
	fputs(level == DIAG_ERROR ? "error: " : "warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
diag(enum diag_level level, const char *file, unsigned long line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(level, file, line, fmt, ap);
	va_end(ap);
}
