/*
 * session.c: group rows into sessions and derive what each session did.
 */
#include <assert.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "diag.h"
#include "ehlo.h"
#include "logtime.h"
#include "memfind.h"
#include "session.h"
#include "xmalloc.h"

/* What a reply answers: the commands sent and not yet answered. */
enum command {
	CMD_NONE, CMD_BANNER, CMD_EHLO, CMD_HELO, CMD_STARTTLS, CMD_MAIL,
	CMD_RCPT, CMD_DATA, CMD_DATA_END, CMD_BDAT, CMD_BDAT_LAST, CMD_QUIT,
	CMD_OTHER
};

#define PENDING_MAX	64
#define ID_LEN		16	/* of the ids Exchange writes: hex digits */
/*
 * Sessions closed and kept by their table for the next ones to open, with
 * the buffers they had grown (EHLO reply, evidence rows and texts): most
 * sessions then allocate nothing.  A few suffice, as sessions close about
 * as fast as others open.
 */
#define POOL_MAX	256

/*
 * An open session.  What each row looks at (the lookup, the sequence
 * number, the commands pending) is in its first two cache lines, and
 * what it changes of s in the first line of s: a row of one of the
 * hundreds of sessions open at once touches those three lines and the
 * bucket, not lines spread over the whole object.  It is allocated
 * aligned to a cache line for that.
 */
struct open_session {
	struct open_session	*hnext;		/* hash chain */
	uint64_t		 idw[2];	/* see struct key */
	const char		*folder;	/* see struct key */
	size_t			 idlen;		/* strlen(s.id) */
	unsigned long		 seq;		/* of its latest row */
	uint32_t		 hash;
	int			 evidence_room;	/* s.evidence has room for */
	unsigned char		 phead, pcount;
	unsigned char		 need_fields;	/* see take_fields() */
	unsigned char		 reading_reply;	/* READ_*, see reply */
	int			 kept;		/* see session_keep() */
	unsigned char		 pending[PENDING_MAX];

	struct session		 s;

	struct open_session	*prev, *next;	/* by first row */
	struct session_table	*home;		/* that made it */
	/*
	 * The EHLO/HELO reply being read when reading_reply is READ_REPLY,
	 * one after the session has one.  Allocated at the first such and
	 * kept for the next.
	 */
	struct ehlo_reply	*reply;
	int			 warned_seq;	/* said its rows are out of order */
	int			 warned_time;	/* said its time goes back */
	size_t			 roomused;	/* of room */
	/* The copies allocated: at most one each for the six strings of
	 * room, each copied once, so six places are enough. */
	char			*spilled[6];
	int			 nspilled;
	/*
	 * Room for the copies of its id, connector, endpoints, remote host
	 * and recipient domain, which are short, one after another; what
	 * does not fit is allocated.  Last: not cleared for a new session.
	 */
	char			 room[256];
};

/*
 * What an EHLO/HELO reply is being read into.  The first of a session, in
 * most sessions the only one read, goes straight into s.ehlo, where it
 * would be copied once complete whatever its code; a later one into
 * reply, copied over s.ehlo only when complete and positive.  Until the
 * first is complete, s.ehlo must look as if it had none: see
 * close_session().
 */
#define READ_NONE	0
#define READ_REPLY	1
#define READ_EHLO	2

_Static_assert(sizeof(void *) != 8 ||
    (offsetof(struct open_session, pending) == 64 &&
    offsetof(struct open_session, s) == 128 &&
    offsetof(struct session, evidence_used) < 64),
    "the lines of an open session each row looks at");
_Static_assert(offsetof(struct session, captures) + sizeof(char *) *
    SESSION_CAPTURES_MAX == offsetof(struct session, ehlo),
    "the captures, cleared apart by create(), just before the EHLO reply");

/* The open session of s, a session of a table. */
static inline struct open_session *
open_of(struct session *s)
{
	return (struct open_session *)(void *)((char *)s -
	    offsetof(struct open_session, s));
}

struct session_table {
	struct open_session	**buckets;
	/* The buckets less one, a power of two less one: what a hash is
	 * and'ed with for its bucket, with no subtraction each row. */
	size_t			 mask;
	size_t			 count;
	struct open_session	*oldest, *newest;
	session_close_fn	 on_close;
	void			*arg;
	struct session_stats	 stats;
	int			 born_only;	/* see sessions_set_born_only() */
	struct open_session	*pool;		/* closed, chained by hnext */
	int			 npool;
};

struct session_table *
sessions_new(session_close_fn on_close, void *arg)
{
	struct session_table *t = xcalloc(1, sizeof *t);

	t->mask = 1024 - 1;
	t->buckets = xcalloc(t->mask + 1, sizeof *t->buckets);
	t->on_close = on_close;
	t->arg = arg;
	return t;
}

const struct session_stats *
sessions_stats(const struct session_table *t)
{
	return &t->stats;
}

/*
 * Eight bytes of the id at a time (ids are 16 hex digits), each word mixed
 * in by a multiplication.  A product carries a difference only upwards,
 * and ids differ in their last digits, the high bytes of a word: the high
 * half is folded down after each word and at the end, for the bucket,
 * which is taken from the low bits.
 */
