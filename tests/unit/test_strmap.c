/*
 * test_strmap.c: strmap.h against a plain list of keys: the same values
 * for keys of every length, with NUL bytes, sharing prefixes, and keys
 * looked up from other buffers than the ones they were put from.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/*
 * Its insides too, under other names than the ones linked in: same()
 * decides only between keys of one hash, which the map seldom has.
 */
#define strmap_new	inside_strmap_new
#define strmap_free	inside_strmap_free
#define strmap_get	inside_strmap_get
#define strmap_put	inside_strmap_put
#include "../../src/strmap.c"
#undef strmap_new
#undef strmap_free
#undef strmap_get
#undef strmap_put

#define NKEYS	3000
#define KEYMAX	40

struct key {
	char	 bytes[KEYMAX];
	size_t	 len;
	size_t	 value;		/* (size_t)-1: not put yet */
};

static struct key keys[NKEYS];

/* Distinct keys: lengths 0 to KEYMAX - 1, bytes of all values. */
static void
make_keys(void)
{
	uint32_t x = 12345;
	size_t i, k;

	for (i = 0; i < NKEYS; i++) {
		keys[i].len = i % KEYMAX;
		for (k = 0; k < keys[i].len; k++) {
			x = x * 1103515245u + 12345u;
			keys[i].bytes[k] = (char)(x >> 16);
		}
		/* Many differ in one byte only, last or first. */
		if (i >= KEYMAX && i % 3 == 0 && keys[i].len > 0) {
			memcpy(keys[i].bytes, keys[i - KEYMAX].bytes,
			    keys[i].len);
			keys[i].bytes[i % 2 ? keys[i].len - 1 : 0] ^= 1;
		}
		/* Some are a prefix of the one before, some hold NULs. */
		if (i % 7 == 0 && i > 0 && keys[i - 1].len > 0) {
			keys[i].len = keys[i - 1].len - 1;
			memcpy(keys[i].bytes, keys[i - 1].bytes, keys[i].len);
		}
		if (i % 5 == 0 && keys[i].len > 2)
			keys[i].bytes[keys[i].len / 2] = '\0';
		keys[i].value = (size_t)-1;
	}
	/* The same bytes twice would be one key: drop the second. */
	for (i = 0; i < NKEYS; i++)
		for (k = 0; k < i; k++)
			if (keys[k].len == keys[i].len && memcmp(keys[k].bytes,
			    keys[i].bytes, keys[i].len) == 0) {
				keys[i].len = KEYMAX;	/* unused: skipped */
				break;
			}
}

/* What the map must hold for key i: looked up from a copy. */
static void
check_key(const struct strmap *m, size_t i)
{
	char copy[KEYMAX + 8];
	size_t got;

	/* At an odd address, with bytes after it that are not the key's. */
	memset(copy, 0x5a, sizeof copy);
	memcpy(copy + 3, keys[i].bytes, keys[i].len);
	got = strmap_get(m, copy + 3, keys[i].len);
	if (got != keys[i].value)
		print_error("key %zu (length %zu): %zu, want %zu\n", i,
		    keys[i].len, got, keys[i].value);
	assert_int_equal(got, keys[i].value);
}

static void
test_strmap(void **state)
{
	struct strmap *m = strmap_new();
	size_t i, k;

	(void)state;
	make_keys();
	for (i = 0; i < NKEYS; i++) {
		if (keys[i].len == KEYMAX)
			continue;
		check_key(m, i);	/* not there yet */
		strmap_put(m, keys[i].bytes, keys[i].len, i * 10);
		keys[i].value = i * 10;
		/* Now and then, all of them: the table grows. */
		if (i % 500 == 0 || (i & (i - 1)) == 0)
			for (k = 0; k < NKEYS; k++)
				if (keys[k].len != KEYMAX)
					check_key(m, k);
	}
	/* Put again: the value is replaced, not added. */
	for (i = 0; i < NKEYS; i += 3)
		if (keys[i].len != KEYMAX) {
			strmap_put(m, keys[i].bytes, keys[i].len, i);
			keys[i].value = i;
		}
	for (i = 0; i < NKEYS; i++)
		if (keys[i].len != KEYMAX)
			check_key(m, i);
	strmap_free(m);
}

/* Keys as the summary makes them: eight bytes of a number, then text. */
static void
test_strmap_day_keys(void **state)
{
	struct strmap *m = strmap_new();
	char key[64];
	int64_t day;
	size_t n, i;

	(void)state;
	for (i = 0; i < 200; i++) {
		day = (int64_t)(i / 10) * 86400000;
		memcpy(key, &day, sizeof day);
		n = sizeof day + (size_t)snprintf(key + sizeof day,
		    sizeof key - sizeof day, "d%zu.example", i % 10);
		assert_int_equal(strmap_get(m, key, n), (size_t)-1);
		strmap_put(m, key, n, i);
	}
	for (i = 0; i < 200; i++) {
		day = (int64_t)(i / 10) * 86400000;
		memcpy(key, &day, sizeof day);
		n = sizeof day + (size_t)snprintf(key + sizeof day,
		    sizeof key - sizeof day, "d%zu.example", i % 10);
		assert_int_equal(strmap_get(m, key, n), i);
		/* The number alone, or a byte short, is not the key. */
		assert_int_equal(strmap_get(m, key, sizeof day), (size_t)-1);
		assert_int_equal(strmap_get(m, key, n - 1), (size_t)-1);
	}
	strmap_free(m);
}

/*
 * same() against memcmp(): keys of every length that differ in any one
 * byte, or not at all, at odd addresses; and hash() of equal bytes at
 * other addresses.
 */
static void
test_strmap_same(void **state)
{
	char a[KEYMAX + 8], b[KEYMAX + 8];
	uint32_t x = 99;
	size_t len, at, k, bit;

	(void)state;
	for (len = 0; len < KEYMAX; len++)
		for (at = 0; at <= len; at++)
			for (bit = 0; bit < 8; bit += 7) {
				for (k = 0; k < sizeof a; k++) {
					x = x * 1103515245u + 12345u;
					a[k] = (char)(x >> 16);
					b[k] = (char)~a[k];
				}
				memcpy(b + 1, a + 3, len);
				assert_int_equal(hash(a + 3, len),
				    hash(b + 1, len));
				if (at < len)
					b[1 + at] ^= (char)(1 << bit);
				assert_int_equal(same(a + 3, b + 1, len),
				    memcmp(a + 3, b + 1, len) == 0);
			}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strmap),
		cmocka_unit_test(test_strmap_day_keys),
		cmocka_unit_test(test_strmap_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
