/*
 * scan.c: run the pipeline over every file.
 */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "input.h"
#include "logtime.h"
#include "reader.h"
#include "report.h"
#include "rules.h"
#include "scan.h"
#include "session.h"
#include "strmap.h"
#include "summary.h"
#include "xmalloc.h"

/* Sessions may start this long before the file that holds their end. */
#define WINDOW_MARGIN	(3600 * 1000LL)

/* Shared by the workers of --jobs, shown by the main thread only. */
struct progress {
	int			 on;
	struct timespec		 start, last;
	unsigned long long	 total;		/* bytes of all files; 0: unknown */
	_Atomic unsigned long long done;	/* bytes read */
	_Atomic size_t		 file;		/* files begun */
	size_t			 nfiles;
	int			 shown;
};

/* The main thread's: what is taken in order, and the report. */
struct scan {
	const struct scan_options *opt;
	const char		*last_folder;	/* of the last file read */
	struct rules		*rules;
	struct report		*report;
	struct summary		*summary;
	struct session_table	*sessions;	/* going on across files */
	struct scan_stats	*stats;
	struct progress		*progress;
	int			 show_progress;
	/* The findings of the session being closed. */
	struct summary_outcome	 outcome;
	struct pool		*pool;		/* with workers */
};

/* ---- progress ---- */

static double
seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void
progress_show(struct progress *p, int last)
{
	double elapsed = seconds_since(&p->start), rate;
	unsigned long long done;

	if (!p->on || elapsed < 1.0 || (!last && seconds_since(&p->last) < 0.25))
		return;
	clock_gettime(CLOCK_MONOTONIC, &p->last);
	done = p->done;
	rate = (double)done / elapsed / 1e6;
	fprintf(stderr, "\rsendlog-scan: file %zu/%zu, %.1f MB", (size_t)p->file,
	    p->nfiles, (double)done / 1e6);
	if (p->total > 0)
		fprintf(stderr, " of %.1f MB", (double)p->total / 1e6);
	fprintf(stderr, ", %.1f MB/s", rate);
	if (p->total > done && rate > 0)
		fprintf(stderr, ", %.0f s left",
		    (double)(p->total - done) / 1e6 / rate);
	fputs("\033[K", stderr);
	p->shown = 1;
	if (last)
		fputs("\r\033[K", stderr);
}

/*
 * How the work is shared.  Each file is read on its own, by a worker of
 * --jobs or by the main thread, into a table of the sessions that begin in
 * it (sequence number 0).  What the reading yields goes to the main thread
 * as a list of events, which it takes file by file in reading order:
 *
 *  - a session that began and ended in the file, to evaluate and report,
 *    if a rule finds something in it (those it finds nothing in are
 *    counted where they are read, and only their offer of STARTTLS goes
 *    on, for the history of remote_last_starttls; a worker folds a
 *    remote's offers into one, see struct pending);
 *  - a row of a session begun in an earlier file, fed to the table of
 *    sessions that go on across files;
 *  - a session still open at the end of the file, moved into that table;
 *  - a diagnostic, printed then.
 *
 * The events of a file and the order they are taken in are the same
 * whatever the number of threads, but for how offers are folded, which
 * the history does not show; everything written is the same.
 *
 * With --jobs N, the main thread is one of the N that read (main_reads()):
 * it takes the events of the files before its own between its files and
 * every ROWS_BETWEEN_LOOKS rows, and reads a file whose turn has come
 * when it begins it as --jobs 1 does, taking its events as they come.
 * Memory goes back to the thread that allocated it (see go_home()).
 */

/*
 * EV_ROW: a row in its batch's bytes; EV_BIG_ROW: one too big for them.
 * EV_SUMMARY only goes back, for its maker to free (see go_home()).
 */
enum event_kind {
	EV_DIAG, EV_ROW, EV_BIG_ROW, EV_CLOSED, EV_OPEN, EV_OFFER, EV_SUMMARY
};

/* A session with nothing to report offered STARTTLS: for the history. */
struct offer {
	int64_t		 start;
	size_t		 len;
	char		 key[];
};

struct event {
	enum event_kind	 kind;
	enum diag_level	 level;		/* EV_DIAG */
	void		*p;		/* text, struct row, session or offer */
};

#define BATCH_EVENTS	256
/* For rows; the fuzzing build makes it small, for rows too big for it. */
#ifndef BATCH_BYTES
#define BATCH_BYTES	(64 * 1024)
#endif
#define BATCH_SPARES	8		/* a reading keeps for its next */
/*
 * Bytes the readings may hold for the main thread, all told: the batches
 * handed on and not yet given back (pool->held), what their events point
 * to, what goes home, and UNIT_BYTES for each file begun and not yet
 * taken (its summary).  A worker whose file is ahead of the one being
 * taken waits when they are over, or when what its events point to (its
 * own allocations, pool->out) is over HOLD_MAX / jobs, in a file or
 * before the next: so memory is bounded however far behind the main
 * thread falls (a reader of the report that does not read, more threads
 * than CPUs), and so is each thread's malloc arena.  While it waits, the
 * main thread is asked to take what there is (HELP_WANTED).  The fuzzing
 * build makes it small, so that workers wait often.
 */
#ifndef HOLD_MAX
#define HOLD_MAX	(16 * 1024 * 1024)
#endif
#define UNIT_BYTES	(64 * 1024)
/*
 * Rows between looks at the progress line, at a stop, and, for the main
 * thread, at what the workers have handed on (a power of two).  The
 * fuzzing build makes it small, so that the main thread takes its own
 * file's events at once (main_help()) in the middle of files.
 */
#ifndef ROWS_BETWEEN_LOOKS
#define ROWS_BETWEEN_LOOKS	65536
#endif

/*
 * Events, and the rows they copy: a batch is used again by the thread
 * that made it, once taken, rather than each row allocated and freed.
 * A carrier takes what goes home (go_home()): it has no data, and is
 * freed, not used again.
 */
struct batch {
	struct batch	*next;
	size_t		 n;		/* events */
	size_t		 bytes;		/* its own and its events', about */
	size_t		 used;		/* of data */
	int		 carrier;
	struct event	 ev[BATCH_EVENTS];
	max_align_t	 data[BATCH_BYTES / sizeof(max_align_t)];
};
#define CARRIER_SIZE	offsetof(struct batch, data)