static uint32_t
hash_key(const char *folder, const char *id, size_t len)
{
	uint64_t h = ((uint64_t)(uintptr_t)folder >> 4) ^ len, w;

	for (; len >= 8; id += 8, len -= 8) {
		memcpy(&w, id, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 32;
	}
	if (len > 0) {
		w = 0;
		memcpy(&w, id, len);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

/*
 * The same for an id of ID_LEN bytes, as two words: the second, where
 * ids differ, turned half over so that its last digits are in the low
 * half, which the high half of the product that follows depends on all
 * of.  Another hash than hash_key()'s, but for other ids than it hashes.
 * Not of the folder: the ids of a server are unique, and the same id in
 * two folders at once, seldom met, costs a longer chain, which the
 * lookup tells apart by folder.
 */
static inline uint32_t
hash_id16(uint64_t w0, uint64_t w1)
{
	uint64_t h;

	h = w0 * 0x9e3779b97f4a7c15ull;
	h ^= w1 >> 32 | w1 << 32;
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h >> 32);
}

/*
 * What a row's session is looked up by, made once per row.  An id of
 * ID_LEN bytes is also held as two words, compared as such; those of
 * other ids are 0 (in their session too).  The tag, an open session's
 * folder, is the folder for an id of ID_LEN bytes and odd_id, no folder,
 * for the others: a session whose tag is a row's folder has an id of
 * ID_LEN bytes, with no look at its length.
 */
struct key {
	const char	*folder, *tag;
	const char	*id;
	size_t		 len;
	uint64_t	 w[2];
	uint32_t	 hash;
};

static char odd_id[1];		/* not const: merged with no other */

static inline void
key_make(struct key *k, const char *folder, const char *id, size_t len)
{
	k->folder = folder;
	k->id = id;
	k->len = len;
	if (len == ID_LEN) {
		k->tag = folder;
		memcpy(&k->w[0], id, 8);
		memcpy(&k->w[1], id + 8, 8);
		k->hash = hash_id16(k->w[0], k->w[1]);
	} else {
		k->tag = odd_id;
		k->w[0] = k->w[1] = 0;
		k->hash = hash_key(folder, id, len);
	}
}

static void
grow(struct session_table *t)
{
	struct open_session **nb, *o, *next;
	size_t i, n = (t->mask + 1) * 2;

	nb = xcalloc(n, sizeof *nb);
	for (i = 0; i <= t->mask; i++)
		for (o = t->buckets[i]; o != NULL; o = next) {
			next = o->hnext;
			o->hnext = nb[o->hash & (n - 1)];
			nb[o->hash & (n - 1)] = o;
		}
	free(t->buckets);
	t->buckets = nb;
	t->mask = n - 1;
}

/*
 * The words of an id first: its second, where ids differ, rejects the
 * others of a chain.  An id of ID_LEN bytes is told whole by its words
 * and its tag; the others are compared whole, after their hash.
 */
static inline struct open_session *
lookup(struct session_table *t, const struct key *k)
{
	struct open_session *o;

	for (o = t->buckets[k->hash & t->mask]; o != NULL;
	    o = o->hnext)
		if (o->idw[1] == k->w[1] && o->idw[0] == k->w[0] &&
		    o->folder == k->tag && (k->len == ID_LEN ||
		    (o->hash == k->hash && o->idlen == k->len &&
		    o->s.folder == k->folder &&
		    mem_equal(o->s.id, k->id, k->len))))
			return o;
	return NULL;
}

static void	insert(struct session_table *, struct open_session *);

/* A copy of the len bytes at s as a string, allocated. */
static __attribute__((noinline)) char *
spill_dup(struct open_session *o, const char *s, size_t len)
{
	char *p = xstrndup(s, len);

	o->spilled[o->nspilled++] = p;
	return p;
}

/*
 * A copy of the len bytes at s as a string, in o's room when it fits.
 * The copy last, and what it returns returned: a call that ends the
 * function, with nothing kept across it, and no registers saved.
 */
static char *
room_dup(struct open_session *o, const char *s, size_t len)
{
	char *p;

	if (len >= sizeof o->room - o->roomused)
		return spill_dup(o, s, len);
	p = o->room + o->roomused;
	p[len] = '\0';
	o->roomused += len + 1;
	return memcpy(p, s, len);
}

static char *
field_dup(struct open_session *o, const struct field *f)
{
	return room_dup(o, f->p, f->len);
}

static struct open_session *
create(struct session_table *t, const struct key *k, const struct row *row)
{
	struct open_session *o = t->pool;
	struct ehlo_reply *reply = NULL;
	void *mem;
	struct evidence *evidence = NULL;
	char *text = NULL, *after;
	size_t textsize = 0;
	int room = 0, pooled = o != NULL;

	if (pooled) {
		/* One of the pool: its buffers are taken over, empty. */
		t->pool = o->hnext;
		t->npool--;
		reply = o->reply;
		evidence = o->s.evidence;
		room = o->evidence_room;
		text = o->s.evidence_text;
		textsize = o->s.evidence_size;
	} else if (posix_memalign(&mem, 64, sizeof *o) == 0)
		o = mem;
	else
		o = xmalloc(sizeof *o);		/* dies, or is as good */
	after = (char *)(&o->s.ehlo + 1);

	/*
	 * All zero but the EHLO reply's buffers, which need not be.  The
	 * captures of one of the pool are already, as release() left them:
	 * 256 of the 576 bytes the first memset() would clear, skipped.
	 */
	memset(o, 0, offsetof(struct open_session, s.captures));
	if (!pooled)
		memset(o->s.captures, 0, sizeof o->s.captures);
	memset(after, 0, offsetof(struct open_session, room) -
	    (size_t)(after - (char *)o));
	o->reply = reply;
	o->s.evidence = evidence;
	o->evidence_room = room;
	o->s.evidence_text = text;
	o->s.evidence_size = textsize;

	o->home = t;
	o->s.folder = k->folder;
	o->folder = k->tag;
	o->s.id = field_dup(o, &row->session_id);
	o->idlen = k->len;
	o->idw[0] = k->w[0];
	o->idw[1] = k->w[1];
	o->s.file = row->file;
	o->s.line = row->line;
	o->s.start = o->s.end = row->time;
	ehlo_init(&o->s.ehlo);
	o->hash = k->hash;
	o->need_fields = 1;
	insert(t, o);
	return o;
}

static void
unlink_session(struct session_table *t, struct open_session *o)
{
	struct open_session **pp;

	for (pp = &t->buckets[o->hash & t->mask]; *pp != o;
	    pp = &(*pp)->hnext)
		;
	*pp = o->hnext;
	if (o->prev != NULL)
		o->prev->next = o->next;
	else
		t->oldest = o->next;
	if (o->next != NULL)
		o->next->prev = o->prev;
	else
		t->newest = o->prev;
	t->count--;
}

/*
 * Free what o holds for its session alone: not its buffers, see POOL_MAX.
 * Its captures are left NULL, as create() counts on.
 */
static void
release(struct open_session *o)
{
	static char *const none[SESSION_CAPTURES_MAX];
	int i;

	/*
	 * Most sessions have none: one test of them all, by memcmp(),
	 * which reads them many at a time, rather than one each.
	 */
	if (memcmp(o->s.captures, none, sizeof none) != 0)
		for (i = 0; i < SESSION_CAPTURES_MAX; i++)
			if (o->s.captures[i] != NULL) {
				free(o->s.captures[i]);
				o->s.captures[i] = NULL;
			}
	for (i = 0; i < o->nspilled; i++)
		free(o->spilled[i]);
	o->nspilled = 0;
	o->s.remote_host = o->s.rcpt_domain = NULL;	/* in room */
}

static void
destroy(struct open_session *o)
{
	release(o);
	free(o->reply);
	free(o->s.evidence);
	free(o->s.evidence_text);
	free(o);
}

/* A session closed: into t's pool, or freed when the pool is full. */
static void
recycle(struct session_table *t, struct open_session *o)
{
	if (t->npool == POOL_MAX) {
		destroy(o);
		return;
	}
	release(o);
	o->hnext = t->pool;
	t->pool = o;
	t->npool++;
}

static void
close_session(struct session_table *t, struct open_session *o, int complete)
{
	unlink_session(t, o);
	/* A first reply left incomplete: s.ehlo has none. */
	if (o->reading_reply == READ_EHLO) {
		ehlo_init(&o->s.ehlo);
		o->reading_reply = READ_NONE;
	}
	o->s.complete = complete;
	if (complete)
		t->stats.complete++;
	else
		t->stats.incomplete++;
	t->on_close(&o->s, t->arg);
	if (!o->kept)
		recycle(t, o);
}

void
session_keep(struct session *s)
{
	open_of(s)->kept = 1;
}

struct session_table *
session_home(const struct session *s)
{
	return open_of((struct session *)(uintptr_t)s)->home;
}

size_t
session_bytes(const struct session *s)
{
	const struct open_session *o = open_of((struct session *)(uintptr_t)s);

	return sizeof *o + (o->reply != NULL ? sizeof *o->reply : 0) +
	    (size_t)o->evidence_room * sizeof *s->evidence +
	    s->evidence_size;
}

void
sessions_recycle(struct session_table *t, struct session *s)
{
	/* create() clears kept, with the rest. */
	recycle(t, open_of(s));
}

void
session_free(struct session *s)
{
	if (s != NULL)
		destroy(open_of(s));
}

void
sessions_set_born_only(struct session_table *t, int on)
{
	t->born_only = on;
}

/* Put o in t as its newest open session. */
static void
insert(struct session_table *t, struct open_session *o)
{
	if (t->count > t->mask)
		grow(t);
	o->hnext = t->buckets[o->hash & t->mask];
	t->buckets[o->hash & t->mask] = o;
	o->prev = t->newest;
	o->next = NULL;
	if (t->newest != NULL)
		t->newest->next = o;
	else
		t->oldest = o;
	t->newest = o;
	if (++t->count > t->stats.open_max)
		t->stats.open_max = t->count;
}

void
sessions_hand_over(struct session_table *t,
    void (*fn)(struct session *, void *), void *arg)
{
	struct open_session *o;

	while ((o = t->oldest) != NULL) {
		unlink_session(t, o);
		fn(&o->s, arg);
	}
}

void
sessions_close_all(struct session_table *t)
{
	while (t->oldest != NULL)
		close_session(t, t->oldest, 0);
}

void
sessions_free(struct session_table *t)
{
	struct open_session *o;

	if (t == NULL)
		return;
	sessions_close_all(t);
	while ((o = t->pool) != NULL) {
		t->pool = o->hnext;
		destroy(o);
	}
	free(t->buckets);
	free(t);
}

/*
 * Whether f holds the string literal needle, which begins with a rare
 * byte: its anchor.  Its length is known when compiled.
 */
#define CONTAINS(f, needle) \
	(mem_find((f)->p, (f)->len, needle, sizeof(needle) - 1, 0) != NULL)

#ifdef __SSE2__
/*
 * Whether the len bytes at p, 16 to 32, hold a 'T': as two blocks of 16,
 * the second overlapping the first as needed, with no call.
 */
static inline int
has_t16_32(const char *p, size_t len)
{
	const __m128i t = _mm_set1_epi8('T');
	__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p),
	    b = _mm_loadu_si128((const __m128i *)(const void *)(p + len - 16));

	return _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(a, t),
	    _mm_cmpeq_epi8(b, t))) != 0;
}
#endif

