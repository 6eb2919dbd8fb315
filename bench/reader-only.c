/*
 * reader-only: sendlog-scan's own reader and nothing after it, for the
 * benchmark (bench/run): what reading, splitting rows and parsing their
 * timestamps cost, apart from sessions, rules and reports.
 *
 *     reader-only FILE...
 *
 * Each file is read with reader_header() and reader_next() as the scan
 * reads it, on one thread.  It prints how many files, rows and bad rows it
 * saw.  Exit status 0, or 2 when a file could not be opened or read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "reader.h"

int
main(int argc, char *argv[])
{
	unsigned long long rows = 0, bad = 0, files = 0, check = 0;
	struct reader *r;
	struct row row;
	FILE *fp;
	int i, rc, status = 0;

	for (i = 1; i < argc; i++) {
		if ((fp = fopen(argv[i], "rb")) == NULL) {
			fprintf(stderr, "reader-only: %s: %s\n", argv[i],
			    strerror(errno));
			status = 2;
			continue;
		}
		r = reader_new(fp, argv[i]);
		if ((rc = reader_header(r)) == LOG_SEND)
			/* Use each row, so that none of it is optimised away. */
			while ((rc = reader_next(r, &row)) == 1)
				check += (unsigned long long)row.time +
				    row.session_id.len + (unsigned char)row.event;
		if (rc == -1) {
			fprintf(stderr, "reader-only: %s: read error\n",
			    argv[i]);
			status = 2;
		}
		rows += reader_stats(r)->rows;
		bad += reader_stats(r)->bad_rows;
		files++;
		reader_free(r);
		fclose(fp);
	}
	printf("files %llu\nrows %llu\nbad_rows %llu\ncheck %llu\n", files,
	    rows, bad, check);
	return status;
}