/* One file of the input. */
struct unit {
	const struct input_file *file;
	int			 skip;		/* outside the window */
	struct summary		*summary;	/* what its rows add */
	struct rules_limits	*limits;	/* patterns stopped in it */
	struct batch		*head, *tail;	/* handed on, not yet taken */
	size_t			 held;		/* their bytes, about */
	int			 done;		/* all handed on */
	size_t			 reader;	/* the worker that read it */
};

struct pool {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct unit		*units;
	size_t			 nunits, next;	/* next to read */
	size_t			 taking;	/* the main thread is at */
	size_t			 hold_max;	/* per reading ahead */
	size_t			 wake_at;	/* held to wake the main thread */
	size_t			 held;		/* by all, to HOLD_MAX */
	size_t			*out;		/* payloads, each reading's */
	size_t			 waiting;	/* workers waiting for it to fall */
	_Atomic int		 stop;		/* the report's reader has gone */
	const struct scan_options *opt;
	struct progress		*progress;
	struct session_stats	 sessions;	/* the readings' tables */
	/*
	 * Batches taken, back to the worker that made them, which frees
	 * them: memory is freed by the thread that allocated it, which
	 * keeps threads from waiting on each other's malloc arenas.
	 */
	struct batch		**garbage;	/* per worker */
	/*
	 * Batches given back beyond a reading's spares, for any reading to
	 * use: never freed to malloc while the scan goes on, so that what
	 * they take is what the most held at once took, not the sum of each
	 * thread's arena at its fullest.
	 */
	struct batch		*free;
	size_t			 nworkers;
	/*
	 * What the main thread is done with that a reading made: sessions
	 * that went on across files, summaries.  Gathered by reading here,
	 * and put with its garbage as each unit is taken.
	 */
	struct batch		**home;
	size_t			 home_bytes;	/* theirs, for held */
	/* Each reading's table, to tell (set as the workers start). */
	_Atomic(struct session_table *) *tables;
	size_t			 nreadings;
	/* The main thread's: it reads files too, and takes them in order. */
	struct scan		*sc;
	struct reading		*main_rd;
	const struct input_list	*in;
};

/*
 * A worker's offers of STARTTLS not yet handed on.  The main thread keeps
 * only the latest start per remote, and reads it only when it evaluates a
 * session: so a remote's offers fold into one, which has to go on only
 * before the next event that may read it (an EV_CLOSED session of that
 * remote; any EV_ROW or EV_OPEN, which may close any session of the table
 * across files) and at the end of the file.  Most sessions offer STARTTLS
 * and find nothing; their offers are most of the main thread's events
 * otherwise.
 */
struct pending {
	struct strmap		*keys;		/* key -> index in offer */
	struct offer		**offer;	/* NULL: none held */
	size_t			 n, cap;
	size_t			*held;		/* indexes, in the order held */
	size_t			 nheld, capheld;
};

/* Reading files: a worker's, or the main thread's with --jobs 1. */
struct reading {
	const struct scan_options *opt;
	struct scan		*direct;	/* take events at once, or NULL */
	struct pool		*pool;
	struct unit		*unit;		/* being read */
	struct rules		*rules;		/* of its own */
	struct session_table	*sessions;	/* begun in the file */
	struct batch		*batch;		/* being filled */
	struct batch		*spare;		/* to use again */
	size_t			 nspare;
	struct pending		 pending;	/* offers held back */
	size_t			 id;		/* the worker's number */
	struct progress		*progress;
	int			 show_progress;
	/*
	 * The main thread's reading, with workers: it does not wait for
	 * itself to take what it holds, but takes what there is to take
	 * (main_help()) between files, every 65536 rows, when it holds too
	 * much (HELP_DUE: it waits for the files before its own), and when
	 * a worker waits for it (HELP_WANTED, set by the worker).
	 */
	int			 helps;
	_Atomic int		 help_due;
};
#define HELP_WANTED	1
#define HELP_DUE	2

/* ---- the main thread: findings and events ---- */

static void
on_finding(const struct finding *f, const struct session *s, void *arg)
{
	struct scan *sc = arg;

	if (!filter_finding(sc->opt->filter, f))
		return;
	summary_outcome_add(&sc->outcome, f);
	summary_finding(sc->summary, f, s);
	report_finding(sc->report, f, s);
}

static void
session_done(struct scan *sc, struct session *s)
{
	if (!filter_session(sc->opt->filter, s)) {
		/* Rules still see it: history such as remote_last_starttls. */
		rules_eval(sc->rules, s, NULL, NULL);
		return;
	}
	memset(&sc->outcome, 0, sizeof sc->outcome);
	rules_eval(sc->rules, s, on_finding, sc);
	sc->stats->sessions_reported++;
	summary_session(sc->summary, s, &sc->outcome);
}

/*
 * With workers, what the main thread is done with goes back to the reading
 * that made it, to be freed or used again there: memory freed by another
 * thread than the one that allocated it makes both wait on its arena.
 * 0 when p is the main thread's own to free.
 */
static int
go_home(struct pool *pool, size_t id, enum event_kind kind, void *p)
{
	struct batch *b;
	size_t size;

	if (id + 1 >= pool->nreadings)
		return 0;		/* the main thread's reading, or none */
	if ((b = pool->home[id]) == NULL || b->n == BATCH_EVENTS) {
		b = xmalloc(CARRIER_SIZE);
		b->next = pool->home[id];
		b->n = b->used = 0;
		b->bytes = CARRIER_SIZE;
		b->carrier = 1;
		pool->home[id] = b;
		pool->home_bytes += CARRIER_SIZE;
	}
	size = kind == EV_SUMMARY ? UNIT_BYTES : session_bytes(p);
	b->bytes += size;
	pool->home_bytes += size;
	b->ev[b->n].kind = kind;
	b->ev[b->n].level = DIAG_WARNING;
	b->ev[b->n++].p = p;
	return 1;
}

/* The reading whose table made s, or nreadings. */
static size_t
home_of(const struct pool *pool, const struct session *s)
{
	const struct session_table *t = session_home(s);
	size_t id;

	for (id = 0; id < pool->nreadings && pool->tables[id] != t; id++)
		;
	return id;
}

/* A session that went on across files has closed. */
static void
on_session_closed(struct session *s, void *arg)
{
	struct scan *sc = arg;

	session_done(sc, s);
	if (sc->pool != NULL && go_home(sc->pool, home_of(sc->pool, s),
	    EV_CLOSED, s))
		session_keep(s);
}