/* Whether f says "TLS" or "Tls": each 'T' looked at once. */
static int
says_tls(const struct field *f)
{
	const char *p = f->p, *end = f->p + f->len;

#ifdef __SSE2__
	/*
	 * Most contexts of information rows are of 16 to 32 bytes with no
	 * 'T' ("Certificate subject", "attempting to connect"): told so
	 * with no call of memchr().
	 */
	if (f->len - 16 <= 16 && !has_t16_32(f->p, f->len))
		return 0;
#endif

	while (end - p >= 3 && (p = memchr(p, 'T', (size_t)(end - p - 2))) !=
	    NULL) {
		if ((p[1] == 'L' && p[2] == 'S') || (p[1] == 'l' && p[2] == 's'))
			return 1;
		p++;
	}
	return 0;
}

/*
 * Copy n bytes of an evidence text, n <= SESSION_TEXT_MAX.  By memmove(),
 * which stays a call: a memcpy() of a length it knows is bounded the
 * compiler does with "rep movsq", slower to start than the library's
 * copy for the short texts of a row.
 */
static inline void
text_copy(char *dst, const char *src, size_t n)
{
	memmove(dst, src, n);
}

/*
 * Write the text of an information or disconnect row, len bytes of
 * "context: data" (cut at len), at p.  Out of line, as text_grow():
 * add_evidence() saves fewer registers for the other rows.
 */
