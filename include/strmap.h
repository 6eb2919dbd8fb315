/*
 * strmap.h: a map from byte strings to small integers (indexes into an
 * array the caller keeps), for the aggregates of the reports.
 */
#ifndef STRMAP_H
#define STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap	*strmap_new(void);
void		 strmap_free(struct strmap *);

/*
 * The value stored under key[0..len), or (size_t)-1 when there is none.
 * strmap_put stores value under a copy of the key, replacing any value.
 */
size_t		 strmap_get(const struct strmap *, const char *key, size_t len);
void		 strmap_put(struct strmap *, const char *key, size_t len,
		    size_t value);

#endif
