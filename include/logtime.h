/*
 * logtime.h: the date-time column, yyyy-mm-ddThh:mm:ss.fffZ (UTC).
 */
#ifndef LOGTIME_H
#define LOGTIME_H

#include <stddef.h>
#include <stdint.h>

#define LOGTIME_BUFSZ	sizeof("yyyy-mm-ddThh:mm:ss.fffZ")

/*
 * Parse s[0..len) into milliseconds since the epoch.  The fraction may have
 * 0 to 7 digits (only milliseconds are kept).  Returns 0, or -1 when s is
 * not such a time.
 */
int	logtime_parse(const char *s, size_t len, int64_t *ms);

/*
 * The same, for times that come in order: the minute of the last one
 * parsed is kept, and a time in the same minute parses only its seconds.
 * Start with a zeroed cache.
 */
struct logtime_cache {
	int	 valid;
	char	 minute[16];	/* "yyyy-mm-ddThh:mm" */
	int64_t	 ms;		/* its time */
};
int	logtime_parse_cached(struct logtime_cache *, const char *s,
	    size_t len, int64_t *ms);

/* Format ms as yyyy-mm-ddThh:mm:ss.fffZ into buf (LOGTIME_BUFSZ bytes). */
char	*logtime_format(int64_t ms, char *buf);

#endif