static __attribute__((noinline)) void
text_join(char *p, size_t len, const struct field *c, const struct field *d)
{
	size_t n = c->len < len ? c->len : len;

	text_copy(p, c->p, n);
	p += n;
	len -= n;
	if (d->len == 0 || len == 0)
		return;
	n = len < 2 ? len : 2;
	memcpy(p, ": ", n);
	p += n;
	len -= n;
	text_copy(p, d->p, len);
}

/* Grow s's evidence text buffer to need bytes at least. */
static void
text_grow(struct session *s, size_t need)
{
	size_t size = s->evidence_size > 0 ? s->evidence_size : 512;
	int i;

	while (need > size)
		size *= 2;
	s->evidence_text = xrealloc(s->evidence_text, size);
	s->evidence_size = size;
	for (i = 0; i < s->nevidence; i++)
		s->evidence[i].text = s->evidence_text +
		    s->evidence[i].textoff;
}

static void	add_evidence(struct session *, const struct row *);

/*
 * The evidence rows and texts of s grown for one more of need bytes of
 * text from where it goes, then the row added as if they had been.  Out
 * of line: add_evidence() then keeps nothing in a register across a call.
 */
static __attribute__((noinline)) void
evidence_grow(struct session *s, const struct row *row, size_t need)
{
	struct open_session *o = open_of(s);

	if (s->nevidence < SESSION_EVIDENCE_MAX &&
	    s->nevidence == o->evidence_room) {
		o->evidence_room += 8;
		s->evidence = xreallocarray(s->evidence,
		    (size_t)o->evidence_room, sizeof *s->evidence);
	}
	if (need > s->evidence_size)
		text_grow(s, need);
	add_evidence(s, row);
}

/*
 * Keep row as evidence of s, a row not kept yet.  Each text points into
 * the one buffer of s: one allocation per session rather than one per row.
 */
static void
add_evidence(struct session *s, const struct row *row)
{
	const struct field *c = NULL;
	struct evidence *e;
	size_t len, used;
	char *p;

	/*
	 * An information or disconnect row says what it means in its
	 * context: "Certificate subject: CN=...", "Local".
	 */
	len = row->data.len;
	if ((row->event == '*' || row->event == '-') && row->context.len > 0) {
		c = &row->context;
		len += c->len + (row->data.len > 0 ? 2 : 0);
	}
	if (len > SESSION_TEXT_MAX)
		len = SESSION_TEXT_MAX;
	/*
	 * Past SESSION_EVIDENCE_MAX, the first rows are kept and the latest
	 * one: the latest text is the last in the buffer, its room is taken
	 * again.  Nothing is changed before there is room.
	 */
	if (s->nevidence == SESSION_EVIDENCE_MAX)
		used = s->evidence[s->nevidence - 1].textoff;
	else if (s->nevidence == open_of(s)->evidence_room) {
		evidence_grow(s, row, s->evidence_used + len + 1);
		return;
	} else
		used = s->evidence_used;
	if (used + len + 1 > s->evidence_size) {
		evidence_grow(s, row, used + len + 1);
		return;
	}
	if (s->nevidence == SESSION_EVIDENCE_MAX) {
		s->nevidence--;
		s->evidence_used = used;
		s->evidence_dropped++;
	}
	p = s->evidence_text + used;
	e = &s->evidence[s->nevidence++];
	e->file = row->file;
	e->line = row->line;
	e->event = row->event;
	e->textoff = used;
	e->text = p;
	e->textlen = len;
	p[len] = '\0';
	s->evidence_used = used + len + 1;
	/* Last: nothing is kept in a register across the copy. */
	if (c == NULL)
		text_copy(p, row->data.p, len);
	else
		text_join(p, len, c, &row->data);
}