static void
take_event(struct scan *sc, const struct unit *u, struct event *ev)
{
	struct session *s;
	struct row *row;

	switch (ev->kind) {
	case EV_DIAG:
		diag_release(ev->level, ev->p);
		break;
	case EV_ROW:
	case EV_BIG_ROW:
		row = ev->p;
		s = sessions_feed(sc->sessions, u->file->folder, row);
		rules_observe_row(sc->rules, s, row);
		sessions_end_row(sc->sessions, s);
		break;
	case EV_CLOSED:
		session_done(sc, ev->p);
		break;
	case EV_OPEN:
		sessions_adopt(sc->sessions, ev->p);
		break;
	case EV_OFFER:
		rules_history_add(sc->rules, ((struct offer *)ev->p)->key,
		    ((struct offer *)ev->p)->len,
		    ((struct offer *)ev->p)->start);
		break;
	case EV_SUMMARY:
		break;
	}
}

/*
 * Free what an event holds, once taken (or not, if the scan stopped); its
 * session goes to rd's table, to be used again, when rd is the reading
 * that made it.
 */
static void
free_event(struct reading *rd, struct event *ev, int taken)
{
	switch (ev->kind) {
	case EV_ROW:
		break;			/* in the batch */
	case EV_OPEN:
	case EV_CLOSED:
		if (ev->kind == EV_OPEN && taken)
			break;		/* the main thread's now */
		if (rd != NULL)
			sessions_recycle(rd->sessions, ev->p);
		else
			session_free(ev->p);
		break;
	case EV_SUMMARY:
		summary_free(ev->p);
		break;
	default:
		free(ev->p);
	}
}

/*
 * Free the events of batches; the batches rd keeps as spares, or gives
 * to the pool's (freed when rd is NULL, at the end).
 */
static void
free_batches(struct reading *rd, struct batch *b, int taken)
{
	struct batch *next, *shared = NULL, *last = NULL;
	size_t i;

	for (; b != NULL; b = next) {
		next = b->next;
		for (i = 0; i < b->n; i++)
			free_event(rd, &b->ev[i], taken);
		if (rd == NULL || b->carrier) {
			free(b);
			continue;
		}
		b->n = 0;		/* its events are no more */
		if (rd->nspare < BATCH_SPARES) {
			b->next = rd->spare;
			rd->spare = b;
			rd->nspare++;
		} else {
			b->next = shared;
			shared = b;
			if (last == NULL)
				last = b;
		}
	}
	if (shared != NULL) {
		pthread_mutex_lock(&rd->pool->lock);
		last->next = rd->pool->free;
		rd->pool->free = shared;
		pthread_mutex_unlock(&rd->pool->lock);
	}
}

/* What a file read adds to the whole, once its events are taken. */
static void
unit_done(struct scan *sc, struct unit *u)
{
	if (u->skip) {
		sc->stats->skipped_window++;
		sc->stats->files_skipped++;
		/* Its folder still counts: no rows is missing logs. */
		summary_folder_seen(sc->summary, u->file->folder);
		return;
	}
	if (u->summary->stats.files_read > 0 &&
	    sc->last_folder != u->file->folder) {
		sc->stats->folders++;
		sc->last_folder = u->file->folder;
	}
	summary_merge(sc->summary, u->summary);
	if (sc->pool == NULL || !go_home(sc->pool, u->reader, EV_SUMMARY,
	    u->summary))
		summary_free(u->summary);
	u->summary = NULL;
	rules_add_limits(sc->rules, u->limits);
	u->limits = NULL;
}

/* ---- reading a file ---- */

/*
 * The bytes of what b's events point to: the memory of the thread that
 * made them, in its malloc arena.  Batches are not counted in a reading's
 * share (pool->out): they go from one reading to another (pool->free).
 */
static size_t
payload(const struct batch *b)
{
	return b->bytes - (b->carrier ? CARRIER_SIZE : sizeof *b);
}

/*
 * What the main thread has given back to rd, the pool locked, to be freed
 * by rd unlocked: it is held no more.
 */
static struct batch *
collect(struct reading *rd)
{
	struct pool *pool = rd->pool;
	struct batch *garbage = pool->garbage[rd->id], *b;

	pool->garbage[rd->id] = NULL;
	for (b = garbage; b != NULL; b = b->next) {
		pool->held -= b->bytes;
		pool->out[rd->id] -= payload(b);
	}
	if (garbage != NULL && pool->waiting > 0 && pool->held <= HOLD_MAX)
		pthread_cond_broadcast(&pool->cond);
	return garbage;
}

/* Add the batch being filled to its unit's, if any; the garbage back. */
static struct batch *
hand_on(struct reading *rd)
{
	struct pool *pool = rd->pool;
	struct unit *u = rd->unit;
	struct batch *b = rd->batch, *garbage;

	rd->batch = NULL;
	garbage = collect(rd);
	if (b != NULL) {
		if (u->tail != NULL)
			u->tail->next = b;
		else
			u->head = b;
		u->tail = b;
		u->held += b->bytes;
		pool->held += b->bytes;
		pool->out[rd->id] += payload(b);
		/*
		 * The main thread waits for the unit it takes to be done,
		 * or to hold that much: woken for each batch, it would take
		 * a CPU from a reader each time.
		 */
		if ((size_t)(u - pool->units) == pool->taking &&
		    u->held >= pool->wake_at)
			pthread_cond_broadcast(&pool->cond);
	}
	return garbage;
}

/* Whether rd, or all readings, hold more than they may; the pool locked. */
static int
held_too_much(const struct pool *pool, const struct reading *rd)
{
	return pool->out[rd->id] > pool->hold_max || pool->held > HOLD_MAX;
}

/*
 * A worker waits, the pool locked, for the main thread to take some; what
 * it gives back is freed meanwhile, and counts no more in what is held.
 * The caller looks again at what it waits for.
 */
static void
pool_wait(struct pool *pool, struct reading *rd)
{
	struct batch *garbage;

	if ((garbage = collect(rd)) != NULL) {
		pthread_mutex_unlock(&pool->lock);
		free_batches(rd, garbage, 1);
		pthread_mutex_lock(&pool->lock);
		return;
	}
	/* The main thread takes what there is at its next row. */
	atomic_fetch_or_explicit(&pool->main_rd->help_due, HELP_WANTED,
	    memory_order_relaxed);
	pool->waiting++;
	pthread_cond_wait(&pool->cond, &pool->lock);
	pool->waiting--;
}

