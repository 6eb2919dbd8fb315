/*
 * xmalloc.h: allocation that does not return on failure.
 *
 * Out of memory ends the program with a message and exit status 2: the
 * scan cannot go on honestly without the memory it asked for.
 */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

#endif
