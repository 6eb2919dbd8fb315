#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "diag.h"

/* Workers of --jobs report too: one message at a time. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
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
	pthread_mutex_lock(&lock);
	if (muted) {
		pthread_mutex_unlock(&lock);
		return;
	}
	counts[level]++;
	if (quiet && level == DIAG_WARNING) {
		pthread_mutex_unlock(&lock);
		return;
	}
	flockfile(stderr);
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
	funlockfile(stderr);
	pthread_mutex_unlock(&lock);
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