static void
publish(struct reading *rd)
{
	struct pool *pool = rd->pool;
	struct unit *u = rd->unit;
	struct batch *garbage;

	pthread_mutex_lock(&pool->lock);
	garbage = hand_on(rd);
	if (rd->helps) {
		/* Its own turn to be taken, or far ahead: help. */
		if ((size_t)(u - pool->units) == pool->taking ||
		    held_too_much(pool, rd))
			atomic_fetch_or_explicit(&rd->help_due, HELP_DUE,
			    memory_order_relaxed);
	} else
		/* Far ahead of the main thread: wait for it. */
		while ((size_t)(u - pool->units) > pool->taking &&
		    held_too_much(pool, rd) && !pool->stop)
			pool_wait(pool, rd);
	pthread_mutex_unlock(&pool->lock);
	free_batches(rd, garbage, 1);
}

static struct batch *
new_batch(struct reading *rd)
{
	struct batch *b;

	if ((b = rd->spare) != NULL) {
		rd->spare = b->next;
		rd->nspare--;
	} else {
		pthread_mutex_lock(&rd->pool->lock);
		if ((b = rd->pool->free) != NULL)
			rd->pool->free = b->next;
		pthread_mutex_unlock(&rd->pool->lock);
		if (b == NULL)
			b = xmalloc(sizeof *b);
	}
	b->next = NULL;
	b->n = b->used = 0;
	b->bytes = sizeof *b;
	b->carrier = 0;
	return rd->batch = b;
}

static void
push(struct reading *rd, enum event_kind kind, enum diag_level level, void *p,
    size_t bytes)
{
	struct event ev = { kind, level, p };
	struct batch *b;

	if (rd->direct != NULL) {
		take_event(rd->direct, rd->unit, &ev);
		free_event(rd, &ev, 1);
		return;
	}
	if ((b = rd->batch) == NULL)
		b = new_batch(rd);
	b->ev[b->n++] = ev;
	b->bytes += bytes;
	if (b->n == BATCH_EVENTS)
		publish(rd);
}

static void	pending_flush(struct reading *);

/*
 * A row of a session begun in an earlier file, to go on.  Taken at once
 * as it is, when the reading's events are; else copied into the batch.
 */
static void
push_row(struct reading *rd, struct row *row)
{
	struct event ev = { EV_ROW, DIAG_WARNING, row };
	struct batch *b;
	size_t size;

	pending_flush(rd);
	if (rd->direct != NULL) {
		take_event(rd->direct, rd->unit, &ev);
		return;
	}
	size = (reader_row_size(row) + sizeof(max_align_t) - 1) &
	    ~(sizeof(max_align_t) - 1);
	if (size > BATCH_BYTES / 4) {
		push(rd, EV_BIG_ROW, DIAG_WARNING, reader_row_copy(row),
		    size);
		return;
	}
	if ((b = rd->batch) != NULL && BATCH_BYTES - b->used < size) {
		publish(rd);
		b = NULL;
	}
	if (b == NULL)
		b = new_batch(rd);
	b->used += size;
	push(rd, EV_ROW, DIAG_WARNING, reader_row_copy_to(row,
	    (char *)b->data + b->used - size), 0);
}

/* Hand on the offer held at index i, if any. */
static void
pending_send(struct reading *rd, size_t i)
{
	struct pending *pd = &rd->pending;
	struct offer *o = pd->offer[i];

	if (o != NULL) {
		pd->offer[i] = NULL;
		push(rd, EV_OFFER, DIAG_WARNING, o, sizeof *o + o->len);
	}
}

/* Hand on every offer held, before an event that may read any. */
static void
pending_flush(struct reading *rd)
{
	struct pending *pd = &rd->pending;
	size_t i;

	for (i = 0; i < pd->nheld; i++)
		pending_send(rd, pd->held[i]);
	pd->nheld = 0;
}

/* Hand on the offer held for s's remote, before s is evaluated. */
static void
pending_flush_session(struct reading *rd, const struct session *s)
{
	struct pending *pd = &rd->pending;
	char key[RULES_HISTORY_KEY];
	size_t len, i;

	if (pd->keys == NULL || (len = rules_history_key(s, key,
	    sizeof key)) == 0 || (i = strmap_get(pd->keys, key, len)) ==
	    (size_t)-1)
		return;
	pending_send(rd, i);
}

/* Hold an offer of STARTTLS, folded into the one held for its remote. */
static void
pending_add(struct reading *rd, const char *key, size_t len, int64_t start)
{
	struct pending *pd = &rd->pending;
	struct offer *o;
	size_t i;

	if (pd->keys == NULL)
		pd->keys = strmap_new();
	if ((i = strmap_get(pd->keys, key, len)) == (size_t)-1) {
		if (pd->n == pd->cap) {
			pd->cap = pd->cap == 0 ? 64 : pd->cap * 2;
			pd->offer = xreallocarray(pd->offer, pd->cap,
			    sizeof *pd->offer);
		}
		i = pd->n++;
		pd->offer[i] = NULL;
		strmap_put(pd->keys, key, len, i);
	}
	if ((o = pd->offer[i]) != NULL) {
		if (o->start < start)
			o->start = start;
		return;
	}
	o = pd->offer[i] = xmalloc(sizeof *o + len);
	o->start = start;
	o->len = len;
	memcpy(o->key, key, len);
	if (pd->nheld == pd->capheld) {
		pd->capheld = pd->capheld == 0 ? 64 : pd->capheld * 2;
		pd->held = xreallocarray(pd->held, pd->capheld,
		    sizeof *pd->held);
	}
	pd->held[pd->nheld++] = i;
}

/* At the end of a file: everything held goes on; the keys are dropped. */
static void
pending_end_file(struct reading *rd)
{
	struct pending *pd = &rd->pending;

	pending_flush(rd);
	strmap_free(pd->keys);
	pd->keys = NULL;
	pd->n = 0;
}

static void
pending_free(struct pending *pd)
{
	size_t i;

	for (i = 0; i < pd->n; i++)
		free(pd->offer[i]);
	strmap_free(pd->keys);
	free(pd->offer);
	free(pd->held);
}

