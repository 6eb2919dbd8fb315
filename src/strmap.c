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
 * of the slots, so the hash may change freely.
 */
#define MUL	0xff51afd7ed558ccdULL

static uint32_t
hash(const char *key, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;

	for (; len >= sizeof w; key += sizeof w, len -= sizeof w) {
		memcpy(&w, key, sizeof w);
		h = (h ^ w) * MUL;
		h ^= h >> 29;
	}
	if (len > 0) {
		w = 0;
		memcpy(&w, key, len);
		h = (h ^ w) * MUL;
	}
	h ^= h >> 32;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return (uint32_t)h;
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
		    memcmp(s->key, key, len) == 0))
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
