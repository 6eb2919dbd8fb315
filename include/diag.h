/*
 * diag.h: diagnostics on standard error.
 *
 * Every message has the form "sendlog-scan: [FILE[:LINE]: ]LEVEL: text".
 * Warnings are for input the scan could step over (a bad row, a skipped
 * file); errors are for trouble that makes the result incomplete (a path
 * that cannot be read).  diag keeps counts so that main can pick the exit
 * status and the report can say what was skipped.
 */
#ifndef DIAG_H
#define DIAG_H

#include <stdarg.h>

enum diag_level { DIAG_WARNING, DIAG_ERROR };

/* Print a diagnostic.  file may be NULL; line 0 means "no line". */
void diag(enum diag_level, const char *file, unsigned long line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void vdiag(enum diag_level, const char *file, unsigned long line,
    const char *fmt, va_list) __attribute__((format(printf, 4, 0)));

/* How many of each level were printed since the start. */
unsigned long diag_count(enum diag_level);

/* Stop printing warnings (they are still counted); for --quiet. */
void diag_set_quiet(int);

/* Drop every diagnostic, uncounted: for a look ahead at files that are
 * read again later, when their diagnostics are printed. */
void diag_set_muted(int);

/*
 * Hold this thread's diagnostics instead of printing them: each one, as
 * the text it would print (newline included), goes to hold(level, text,
 * arg), which owns text.  NULL prints again.  diag_release() prints and
 * counts a held one, in the order the caller chooses: how --jobs keeps
 * standard error the same whatever the number of threads.
 */
typedef void (*diag_hold_fn)(enum diag_level, char *text, void *arg);
void diag_set_hold(diag_hold_fn hold, void *arg);
void diag_release(enum diag_level, const char *text);

#endif