static void
hold_diag(enum diag_level level, char *text, void *arg)
{
	push(arg, EV_DIAG, level, text, strlen(text) + 64);
}

/*
 * A session no rule finds anything in, closed where it was read: what
 * session_done() would do, without the main thread.
 */
static void
session_quiet(struct reading *rd, const struct session *s)
{
	static const struct summary_outcome none;	/* no findings */
	struct summary *sum = rd->unit->summary;
	char key[RULES_HISTORY_KEY];
	size_t len;

	if (filter_session(rd->opt->filter, s)) {
		sum->stats.sessions_reported++;
		summary_session(sum, s, &none);
	}
	if (s->starttls_offered &&
	    (len = rules_history_key(s, key, sizeof key)) > 0) {
		/* Read by the main thread: what take_event() would do. */
		if (rd->direct != NULL) {
			rules_history_add(rd->direct->rules, key, len,
			    s->start);
			return;
		}
		pending_add(rd, key, len, s->start);
	}
}

/* A session begun in the file has closed in it. */
static void
on_closed_in_file(struct session *s, void *arg)
{
	struct reading *rd = arg;

	if (rules_would_fire(rd->rules, s) == 0) {
		session_quiet(rd, s);
		return;
	}
	if (rd->direct != NULL) {
		/* What take_event() does; the table frees it on return. */
		session_done(rd->direct, s);
		return;
	}
	session_keep(s);
	pending_flush_session(rd, s);
	push(rd, EV_CLOSED, DIAG_WARNING, s, session_bytes(s));
}

/* A session begun in the file is open at its end. */
static void
on_open_at_end(struct session *s, void *arg)
{
	pending_flush(arg);
	push(arg, EV_OPEN, DIAG_WARNING, s, session_bytes(s));
}

/*
 * The rows' first and last times, kept by read_rows() where they cost
 * least, go to the unit's stats.
 */
static void
count_times(struct scan_stats *st, int64_t first, int64_t last)
{
	if (!st->have_time || first < st->first_time)
		st->first_time = first;
	if (!st->have_time || last > st->last_time)
		st->last_time = last;
	st->have_time = 1;
}

/* Why a file with this header is not read; NULL when it is. */
static const char *
header_problem(struct scan_stats *st, struct reader *r, int kind)
{
	static _Thread_local char buf[96];
	const char *column;

	switch (kind) {
	case LOG_SEND:
		if (!reader_missing_columns(r, &column))
			return NULL;
		snprintf(buf, sizeof buf, "#Fields: has no %s column, "
		    "file skipped", column);
		st->skipped_other++;
		return buf;
	case LOG_RECEIVE:
		st->skipped_receive++;
		return "a receive protocol log, not a send log: file skipped";
	case LOG_UNKNOWN:
		st->skipped_no_header++;
		if (reader_stats(r)->bytes == 0)
			return "empty file, skipped";
		return "no #Log-type:/#Fields: header: not an Exchange "
		    "protocol log, file skipped";
	default:
		st->skipped_other++;
		return "#Log-type: is not SMTP Send Protocol Log: file skipped";
	}
}

static void	main_help(struct reading *, int);

static void
read_rows(struct reading *rd, struct reader *r, const char *folder)
{
	struct scan_stats *st = &rd->unit->summary->stats;
	const struct rules_row_filter *wanted = rules_row_filter(rd->rules);
	struct summary *sum = rd->unit->summary;
	struct summary_rows rows = { folder, 0, 0, 0, 0 };
	unsigned long long counted = 0;
	struct session *s;
	struct row row;
	int rc, help;

	while ((rc = reader_next(r, &row)) == 1) {
		summary_rows_add(sum, &rows, row.time);
		if ((s = sessions_feed(rd->sessions, folder, &row)) == NULL)
			push_row(rd, &row);
		else {
			/* Most rows need nothing of the rules: no call. */
			if (rules_row_wanted(wanted, &row))
				rules_observe_wanted(rd->rules, s, &row);
			sessions_end_row(rd->sessions, s);
		}
		/* rows.n is reader_stats(r)->rows, at hand */
		help = atomic_load_explicit(&rd->help_due,
		    memory_order_relaxed);
		if ((rows.n & (ROWS_BETWEEN_LOOKS - 1)) == 0 || help != 0) {
			if (rd->helps && rd->direct == NULL)
				main_help(rd, help & HELP_DUE);
			else if (help != 0)	/* its own file's turn */
				atomic_store_explicit(&rd->help_due, 0,
				    memory_order_relaxed);
			rd->progress->done += reader_stats(r)->bytes - counted;
			counted = reader_stats(r)->bytes;
			if (rd->show_progress)
				progress_show(rd->progress, 0);
			if (rd->pool != NULL && rd->pool->stop)
				break;
		}
	}
	summary_rows_end(sum, &rows);
	if (rows.n > 0)
		count_times(st, rows.first, rows.last);
	if (rc == -1) {
		diag(DIAG_ERROR, rd->unit->file->path, reader_stats(r)->lines,
		    "read error: %s", strerror(errno));
		st->files_unreadable++;
	}
	rd->progress->done += reader_stats(r)->bytes - counted;
}

static void
read_file(struct reading *rd, struct unit *u, const struct scan_options *opt)
{
	const struct input_file *f = u->file;
	struct scan_stats *st;
	const struct reader_stats *rs;
	const char *problem = NULL;
	struct reader *r;
	FILE *fp;
	int kind;

	rd->unit = u;
	u->summary = summary_new(opt->gap);
	st = &u->summary->stats;
	if ((fp = input_open(f)) == NULL) {
		diag(DIAG_ERROR, f->path, 0, "%s", strerror(errno));
		st->files_unreadable++;
		return;
	}
	r = reader_new(fp, f->path);
	if ((kind = reader_header(r)) == -1) {
		diag(DIAG_ERROR, f->path, reader_stats(r)->lines,
		    "read error: %s", strerror(errno));
		st->files_unreadable++;
	} else if ((problem = header_problem(st, r, kind)) != NULL) {
		diag(DIAG_WARNING, f->path, 0, "%s", problem);
		st->files_skipped++;
	} else {
		st->files_read++;
		summary_file(u->summary, f->folder);
		read_rows(rd, r, f->folder);
	}
	rs = reader_stats(r);
	if (problem == NULL)
		st->bytes += rs->bytes;
	st->rows += rs->rows;
	st->bad_rows += rs->bad_rows;
	reader_free(r);
	input_close(f, fp);
	/* The sessions still open go on in the next file. */
	sessions_hand_over(rd->sessions, on_open_at_end, rd);
	pending_end_file(rd);
	u->limits = rules_take_limits(rd->rules);
}