/*
 * A row may come twice only by way of the rules, after the session itself
 * kept it: it is the latest evidence then.  The session's own handlers see
 * each row once, and call add_evidence() with no look.
 */
void
session_add_evidence(struct session *s, const struct row *row)
{
	const struct evidence *e;

	if (s->nevidence > 0) {
		e = &s->evidence[s->nevidence - 1];
		if (e->line == row->line && e->file == row->file)
			return;
	}
	add_evidence(s, row);
}

static void
push(struct open_session *o, enum command c)
{
	if (o->pcount == PENDING_MAX)
		return;		/* nonsense: replies stopped long ago */
	o->pending[(o->phead + o->pcount++) % PENDING_MAX] = (unsigned char)c;
}

static enum command
head(const struct open_session *o)
{
	return o->pcount > 0 ? (enum command)o->pending[o->phead] : CMD_NONE;
}

static void
pop(struct open_session *o)
{
	if (o->pcount > 0) {
		o->phead = (o->phead + 1) % PENDING_MAX;
		o->pcount--;
	}
}

/*
 * Whether f begins with verb (n upper case letters, 4 or 8) in any case,
 * followed by nothing, a space or a colon.  A byte matches a letter in
 * either case when it is the letter once its 0x20 bit is cleared: no
 * other byte is.  So the n bytes are compared as one word, all their 0x20
 * bits cleared; the verb's word is known when compiled.
 */
static inline int
verb_is(const struct field *f, const char *verb, size_t n)
{
	uint64_t a8, b8;
	uint32_t a4, b4;

	assert(n == 4 || n == 8);	/* a constant: no test is left */
	if (f->len < n || (f->len > n && f->p[n] != ' ' && f->p[n] != ':'))
		return 0;
	/*
	 * Words of the verb's size, which the compiler makes a constant
	 * of: four bytes copied into eight, the other four 0, went by way
	 * of the stack.
	 */
	if (n == 8) {
		memcpy(&a8, f->p, 8);
		memcpy(&b8, verb, 8);
		return (a8 & ~0x2020202020202020ull) == b8;
	}
	memcpy(&a4, f->p, 4);
	memcpy(&b4, verb, 4);
	return (a4 & ~0x20202020u) == b4;
}

/*
 * ASCII letters of the 8 bytes at p to lower case, all at once: a byte is
 * upper case when its top bit is clear, and adding 0x80 - 'A' to its low
 * seven bits sets the top bit but adding 0x80 - 'Z' - 1 does not (with no
 * carry into the next byte).
 */
static inline void
lower8(char *p)
{
	const uint64_t ones = 0x0101010101010101ull, top = ones * 0x80;
	uint64_t x, b, upper;

	memcpy(&x, p, 8);
	b = x & ~top;
	upper = (b + ones * (0x80 - 'A')) & ~(b + ones * (0x80 - 'Z' - 1)) &
	    ~x & top;
	x ^= upper >> 2;
	memcpy(p, &x, 8);
}

/*
 * The same for the n bytes at p, 8 at a time: past a multiple of 8, the
 * last 8 are done again, over bytes done already, which stay as they are.
 */
static void
lower_ascii(char *p, size_t n)
{
	size_t i;

	if (n < 8) {
		for (; n > 0; p++, n--)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		return;
	}
	for (i = 0; i + 8 <= n; i += 8)
		lower8(p + i);
	if (i < n)
		lower8(p + n - 8);
}

/*
 * "RCPT TO:<a@Fabrikam.COM> NOTIFY=..." -> "fabrikam.com", or NULL.  Out
 * of line: on_command() then saves fewer registers for each command.
 */
static __attribute__((noinline)) char *
address_domain(struct open_session *o, const struct field *f)
{
	const char *at = NULL, *p, *end, *lt = memchr(f->p, '<', f->len);
	char *d;
	size_t n;

	if (lt == NULL || (end = memchr(lt, '>', f->len -
	    (size_t)(lt - f->p))) == NULL)
		return NULL;
	/* The last '@' between them; most addresses have one. */
	for (p = lt + 1; p < end && (p = memchr(p, '@',
	    (size_t)(end - p))) != NULL; p++)
		at = p;
	if (at == NULL || end - at < 2)
		return NULL;
	n = (size_t)(end - at - 1);
	d = room_dup(o, at + 1, n);
	lower_ascii(d, n);
	return d;
}

/*
 * The helpers of on_command() that call out, each called last, with the
 * command pushed already: on_command() then keeps nothing across a call,
 * and saves no registers for the commands that need none of them.
 */
static __attribute__((noinline)) struct session *
kept_command(struct open_session *o, const struct row *row)
{
	add_evidence(&o->s, row);
	return &o->s;
}

static __attribute__((noinline)) struct session *
rcpt_command(struct open_session *o, const struct field *d)
{
	o->s.rcpt_domain = address_domain(o, d);
	return &o->s;
}

static __attribute__((noinline)) struct session *
bdat_command(struct open_session *o, const struct field *d)
{
	/* Looked for by its 'L', rarer than a space. */
	push(o, mem_find(d->p, d->len, " LAST", 5, 1) != NULL ?
	    CMD_BDAT_LAST : CMD_BDAT);
	return &o->s;
}

