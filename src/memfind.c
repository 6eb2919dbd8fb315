/*
 * memfind.c: the anchor byte of a needle for mem_find().
 */
#include <string.h>

#include "memfind.h"

/* How common a byte is in log text: lower is rarer. */
static int
commonness(unsigned char c)
{
	/* English letters by frequency, most common first. */
	static const char order[] = "etaoinsrhldcumfpgwybvkxjqz";
	const char *p;

	if (c == ' ')
		return 100;
	if (c >= 'a' && c <= 'z') {
		p = strchr(order, c);
		return 90 - (int)(p - order);
	}
	if (c >= '0' && c <= '9')
		return 50;
	if (c >= 'A' && c <= 'Z')
		return 40;
	return 30;	/* punctuation and the rest */
}

size_t
mem_anchor(const char *needle, size_t nn)
{
	size_t i, best = 0;

	for (i = 1; i < nn; i++)
		if (commonness((unsigned char)needle[i]) <
		    commonness((unsigned char)needle[best]))
			best = i;
	return best;
}