static int
reading_init(struct reading *rd, const struct scan_options *opt)
{
	char err[512];

	memset(rd, 0, sizeof *rd);
	rd->opt = opt;
	if ((rd->rules = rules_new(opt->rules_config, err, sizeof err)) ==
	    NULL) {
		diag(DIAG_ERROR, NULL, 0, "cannot load the rules again: %s",
		    err);
		return -1;
	}
	rules_hold_limits(rd->rules, 1);
	rd->sessions = sessions_new(on_closed_in_file, rd);
	sessions_set_born_only(rd->sessions, 1);
	return 0;
}

static void
add_session_stats(struct scan_stats *st, const struct session_stats *ss)
{
	st->sessions_complete += ss->complete;
	st->sessions_incomplete += ss->incomplete;
	st->sessions_evicted += ss->evicted;
	st->sessions_restarted += ss->restarted;
	st->rows_out_of_order += ss->out_of_order;
	st->rows_time_back += ss->time_back;
}

/* Its sessions' counts go to *st, which the caller guards. */
static void
reading_free(struct reading *rd, struct session_stats *st)
{
	const struct session_stats *ss = sessions_stats(rd->sessions);

	st->complete += ss->complete;
	st->incomplete += ss->incomplete;
	st->evicted += ss->evicted;
	st->restarted += ss->restarted;
	st->out_of_order += ss->out_of_order;
	st->time_back += ss->time_back;
	sessions_free(rd->sessions);
	rules_free(rd->rules);
	pending_free(&rd->pending);
	free_batches(NULL, rd->spare, 1);
}

/* ---- --jobs: files read side by side ---- */

/*
 * The next file to read, for rd, or NULL when there is none.  A worker
 * waits while the readings hold too much, unless the file's turn to be
 * taken has come.
 */
static struct unit *
claim(struct pool *pool, struct reading *rd)
{
	struct unit *u = NULL;

	pthread_mutex_lock(&pool->lock);
	while (!rd->helps && pool->next < pool->nunits &&
	    pool->next > pool->taking && held_too_much(pool, rd) &&
	    !pool->stop)
		pool_wait(pool, rd);
	if (pool->next < pool->nunits && !pool->stop) {
		u = &pool->units[pool->next++];
		pool->held += UNIT_BYTES;	/* until taken */
	}
	pthread_mutex_unlock(&pool->lock);
	if (u != NULL) {
		pool->progress->file++;
		rd->unit = u;
		u->reader = rd->id;
	}
	return u;
}

static void *
worker(void *arg)
{
	struct pool *pool = arg;
	struct reading rd;
	struct unit *u;

	if (reading_init(&rd, pool->opt) == -1)
		exit(2);
	pthread_mutex_lock(&pool->lock);
	rd.id = pool->nworkers++;
	pool->tables[rd.id] = rd.sessions;
	pthread_mutex_unlock(&pool->lock);
	rd.pool = pool;
	rd.progress = pool->progress;
	while ((u = claim(pool, &rd)) != NULL) {
		if (!u->skip) {
			diag_set_hold(hold_diag, &rd);
			read_file(&rd, u, pool->opt);
			diag_set_hold(NULL, NULL);
		}
		publish(&rd);
		pthread_mutex_lock(&pool->lock);
		u->done = 1;
		pthread_cond_broadcast(&pool->cond);
		pthread_mutex_unlock(&pool->lock);
	}
	pthread_mutex_lock(&pool->lock);
	reading_free(&rd, &pool->sessions);
	pthread_mutex_unlock(&pool->lock);
	input_thread_done();
	return NULL;
}

/*
 * Take what unit u has handed on; 1 when that was all of it.  wait: for
 * the unit to be done or to hold enough to be worth waking for.
 */
static int
take_some(struct scan *sc, struct pool *pool, struct unit *u, int wait)
{
	struct timespec t;
	struct batch *b, *first, *last;
	size_t i;
	int done;

	pthread_mutex_lock(&pool->lock);
	while (wait && !u->done && u->held < pool->wake_at && !pool->stop) {
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 250000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&pool->cond, &pool->lock, &t);
		if (sc->show_progress) {
			pthread_mutex_unlock(&pool->lock);
			progress_show(sc->progress, 0);
			pthread_mutex_lock(&pool->lock);
		}
	}
	/* All there is, in one go. */
	first = u->head;
	u->head = u->tail = NULL;
	u->held = 0;
	done = u->done;
	pthread_mutex_unlock(&pool->lock);
	for (b = last = first; b != NULL; last = b, b = b->next)
		for (i = 0; i < b->n; i++)
			take_event(sc, u, &b->ev[i]);
	if (first == NULL)
		return done;
	pthread_mutex_lock(&pool->lock);
	if (u->reader + 1 == pool->nreadings) {
		/* The main thread's own, to free now. */
		for (b = first; b != NULL; b = b->next) {
			pool->held -= b->bytes;
			pool->out[u->reader] -= payload(b);
		}
		if (pool->waiting > 0 && pool->held <= HOLD_MAX)
			pthread_cond_broadcast(&pool->cond);
		pthread_mutex_unlock(&pool->lock);
		free_batches(pool->main_rd, first, 1);
		return done;
	}
	/* Back to the worker that made them, waiting perhaps. */
	last->next = pool->garbage[u->reader];
	pool->garbage[u->reader] = first;
	if (pool->waiting > 0)
		pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	return done;
}

/* Where the folder that starts at file i ends. */
static size_t
folder_end(const struct input_list *in, size_t i)
{
	while (i + 1 < in->nfiles && in->files[i + 1].folder ==
	    in->files[i].folder)
		i++;
	return i + 1;
}