/* The command a ">" row sends: its first letter tells which to try. */
static enum command
command_of(const struct field *d)
{
	/* ASCII letters to upper case; other bytes match no verb anyway. */
	switch (d->len > 0 ? d->p[0] & ~0x20 : 0) {
	case 'B':
		return verb_is(d, "BDAT", 4) ? CMD_BDAT : CMD_OTHER;
	case 'D':
		return verb_is(d, "DATA", 4) ? CMD_DATA : CMD_OTHER;
	case 'E':
		return verb_is(d, "EHLO", 4) ? CMD_EHLO : CMD_OTHER;
	case 'H':
		return verb_is(d, "HELO", 4) ? CMD_HELO : CMD_OTHER;
	case 'M':
		return verb_is(d, "MAIL", 4) ? CMD_MAIL : CMD_OTHER;
	case 'Q':
		return verb_is(d, "QUIT", 4) ? CMD_QUIT : CMD_OTHER;
	case 'R':
		return verb_is(d, "RCPT", 4) ? CMD_RCPT : CMD_OTHER;
	case 'S':
		return verb_is(d, "STARTTLS", 8) ? CMD_STARTTLS : CMD_OTHER;
	default:
		return CMD_OTHER;
	}
}

static __attribute__((noinline)) struct session *
on_command(struct open_session *o, const struct row *row)
{
	struct session *s = &o->s;
	const struct field *d = &row->data;
	enum command cmd = command_of(d);

	switch (cmd) {
	case CMD_EHLO:
	case CMD_HELO:
		if (cmd == CMD_HELO)
			s->helo_used = 1;
		else
			s->ehlo_sent = 1;
		push(o, cmd);
		return s->tls_up ? s : kept_command(o, row);
	case CMD_STARTTLS:
		s->starttls_issued = 1;
		push(o, cmd);
		return kept_command(o, row);
	case CMD_MAIL:
		s->messages_attempted++;
		break;
	case CMD_RCPT:
		push(o, cmd);
		return s->rcpt_domain != NULL ? s : rcpt_command(o, d);
	case CMD_BDAT:
		return bdat_command(o, d);
	default:
		break;
	}
	push(o, cmd);
	return s;
}

/*
 * The host name at the start of text as s.remote_host, unless one is
 * known; copied into o's room straight from text.  Names of 256 bytes
 * and more are none, as ehlo_host_name() into a buffer of 256 says.
 */
static void
set_host(struct open_session *o, const char *text, size_t len)
{
	size_t n;

	if (o->s.remote_host == NULL &&
	    (n = ehlo_host_name_len(text, len)) > 0 && n < 256)
		o->s.remote_host = room_dup(o, text, n);
}

static void
on_greeting_reply(struct open_session *o, const struct row *row,
    const struct smtp_line *l, enum command cmd)
{
	struct session *s = &o->s;
	struct ehlo_reply *reply;
	size_t n;

	if (o->reading_reply == READ_NONE) {
		if (s->ehlo.lines == 0)
			o->reading_reply = READ_EHLO;
		else {
			if (o->reply == NULL)
				o->reply = xmalloc(sizeof *o->reply);
			o->reading_reply = READ_REPLY;
		}
		ehlo_init(o->reading_reply == READ_EHLO ? &s->ehlo : o->reply);
	}
	reply = o->reading_reply == READ_EHLO ? &s->ehlo : o->reply;
	add_evidence(s, row);
	ehlo_feed_line(reply, l, cmd == CMD_HELO);
	if (l->more)
		return;
	if (o->reading_reply == READ_REPLY && reply->code / 100 == 2)
		ehlo_copy(&s->ehlo, reply);
	o->reading_reply = READ_NONE;
	if (reply->code / 100 == 2) {
		s->greeting_seen = 1;
		if (reply->starttls)
			s->starttls_offered = 1;
		/* Most sessions have the banner's host name by now. */
		if (s->remote_host == NULL) {
			n = strlen(reply->greeting);
			if (!smtp_text_masked(reply->greeting, n))
				set_host(o, reply->greeting, n);
		}
	}
}

/*
 * A reply of the given code that the session keeps as evidence: to the
 * banner, to EHLO or HELO before TLS, to STARTTLS.  Out of line: most
 * replies, the others, need none of it.
 */
static __attribute__((noinline)) struct session *
on_kept_reply(struct open_session *o, const struct row *row, int code,
    int more, enum command cmd)
{
	struct session *s = &o->s;
	struct smtp_line l;
	size_t i = smtp_line_text(row->data.p, row->data.len);

	l.code = code;
	l.more = more;
	l.text = row->data.p + i;
	l.textlen = row->data.len - i;
	switch (cmd) {
	case CMD_BANNER:
		add_evidence(s, row);
		if (smtp_text_masked(l.text, l.textlen))
			s->banner_masked = 1;
		else
			set_host(o, l.text, l.textlen);
		break;
	case CMD_EHLO:
	case CMD_HELO:
		on_greeting_reply(o, row, &l, cmd);
		break;
	default:
		add_evidence(s, row);
		break;
	}
	if (!more)
		pop(o);
	return s;
}

/*
 * A line of an EHLO/HELO reply being read, neither its first nor its
 * last (more is set): most lines of the multi-line form.  What
 * on_kept_reply() would do of it, with fewer registers saved.
 */
static __attribute__((noinline)) struct session *
on_greeting_line(struct open_session *o, const struct row *row, int code,
    int more, enum command cmd)
{
	struct smtp_line l;
	size_t i;

	i = smtp_line_text(row->data.p, row->data.len);
	l.code = code;
	l.more = more;
	l.text = row->data.p + i;
	l.textlen = row->data.len - i;
	add_evidence(&o->s, row);
	ehlo_feed_line(o->reading_reply == READ_EHLO ? &o->s.ehlo : o->reply,
	    &l, cmd == CMD_HELO);
	return &o->s;
}

