#define _POSIX_C_SOURCE 200809L	/* open_memstream */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"

/* Workers of --jobs report too: one message at a time. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long counts[2];
static int quiet, muted;
static _Thread_local diag_hold_fn hold_fn;
static _Thread_local void *hold_arg;

void
diag_set_hold(diag_hold_fn fn, void *arg)
{
	hold_fn = fn;
	hold_arg = arg;
}

void
diag_release(enum diag_level level, const char *text)
{
	pthread_mutex_lock(&lock);
	counts[level]++;
	if (!quiet || level != DIAG_WARNING)
		fputs(text, stderr);
	pthread_mutex_unlock(&lock);
}

/* The whole message, as printed. */
static void	put_message(FILE *, enum diag_level, const char *, unsigned long,
		    const char *, va_list) __attribute__((format(printf, 5, 0)));

static void
put_message(FILE *fp, enum diag_level level, const char *file,
    unsigned long line, const char *fmt, va_list ap)
{
	fputs("sendlog-scan: ", fp);
	if (file != NULL) {
		fputs(file, fp);
		if (line > 0)
			fprintf(fp, ":%lu", line);
		fputs(": ", fp);
	}
	fputs(level == DIAG_ERROR ? "error: " : "warning: ", fp);
	vfprintf(fp, fmt, ap);
	fputc('\n', fp);
}

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
	if (hold_fn != NULL && !muted) {
		char *text = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&text, &len);

		if (fp != NULL) {
			va_list ap2;

			va_copy(ap2, ap);
			put_message(fp, level, file, line, fmt, ap2);
			va_end(ap2);
			if (fclose(fp) == 0) {
				hold_fn(level, text, hold_arg);
				return;
			}
			free(text);
		}
		/* No memory to hold it: say it now rather than not at all. */
	}
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
	put_message(stderr, level, file, line, fmt, ap);
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