/* The unit being taken is all taken: its totals, and on to the next. */
static void
unit_taken(struct scan *sc, struct pool *pool)
{
	struct batch *b;
	size_t i = pool->taking, k;

	unit_done(sc, &pool->units[i]);
	if (folder_end(pool->in, i) == i + 1)
		sessions_close_all(sc->sessions);
	if (sc->show_progress)
		progress_show(sc->progress, 0);
	pthread_mutex_lock(&pool->lock);
	for (k = 0; k < pool->nreadings; k++)
		if ((b = pool->home[k]) != NULL) {
			for (;; b = b->next) {
				pool->out[k] += payload(b);
				if (b->next == NULL)
					break;
			}
			b->next = pool->garbage[k];
			pool->garbage[k] = pool->home[k];
			pool->home[k] = NULL;
		}
	pool->held += pool->home_bytes;
	pool->home_bytes = 0;
	pool->taking = i + 1;
	pool->held -= UNIT_BYTES;
	if (ferror(stdout))
		pool->stop = 1;	/* the reader of the report has gone */
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
}

/*
 * Take the units in order, up to unit upto; wait: for each in turn,
 * else only as far as they are all there.
 */
static void
take_in_order(struct scan *sc, struct pool *pool, size_t upto, int wait)
{
	while (pool->taking < upto && !pool->stop)
		if (take_some(sc, pool, &pool->units[pool->taking], wait))
			unit_taken(sc, pool);
		else if (!wait)
			break;
}

/*
 * The main thread, reading a file with workers: take what the workers have
 * handed on, in order, up to the unit it reads, waiting for them if wait
 * (they never wait for the unit being taken); then, once at its own unit,
 * what it has handed on of that so far.  Called between rows, where
 * nothing else is under way.
 */
static void
main_help(struct reading *rd, int wait)
{
	struct pool *pool = rd->pool;
	size_t self = (size_t)(rd->unit - pool->units);

	atomic_store_explicit(&rd->help_due, 0, memory_order_relaxed);
	/* What is taken says its own diagnostics, now. */
	diag_set_hold(NULL, NULL);
	take_in_order(pool->sc, pool, self, wait);
	if (pool->taking == self && !pool->stop)
		take_some(pool->sc, pool, rd->unit, 0);
	diag_set_hold(hold_diag, rd);
}

/*
 * The main thread's share of the reading: it reads the next file when
 * there is one, taking what there is between files, then takes the rest.
 */
static void
main_reads(struct scan *sc, struct pool *pool, struct reading *rd)
{
	struct batch *garbage;
	struct unit *u;

	for (;;) {
		take_in_order(sc, pool, pool->nunits, 0);
		if ((u = claim(pool, rd)) == NULL)
			break;
		if (!u->skip) {
			/* Its turn already: no need to hold anything. */
			if ((size_t)(u - pool->units) == pool->taking)
				rd->direct = sc;
			else
				diag_set_hold(hold_diag, rd);
			read_file(rd, u, pool->opt);
			diag_set_hold(NULL, NULL);
		}
		pthread_mutex_lock(&pool->lock);
		garbage = hand_on(rd);
		u->done = 1;
		pthread_mutex_unlock(&pool->lock);
		free_batches(rd, garbage, 1);
		rd->direct = NULL;
		atomic_store_explicit(&rd->help_due, 0, memory_order_relaxed);
	}
	take_in_order(sc, pool, pool->nunits, 1);
}

/* Free what was handed on and not taken. */
static void
drop_unit(struct unit *u)
{
	free_batches(NULL, u->head, 0);
	summary_free(u->summary);
	rules_free_limits(u->limits);
}

static void
units_init(struct pool *pool, const struct input_list *in, const char *skip)
{
	size_t i;

	pool->units = xcalloc(in->nfiles + 1, sizeof *pool->units);
	pool->nunits = in->nfiles;
	for (i = 0; i < in->nfiles; i++) {
		pool->units[i].file = &in->files[i];
		pool->units[i].skip = skip[i];
	}
}

/*
 * Every file, read by njobs threads: this one and njobs - 1 workers.
 * Taken in order; a folder is one server: its open sessions end with it.
 */
static void
scan_files(struct scan *sc, const struct input_list *in, const char *skip,
    int njobs)
{
	struct reading rd;
	struct pool pool;
	pthread_t *threads = NULL;
	size_t i;
	int k, nthreads = 0;

	memset(&pool, 0, sizeof pool);
	pthread_mutex_init(&pool.lock, NULL);
	pthread_cond_init(&pool.cond, NULL);
	units_init(&pool, in, skip);
	pool.opt = sc->opt;
	pool.progress = sc->progress;
	pool.sc = sc;
	pool.in = in;
	if ((size_t)njobs > in->nfiles)
		njobs = (int)in->nfiles;
	if (reading_init(&rd, sc->opt) == -1)
		exit(2);
	rd.progress = sc->progress;
	rd.show_progress = sc->show_progress;
	if (njobs > 1) {
		pool.hold_max = HOLD_MAX / (size_t)njobs;
		pool.wake_at = pool.hold_max / 4;
		pool.garbage = xcalloc((size_t)njobs, sizeof *pool.garbage);
		pool.home = xcalloc((size_t)njobs, sizeof *pool.home);
		pool.tables = xcalloc((size_t)njobs, sizeof *pool.tables);
		pool.out = xcalloc((size_t)njobs, sizeof *pool.out);
		pool.nreadings = (size_t)njobs;
		threads = xcalloc((size_t)njobs - 1, sizeof *threads);
		/* The workers are 0 to njobs - 2, as they start. */
		rd.id = (size_t)njobs - 1;
		pool.tables[rd.id] = rd.sessions;
		sc->pool = &pool;
		rd.pool = &pool;
		rd.helps = 1;
		pool.main_rd = &rd;
		for (k = 0; k < njobs - 1; k++, nthreads++)
			if (pthread_create(&threads[k], NULL, worker,
			    &pool) != 0) {
				diag(DIAG_ERROR, NULL, 0, "cannot start a "
				    "thread");
				exit(2);
			}
		main_reads(sc, &pool, &rd);
		pool.stop = 1;
		pthread_mutex_lock(&pool.lock);
		pthread_cond_broadcast(&pool.cond);
		pthread_mutex_unlock(&pool.lock);
		for (k = 0; k < nthreads; k++)
			pthread_join(threads[k], NULL);
		sc->pool = NULL;
		for (k = 0; k < njobs; k++) {
			free_batches(NULL, pool.garbage[k], 1);
			free_batches(NULL, pool.home[k], 1);
		}
		free_batches(NULL, pool.free, 1);
		free(pool.garbage);
		free(pool.home);
		free(pool.tables);
		free(pool.out);
		i = pool.taking;
	} else {
		rd.direct = sc;
		for (i = 0; i < pool.nunits; i++) {
			struct unit *u = &pool.units[i];

			sc->progress->file++;
			if (!u->skip)
				read_file(&rd, u, sc->opt);
			unit_done(sc, u);
			if (sc->show_progress)
				progress_show(sc->progress, 0);
			if (folder_end(in, i) == i + 1)
				sessions_close_all(sc->sessions);
			if (ferror(stdout))
				break;	/* the reader of the report has gone */
		}
		if (i < pool.nunits)
			i++;
	}
	reading_free(&rd, &pool.sessions);
	add_session_stats(sc->stats, &pool.sessions);
	for (; i < pool.nunits; i++)
		drop_unit(&pool.units[i]);
	pthread_mutex_destroy(&pool.lock);
	pthread_cond_destroy(&pool.cond);
	free(threads);
	free(pool.units);
}

