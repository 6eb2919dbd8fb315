/*
 * strmap.c: open addressing with linear probing; keys are copied.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xmalloc.h"

struct slot {
	char	*key;		/* NULL: empty */
	size_t	 len;
	size_t	 value;
	uint32_t hash;
};

struct strmap {
	struct slot	*slots;
	size_t		 size, count;
};

/*
 * Eight bytes at a time, not one: the keys (remotes, folders, days) are
 * hashed for every closed session.  The last step mixes the high bits
 * into the low ones, which pick the slot.  Nothing depends on the order
 * of the slots, so the hash may change freely: the last bytes are read
 * as words that may overlap those before (no call to memcpy() for a
 * length only known at run time), which any two equal keys share.  A
 * word's high bits reach the low ones only in the last step: the product
 * already carries each bit up, and the keys are few.
 */
#define MUL	0xff51afd7ed558ccdULL

static inline uint64_t
load64(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof w);
	return w;
}

static inline uint32_t
load32(const char *p)
{
	uint32_t w;

	memcpy(&w, p, sizeof w);
	return w;
}

/* The last len (1 to 8) bytes of a key, as one word: see hash(). */
static inline uint64_t
tail(const char *key, size_t len, size_t whole)
{
	if (whole >= 8)
		return load64(key + len - 8);
	if (len >= 4)
		return load32(key) | (uint64_t)load32(key + len - 4) << 32;
	return (uint64_t)(unsigned char)key[0] |
	    (uint64_t)(unsigned char)key[len / 2] << 8 |
	    (uint64_t)(unsigned char)key[len - 1] << 16;
}

static uint32_t
hash(const char *key, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
	size_t whole = len;

	for (; len > sizeof h; key += sizeof h, len -= sizeof h)
		h = (h ^ load64(key)) * MUL;
	if (len > 0)
		h = (h ^ tail(key, len, whole)) * MUL;
	h ^= h >> 32;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return (uint32_t)h;
}

/*
 * memcmp(a, b, len) == 0 for the short keys of the maps, without a call:
 * a word at a time, the last one overlapping those before.
 */
static inline int
same(const char *a, const char *b, size_t len)
{
	size_t i;

	if (len < 8)
		return len < 4 ? len == 0 || (a[0] == b[0] &&
		    a[len / 2] == b[len / 2] && a[len - 1] == b[len - 1]) :
		    (load32(a) ^ load32(b)) == 0 &&
		    (load32(a + len - 4) ^ load32(b + len - 4)) == 0;
	for (i = 0; i + 8 < len; i += 8)
		if (load64(a + i) != load64(b + i))
			return 0;
	return load64(a + len - 8) == load64(b + len - 8);
}

struct strmap *
strmap_new(void)
{
	struct strmap *m = xcalloc(1, sizeof *m);

	m->size = 64;
	m->slots = xcalloc(m->size, sizeof *m->slots);
	return m;
}

void
strmap_free(struct strmap *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->size; i++)
		free(m->slots[i].key);
	free(m->slots);
	free(m);
}

static struct slot *
find(const struct strmap *m, const char *key, size_t len, uint32_t h)
{
	size_t i = h & (m->size - 1);

	for (;; i = (i + 1) & (m->size - 1)) {
		struct slot *s = &m->slots[i];

		if (s->key == NULL || (s->hash == h && s->len == len &&
		    same(s->key, key, len)))
			return s;
	}
}

size_t
strmap_get(const struct strmap *m, const char *key, size_t len)
{
	const struct slot *s = find(m, key, len, hash(key, len));

	return s->key != NULL ? s->value : (size_t)-1;
}

void
strmap_put(struct strmap *m, const char *key, size_t len, size_t value)
{
	uint32_t h = hash(key, len);
	struct slot *s;

	if ((m->count + 1) * 2 > m->size) {
		struct slot *old = m->slots;
		size_t i, oldsize = m->size;

		m->size *= 2;
		m->slots = xcalloc(m->size, sizeof *m->slots);
		for (i = 0; i < oldsize; i++)
			if (old[i].key != NULL)
				*find(m, old[i].key, old[i].len,
				    old[i].hash) = old[i];
		free(old);
	}
	s = find(m, key, len, h);
	if (s->key == NULL) {
		s->key = xmalloc(len + 1);
		memcpy(s->key, key, len);
		s->key[len] = '\0';
		s->len = len;
		s->hash = h;
		m->count++;
	}
	s->value = value;
}
