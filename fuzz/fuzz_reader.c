/*
 * fuzz_reader.c: bytes -> reader_new/reader_header/reader_next until the
 * end, checking what reader.h promises of every row; and the same bytes
 * read with the fast path off (libcsv for every line), which must give the
 * same rows, field for field, and the same counts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fuzz.h"
#include "logtime.h"
#include "reader.h"

static const char NAME[] = "fuzz/SEND20261102-1.LOG";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_stderr();
	return 0;
}

static void
check_field(const struct field *f, const char *what, unsigned long line)
{
	FUZZ_CHECK(f->p != NULL, "line %lu: %s is NULL", line, what);
	FUZZ_CHECK(f->p[f->len] == '\0', "line %lu: %s (%zu bytes) not "
	    "NUL-terminated", line, what, f->len);
	FUZZ_CHECK(f->len <= READER_LINE_MAX, "line %lu: %s of %zu bytes",
	    line, what, f->len);
}

static void
read_all(const uint8_t *data, size_t size)
{
	const struct reader_stats *st;
	struct reader *r;
	struct row row;
	unsigned long last = 0, rows = 0;
	char *copy;
	const char *missing;
	int64_t t;
	FILE *fp;
	int kind, rc, scanned;

	fp = fuzz_open_input(data, size, &copy);
	r = reader_new(fp, NAME);
	kind = reader_header(r);
	FUZZ_CHECK(kind == LOG_UNKNOWN || kind == LOG_SEND ||
	    kind == LOG_RECEIVE || kind == LOG_OTHER, "reader_header "
	    "returned %d", kind);
	/* What scan.c reads: a send log with the columns it needs. */
	scanned = kind == LOG_SEND;
	if (kind == LOG_SEND && reader_missing_columns(r, &missing)) {
		FUZZ_CHECK(missing != NULL && missing[0] != '\0', "no name");
		scanned = 0;
	}
	/* Any time: a #Date: before 1970 is negative. */
	(void)reader_date(r);
	/* Read on whatever the header said: the scan never does, but the
	 * reader must cope. */
	while ((rc = reader_next(r, &row)) == 1) {
		rows++;
		/* Without an event column no row has an event: the scan does
		 * not read such a file (reader_missing_columns). */
		if (scanned)
			FUZZ_CHECK(row.event != '\0' &&
			    strchr("+-<>*", row.event) != NULL, "line %lu: "
			    "event 0x%02x", row.line,
			    (unsigned char)row.event);
		FUZZ_CHECK(row.line > last, "line %lu after line %lu",
		    row.line, last);
		last = row.line;
		FUZZ_CHECK(row.file == NAME, "row.file is not the name");
		check_field(&row.date_time, "date_time", row.line);
		check_field(&row.connector, "connector", row.line);
		check_field(&row.session_id, "session_id", row.line);
		check_field(&row.sequence, "sequence", row.line);
		check_field(&row.local, "local", row.line);
		check_field(&row.remote, "remote", row.line);
		check_field(&row.data, "data", row.line);
		check_field(&row.context, "context", row.line);
		FUZZ_CHECK(row.session_id.len > 0, "line %lu: empty session "
		    "id", row.line);
		FUZZ_CHECK(logtime_parse(row.date_time.p, row.date_time.len,
		    &t) == 0 && t == row.time, "line %lu: time %lld does "
		    "not come from the date_time field", row.line,
		    (long long)row.time);
		st = reader_stats(r);
		FUZZ_CHECK(row.line <= st->lines, "line %lu of %lu lines",
		    row.line, st->lines);
		FUZZ_CHECK(st->rows == rows, "stats say %lu rows, %lu seen",
		    st->rows, rows);
	}
	FUZZ_CHECK(rc == 0, "reader_next returned %d on a memory stream",
	    rc);
	FUZZ_CHECK(reader_next(r, &row) == 0, "a row after the end");
	st = reader_stats(r);
	FUZZ_CHECK(st->bytes == size, "read %llu of %zu bytes", st->bytes,
	    size);
	FUZZ_CHECK(st->rows == rows, "stats say %lu rows, %lu seen",
	    st->rows, rows);
	FUZZ_CHECK(st->rows + st->bad_rows <= st->lines, "%lu rows + %lu "
	    "bad rows > %lu lines", st->rows, st->bad_rows, st->lines);
	FUZZ_CHECK(st->lines <= size, "%lu lines in %zu bytes", st->lines,
	    size);
	reader_free(r);
	fclose(fp);
	free(copy);
}

static void
same_field(const struct field *a, const struct field *b, const char *what,
    unsigned long line)
{
	FUZZ_CHECK(a->len == b->len && memcmp(a->p, b->p, a->len) == 0,
	    "line %lu: %s is %zu bytes with the fast path, %zu with libcsv",
	    line, what, a->len, b->len);
}

/* The fast path at level (see reader_set_fast_path()) gives what libcsv
 * gives. */
static void
fast_equals_libcsv(const uint8_t *data, size_t size, int level)
{
	const struct reader_stats *sa, *sb;
	struct reader *fast, *slow;
	struct row a, b;
	char *copy1, *copy2;
	FILE *fp1, *fp2;
	int ra, rb;

	fp1 = fuzz_open_input(data, size, &copy1);
	fp2 = fuzz_open_input(data, size, &copy2);
	fast = reader_new(fp1, NAME);
	reader_set_fast_path(fast, level);
	slow = reader_new(fp2, NAME);
	reader_set_fast_path(slow, 0);
	ra = reader_header(fast);
	rb = reader_header(slow);
	FUZZ_CHECK(ra == rb, "header %d with the fast path, %d without", ra,
	    rb);
	do {
		ra = reader_next(fast, &a);
		rb = reader_next(slow, &b);
		FUZZ_CHECK(ra == rb, "reader_next %d with the fast path, %d "
		    "with libcsv", ra, rb);
		if (ra != 1)
			break;
		FUZZ_CHECK(a.line == b.line && a.time == b.time &&
		    a.event == b.event, "row at line %lu (fast path) and %lu "
		    "(libcsv) differ", a.line, b.line);
		same_field(&a.date_time, &b.date_time, "date_time", a.line);
		same_field(&a.connector, &b.connector, "connector", a.line);
		same_field(&a.session_id, &b.session_id, "session_id", a.line);
		same_field(&a.sequence, &b.sequence, "sequence", a.line);
		same_field(&a.local, &b.local, "local", a.line);
		same_field(&a.remote, &b.remote, "remote", a.line);
		same_field(&a.data, &b.data, "data", a.line);
		same_field(&a.context, &b.context, "context", a.line);
	} while (ra == 1);
	sa = reader_stats(fast);
	sb = reader_stats(slow);
	FUZZ_CHECK(sa->bytes == sb->bytes && sa->lines == sb->lines &&
	    sa->rows == sb->rows && sa->bad_rows == sb->bad_rows, "counts "
	    "differ: %lu rows, %lu bad with the fast path; %lu, %lu with "
	    "libcsv", sa->rows, sa->bad_rows, sb->rows, sb->bad_rows);
	reader_free(fast);
	reader_free(slow);
	fclose(fp1);
	fclose(fp2);
	free(copy1);
	free(copy2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *big;
	size_t bigsize;

	read_all(data, size);
	fast_equals_libcsv(data, size, 1);
	fast_equals_libcsv(data, size, 2);
	if ((big = fuzz_expand(data, size, &bigsize)) != NULL) {
		read_all(big, bigsize);
		free(big);
	}
	return 0;
}