/* ---- the window ---- */

/* The #Date: of a file's header, or -1. */
static int64_t
file_date(const struct input_file *f)
{
	struct reader *r;
	int64_t date = -1;
	FILE *fp;

	if (strcmp(f->path, "-") == 0 || (fp = input_open(f)) == NULL)
		return -1;
	r = reader_new(fp, f->path);
	if (reader_header(r) == LOG_SEND)
		date = reader_date(r);
	reader_free(r);
	input_close(f, fp);
	return date;
}

/* The time of the newest row of a file, reading it all; -1 if none. */
static int64_t
file_newest(const struct input_file *f)
{
	struct reader *r;
	struct row row;
	int64_t newest = -1;
	FILE *fp;

	if ((fp = input_open(f)) == NULL)
		return -1;
	r = reader_new(fp, f->path);
	diag_set_muted(1);
	if (reader_header(r) == LOG_SEND)
		while (reader_next(r, &row) == 1)
			if (row.time > newest)
				newest = row.time;
	diag_set_muted(0);
	reader_free(r);
	input_close(f, fp);
	return newest;
}

/*
 * Resolve the window and mark the files wholly outside it: a file holds
 * the rows from its #Date: to the next file's of its folder.  Relative
 * times count back from the newest row, in the last file of a folder.
 */
static int
plan_window(struct scan *sc, const struct input_list *in, char *skip)
{
	struct filter *flt = sc->opt->filter;
	int64_t *date, newest = -1, t;
	size_t i;

	if (!flt->since.set && !flt->until.set)
		return 0;
	date = xcalloc(in->nfiles + 1, sizeof *date);
	for (i = 0; i < in->nfiles; i++)
		date[i] = file_date(&in->files[i]);
	if ((flt->since.set && flt->since.relative) ||
	    (flt->until.set && flt->until.relative)) {
		for (i = 0; i < in->nfiles; i++) {
			if (strcmp(in->files[i].path, "-") == 0) {
				diag(DIAG_ERROR, NULL, 0, "a relative --since "
				    "or --until needs files, not standard "
				    "input");
				free(date);
				return -1;
			}
			if (i + 1 < in->nfiles && in->files[i + 1].folder ==
			    in->files[i].folder)
				continue;
			if ((t = file_newest(&in->files[i])) > newest)
				newest = t;
		}
	}
	if (filter_resolve(flt, newest) == -1) {
		diag(DIAG_ERROR, NULL, 0, "no rows to count a relative "
		    "--since or --until back from");
		free(date);
		return -1;
	}
	for (i = 0; i < in->nfiles; i++) {
		int64_t next = i + 1 < in->nfiles && in->files[i + 1].folder ==
		    in->files[i].folder ? date[i + 1] : -1;

		if ((next >= 0 && next + WINDOW_MARGIN < flt->from) ||
		    (date[i] >= 0 && flt->to != INT64_MAX &&
		    date[i] - WINDOW_MARGIN > flt->to))
			skip[i] = 1;
	}
	free(date);
	return 0;
}

int
scan_run(const struct scan_options *opt)
{
	struct progress progress;
	struct input_list in;
	struct scan sc;
	char *skip;
	size_t i;
	int status;

	memset(&progress, 0, sizeof progress);
	memset(&sc, 0, sizeof sc);
	input_collect(opt->paths, opt->npaths, &in);
	skip = xcalloc(in.nfiles + 1, 1);
	sc.opt = opt;
	if (plan_window(&sc, &in, skip) == -1) {
		free(skip);
		input_free(&in);
		return 2;
	}
	sc.summary = summary_new(opt->gap);
	sc.stats = &sc.summary->stats;
	sc.progress = &progress;
	sc.sessions = sessions_new(on_session_closed, &sc);
	sc.show_progress = opt->progress;
	sc.stats->skipped_other = in.skipped;
	sc.stats->files_skipped = in.skipped;
	sc.summary->have_window = opt->filter->have_window;
	sc.summary->since = opt->filter->since.set ? opt->filter->from : -1;
	sc.summary->until = opt->filter->until.set ? opt->filter->to : -1;
	sc.rules = opt->rules;
	sc.report = report_new(&opt->report, stdout);
	progress.on = opt->progress;
	progress.nfiles = in.nfiles;
	clock_gettime(CLOCK_MONOTONIC, &progress.start);
	/* Known only when every file is read as it is on disk. */
	for (i = 0; i < in.nfiles && opt->progress; i++) {
		long long size = input_plain_size(&in.files[i]);

		if (size < 0) {
			progress.total = 0;
			break;
		}
		progress.total += (unsigned long long)size;
	}
	scan_files(&sc, &in, skip, opt->jobs);
	input_thread_done();
	if (progress.shown)
		progress_show(&progress, 1);
	sessions_close_all(sc.sessions);
	add_session_stats(sc.stats, sessions_stats(sc.sessions));
	sessions_free(sc.sessions);
	rules_finish(sc.rules);
	sc.stats->findings = sc.summary->findings;
	sc.stats->errors = in.errors + sc.stats->files_unreadable;
	summary_finish(sc.summary);
	report_finish(sc.report, sc.summary);

	if (sc.stats->errors > 0)
		status = 2;
	else if (sc.stats->files_read == 0 && sc.stats->skipped_window == 0) {
		diag(DIAG_ERROR, NULL, 0, "no Exchange send log found");
		status = 2;
	} else
		status = sc.summary->findings > 0 ? 1 : 0;

	report_free(sc.report);
	summary_free(sc.summary);
	free(skip);
	input_free(&in);
	return status;
}
