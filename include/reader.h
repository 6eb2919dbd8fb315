/*
 * reader.h: rows out of one Exchange protocol log file.
 *
 * The reader reads physical lines, takes the "#" header block (strips the
 * UTF-8 BOM, maps columns by the names in #Fields:), and hands each data
 * line to libcsv.  Exchange never writes a raw CR or LF inside a field, so
 * one physical line is one row, and a row's line number is exact.
 *
 * A row that cannot be used (bad CSV, wrong number of fields, bad
 * timestamp, a line over READER_LINE_MAX bytes) is reported with
 * diag(DIAG_WARNING, file, line, ...), counted, and skipped; past the
 * first READER_BAD_ROWS_SHOWN of a file, only counted.
 */
#ifndef READER_H
#define READER_H

#include <stdint.h>
#include <stdio.h>

/*
 * Bytes asked of each read (and the line buffer's first size): 256 KB
 * read a gigabyte a tenth faster than 64 KB, and more gained nothing.
 */
#define READER_READ_SIZE	(256 * 1024)

/* Longest line (and so longest field) the reader accepts. */
#define READER_LINE_MAX	(1024 * 1024)

/*
 * Bad rows warned about per file.  The others are counted all the same,
 * and one warning at the end of the file says how many were not shown:
 * "N more bad rows not shown (M in this file)".
 */
#define READER_BAD_ROWS_SHOWN	10

enum log_kind {
	LOG_UNKNOWN,	/* no header seen (yet) */
	LOG_SEND,	/* #Log-type: SMTP Send Protocol Log */
	LOG_RECEIVE,	/* #Log-type: SMTP Receive Protocol Log */
	LOG_OTHER	/* a header, but another log type */
};

/* A field: bytes (may hold NUL) plus a terminating NUL after len. */
struct field {
	const char	*p;
	size_t		 len;
};

struct row {
	const char	*file;		/* the path as walked */
	unsigned long	 line;		/* 1-based physical line */
	int64_t		 time;		/* ms since the epoch, UTC */
	char		 event;		/* '+', '-', '>', '<', '*' */
	struct field	 date_time;
	struct field	 connector;
	struct field	 session_id;
	struct field	 sequence;
	struct field	 local;
	struct field	 remote;
	struct field	 data;
	struct field	 context;
};

struct reader_stats {
	unsigned long long bytes;	/* bytes read from the file */
	unsigned long	 lines;		/* physical lines */
	unsigned long	 rows;		/* rows handed out */
	unsigned long	 bad_rows;	/* rows skipped with a warning */
};

struct reader;

/*
 * Open a reader on fp, which the caller keeps and closes after
 * reader_free().  name is used in diagnostics and in every row; it must
 * stay valid as long as the reader and its rows are used.
 */
struct reader	*reader_new(FILE *fp, const char *name);
void		 reader_free(struct reader *);

/*
 * Read the header block.  Returns the log kind; LOG_UNKNOWN when the file
 * does not start with a header (not a log file), LOG_RECEIVE/LOG_OTHER for
 * logs the scan does not read.  No diagnostic is printed: the caller
 * decides.  -1 on a read error (errno set).
 */
int		 reader_header(struct reader *);

/*
 * After reader_header() said LOG_SEND: 1 when #Fields: lacks a column the
 * scan cannot do without, with its name in *name; else 0.
 */
int		 reader_missing_columns(const struct reader *, const char **name);

/*
 * The next row.  Returns 1 and fills *row, 0 at end of file, -1 on a read
 * error (errno set).  The fields point into the reader's buffers and stay
 * valid until the next call to reader_next() or reader_free().
 */
int		 reader_next(struct reader *, struct row *);

const struct reader_stats *reader_stats(const struct reader *);

/*
 * How lines are split into fields, for the tests that prove the ways
 * equal.  2, the default: well-formed lines are split where they lie
 * (the fast path), with AVX2 and PCLMUL when the CPU has them (which
 * take lines with quoted fields on the fast path too), and the fields of
 * the standard columns put in the row each by its own code; 1: the same
 * without them; 0: every line through libcsv, and its fields put in the
 * row by the loop that serves any columns.  Anything else goes to libcsv
 * on any level, and gives the same fields.
 */
void		 reader_set_fast_path(struct reader *, int level);

/*
 * A copy of row that owns its bytes, in one allocation (free() it), with
 * readable room after each field as the reader's own rows have: the
 * fields one after another, each ended by a NUL, as in the line, and
 * zeroed room after the last.
 */
struct row	*reader_row_copy(const struct row *);
/*
 * The same in memory of the caller's: reader_row_size() bytes at mem,
 * aligned as malloc() aligns.
 */
size_t		 reader_row_size(const struct row *);
struct row	*reader_row_copy_to(const struct row *, void *mem);

/* The time in the first #Date: line of the header, or -1. */
int64_t		 reader_date(const struct reader *);

#endif
