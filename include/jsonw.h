/*
 * jsonw.h: writing JSON, with the commas kept track of.
 *
 * Each call writes one value; key is its name inside an object, NULL inside
 * an array or at the top.  Strings go through esc_json: valid UTF-8 JSON
 * whatever their bytes.
 */
#ifndef JSONW_H
#define JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_DEPTH	16

struct jsonw {
	FILE	*fp;
	int	 depth;
	int	 count[JSONW_DEPTH];	/* values written at each depth */
	char	 closer[JSONW_DEPTH];	/* '}' or ']' */
};

void	jw_init(struct jsonw *, FILE *);
void	jw_object(struct jsonw *, const char *key);
void	jw_array(struct jsonw *, const char *key);
void	jw_end(struct jsonw *);		/* of the innermost object/array */
void	jw_str(struct jsonw *, const char *key, const char *);	/* NULL: null */
void	jw_strn(struct jsonw *, const char *key, const char *, size_t);
void	jw_int(struct jsonw *, const char *key, long long);
void	jw_bool(struct jsonw *, const char *key, int);
void	jw_null(struct jsonw *, const char *key);
/* A time as yyyy-mm-ddThh:mm:ss.fffZ; null when ms < 0 and nullable. */
void	jw_time(struct jsonw *, const char *key, int64_t ms, int nullable);

#endif