static __attribute__((noinline)) struct session *
on_reply(struct open_session *o, const struct row *row)
{
	struct session *s = &o->s;
	enum command cmd = head(o);
	int code, more;

	if ((code = smtp_line_code(row->data.p, row->data.len, &more)) == -1)
		return s;
	switch (cmd) {
	case CMD_NONE:
		/* A log that lost its "+" row. */
		if (code == 220 && s->nevidence == 0)
			return on_kept_reply(o, row, code, more, CMD_BANNER);
		break;
	case CMD_BANNER:
	case CMD_STARTTLS:
		return on_kept_reply(o, row, code, more, cmd);
	case CMD_EHLO:
	case CMD_HELO:
		/*
		 * The EHLO after STARTTLS tells nothing new: not read.  No
		 * more is read after TLS (tls_up stays), so a reply left
		 * incomplete before stays so, until the session closes.
		 */
		if (s->tls_up)
			break;
		/* A line after the first of a reply, not the last. */
		if (o->reading_reply != READ_NONE && more)
			return on_greeting_line(o, row, code, more, cmd);
		return on_kept_reply(o, row, code, more, cmd);
	case CMD_DATA:
		if (code == 354) {
			/* The final reply now answers the end of the data. */
			o->pending[o->phead] = CMD_DATA_END;
			return s;
		}
		break;
	case CMD_DATA_END:
	case CMD_BDAT_LAST:
		if (!more && code / 100 == 2)
			s->messages_accepted++;
		break;
	default:
		break;
	}
	if (!more)
		pop(o);
	return s;
}

/* An information row that says "TLS" or "Tls". */
static __attribute__((noinline)) void
on_tls_information(struct open_session *o, const struct row *row)
{
	const struct field *c = &row->context;

	if (CONTAINS(c, "TLS protocol") &&
	    CONTAINS(c, "negotiation succeeded"))
		o->s.tls_up = 1;
	add_evidence(&o->s, row);
}

static __attribute__((noinline)) struct session *
on_information(struct open_session *o, const struct row *row)
{
	/* Most information rows say nothing of TLS. */
	if (says_tls(&row->context))
		on_tls_information(o, row);
	return &o->s;
}

/* The row's sequence number; ULONG_MAX when it is not a number. */
static inline unsigned long
sequence(const struct row *row)
{
	const struct field *f = &row->sequence;
	const unsigned char *p = (const unsigned char *)f->p;
	unsigned long n = 0, d, e;
	size_t i;

	/*
	 * Most are of two digits or one (fewer: a session has ten rows
	 * of one digit, its first): no loop.  Two digits are said to be
	 * expected: gcc then lays sessions_feed() out for them, without
	 * the register moves at its start it made for the other ways.  A
	 * byte below '0' wraps around, far above 9.
	 */
	if (__builtin_expect(f->len == 2, 1)) {
		d = p[0] - (unsigned long)'0';
		e = p[1] - (unsigned long)'0';
		return d <= 9 && e <= 9 ? d * 10 + e : ULONG_MAX;
	}
	if (f->len == 1)
		return (d = p[0] - (unsigned long)'0') <= 9 ? d : ULONG_MAX;
	if (f->len == 0 || f->len > 9)
		return ULONG_MAX;
	for (i = 0; i < f->len; i++) {
		if ((d = p[i] - (unsigned long)'0') > 9)
			return ULONG_MAX;
		n = n * 10 + d;
	}
	return n;
}

/*
 * The connector and endpoints of a session are those of the first row
 * that has each: once it has all three, no row is looked at for them.
 */
static void
take_fields(struct open_session *o, const struct row *row)
{
	struct session *s = &o->s;

	if (s->connector == NULL && row->connector.len > 0)
		s->connector = field_dup(o, &row->connector);
	if (s->local_endpoint == NULL && row->local.len > 0)
		s->local_endpoint = field_dup(o, &row->local);
	if (s->remote_endpoint == NULL && row->remote.len > 0)
		s->remote_endpoint = field_dup(o, &row->remote);
	o->need_fields = s->connector == NULL || s->local_endpoint == NULL ||
	    s->remote_endpoint == NULL;
}

/* Keep t within SESSION_OPEN_MAX before a session met at file:line is added. */
static void
make_room(struct session_table *t, const char *file, unsigned long line)
{
	if (t->count < SESSION_OPEN_MAX)
		return;
	if (t->stats.evicted++ == 0)
		diag(DIAG_WARNING, file, line, "more than %d sessions open at "
		    "once: the oldest are closed early as incomplete (counted "
		    "in the summary)", SESSION_OPEN_MAX);
	close_session(t, t->oldest, 0);
}

/* A row of o is older than the latest: o's start may go back. */
static void
time_before(struct session_table *t, struct open_session *o,
    const struct row *row)
{
	if (o->s.end - row->time > SESSION_TIME_BACK) {
		t->stats.time_back++;
		if (!o->warned_time) {
			char was[LOGTIME_BUFSZ], now[LOGTIME_BUFSZ];

			o->warned_time = 1;
			diag(DIAG_WARNING, row->file, row->line, "session %s: "
			    "time goes back from %s to %s (row kept; said once "
			    "per session)", o->s.id, logtime_format(o->s.end,
			    was), logtime_format(row->time, now));
		}
	}
	if (row->time < o->s.start)
		o->s.start = row->time;
}

