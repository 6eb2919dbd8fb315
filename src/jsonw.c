/*
 * jsonw.c: a JSON writer.
 */
#include <string.h>

#include "escape.h"
#include "jsonw.h"
#include "logtime.h"

void
jw_init(struct jsonw *w, FILE *fp)
{
	memset(w, 0, sizeof *w);
	w->fp = fp;
}

/* The comma and the key before a value. */
static void
lead(struct jsonw *w, const char *key)
{
	if (w->count[w->depth]++ > 0)
		fputc(',', w->fp);
	if (key != NULL) {
		esc_json_str(w->fp, key);
		fputc(':', w->fp);
	}
}

static void
open_level(struct jsonw *w, const char *key, char open, char close)
{
	lead(w, key);
	fputc(open, w->fp);
	if (w->depth + 1 < JSONW_DEPTH)
		w->depth++;
	w->count[w->depth] = 0;
	w->closer[w->depth] = close;
}

void
jw_object(struct jsonw *w, const char *key)
{
	open_level(w, key, '{', '}');
}

void
jw_array(struct jsonw *w, const char *key)
{
	open_level(w, key, '[', ']');
}

void
jw_end(struct jsonw *w)
{
	if (w->depth == 0)
		return;
	fputc(w->closer[w->depth], w->fp);
	w->depth--;
}

void
jw_str(struct jsonw *w, const char *key, const char *s)
{
	lead(w, key);
	esc_json_str(w->fp, s);
}

void
jw_strn(struct jsonw *w, const char *key, const char *s, size_t len)
{
	lead(w, key);
	esc_json(w->fp, s, len);
}

void
jw_int(struct jsonw *w, const char *key, long long v)
{
	lead(w, key);
	fprintf(w->fp, "%lld", v);
}

void
jw_bool(struct jsonw *w, const char *key, int v)
{
	lead(w, key);
	fputs(v ? "true" : "false", w->fp);
}

void
jw_null(struct jsonw *w, const char *key)
{
	lead(w, key);
	fputs("null", w->fp);
}

void
jw_time(struct jsonw *w, const char *key, int64_t ms, int nullable)
{
	char buf[LOGTIME_BUFSZ];

	if (nullable && ms < 0)
		jw_null(w, key);
	else
		jw_str(w, key, logtime_format(ms, buf));
}
