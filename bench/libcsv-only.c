/*
 * libcsv-only: the baseline of the sendlog-scan benchmark (bench/run), the
 * reader as first designed: every data line of every log through libcsv.
 *
 *     libcsv-only PATH...
 *
 * PATH is a file or a folder (read recursively).  Lines are read with
 * getline(); the line end (CRLF or LF) is cut off, a UTF-8 BOM at the start
 * of a file is skipped, and lines that start with '#' (the header block) are
 * skipped.  Each other line goes to libcsv on its own, csv_parse() then
 * csv_fini(), in strict mode and with nothing trimmed (the options
 * sendlog-scan's reader gives libcsv).  Nothing else is done with the
 * fields: it prints how many files, lines, rows, fields and malformed lines
 * it saw.  Exit status 0, or 2 when a path could not be read.
 */
#define _POSIX_C_SOURCE 200809L

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

struct counts {
	uint64_t files, lines, header_lines, rows, fields, bad_lines;
	uint64_t field_bytes;
};

static struct counts total;
static struct csv_parser parser;
static int status;

/* Nothing is trimmed: leading spaces in data are significant. */
static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

/* One line is one row: line ends are cut off before libcsv sees them. */
static int
no_term(unsigned char c)
{
	(void)c;
	return 0;
}

static void
parser_init(void)
{
	if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		fprintf(stderr, "libcsv-only: csv_init failed\n");
		exit(2);
	}
	csv_set_space_func(&parser, no_space);
	csv_set_term_func(&parser, no_term);
}

static void
on_field(void *field, size_t len, void *ctx)
{
	struct counts *c = ctx;

	(void)field;
	c->fields++;
	c->field_bytes += len;
}

static void
on_row(int term, void *ctx)
{
	struct counts *c = ctx;

	(void)term;
	c->rows++;
}

static void
read_file(const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	size_t len;
	FILE *fp;
	char *p;
	int first = 1;

	fp = fopen(path, "rb");
	if (fp == NULL) {
		fprintf(stderr, "libcsv-only: %s: %s\n", path, strerror(errno));
		status = 2;
		return;
	}
	total.files++;
	while ((n = getline(&line, &cap, fp)) != -1) {
		p = line;
		len = (size_t)n;
		total.lines++;
		if (first && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
			p += 3;
			len -= 3;
		}
		first = 0;
		if (len > 0 && p[len - 1] == '\n')
			len--;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > 0 && p[0] == '#') {
			total.header_lines++;
			continue;
		}
		if (len == 0)
			continue;
		if (csv_parse(&parser, p, len, on_field, on_row, &total) != len ||
		    csv_fini(&parser, on_field, on_row, &total) != 0) {
			total.bad_lines++;
			csv_free(&parser);
			parser_init();
		}
	}
	if (ferror(fp)) {
		fprintf(stderr, "libcsv-only: %s: %s\n", path, strerror(errno));
		status = 2;
	}
	free(line);
	fclose(fp);
}

static void
read_path(const char *path)
{
	struct dirent *e;
	struct stat st;
	char *sub;
	size_t n;
	DIR *d;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "libcsv-only: %s: %s\n", path, strerror(errno));
		status = 2;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		read_file(path);
		return;
	}
	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "libcsv-only: %s: %s\n", path, strerror(errno));
		status = 2;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n = strlen(path) + strlen(e->d_name) + 2;
		sub = malloc(n);
		if (sub == NULL) {
			fprintf(stderr, "libcsv-only: out of memory\n");
			exit(2);
		}
		snprintf(sub, n, "%s/%s", path, e->d_name);
		read_path(sub);
		free(sub);
	}
	closedir(d);
}

int
main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: libcsv-only PATH...\n");
		return 2;
	}
	parser_init();
	for (i = 1; i < argc; i++)
		read_path(argv[i]);
	csv_free(&parser);
	printf("files %" PRIu64 "\nlines %" PRIu64 "\nheader_lines %" PRIu64
	    "\nrows %" PRIu64 "\nfields %" PRIu64 "\nfield_bytes %" PRIu64
	    "\nbad_lines %" PRIu64 "\n", total.files, total.lines,
	    total.header_lines, total.rows, total.fields, total.field_bytes,
	    total.bad_lines);
	return status;
}