/* A session of old's id begins at file:line: old has ended. */
static void
restart(struct session_table *t, struct open_session *old, const char *file,
    unsigned long line)
{
	t->stats.restarted++;
	diag(DIAG_WARNING, file, line, "session %s starts again (sequence "
	    "number 0) while open since %s:%lu: the earlier one is closed as "
	    "incomplete", old->s.id, old->s.file, old->s.line);
	close_session(t, old, 0);
}

/* The "-" row, which ends the session. */
static __attribute__((noinline)) struct session *
on_disconnect(struct open_session *o, const struct row *row)
{
	o->s.ended = 1;
	add_evidence(&o->s, row);
	return &o->s;
}

/*
 * The row's event, by how often each comes: replies, information,
 * commands.  The handlers are called last, out of line, so that the
 * way of most rows through sessions_feed() saves no registers.
 */
static inline struct session *
on_event(struct open_session *o, const struct row *row)
{
	if (row->event == '<')
		return on_reply(o, row);
	if (row->event == '*')
		return on_information(o, row);
	if (row->event == '>')
		return on_command(o, row);
	if (row->event == '-')
		return on_disconnect(o, row);
	if (row->event == '+')
		push(o, CMD_BANNER);
	return &o->s;
}

/*
 * A row of folder, whose session is o (NULL: none) when its id is of
 * ID_LEN bytes, else to be looked up: each case.  Out of line, as it
 * calls functions that need registers kept.
 */
static __attribute__((noinline)) struct session *
feed(struct session_table *t, const char *folder, const struct row *row,
    struct open_session *o)
{
	struct key k;
	unsigned long seq = sequence(row);

	key_make(&k, folder, row->session_id.p, row->session_id.len);
	if (k.len != ID_LEN)
		o = lookup(t, &k);
	if (o != NULL && seq == 0) {
		/* Sequence 0 begins a session: the open one has ended. */
		restart(t, o, row->file, row->line);
		o = NULL;
	}
	if (o == NULL) {
		if (t->born_only && seq != 0)
			return NULL;
		make_room(t, row->file, row->line);
		o = create(t, &k, row);
	} else if (seq < o->seq + 1) {
		/*
		 * seq <= o->seq, both numbers: ULONG_MAX, no number, is
		 * below no o->seq + 1 (o->seq has 9 digits at most), and
		 * o->seq + 1 of no number is 0, above no seq.
		 */
		t->stats.out_of_order++;
		if (!o->warned_seq) {
			o->warned_seq = 1;
			diag(DIAG_WARNING, row->file, row->line, "session %s: "
			    "sequence number %lu after %lu, a repeated or "
			    "reordered row (kept; said once per session)",
			    o->s.id, seq, o->seq);
		}
	}
	o->seq = seq;
	/* Time mostly goes on: start <= end, so then nothing else to do. */
	if (row->time >= o->s.end)
		o->s.end = row->time;
	else
		time_before(t, o, row);
	if (o->need_fields)
		take_fields(o, row);
	return on_event(o, row);
}

/*
 * A row of o in order, while o lacks some of its fields: many sessions
 * have no local endpoint before they connect, some never.  What feed()
 * does last, without its look up again; out of line, as feed().
 */
static __attribute__((noinline)) struct session *
fields_then_event(struct open_session *o, const struct row *row)
{
	take_fields(o, row);
	return on_event(o, row);
}

/*
 * Most rows have an id of ID_LEN bytes and are of an open session, with
 * a sequence number above the one before and a time no earlier: for
 * them, what feed() would do, with less.  The others are feed()'s.
 */
struct session *
sessions_feed(struct session_table *t, const char *folder,
    const struct row *row)
{
	struct open_session *o;
	unsigned long seq;
	uint64_t w0, w1;

	o = NULL;
	if (row->session_id.len == ID_LEN) {
		memcpy(&w0, row->session_id.p, 8);
		memcpy(&w1, row->session_id.p + 8, 8);
		/*
		 * Most rows find their session first in its chain: said to
		 * be expected, so that gcc lays that way out straight.
		 */
		for (o = t->buckets[hash_id16(w0, w1) & t->mask];
		    o != NULL; o = o->hnext)
			if (__builtin_expect(o->idw[1] == w1 &&
			    o->idw[0] == w0 && o->folder == folder, 1))
				break;
		/*
		 * A number above the last: not 0 then, which begins a
		 * session.  After a row with no number (ULONG_MAX), none
		 * is: feed() sees to those rows, few.
		 */
		if (o != NULL && (seq = sequence(row)) > o->seq &&
		    row->time >= o->s.end) {
			o->seq = seq;
			o->s.end = row->time;
			if (o->need_fields)
				return fields_then_event(o, row);
			return on_event(o, row);
		}
	}
	/* One call of feed() for all the others: no registers set up
	 * for each way there on the way of most rows. */
	return feed(t, folder, row, o);
}

void
sessions_adopt(struct session_table *t, struct session *s)
{
	struct open_session *o = open_of(s), *old;
	struct key k;

	key_make(&k, s->folder, s->id, o->idlen);
	if ((old = lookup(t, &k)) != NULL)
		restart(t, old, s->file, s->line);
	make_room(t, s->file, s->line);
	insert(t, o);
}

/* By sessions_end_row(): s has had its "-" row. */
void
sessions_close_ended(struct session_table *t, struct session *s)
{
	close_session(t, open_of(s), 1);
}
